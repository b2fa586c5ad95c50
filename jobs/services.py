"""Starting a job, running it on the worker, and recording how far it has got.

The queue is django.tasks as django-tasks backports it to Django 5.2, with its database
backend: the job's row and its queue entry are written in one transaction, and any number of
`manage.py db_worker` processes take entries from the same database (README, "Background
jobs"). Each kind of job names the function that does the work and the access check that its
page and its download repeat (jobs/kinds.py).
"""

import datetime
import logging
import os
from dataclasses import dataclass

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .kinds import kind_of
from .models import Job

logger = logging.getLogger(__name__)

FAILED = (
    "This could not be finished. Try again; if it fails again, tell your centre, "
    "quoting the time it was asked for."
)


class JobRefused(Exception):
    """The work cannot be done as asked; the message is for the person who asked."""


@dataclass(frozen=True)
class JobOutput:
    """What a job made: a file to download, or only a sentence about what it did.

    A large result is written to a temporary file named by `path` rather than held in
    `content`: it is streamed into storage and the temporary file removed."""

    summary: str = ""
    content: bytes | None = None
    path: str = ""
    filename: str = ""
    content_type: str = ""


@transaction.atomic
def job_start(*, kind, by, enrolment=None, plan=None, params=None):
    """Record a job and queue it; the caller has checked that `by` may ask for it."""
    job = Job.objects.create(
        kind=kind,
        requested_by=by,
        enrolment=enrolment,
        plan=plan,
        params=params or {},
        stage="Waiting for a free worker",
    )
    job_run.enqueue(job.pk)
    return job


def job_progress(job, percent, stage):
    """Move the job's progress on, seen at once by its page (the worker holds no transaction)."""
    Job.objects.filter(pk=job.pk).update(progress=min(max(percent, 0), 100), stage=stage[:120])


@task()
def job_run(job_pk):
    job = Job.objects.select_related("requested_by", "enrolment", "plan").get(pk=job_pk)
    if job.status != Job.Status.QUEUED:
        return job.status  # a queue entry run twice does the work once
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    job_progress(job, 5, "Starting")
    try:
        output = kind_of(job.kind).run(
            job, lambda percent, stage: job_progress(job, percent, stage)
        )
    except JobRefused as refusal:
        _finish(job, Job.Status.FAILED, outcome=str(refusal))
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, outcome=FAILED)
    else:
        _finish(job, Job.Status.READY, output=output)
    return job.status


def _finish(job, status, *, outcome="", output=None):
    job.status, job.progress, job.finished_at = status, 100, timezone.now()
    job.stage = "Ready" if status == Job.Status.READY else "Stopped"
    job.outcome = (output.summary if output else outcome)[:500]
    if output and output.content is not None:
        job.result_name, job.result_type = output.filename[:200], output.content_type[:100]
        job.result.save(output.filename, ContentFile(output.content), save=False)
    elif output and output.path:
        job.result_name, job.result_type = output.filename[:200], output.content_type[:100]
        try:
            with open(output.path, "rb") as made:
                job.result.save(output.filename, File(made), save=False)
        finally:
            os.unlink(output.path)
    job.save()


def jobs_prune(*, older_than_days):
    """Delete jobs finished more than `older_than_days` ago and their files; how many."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    finished = Job.objects.filter(finished_at__lt=cutoff)
    count = 0
    for job in finished.iterator():
        if job.result:
            job.result.delete(save=False)
        job.delete()
        count += 1
    return count
