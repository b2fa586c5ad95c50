"""A piece of slow work done away from the request: what was asked, by whom, how far it has
got and what it made. The queue itself is django-tasks' (jobs/services.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


def job_result_to(instance, filename):
    # A generated name: what the person sees on download is result_name.
    return f"jobs/{instance.token.hex}/{uuid.uuid4().hex}"


class Job(models.Model):
    class Kind(models.TextChoices):
        COVERAGE_PDF = "coverage_pdf", "Coverage report (PDF)"
        IQA_PDF = "iqa_pdf", "IQA report (PDF)"
        ENROLMENT_IMPORT = "enrolment_import", "Import of people and enrolments"
        PORTFOLIO_ZIP = "portfolio_zip", "Portable portfolio (ZIP)"
        SUBJECT_ACCESS = "subject_access", "Subject access export (ZIP)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be finished"

    # In URLs: a random token, so one person's job cannot be found by counting.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    enrolment = models.ForeignKey(
        "people.Enrolment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        "quality.SamplingPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    result = models.FileField(upload_to=job_result_to, max_length=255, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    # What the job did ("12 people added") or, when it failed, what the person should know.
    outcome = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved on by the worker while the job runs: when it stops, the worker has (jobs/services.py).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="job_progress_at_most_100"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.requested_by} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.token])

    @property
    def what(self):
        """The job's work in a sentence: "Preparing your {what}…"."""
        return {
            self.Kind.COVERAGE_PDF: "coverage report",
            self.Kind.IQA_PDF: "IQA report",
            self.Kind.ENROLMENT_IMPORT: "import",
            self.Kind.PORTFOLIO_ZIP: "portfolio export",
            self.Kind.SUBJECT_ACCESS: "subject access export",
        }[self.kind]

    @property
    def is_finished(self):
        return self.status in {self.Status.READY, self.Status.FAILED}

    @property
    def has_download(self):
        return self.status == self.Status.READY and bool(self.result)
