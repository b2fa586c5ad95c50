"""What learners bring to their portfolio: evidence items, their files, versions and mappings.

An item's fields are its working copy, editable while it is a draft. Submitting freezes the
working copy into an EvidenceVersion with the learner's declaration; revising a submitted item
makes it a draft again, and the next submission is the next version. Nothing submitted is ever
deleted: files and versions stay readable for assessors and verifiers.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from criteria.models import AssessmentCriterion, CriterionPart
from nvq_portfolio.text import MESSAGE, NOTE, SHORT, BoundedCharField, BoundedTextField
from people.models import Enrolment


class EvidenceType(models.TextChoices):
    # The examples of evidence the unit specification names, in its order, then the templates.
    ANNOTATED_PROCEDURE = "annotated_procedure", "Annotated procedure"
    COMPLAINT_RECORD = "complaint_record", "Record of complaints"
    COMPLAINTS_LOG = "complaints_log", "Internal customer complaints log"
    COMMUNICATION_RECORD = "communication_record", "Record of communications"
    REFERRAL = "referral", "Communication about a problem referred to others"
    COMPLAINT_NOTES = "complaint_notes", "Written notes in response to a complaint"
    MONITORING_RECORD = "monitoring_record", "Monitoring record"
    FEEDBACK_LOG = "feedback_log", "Internal customer feedback log or survey"
    SUGGESTION = "suggestion", "Suggestion"
    ONE_TO_ONE_MINUTES = "one_to_one_minutes", "Minutes of a 1 to 1 meeting"
    SERVICE_EVALUATION = "service_evaluation", "Evaluation of customer service provided"
    EVALUATION_REPORT = "evaluation_report", "Evaluation report"
    DEVELOPMENT_PLAN = "development_plan", "Development plan"
    REFLECTIVE_ACCOUNT = "reflective_account", "Reflective account"
    WITNESS_TESTIMONY = "witness_testimony", "Witness testimony"
    OTHER = "other", "Other"


class AssessmentMethod(models.TextChoices):
    WORK_PRODUCT = "work_product", "Examination of work product"
    OBSERVATION = "observation", "Observation of performance"
    WITNESS_TESTIMONY = "witness_testimony", "Witness testimony"
    LEARNER_STATEMENT = "learner_statement", "Learner statement or reflective account"
    PROFESSIONAL_DISCUSSION = "professional_discussion", "Professional discussion"
    QUESTIONING = "questioning", "Questioning"
    PRIOR_LEARNING = "prior_learning", "Recognition of prior learning"


class EvidenceItem(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        ACCEPTED = "accepted", "Accepted"
        NEEDS_MORE_WORK = "needs_more_work", "Needs more work"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="evidence_items"
    )
    title = BoundedCharField(max_length=SHORT)
    description = BoundedTextField(max_length=MESSAGE, blank=True)
    activity_date = models.DateField("date of the activity")
    evidence_type = models.CharField(max_length=32, choices=EvidenceType.choices)
    assessment_method = models.CharField(max_length=32, choices=AssessmentMethod.choices)
    template = models.CharField(
        max_length=32,
        blank=True,
        help_text="The typed-evidence template whose answers are in typed_content, if any.",
    )
    typed_content = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The assessor's own records (observation, professional discussion, questioning) are
    # evidence too: the assessor owns and versions them, and the learner acknowledges each
    # version rather than declaring it their own work.
    is_assessor_record = models.BooleanField(default=False)

    class Meta:
        ordering = ["-activity_date", "-pk"]
        indexes = [
            models.Index(fields=["enrolment", "status"]),
            # The evidence list, newest activity first, pages without sorting every item.
            models.Index(fields=["-activity_date", "-id"], name="evidence_newest_first"),
            # The caseload's review queue: items waiting for review, oldest submission first.
            models.Index(
                fields=["submitted_at", "id"],
                name="evidence_waiting_for_review",
                condition=Q(status__in=["submitted", "in_review"]),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evidence:item", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


def evidence_upload_to(instance, filename):
    # A generated name: the learner's own file name is kept, made safe, in original_name.
    return f"evidence/{instance.item.enrolment_id}/{uuid.uuid4().hex}"


class EvidenceFile(models.Model):
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(max_length=180)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Taken out of the working copy; kept for earlier versions."
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_file_not_empty"),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("evidence:file", args=[self.pk])


class EvidenceMapping(models.Model):
    """The claim that an item shows a criterion (or one lettered sub-part of it)."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not yet reviewed"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="mappings")
    criterion = models.ForeignKey(
        AssessmentCriterion, on_delete=models.PROTECT, related_name="evidence_mappings"
    )
    part = models.ForeignKey(
        CriterionPart,
        on_delete=models.PROTECT,
        related_name="evidence_mappings",
        null=True,
        blank=True,
    )
    note = BoundedCharField(max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_by_assessor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The assessor's review of this claim; a criterion can be met only on accepted mappings.
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_comment = BoundedTextField("comment", max_length=NOTE, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["criterion__outcome__number", "criterion__number", "part__letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "criterion"],
                condition=Q(part__isnull=True),
                name="criterion_mapped_once_per_item",
            ),
            models.UniqueConstraint(
                fields=["item", "part"],
                condition=Q(part__isnull=False),
                name="part_mapped_once_per_item",
            ),
        ]

    def __str__(self):
        return f"{self.item} → {self.code}"

    @property
    def code(self):
        return self.part.code if self.part_id else self.criterion.code


class EvidenceVersion(models.Model):
    """A submitted, frozen copy of an item: what the learner declared as their own work, or
    the assessor's record as they wrote it, with the learner's acknowledgement of it."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    activity_date = models.DateField()
    evidence_type = models.CharField(max_length=32, choices=EvidenceType.choices)
    assessment_method = models.CharField(max_length=32, choices=AssessmentMethod.choices)
    template = models.CharField(max_length=32, blank=True)
    typed_content = models.JSONField(default=dict, blank=True)
    files = models.ManyToManyField(EvidenceFile, related_name="versions")
    mappings = models.JSONField(
        default=list, help_text="The mappings as submitted: code, text and note of each."
    )
    declaration = models.TextField()
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()
    # Only on an assessor's record: the learner agrees this version is an accurate account.
    # An acknowledgement covers the version it was given for, never a later one.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = BoundedTextField(max_length=MESSAGE, blank=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="evidence_version_unique"),
        ]

    def __str__(self):
        return f"{self.item} (version {self.number})"

    def get_absolute_url(self):
        return reverse("evidence:version", args=[self.item_id, self.number])
