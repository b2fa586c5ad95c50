"""Asking for a portable portfolio from the app: a job for the learner, their assessor, IQA and
centre admins; a streamed download for an EQA, holding only the granted units and never a
draft; and a centre admin's subject access export with personal-data.json."""

import datetime
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.targets import target_set
from evidence.services import evidence_mapping_add
from jobs.models import Job
from notifications.models import Notification
from notifications.services import notify
from quality.services import eqa_grant_create

from .evidence_factories import EvidenceItemFactory, add_file, submit
from .factories import AssessmentCriterionFactory, LearningOutcomeFactory, UnitFactory, UserFactory
from .test_judgements import criterion


def zip_of(response):
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


@pytest.fixture
def evidence(alice_enrolment, unit):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log")
    add_file(item, "complaints-log.pdf")
    evidence_mapping_add(item=item, by=alice_enrolment.learner, criterion=criterion(unit, "1.1"))
    submit(item)
    return item


@pytest.mark.parametrize("person", ["alice", "carol", "erin", "frank"])
def test_each_role_asks_for_the_export_as_a_job_and_downloads_it(
    client, request, person, alice_enrolment, evidence
):
    client.force_login(request.getfixturevalue(person))

    response = client.post(reverse("portability:export_prepare", args=[alice_enrolment.pk]))

    job = Job.objects.get(kind=Job.Kind.PORTFOLIO_ZIP)
    assert response["Location"] == job.get_absolute_url()
    assert job.status == Job.Status.READY, job.outcome
    download = client.get(reverse("jobs:download", args=[job.token]))
    assert download["Content-Type"] == "application/zip"
    with zip_of(download) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["complete"] is True
        assert [i["title"] for i in manifest["enrolments"][0]["items"]] == ["Complaints log"]
        assert any(name.startswith("coverage/") for name in zf.namelist())


def test_the_progress_page_offers_the_export(client, alice, alice_enrolment):
    client.force_login(alice)
    page = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).content.decode()
    assert reverse("portability:export_prepare", args=[alice_enrolment.pk]) in page


@pytest.fixture
def gina(db):
    return UserFactory(
        username="gina", first_name="Gina", last_name="Grant", is_external_verifier=True
    )


def test_an_eqa_downloads_only_the_granted_units_and_no_draft(
    client, gina, frank, alice_enrolment, qualification, unit, evidence
):
    other_unit = UnitFactory(qualifications=[qualification], title="Manage a budget")
    outcome = LearningOutcomeFactory(unit=other_unit)
    budget = AssessmentCriterionFactory(outcome=outcome)
    alice_enrolment.enrolled_units.create(unit=other_unit)
    elsewhere = EvidenceItemFactory(enrolment=alice_enrolment, title="Budget sheet")
    evidence_mapping_add(item=elsewhere, by=alice_enrolment.learner, criterion=budget)
    submit(elsewhere)
    draft = EvidenceItemFactory(enrolment=alice_enrolment, title="Half-written reflection")
    evidence_mapping_add(item=draft, by=alice_enrolment.learner, criterion=criterion(unit, "2.1"))
    carol = alice_enrolment.assessor
    due = timezone.localdate() + datetime.timedelta(days=14)
    target_set(
        enrolment=alice_enrolment, by=carol, description="Budget", due_date=due, criteria=[budget]
    )
    target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Feedback",
        due_date=due,
        criteria=[criterion(unit, "2.1")],
    )
    today = timezone.localdate()
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=today - datetime.timedelta(days=90),
        covers_to=today + datetime.timedelta(days=60),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(gina)

    page = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).content.decode()
    download = client.get(reverse("portability:export_zip", args=[alice_enrolment.pk]))

    assert reverse("portability:export_zip", args=[alice_enrolment.pk]) in page
    assert reverse("portability:export_prepare", args=[alice_enrolment.pk]) not in page
    assert download.status_code == 200
    with zip_of(download) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["complete"] is False
    assert [u["slug"] for u in manifest["units"]] == [unit.slug]
    assert [i["title"] for i in manifest["enrolments"][0]["items"]] == ["Complaints log"]
    # The targets and the audit extract are the granted unit's too.
    assert [t["description"] for t in manifest["enrolments"][0]["targets"]] == ["Feedback"]
    audit = manifest["enrolments"][0]["audit"]
    about = {(r["hashed"].get("item_id"), r["hashed"].get("unit_id")) for r in audit}
    assert (evidence.pk, None) in about and (None, unit.pk) in about
    assert {item for item, _ in about} == {evidence.pk, None}
    assert {u for _, u in about} == {unit.pk, None}
    assert all(r["hashed"].get("item_id") or r["hashed"].get("unit_id") for r in audit)


def test_an_eqa_cannot_ask_for_the_export_job(client, gina, frank, alice_enrolment, unit):
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2027, 1, 31),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    client.force_login(gina)
    response = client.post(reverse("portability:export_prepare", args=[alice_enrolment.pk]))
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.fixture
def noticed(alice_enrolment, alice):
    notify(recipient=alice, kind=Notification.Kind.UNIT_SIGNED, message="Unit signed off.", url="")
    return alice_enrolment


def test_a_centre_admin_makes_a_subject_access_export(client, frank, alice, noticed, evidence):
    client.force_login(frank)

    page = client.get(reverse("people:person_edit", args=[alice.pk])).content.decode()
    response = client.post(reverse("portability:subject_access", args=[alice.pk]))

    assert reverse("portability:subject_access", args=[alice.pk]) in page
    job = Job.objects.get(kind=Job.Kind.SUBJECT_ACCESS)
    assert response["Location"] == job.get_absolute_url()
    assert job.status == Job.Status.READY, job.outcome
    with zip_of(client.get(reverse("jobs:download", args=[job.token]))) as zf:
        personal = json.loads(zf.read("personal-data.json"))
        assert "manifest.json" in zf.namelist()
    assert personal["account"]["email"] == "alice@example.org"
    assert [e["qualification"] for e in personal["enrolments"]] == [noticed.qualification.title]
    assert [n["message"] for n in personal["notifications"]] == ["Unit signed off."]
    assert "password" not in json.dumps(personal["account"]).replace("has_password", "")


def test_only_a_centre_admin_asks_for_a_subject_access_export(client, carol, alice, noticed):
    client.force_login(carol)
    response = client.post(reverse("portability:subject_access", args=[alice.pk]))
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_the_subject_access_command_writes_the_zip_with_sign_ins(client, noticed, tmp_path):
    client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    path = tmp_path / "alice-sar.zip"
    out = io.StringIO()

    call_command("subject_access_export", "alice", "-o", str(path), stdout=out)

    assert "Wrote the subject access export of alice" in out.getvalue()
    with zipfile.ZipFile(path) as zf:
        assert {"manifest.json", "personal-data.json", "index.html"} <= set(zf.namelist())
        personal = json.loads(zf.read("personal-data.json"))
    assert [s["what"] for s in personal["sign_ins_in_audit_trail"]] == ["Failed sign-in"]
