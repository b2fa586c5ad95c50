"""People who use the portfolio and the enrolments that give them their roles.

A person has no global role (except centre admin): whether they are a learner, assessor or
internal quality assurer is decided per enrolment, so one assessor can be another learner's IQA.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from criteria.models import Qualification, Unit


class User(AbstractUser):
    is_centre_admin = models.BooleanField(
        "centre admin",
        default=False,
        help_text="Manages people, enrolments and the unit catalogue.",
    )
    is_external_verifier = models.BooleanField(
        "external quality assurer",
        default=False,
        help_text=(
            "From the awarding body: reads only what a centre admin grants, for a limited time, "
            "and can change nothing."
        ),
    )
    daily_digest = models.BooleanField(
        "daily email digest",
        default=False,
        help_text="One email a day listing the day's notices, instead of an email for each.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_BREAK = "on_break", "On a break in learning"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    learner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="enrolments")
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="enrolments"
    )
    units = models.ManyToManyField(Unit, through="EnrolmentUnit", related_name="enrolments")
    assessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assessor_enrolments")
    iqa = models.ForeignKey(
        User,
        verbose_name="internal quality assurer",
        on_delete=models.PROTECT,
        related_name="iqa_enrolments",
        null=True,
        blank=True,
    )
    start_date = models.DateField()
    planned_end_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved on by every service that changes the portfolio: keys its cached pages.
    portfolio_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["learner__last_name", "learner__first_name", "learner__username", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "qualification"],
                name="one_enrolment_per_learner_and_qualification",
                violation_error_message="This learner is already enrolled on this qualification.",
            ),
            models.CheckConstraint(
                condition=~Q(assessor=F("learner")),
                name="assessor_is_not_the_learner",
                violation_error_message="A learner cannot be their own assessor.",
            ),
            models.CheckConstraint(
                condition=Q(iqa__isnull=True) | ~Q(iqa=F("learner")),
                name="iqa_is_not_the_learner",
                violation_error_message="A learner cannot be their own internal quality assurer.",
            ),
            models.CheckConstraint(
                condition=Q(iqa__isnull=True) | ~Q(iqa=F("assessor")),
                name="iqa_is_not_the_assessor",
                violation_error_message=(
                    "The assessor and the internal quality assurer must be different people."
                ),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__gte=F("start_date")),
                name="planned_end_not_before_start",
                violation_error_message="The planned end date cannot be before the start date.",
            ),
        ]

    def __str__(self):
        return f"{self.learner.display_name}: {self.qualification.title}"

    def get_absolute_url(self):
        return reverse("people:enrolment", args=[self.pk])


class EnrolmentUnit(models.Model):
    """A unit the learner is working towards on an enrolment; sign-off will hang from here."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="enrolled_units"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enrolled_units")

    class Meta:
        ordering = ["unit__level", "unit__title"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "unit"], name="unit_once_per_enrolment"),
        ]

    def __str__(self):
        return f"{self.enrolment}: {self.unit}"
