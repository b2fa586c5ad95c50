"""Quality assurance: IQA sampling plans built on CAMERA, sample reviews with their actions,
standardisation records, and the scoped, time-limited access an EQA is granted.

An assessor's risk rating sets how much of their work is sampled; ratings are append only, so
the dashboard can show each assessor's rating over time. A SampleReview is signed like a unit
sign-off: it stores the IQA's declaration and a SHA-256 digest of the verdicts and the
judgement versions they were given on.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from assessments.models import Judgement
from criteria.models import AssessmentCriterion, Qualification, Unit
from nvq_portfolio.text import (
    ACCOUNT,
    MESSAGE,
    NOTE,
    SHORT,
    BoundedCharField,
    BoundedTextField,
)
from people.models import Enrolment, EnrolmentUnit


class RiskRating(models.TextChoices):
    NEW = "new", "New or unqualified"
    STANDARD = "standard", "Standard"
    LOW = "low", "Low risk"


class SamplingPolicy(models.Model):
    """The centre's sampling rates by assessor risk: one row, edited by a centre admin."""

    new_rate = models.PositiveSmallIntegerField(
        "rate for new or unqualified assessors (%)",
        default=100,
        validators=[MaxValueValidator(100)],
    )
    standard_rate = models.PositiveSmallIntegerField(
        "rate for standard-risk assessors (%)", default=50, validators=[MaxValueValidator(100)]
    )
    low_rate = models.PositiveSmallIntegerField(
        "rate for low-risk assessors (%)", default=15, validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name_plural = "sampling policy"
        constraints = [
            models.CheckConstraint(
                condition=Q(new_rate__lte=100, standard_rate__lte=100, low_rate__lte=100),
                name="sampling_rates_are_percentages",
            ),
        ]

    def __str__(self):
        return "Sampling policy"

    def rate_for(self, rating):
        return {
            RiskRating.NEW: self.new_rate,
            RiskRating.STANDARD: self.standard_rate,
            RiskRating.LOW: self.low_rate,
        }[rating]


class AssessorRisk(models.Model):
    """One rating of one assessor, as it was set: append only."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="risk_ratings"
    )
    rating = models.CharField(max_length=10, choices=RiskRating.choices)
    reason = BoundedCharField(max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["assessor", "-set_at", "-pk"]
        get_latest_by = "set_at"

    def __str__(self):
        return f"{self.assessor}: {self.get_rating_display()}"


class SamplingPlan(models.Model):
    iqa = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="internal quality assurer",
        on_delete=models.PROTECT,
        related_name="sampling_plans",
    )
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="sampling_plans"
    )
    title = BoundedCharField(max_length=SHORT)
    period_start = models.DateField()
    period_end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="plan_period_end_not_before_start",
                violation_error_message="The plan cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("quality:plan", args=[self.pk])


class SampleEntry(models.Model):
    """A learner's unit in a plan, to be sampled interim or summatively by a date."""

    class Stage(models.TextChoices):
        INTERIM = "interim", "Interim"
        SUMMATIVE = "summative", "Summative"

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="entries")
    enrolled_unit = models.ForeignKey(
        EnrolmentUnit, on_delete=models.PROTECT, related_name="sample_entries"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    planned_for = models.DateField("sample by")
    reasons = models.JSONField(default=list, help_text="Why this is in the sample, in words.")
    criteria = models.ManyToManyField(
        AssessmentCriterion, blank=True, related_name="+", help_text="Empty: the whole unit."
    )
    suggested = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_for", "pk"]
        verbose_name_plural = "sample entries"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "enrolled_unit", "stage"],
                name="unit_sampled_once_per_stage_in_a_plan",
                violation_error_message="This unit is already in the plan at this stage.",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} sample of {self.enrolled_unit}"


class SampleReview(models.Model):
    """The IQA's signed review of one sample entry: verdicts, feedback and actions."""

    entry = models.OneToOneField(SampleEntry, on_delete=models.PROTECT, related_name="review")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sampled_reviews",
        help_text="Whose decisions were sampled.",
    )
    feedback = BoundedTextField("feedback to the assessor", max_length=ACCOUNT)
    agreed = models.BooleanField(help_text="Whether the IQA agreed with every decision sampled.")
    declaration = models.TextField()
    signed_at = models.DateTimeField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of what the signature covers.")
    covered = models.JSONField(help_text="The verdicts and judgement versions the digest covers.")

    class Meta:
        ordering = ["-signed_at", "-pk"]

    def __str__(self):
        return f"Review of {self.entry}"

    def get_absolute_url(self):
        return reverse("quality:review", args=[self.pk])


class SampleReviewDraft(models.Model):
    """An IQA's review of a sample, saved to be finished later: nothing in it is signed, and
    only that IQA sees it. Signing the review deletes it."""

    entry = models.OneToOneField(SampleEntry, on_delete=models.CASCADE, related_name="draft")
    iqa = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdicts = models.JSONField(
        default=dict, blank=True, help_text='{judgement pk: {"agreed": true/false, "comment": ""}}'
    )
    feedback = BoundedTextField(max_length=ACCOUNT, blank=True)
    actions = models.JSONField(
        default=list, blank=True, help_text='[{"description": "", "due": "YYYY-MM-DD"}]'
    )
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Draft review of {self.entry}"


class Verdict(models.Model):
    """The IQA's agreement or disagreement with one judgement, as it stood when sampled."""

    review = models.ForeignKey(SampleReview, on_delete=models.CASCADE, related_name="verdicts")
    judgement = models.ForeignKey(Judgement, on_delete=models.PROTECT, related_name="verdicts")
    judgement_version = models.PositiveIntegerField()
    judgement_outcome = models.CharField(
        max_length=8, choices=Judgement.Outcome.choices, help_text="The outcome as sampled."
    )
    agreed = models.BooleanField()
    comment = BoundedTextField(max_length=NOTE, blank=True)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "judgement"], name="one_verdict_per_judgement"
            ),
        ]

    def __str__(self):
        return f"{'Agreed' if self.agreed else 'Disagreed'}: {self.judgement}"


class QualityAction(models.Model):
    """An action an IQA sets an assessor in a review, answered by them and closed by the IQA."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Assessor responded"
        CLOSED = "closed", "Closed"

    review = models.ForeignKey(SampleReview, on_delete=models.PROTECT, related_name="actions")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quality_actions"
    )
    description = BoundedTextField("action", max_length=NOTE)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    response = BoundedTextField(max_length=MESSAGE, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closing_note = BoundedTextField(max_length=NOTE, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description[:60]


class StandardisationRecord(models.Model):
    """A standardisation meeting or exercise: who took part, what they looked at, the outcome."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Standardisation meeting"
        EXERCISE = "exercise", "Standardisation exercise"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    held_on = models.DateField("date")
    topic = BoundedCharField(max_length=SHORT)
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    other_attendees = BoundedCharField(
        "other attendees", max_length=300, blank=True, help_text="People without a login here."
    )
    evidence_looked_at = BoundedTextField("evidence looked at", max_length=MESSAGE)
    outcomes = BoundedTextField(max_length=ACCOUNT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.topic}"

    def get_absolute_url(self):
        return reverse("quality:standardisation", args=[self.pk])


def standardisation_upload_to(instance, filename):
    # A generated name: the original, kept in the row, never reaches the file system.
    return f"standardisation/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:10]}"


class StandardisationDocument(models.Model):
    record = models.ForeignKey(
        StandardisationRecord, on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(upload_to=standardisation_upload_to, max_length=255)
    original_name = models.CharField(max_length=180)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class EqaGrant(models.Model):
    """Read-only access for an external quality assurer to a sample, ending by itself."""

    eqa = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="external quality assurer",
        on_delete=models.PROTECT,
        related_name="eqa_grants",
    )
    enrolments = models.ManyToManyField(Enrolment, related_name="eqa_grants")
    units = models.ManyToManyField(Unit, related_name="eqa_grants")
    covers_from = models.DateField(help_text="IQA plans, reviews and standardisation from.")
    covers_to = models.DateField(help_text="IQA plans, reviews and standardisation until.")
    expires_at = models.DateTimeField("access ends")
    purpose = BoundedCharField(max_length=SHORT, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_to__gte=F("covers_from")),
                name="eqa_grant_range_in_order",
                violation_error_message="The range cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return f"EQA access for {self.eqa}"

    def get_absolute_url(self):
        return reverse("quality:grant", args=[self.pk])


class EqaAccessLog(models.Model):
    """Every page an external quality assurer opened, or tried to: append only."""

    eqa = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="eqa_access_log"
    )
    at = models.DateTimeField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    view_name = models.CharField(max_length=100, blank=True)
    object_ref = models.CharField("object", max_length=300, blank=True)
    status_code = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["eqa", "at"])]

    def __str__(self):
        return f"{self.eqa} {self.method} {self.path}"
