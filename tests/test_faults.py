"""Faults made to happen, and survived: the disk filling in the middle of an upload, the
database failing in the middle of a sign-off, the PDF renderer failing, and the worker killed
in the middle of a job.

Each fault is injected at a boundary the project does not own: a storage class that writes half
a file and then fails (tests/fault_storages.py), a database trigger that refuses the sign-off's
last write, WeasyPrint's own call patched to raise, and a real `db_worker` process killed with
SIGKILL while WeasyPrint (patched in that process only) holds it in a PDF's layout.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.urls import reverse

from assessments.models import Judgement, UnitSignOff
from assessments.signoff import unit_sign_off
from evidence.models import EvidenceFile
from evidence.uploads import STORE_FAILED
from jobs.models import Job
from jobs.services import FAILED, WORKER_STOPPED, jobs_sweep_stale
from notifications.models import Notification

from .evidence_factories import EvidenceItemFactory, pdf_bytes, upload
from .test_jobs import DATABASE_BACKEND, prepare_coverage
from .test_judgements import fully_met

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


def files_under(root):
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


# The disk fills in the middle of an upload


def test_a_disk_that_fills_mid_upload_leaves_no_row_no_half_file_and_tells_the_learner(
    client, settings, alice_enrolment
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.fault_storages.DiskFillsMidWrite"},
    }
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    client.force_login(alice_enrolment.learner)

    response = client.post(
        reverse("evidence:upload", args=[item.pk]),
        {"files": [upload("statement.pdf", pdf_bytes("A witness statement") * 50)]},
    )

    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == f"statement.pdf was not added. {STORE_FAILED}"
    assert not EvidenceFile.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


def test_the_page_script_is_told_the_same_when_the_disk_fills(client, settings, alice_enrolment):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.fault_storages.DiskFillsMidWrite"},
    }
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    client.force_login(alice_enrolment.learner)

    response = client.post(
        reverse("evidence:upload", args=[item.pk]),
        {"files": [upload("statement.pdf", pdf_bytes())]},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400 and STORE_FAILED in response.json()["error"]
    assert not EvidenceFile.objects.exists() and files_under(settings.MEDIA_ROOT) == []


# The database fails in the middle of a sign-off

REFUSE_NOTIFICATIONS = {
    "sqlite": [
        "CREATE TRIGGER fault_notification BEFORE INSERT ON notifications_notification "
        "BEGIN SELECT RAISE(ABORT, 'injected fault: the database failed'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION fault_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'injected fault: the database failed'; END $$",
        "CREATE TRIGGER fault_notification BEFORE INSERT ON notifications_notification "
        "FOR EACH ROW EXECUTE FUNCTION fault_refuse()",
    ],
}
REMOVE_FAULT = {
    "sqlite": ["DROP TRIGGER IF EXISTS fault_notification"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS fault_notification ON notifications_notification",
        "DROP FUNCTION IF EXISTS fault_refuse()",
    ],
}


@pytest.fixture
def notifications_fail():
    """Call it to make the sign-off's last writes (the learner's and the IQA's notices) fail
    in the database; the trigger is dropped after the test."""

    def inject():
        with connection.cursor() as cursor:
            for statement in REFUSE_NOTIFICATIONS[connection.vendor]:
                cursor.execute(statement)

    yield inject
    with connection.cursor() as cursor:
        for statement in REMOVE_FAULT[connection.vendor]:
            cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_in_the_middle_of_a_sign_off_writes_none_of_it(
    client, carol, alice_enrolment, unit, notifications_fail
):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    judgements = sorted(Judgement.objects.values_list("pk", "outcome", "version"))
    notices = Notification.objects.count()
    version = type(alice_enrolment).objects.get(pk=alice_enrolment.pk).portfolio_version
    notifications_fail()

    with pytest.raises(DatabaseError, match="injected fault"):
        unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)

    assert not UnitSignOff.objects.exists()
    assert Notification.objects.count() == notices
    assert sorted(Judgement.objects.values_list("pk", "outcome", "version")) == judgements
    enrolment = type(alice_enrolment).objects.get(pk=alice_enrolment.pk)
    assert enrolment.portfolio_version == version


@pytest.mark.django_db(transaction=True)
def test_a_sign_off_page_whose_database_fails_answers_an_error_and_keeps_nothing(
    client, carol, alice_enrolment, unit, notifications_fail
):
    fully_met(alice_enrolment, unit)
    notices = Notification.objects.count()
    notifications_fail()
    client.force_login(carol)
    client.raise_request_exception = False

    response = client.post(
        reverse("assessments:sign_off", args=[alice_enrolment.pk, unit.slug]),
        {"declaration": "on"},
    )

    assert response.status_code == 500
    assert not UnitSignOff.objects.exists() and Notification.objects.count() == notices


# The PDF renderer fails


@pytest.fixture
def renderer_fails(monkeypatch):
    import weasyprint

    def fail(*args, **kwargs):
        raise RuntimeError("injected fault: the renderer failed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", fail)


def test_a_report_job_whose_renderer_fails_says_so_and_keeps_no_file(
    client, settings, carol, alice_enrolment, renderer_fails
):
    response = prepare_coverage(client, carol, alice_enrolment)

    job = Job.objects.get()
    assert (job.status, job.outcome, job.stage) == (Job.Status.FAILED, FAILED, "Stopped")
    assert not job.result and not job.has_download
    assert files_under(settings.MEDIA_ROOT) == []
    page = client.get(response.url)
    assert FAILED in page.content.decode()
    assert client.get(reverse("jobs:download", args=[job.token])).status_code == 404


def test_the_direct_pdf_whose_renderer_fails_answers_a_clear_error(
    client, carol, alice_enrolment, renderer_fails
):
    client.force_login(carol)

    response = client.get(reverse("assessments:report_pdf", args=[alice_enrolment.pk]))

    assert response.status_code == 503
    assert "could not be made" in response.content.decode()
    assert "Content-Disposition" not in response


# The worker dies in the middle of a job


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
    # Its page offers to ask again: the same work, as a new job of the same person's.
    assert reverse("jobs:retry", args=[job.token]) in page.content.decode()
    again = client.post(reverse("jobs:retry", args=[job.token]))
    new = Job.objects.exclude(pk=job.pk).get()
    assert again.url == new.get_absolute_url()
    assert (new.kind, new.enrolment, new.params, new.status, new.requested_by) == (
        job.kind,
        job.enrolment,
        job.params,
        Job.Status.QUEUED,
        carol,
    )


def test_only_work_that_failed_is_asked_for_again(client, carol, alice_enrolment):
    prepare_coverage(client, carol, alice_enrolment)
    ready = Job.objects.get()
    assert ready.status == Job.Status.READY

    response = client.post(reverse("jobs:retry", args=[ready.token]), follow=True)

    assert Job.objects.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Only work that could not be finished can be asked for again."
    ]
