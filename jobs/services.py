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
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from .kinds import kind_of
from .models import Job

logger = logging.getLogger(__name__)

FAILED = (
    "This could not be finished. Try again; if it fails again, tell your centre, "
    "quoting the time it was asked for."
)
WORKER_STOPPED = (
    "Failed: the worker stopped while preparing this. Ask for it again; if it stops again, "
    "tell your centre, quoting the time it was asked for."
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


@transaction.atomic
def job_retry(*, job, by):
    """Ask again for the work of a failed job, as it was asked; the new job. Whether `by` may
    still ask for it is checked by the job's kind, as for its page."""
    if job.requested_by_id != by.pk:
        raise ValidationError("Only the person who asked for this can ask for it again.")
    if job.status != Job.Status.FAILED:
        raise ValidationError("Only work that could not be finished can be asked for again.")
    kind_of(job.kind).authorise(by, job)
    return job_start(
        kind=job.kind, by=by, enrolment=job.enrolment, plan=job.plan, params=job.params
    )


def job_progress(job, percent, stage):
    """Move the job's progress on, seen at once by its page (the worker holds no transaction)."""
    Job.objects.filter(pk=job.pk).update(progress=min(max(percent, 0), 100), stage=stage[:120])


@task()
def job_run(job_pk):
    job = Job.objects.select_related("requested_by", "enrolment", "plan").get(pk=job_pk)
    now = timezone.now()
    # Claimed only from the queue: a queue entry run twice does the work once.
    claimed = Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return job.status
    job_progress(job, 5, "Starting")
    with _heartbeat(job.pk):
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


@contextmanager
def _heartbeat(job_pk):
    """While the job runs, a thread beside it says so every JOB_HEARTBEAT_SECONDS, however long
    one step (a PDF's layout) takes; when the process dies the heartbeat stops with it."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(pk=job_pk, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("Job %s: heartbeat not recorded", job_pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"job-{job_pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def jobs_sweep_stale(*, job=None):
    """Running jobs whose worker stopped (their heartbeat is JOB_STALE_SECONDS old): queued
    again while they have runs left of JOB_MAX_ATTEMPTS, else failed, saying so. `job` limits
    the sweep to one. Returns (queued again, failed)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)
    stale = (
        Job.objects.filter(status=Job.Status.RUNNING)
        .alias(last_seen=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(last_seen__lt=cutoff)
    )
    if job is not None:
        stale = stale.filter(pk=job.pk)
    outcomes = [
        _sweep_one(pk, attempts, cutoff) for pk, attempts in stale.values_list("pk", "attempts")
    ]
    return outcomes.count(Job.Status.QUEUED), outcomes.count(Job.Status.FAILED)


@transaction.atomic
def _sweep_one(pk, attempts, cutoff):
    """Queue one stale job again, or fail it; its new status, or None if it came back."""
    still_stale = Job.objects.filter(pk=pk, status=Job.Status.RUNNING).alias(
        last_seen=Coalesce("heartbeat_at", "started_at", "created_at")
    )
    still_stale = still_stale.filter(last_seen__lt=cutoff)
    if attempts < settings.JOB_MAX_ATTEMPTS:
        # Conditional on it being stale still: a worker that came back in time keeps its job.
        if still_stale.update(
            status=Job.Status.QUEUED,
            progress=0,
            stage="Waiting for a free worker (the last one stopped)",
            heartbeat_at=None,
        ):
            logger.warning("Job %s: its worker stopped; queued again", pk)
            job_run.enqueue(pk)  # in the same transaction as the row, as job_start does
            return Job.Status.QUEUED
        return None
    if still_stale.update(
        status=Job.Status.FAILED,
        progress=100,
        stage="Stopped",
        outcome=WORKER_STOPPED,
        finished_at=timezone.now(),
    ):
        logger.warning("Job %s: its worker stopped %s times; failed", pk, attempts)
        return Job.Status.FAILED
    return None


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
    # Only what finishing sets: the claim and the heartbeat were written past this instance.
    job.save(
        update_fields=[
            "status",
            "progress",
            "finished_at",
            "stage",
            "outcome",
            "result_name",
            "result_type",
            "result",
        ]
    )


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
