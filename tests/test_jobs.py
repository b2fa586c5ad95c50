"""Slow work as jobs: the coverage and IQA reports are made by a worker, the page shows them
being prepared and then offers the download, which only the person who asked may take while
they keep their role. Run at once here (ImmediateBackend), and once through `db_worker`."""

import datetime
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks import default_task_backend

from jobs.models import Job
from jobs.services import job_start
from notifications.models import Notification
from notifications.services import notify

from .quality_factories import judged_unit, make_entry, make_plan

ROOT = Path(__file__).resolve().parent.parent
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
DUMMY_BACKEND = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}


def prepare_coverage(client, person, enrolment, **data):
    client.force_login(person)
    return client.post(reverse("assessments:report_prepare", args=[enrolment.pk]), data)


def body(response):
    return b"".join(response.streaming_content)


def test_the_coverage_report_is_made_as_a_job_and_offered_for_download(
    client, carol, alice_enrolment
):
    response = prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.requested_by) == ("coverage_pdf", "ready", carol)

    page = client.get(job.get_absolute_url())
    assert "Coverage report (PDF) ready" in page.text
    download_url = reverse("jobs:download", args=[job.token])
    assert download_url in page.text
    assert "job-progress.js" not in page.text

    download = client.get(download_url)
    assert download.status_code == 200
    assert body(download).startswith(b"%PDF-")
    assert download["Content-Type"] == "application/pdf"
    assert 'attachment; filename="' in download["Content-Disposition"]
    assert job.result_name.endswith(".pdf")
    assert "no-store" in download["Cache-Control"]


def test_a_job_waiting_for_the_worker_shows_it_is_being_prepared(
    client, settings, carol, alice_enrolment
):
    settings.TASKS = DUMMY_BACKEND  # queued, never run
    prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    page = client.get(job.get_absolute_url())
    assert "<h1>Preparing your coverage report…</h1>" in page.text
    assert '<progress class="job-progress d-block w-100" id="job-progress" max="100"' in page.text
    assert 'src="/static/js/job-progress.js"' in page.text
    assert f'href="{job.get_absolute_url()}">Refresh</a>' in page.text
    status = client.get(reverse("jobs:status", args=[job.token])).json()
    assert status == {
        "status": "queued",
        "status_label": "Waiting to start",
        "progress": 0,
        "stage": "Waiting for a free worker",
        "finished": False,
    }
    assert client.get(reverse("jobs:download", args=[job.token])).status_code == 404


@pytest.mark.parametrize("other", ["alice", "bob", "erin", "frank"])
def test_only_the_person_who_asked_sees_the_job(client, request, carol, alice_enrolment, other):
    prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    client.force_login(request.getfixturevalue(other))
    for name in ("jobs:detail", "jobs:status", "jobs:download"):
        assert client.get(reverse(name, args=[job.token])).status_code == 404


def test_the_report_is_refused_once_the_asker_loses_their_role(
    client, carol, dave, alice_enrolment
):
    prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    alice_enrolment.assessor = dave
    alice_enrolment.save(update_fields=["assessor"])
    assert client.get(reverse("jobs:download", args=[job.token])).status_code == 404


def test_an_outsider_cannot_ask_for_the_report(client, bob, alice_enrolment):
    assert prepare_coverage(client, bob, alice_enrolment).status_code == 404
    assert not Job.objects.exists()


def test_a_job_that_cannot_be_done_says_why(client, carol, alice_enrolment):
    job = job_start(
        kind=Job.Kind.COVERAGE_PDF,
        by=carol,
        enrolment=alice_enrolment,
        params={"unit": "no-such-unit"},
    )
    job.refresh_from_db()
    assert job.status == "failed"
    client.force_login(carol)
    page = client.get(job.get_absolute_url())
    assert "could not be finished" in page.text
    assert escape(job.outcome) in page.text
    assert "no-such-unit" in job.outcome


def test_the_iqa_report_is_made_as_a_job(client, erin, frank, qualification, alice_enrolment, unit):
    plan = make_plan(erin, qualification)
    make_entry(plan, judged_unit(alice_enrolment, unit))
    client.force_login(erin)
    page = client.get(plan.get_absolute_url())
    prepare_url = reverse("quality:plan_report_prepare", args=[plan.pk])
    assert prepare_url in page.text
    response = client.post(prepare_url)
    job = Job.objects.get(kind=Job.Kind.IQA_PDF)
    assert response["Location"] == job.get_absolute_url()
    assert body(client.get(reverse("jobs:download", args=[job.token]))).startswith(b"%PDF-")
    client.force_login(frank)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_the_coverage_report_job_stores_its_pdf_in_object_storage(
    client, object_storage, carol, alice_enrolment
):
    prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    assert object_storage.keys() == [job.result.name]
    download = client.get(reverse("jobs:download", args=[job.token]))
    assert body(download) == object_storage.read(job.result.name)


def database_url_for_a_worker():
    """The test database as DATABASE_URL, for a process of its own."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return None


@pytest.mark.django_db(transaction=True)
def test_a_queued_job_is_done_by_the_real_worker(
    client, settings, tmp_path, carol, alice_enrolment
):
    settings.TASKS = DATABASE_BACKEND
    prepare_coverage(client, carol, alice_enrolment)
    job = Job.objects.get()
    assert job.status == "queued"

    url = database_url_for_a_worker()
    if url is None:
        # SQLite's test database lives in this process's memory: the worker gets a copy of it
        # in a file, and this process takes the worker's copy back afterwards.
        worker_file = tmp_path / "worker.sqlite3"
        with sqlite3.connect(worker_file) as copy:
            connection.connection.backup(copy)
        url = f"sqlite:///{worker_file}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "database",
    }
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr
    if connection.vendor == "sqlite":
        with sqlite3.connect(worker_file) as copy:
            copy.backup(connection.connection)

    job.refresh_from_db()
    assert job.status == "ready", job.outcome
    client.force_login(carol)
    assert body(client.get(reverse("jobs:download", args=[job.token]))).startswith(b"%PDF-")


def test_a_notification_email_is_queued_as_a_job_not_sent_in_the_request(
    settings, alice, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_BACKEND
    alice.email = "alice@example.org"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=alice, kind=Notification.Kind.FEEDBACK, message="Hi")
    [queued] = default_task_backend.results
    assert queued.task.name == "notification_email_send"
    assert queued.args == [notification.pk]
    assert mail.outbox == []

    queued.task.call(*queued.args)  # what the worker does with it
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]


def test_finished_jobs_older_than_a_week_are_pruned_with_their_files(
    client, carol, alice_enrolment
):
    prepare_coverage(client, carol, alice_enrolment)
    prepare_coverage(client, carol, alice_enrolment, unit="a-601-2550")
    old, recent = Job.objects.order_by("pk")
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))

    call_command("prune_jobs", days=7, stdout=io.StringIO())
    assert list(Job.objects.all()) == [recent]
    assert not default_storage.exists(old.result.name)
    assert default_storage.exists(recent.result.name)
