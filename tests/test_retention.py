"""Retention: a centre setting for years after certification; apply_retention pseudonymises
learners past it and deletes their files, keeping every record and hash checkable; a dry run
lists what would change and changes nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.signoff import unit_countersign, unit_sign_off
from audit.models import AuditPersonal, AuditRecord, CentreSettings
from audit.retention import clock_start, people_past_retention
from audit.services import centre_settings_update
from evidence.models import EvidenceFile
from people.models import Enrolment, User

from .test_judgements import fully_met

Kind = AuditRecord.Kind


@pytest.fixture
def certified(alice_enrolment, unit, alice, carol, client):
    """Alice's only unit signed off and countersigned, after she signed in once."""
    alice.set_password("correct horse battery")
    alice.save()
    client.post(
        reverse("login"),
        {"username": "alice", "password": "correct horse battery"},
        REMOTE_ADDR="203.0.113.9",
    )
    enrolled_unit, item = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
    return alice_enrolment


def years_on(years):
    return timezone.localdate() + datetime.timedelta(days=365 * years + 2)


def run(*args):
    out = io.StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def stored_files(learner):
    files = EvidenceFile.objects.filter(item__enrolment__learner=learner)
    return [(f.file.storage, f.file.name) for f in files]


def test_the_clock_starts_when_every_unit_is_countersigned(certified, bob_enrolment):
    assert clock_start(certified) == timezone.localdate()
    assert clock_start(bob_enrolment) is None


def test_a_withdrawn_enrolment_counts_from_its_planned_end(bob_enrolment):
    bob_enrolment.status = Enrolment.Status.WITHDRAWN
    bob_enrolment.save()
    assert clock_start(bob_enrolment) == bob_enrolment.planned_end_date


def test_nobody_is_due_before_the_retention_period_ends(certified):
    assert people_past_retention(today=years_on(2)) == []
    assert [due.person.username for due in people_past_retention(today=years_on(3))] == ["alice"]


def test_the_centre_admin_sets_the_period(certified, frank):
    assert CentreSettings.current().retention_years == 3
    centre_settings_update(by=frank, retention_years=6)
    assert people_past_retention(today=years_on(4)) == []
    assert AuditRecord.objects.filter(kind=Kind.SETTINGS_CHANGED, actor=frank).exists()


def test_only_a_centre_admin_may_set_the_period(certified, carol):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        centre_settings_update(by=carol, retention_years=1)


def test_the_settings_page_saves_the_period_and_shows_the_head(client, frank, certified):
    client.force_login(frank)
    url = reverse("audit:settings")
    head = AuditRecord.objects.order_by("-sequence").first().record_hash
    assert head in client.get(url).content.decode()
    response = client.post(url, {"retention_years": "0"})
    assert response.status_code == 400
    client.post(url, {"retention_years": "7"})
    assert CentreSettings.current().retention_years == 7


def test_a_dry_run_lists_what_would_change_and_changes_nothing(certified, alice):
    files = stored_files(alice)
    count = AuditRecord.objects.count()
    output = run("--dry-run", "--today", years_on(4).isoformat())
    assert f"Would pseudonymise person {alice.pk}" in output and "Dry run" in output
    alice.refresh_from_db()
    assert alice.username == "alice" and alice.email
    assert all(storage.exists(name) for storage, name in files)
    assert AuditRecord.objects.count() == count
    assert not AuditPersonal.objects.filter(redacted_at__isnull=False).exists()


def test_it_pseudonymises_removes_files_and_keeps_the_trail_verifiable(
    certified, alice, carol, bob, django_capture_on_commit_callbacks
):
    files = stored_files(alice)
    assert files
    # The bytes go once the pseudonymising transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--today", years_on(4).isoformat())
    assert f"Pseudonymised person {alice.pk}" in output
    alice.refresh_from_db()
    assert alice.username.startswith("former-learner-") and alice.email == ""
    assert alice.get_full_name().startswith("Former learner ") and not alice.is_active
    assert not alice.has_usable_password()
    # The files' bytes are gone; their rows and hashes stay for the seal.
    assert not any(storage.exists(name) for storage, name in files)
    assert EvidenceFile.objects.filter(item__enrolment__learner=alice).count() == len(files)
    # Nothing left naming or locating her in the trail's personal details.
    naming = AuditPersonal.objects.filter(record__enrolment_id=certified.pk)
    assert not naming.exclude(actor_name="").exists()
    sign_in = AuditPersonal.objects.get(record__kind=Kind.SIGNED_IN, record__actor=alice)
    assert sign_in.client_address is None and sign_in.redacted_at is not None
    assert "Alice" not in "".join(AuditPersonal.objects.values_list("object_name", flat=True))
    record = AuditRecord.objects.filter(kind=Kind.RETENTION).get()
    assert record.object_id == str(alice.pk) and "personal data pseudonymised" in record.summary
    # Others keep theirs.
    assert User.objects.get(pk=carol.pk).username == "carol"
    assert User.objects.get(pk=bob.pk).username == "bob"
    verified = io.StringIO()
    call_command("verify_audit", stdout=verified)
    assert "1 standing sign-offs, every seal intact" in verified.getvalue()


def test_a_second_run_finds_nobody_new(certified):
    run("--today", years_on(4).isoformat())
    assert "0 learner(s) past it" in run("--today", years_on(4).isoformat())


def test_learners_who_also_assess_are_left_alone(certified, alice, bob, qualification, unit):
    from .factories import EnrolmentFactory

    EnrolmentFactory(learner=bob, assessor=alice, qualification=qualification, units=[unit])
    assert "0 learner(s)" in run("--dry-run", "--today", years_on(4).isoformat())


def test_a_removed_file_answers_not_found_rather_than_failing(
    client, certified, carol, django_capture_on_commit_callbacks
):
    evidence_file = EvidenceFile.objects.filter(item__enrolment=certified).first()
    with django_capture_on_commit_callbacks(execute=True):
        run("--today", years_on(4).isoformat())
    client.force_login(carol)
    response = client.get(reverse("evidence:file", args=[evidence_file.pk]))
    assert response.status_code == 404
