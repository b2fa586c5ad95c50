"""The assessor's half: feedback, judgements per criterion, sign-off, and the action plan.

A Judgement is the current decision on one criterion (or sub-part) of one enrolled unit; every
change is also written to JudgementHistory, so who decided what, and when, is never lost. A
UnitSignOff freezes a unit: it holds both signatures and a SHA-256 digest of the judgements and
evidence files it covers, and it ends only by a recorded reopening, never by editing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import EvidenceItem
from nvq_portfolio.text import ACCOUNT, MESSAGE, NOTE, BoundedTextField
from people.models import Enrolment, EnrolmentUnit


class Feedback(models.Model):
    """One message in an item's feedback thread between assessor and learner."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        SENT_BACK = "sent_back", "Sent back: needs more work"
        ACCEPTED = "accepted", "Accepted"
        REPLY = "reply", "Learner's reply"

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMMENT)
    text = BoundedTextField("message", max_length=MESSAGE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.item}"


class Judgement(models.Model):
    class Outcome(models.TextChoices):
        MET = "met", "Met"
        NOT_YET = "not_yet", "Not yet met"

    enrolled_unit = models.ForeignKey(
        EnrolmentUnit, on_delete=models.PROTECT, related_name="judgements"
    )
    criterion = models.ForeignKey(
        AssessmentCriterion, on_delete=models.PROTECT, related_name="judgements"
    )
    part = models.ForeignKey(
        CriterionPart, on_delete=models.PROTECT, related_name="judgements", null=True, blank=True
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    rationale = BoundedTextField(max_length=ACCOUNT)
    methods = models.JSONField(default=list, help_text="AssessmentMethod values used.")
    evidence = models.ManyToManyField(
        EvidenceItem, through="JudgementEvidence", related_name="judgements"
    )
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    judged_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["criterion__outcome__number", "criterion__number", "part__letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolled_unit", "criterion"],
                condition=Q(part__isnull=True),
                name="one_judgement_per_criterion",
            ),
            models.UniqueConstraint(
                fields=["enrolled_unit", "part"],
                condition=Q(part__isnull=False),
                name="one_judgement_per_part",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.get_outcome_display()}"

    @property
    def code(self):
        return self.part.code if self.part_id else self.criterion.code


class JudgementEvidence(models.Model):
    """An item a judgement relies on, with the assessor's VACSR check of it."""

    judgement = models.ForeignKey(Judgement, on_delete=models.CASCADE, related_name="relied_on")
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="+")
    valid = models.BooleanField(default=False)
    authentic = models.BooleanField(default=False)
    current = models.BooleanField(default=False)
    sufficient = models.BooleanField(default=False)
    reliable = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["judgement", "item"], name="item_relied_on_once"),
        ]

    def __str__(self):
        return f"{self.judgement} relies on {self.item}"

    @property
    def vacsr_complete(self):
        return all((self.valid, self.authentic, self.current, self.sufficient, self.reliable))


class JudgementHistory(models.Model):
    """Every version of every judgement, as it was recorded: append only."""

    judgement = models.ForeignKey(Judgement, on_delete=models.PROTECT, related_name="history")
    version = models.PositiveIntegerField()
    outcome = models.CharField(max_length=8, choices=Judgement.Outcome.choices)
    rationale = BoundedTextField(max_length=ACCOUNT)
    methods = models.JSONField(default=list)
    evidence = models.JSONField(default=list, help_text="Items relied on, with their VACSR check.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    change = models.CharField(max_length=300, blank=True, help_text="What changed, in words.")

    class Meta:
        ordering = ["judgement", "version"]
        constraints = [
            models.UniqueConstraint(fields=["judgement", "version"], name="judgement_version_once"),
        ]

    def __str__(self):
        return f"{self.judgement} v{self.version}"


class UnitSignOff(models.Model):
    enrolled_unit = models.ForeignKey(
        EnrolmentUnit, on_delete=models.PROTECT, related_name="sign_offs"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessor_declaration = models.TextField()
    assessor_signed_at = models.DateTimeField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of what the signatures cover.")
    covered = models.JSONField(help_text="The judgements and files the digest covers.")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    learner_declaration = models.TextField(blank=True)
    learner_signed_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reopen_reason = BoundedTextField("reason for reopening", max_length=NOTE, blank=True)

    class Meta:
        ordering = ["enrolled_unit", "-assessor_signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolled_unit"],
                condition=Q(reopened_at__isnull=True),
                name="one_standing_sign_off_per_unit",
            ),
        ]

    def __str__(self):
        return f"Sign-off of {self.enrolled_unit}"

    @property
    def is_standing(self):
        return self.reopened_at is None

    @property
    def is_countersigned(self):
        return self.learner_signed_at is not None


class Target(models.Model):
    """An action-plan target the assessor sets the learner, against criteria, with a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        WITHDRAWN = "withdrawn", "Withdrawn"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="targets")
    description = BoundedTextField(max_length=NOTE)
    criteria = models.ManyToManyField(AssessmentCriterion, blank=True, related_name="targets")
    parts = models.ManyToManyField(CriterionPart, blank=True, related_name="targets")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description[:60]


class TargetReopening(models.Model):
    """A closed target opened again by the assessor, with their reason and how it had stood."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reopenings")
    reason = BoundedTextField(max_length=NOTE)
    was_status = models.CharField(max_length=10, choices=Target.Status.choices)
    was_closed_at = models.DateTimeField(null=True, blank=True)
    was_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField()

    class Meta:
        ordering = ["reopened_at", "pk"]

    def __str__(self):
        return f"Reopened: {self.target}"
