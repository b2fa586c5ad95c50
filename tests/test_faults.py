"""Faults made to happen, and survived: the worker killed in the middle of a job.

Each fault is injected at a boundary the project does not own: a real `db_worker` process
killed with SIGKILL while WeasyPrint (patched in that process only) holds it in a PDF's layout.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from jobs.models import Job
from jobs.services import WORKER_STOPPED, jobs_sweep_stale

from .test_jobs import DATABASE_BACKEND, prepare_coverage

ROOT = Path(__file__).resolve().parent.parent
# A worker whose PDF renderer never returns: it is busy, as on a very large report, until killed.
WORKER_STUCK_IN_WEASYPRINT = """
import runpy, sys, time
import weasyprint
weasyprint.HTML.write_pdf = lambda *args, **kwargs: time.sleep(600)
sys.argv = ["manage.py", "db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.2"]
runpy.run_path("manage.py", run_name="__main__")
"""
HEARTBEAT_SECONDS, STALE_SECONDS = 1, 3


class WorkerDatabase:
    """The test database as a worker process sees it. SQLite's lives in this process's memory:
    the worker gets a copy in a file, and this process takes the worker's copy back."""

    def __init__(self, tmp_path):
        self.file = tmp_path / "worker.sqlite3"
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            self.url = (
                f"postgres://{settings['USER']}:{settings['PASSWORD']}@"
                f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
            )
        else:
            self.url = f"sqlite:///{self.file}"

    def to_worker(self):
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(self.file) as copy:
                connection.connection.backup(copy)
            copy.close()

    def from_worker(self):
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.file) as copy:
                copy.backup(connection.connection)
            copy.close()

    def job_status(self, job):
        self.from_worker()
        return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def worker_env(settings, database):
    return {
        **os.environ,
        "DATABASE_URL": database.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "database",
        "JOB_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
        "JOB_STALE_SECONDS": str(STALE_SECONDS),
    }


def wait_for(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("waited too long")


def kill_worker_mid_job(settings, tmp_path, client, carol, enrolment):
    """Start a real worker on a queued coverage report, show that its heartbeat keeps the job
    its own while it runs, then SIGKILL it mid-render. Returns (job, database)."""
    settings.TASKS = DATABASE_BACKEND
    settings.JOB_STALE_SECONDS = STALE_SECONDS
    prepare_coverage(client, carol, enrolment)
    job = Job.objects.get()
    database = WorkerDatabase(tmp_path)
    database.to_worker()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_STUCK_IN_WEASYPRINT],
        cwd=ROOT,
        env=worker_env(settings, database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: database.job_status(job) == Job.Status.RUNNING)
        time.sleep(STALE_SECONDS + 1)
        # Alive and busy for longer than the stale limit: the heartbeat says it is working.
        assert database.job_status(job) == Job.Status.RUNNING
        assert jobs_sweep_stale() == (0, 0)
        job.refresh_from_db()
        assert job.heartbeat_at > job.started_at
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    time.sleep(STALE_SECONDS + 1)
    database.from_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # as the dead worker left it
    return job, database


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_is_queued_again_and_done_by_the_next_worker(
    client, settings, tmp_path, carol, alice_enrolment
):
    job, database = kill_worker_mid_job(settings, tmp_path, client, carol, alice_enrolment)

    call_command("sweep_jobs", stdout=open(os.devnull, "w"))  # noqa: SIM115

    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == (Job.Status.QUEUED, 1, 0)
    database.to_worker()
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=worker_env(settings, database),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    database.from_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.READY, 2), job.outcome
    client.force_login(carol)
    response = client.get(reverse("jobs:download", args=[job.token]))
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_dies_on_its_last_run_shows_failed_on_its_page(
    client, settings, tmp_path, carol, alice_enrolment
):
    settings.JOB_MAX_ATTEMPTS = 1
    job, _ = kill_worker_mid_job(settings, tmp_path, client, carol, alice_enrolment)

    # The page itself finds the worker gone: nobody need have run the sweep.
    client.force_login(carol)
    status = client.get(reverse("jobs:status", args=[job.token])).json()
    page = client.get(job.get_absolute_url())

    assert status["status"] == "failed" and status["finished"] is True
    assert "Failed: the worker stopped" in page.content.decode()
    job.refresh_from_db()
    assert (job.status, job.stage, job.outcome) == (Job.Status.FAILED, "Stopped", WORKER_STOPPED)
    assert job.finished_at is not None and not job.result
