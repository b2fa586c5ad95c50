"""Notices to people about their portfolio work, shown in the app and sent by email."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        ITEM_SUBMITTED = "item_submitted", "Evidence submitted"
        FEEDBACK = "feedback", "Feedback given"
        REPLY = "reply", "Reply to feedback"
        ITEM_ACCEPTED = "item_accepted", "Evidence accepted"
        JUDGEMENT_CHANGED = "judgement_changed", "Judgement changed"
        ITEM_SENT_BACK = "item_sent_back", "Evidence sent back"
        RECORD_WRITTEN = "record_written", "Record to acknowledge"
        RECORD_ACKNOWLEDGED = "record_acknowledged", "Record acknowledged"
        TARGET_SET = "target_set", "Target set"
        TARGET_CLOSED = "target_closed", "Target closed"
        TARGET_DUE = "target_due", "Target due"
        UNIT_SIGNED = "unit_signed", "Unit signed off"
        UNIT_COUNTERSIGNED = "unit_countersigned", "Unit countersigned"
        UNIT_REOPENED = "unit_reopened", "Unit reopened"
        SAMPLE_REVIEWED = "sample_reviewed", "IQA sample review"
        QUALITY_ACTION = "quality_action", "IQA action"
        ACTION_ANSWERED = "action_answered", "IQA action answered"
        ACTION_CLOSED = "action_closed", "IQA action closed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    # What the notice is about, when later notices about it should update it rather than
    # pile up: "judgement:12:by:3" for one person's edits of one judgement.
    topic = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The daily digest: each person's notices not yet emailed.
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_not_emailed",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.message
