"""Import in one pass: a clean dry run keeps the file for an hour and one button imports
exactly it, as a job, emailing each new person an invitation; a file that expired or changed
since the check imports nothing and says why."""

import time

import pytest
from django.contrib.messages import get_messages
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job
from people.import_jobs import CHANGED, EXPIRED, NOT_YOURS, SALT
from people.models import Enrolment, User

from .factories import UserFactory
from .test_enrolment_import import csv_bytes, line


@pytest.fixture
def centre(catalogue, carol, dave, erin):
    """The catalogue and the people who assess and quality-assure."""
    return catalogue


@pytest.fixture
def ivy(db):
    return UserFactory(username="ivy", is_centre_admin=True)


def dry_run(client, person, data):
    client.force_login(person)
    return client.post(
        reverse("people:import_enrolments"),
        {
            "file": SimpleUploadedFile("enrolments.csv", data, content_type="text/csv"),
            "dry_run": "on",
        },
    )


def held_token(response):
    return response.context["confirm_form"].initial["held"]


def confirm(client, token):
    return client.post(reverse("people:import_confirm"), {"held": token})


def test_one_button_imports_the_rows_shown_and_invites_each_new_person(client, frank, centre):
    data = csv_bytes(line(), line(username="hal", first_name="Hal", email="hal@example.org"))
    page = dry_run(client, frank, data)
    assert "Import these 2 rows</button>" in page.text
    assert reverse("people:import_confirm") in page.text
    assert not Enrolment.objects.exists()

    response = confirm(client, held_token(page))
    job = Job.objects.get(kind=Job.Kind.ENROLMENT_IMPORT)
    assert response["Location"] == job.get_absolute_url()
    assert job.status == "ready"
    assert job.outcome == (
        "Imported 2 enrolments (2 new people). Invitations to choose a password were emailed to 2."
    )
    assert sorted(e.learner.username for e in Enrolment.objects.all()) == ["gina", "hal"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "gina@example.org",
        "hal@example.org",
    ]
    invitation = next(m for m in mail.outbox if m.to == ["gina@example.org"])
    assert "Your centre has given you an account" in invitation.body
    assert "/accounts/reset/" in invitation.body
    assert job.outcome in client.get(job.get_absolute_url()).text
    # The file is not kept once imported.
    assert default_storage.listdir("imports")[1] == []


def test_a_file_changed_since_the_check_imports_nothing(client, frank, centre):
    page = dry_run(client, frank, csv_bytes(line()))
    token = held_token(page)
    name = signing.loads(token, salt=SALT)["name"]
    default_storage.delete(name)
    default_storage.save(name, ContentFile(csv_bytes(line(username="mallory"))))

    response = confirm(client, token)
    assert response["Location"] == reverse("people:import_enrolments")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [CHANGED]
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(username__in=["gina", "mallory"]).exists()


class AnHourAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 3601)


def test_a_check_older_than_an_hour_imports_nothing(client, frank, centre):
    page = dry_run(client, frank, csv_bytes(line()))
    held = signing.loads(held_token(page), salt=SALT)
    stale = AnHourAgo(salt=SALT).sign_object(held, compress=True)

    response = confirm(client, stale)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [EXPIRED]
    assert not Enrolment.objects.exists()
    assert not Job.objects.exists()


def test_another_admin_cannot_import_a_file_someone_else_checked(client, frank, ivy, centre):
    token = held_token(dry_run(client, frank, csv_bytes(line())))
    client.force_login(ivy)
    response = confirm(client, token)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_YOURS]
    assert not Enrolment.objects.exists()


def test_records_that_changed_since_the_check_stop_the_import_and_say_why(client, frank, centre):
    token = held_token(dry_run(client, frank, csv_bytes(line())))
    UserFactory(username="gina", first_name="Gina", last_name="Other", email="g@example.org")

    confirm(client, token)
    job = Job.objects.get()
    assert job.status == "failed"
    assert job.outcome.startswith("Since the check, the records changed")
    assert "row 2" in job.outcome
    assert not Enrolment.objects.exists()
    assert mail.outbox == []


def test_only_a_centre_admin_may_import(client, carol, centre):
    client.force_login(carol)
    assert confirm(client, "anything").status_code == 403


def test_the_checked_file_is_kept_in_object_storage(client, object_storage, frank, centre):
    page = dry_run(client, frank, csv_bytes(line()))
    [key] = object_storage.keys()
    assert key.startswith("imports/")
    assert object_storage.read(key) == csv_bytes(line())

    confirm(client, held_token(page))
    assert Enrolment.objects.get().learner.username == "gina"
    assert object_storage.keys() == []
