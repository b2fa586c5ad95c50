"""Changes made in Django admin, and to a person's own sign-in, are in the audit trail: one
record for each object added, changed or deleted, in the same transaction as the change, with
digests of its state before and after; a refused change records nothing.

root is a superuser; alice is a learner; frank is a centre admin.
"""

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditRecord
from criteria.models import AssessmentCriterion
from people.models import User
from people.services import (
    person_password_link_send,
    two_factor_disable,
    two_factor_recovery_codes_renew,
)
from quality.models import SamplingPolicy

from .factories import UnitFactory, UserFactory
from .test_admin import enrolment_admin_form
from .test_two_factor import enrol

Kind = AuditRecord.Kind


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def newest():
    return AuditRecord.objects.select_related("personal").order_by("-sequence").first()


def person_form(person, **changes):
    return {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "is_active": "on",
        "date_joined_0": "01/09/2026",
        "date_joined_1": "09:00:00",
        **changes,
    }


def test_a_person_changed_in_admin_is_recorded_with_the_fields_and_both_states(client, root, alice):
    client.force_login(root)
    response = client.post(
        reverse("admin:people_user_change", args=[alice.pk]),
        person_form(alice, email="alice.new@example.org", is_centre_admin="on"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = newest()
    assert record.kind == Kind.PERSON_CHANGED and record.object_id == str(alice.pk)
    assert record.actor == root
    assert record.summary.startswith("Person changed in Django admin: ")
    assert "Email address" in record.summary and "Centre admin" in record.summary
    assert record.before_digest and record.after_digest
    assert record.before_digest != record.after_digest
    assert "alice.new" not in record.summary  # names and addresses stay out of the hash


def test_a_person_added_in_admin_is_recorded(client, root):
    client.force_login(root)
    client.post(
        reverse("admin:people_user_add"),
        {
            "username": "gina",
            "first_name": "Gina",
            "last_name": "Green",
            "email": "gina@example.org",
            "usable_password": "false",
            "password1": "",
            "password2": "",
        },
    )
    gina = User.objects.get(username="gina")
    record = newest()
    assert (record.kind, record.object_id) == (Kind.PERSON_CREATED, str(gina.pk))
    assert record.summary == "Person added in Django admin." and not record.before_digest


def test_a_refused_change_in_admin_records_nothing(client, root, alice):
    client.force_login(root)
    before = AuditRecord.objects.count()
    response = client.post(
        reverse("admin:people_user_change", args=[alice.pk]), person_form(alice, username="")
    )
    assert response.status_code == 200  # the form again, with its error
    assert AuditRecord.objects.count() == before


def test_people_deleted_in_bulk_in_admin_are_each_recorded(client, root):
    client.force_login(root)
    gone = [UserFactory(username=f"leaver{n}") for n in range(2)]
    response = client.post(
        reverse("admin:people_user_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in gone], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(username__startswith="leaver").exists()
    deleted = AuditRecord.objects.filter(summary="Person deleted in Django admin.")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(p.pk) for p in gone)
    assert all(r.before_digest and not r.after_digest for r in deleted)


def test_an_enrolments_units_changed_in_admin_are_in_its_digest(client, root, alice_enrolment):
    client.force_login(root)
    another = UnitFactory(qualifications=[alice_enrolment.qualification])
    url = reverse("admin:people_enrolment_change", args=[alice_enrolment.pk])
    data = enrolment_admin_form(alice_enrolment, units=[another])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    assert alice_enrolment.enrolled_units.count() == 2
    record = newest()
    assert record.kind == Kind.ENROLMENT_CHANGED and record.enrolment_id == alice_enrolment.pk
    # Only the inline changed: the digests differ because the units are part of the state.
    assert record.before_digest != record.after_digest


def test_sampling_rates_changed_in_admin_are_recorded(client, root, db):
    policy = SamplingPolicy.objects.first() or SamplingPolicy.objects.create()
    client.force_login(root)
    response = client.post(
        reverse("admin:quality_samplingpolicy_change", args=[policy.pk]),
        {"new_rate": 100, "standard_rate": 40, "low_rate": 10},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = newest()
    assert record.kind == Kind.SAMPLING_RATE and "standard-risk" in record.summary
    assert record.before_digest != record.after_digest


def test_the_awarding_bodys_wording_changed_in_admin_is_recorded(client, root, catalogue):
    criterion = AssessmentCriterion.objects.filter(parts__isnull=True).first()
    client.force_login(root)
    url = reverse("admin:criteria_assessmentcriterion_change", args=[criterion.pk])
    response = client.post(
        url,
        {
            "outcome": criterion.outcome_id,
            "number": criterion.number,
            "text": criterion.text + " (reworded)",
            "parts-TOTAL_FORMS": "0",
            "parts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = newest()
    assert record.kind == Kind.CATALOGUE_CHANGED and "Text" in record.summary
    assert record.before_digest != record.after_digest


def test_an_authenticator_removed_in_admin_is_recorded_against_its_person(client, root, alice):
    device = TOTPDevice.objects.create(user=alice, name="Phone", confirmed=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    record = newest()
    assert record.kind == Kind.PERSON_CHANGED
    assert record.summary == "TOTP device deleted in Django admin."


def test_setting_up_renewing_and_turning_off_two_factor_are_recorded(alice):
    enrol(alice)
    assert newest().summary == "Two-factor sign-in set up with an authenticator app."
    two_factor_recovery_codes_renew(person=alice)
    assert newest().summary.startswith("Two-factor recovery codes renewed")
    two_factor_disable(person=alice)
    record = newest()
    assert record.summary == "Two-factor sign-in turned off."
    assert record.actor == alice and record.object_id == str(alice.pk)


def test_a_password_link_is_recorded_once_sent_and_not_when_sending_fails(frank, alice, settings):
    person_password_link_send(person=alice, site_url="https://centre.example", by=frank)
    assert len(mail.outbox) == 1
    record = newest()
    assert record.kind == Kind.PERSON_CHANGED and record.actor == frank
    assert record.summary.startswith("Link to choose a password sent")
    settings.EMAIL_BACKEND = "tests.test_audit_admin.FailingBackend"
    count = AuditRecord.objects.count()
    with pytest.raises(OSError):
        person_password_link_send(person=alice, site_url="https://centre.example", by=frank)
    assert AuditRecord.objects.count() == count


class FailingBackend:
    """An email server that cannot be reached."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("No mail server at this address.")
