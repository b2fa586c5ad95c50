"""The rules of enrolments and people, through the services every screen, import and command use.

The rule at the heart of it: the same person may assess one learner and quality-assure another,
but never both for the same learner.
"""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from people.forms import PasswordResetAllowingNewPeopleForm
from people.models import Enrolment, User
from people.services import (
    enrolment_create,
    enrolment_update,
    person_create,
    person_password_link_send,
    person_update,
)

from .factories import QualificationFactory, UnitFactory, UserFactory

START = datetime.date(2026, 9, 1)
END = datetime.date(2027, 8, 31)
L3 = "ocr-l3-nvq-diploma-business-admin"


def enrol(learner, assessor, iqa, qualification, unit, **changes):
    fields = {
        "learner": learner,
        "qualification": qualification,
        "units": [unit],
        "assessor": assessor,
        "iqa": iqa,
        "start_date": START,
        "planned_end_date": END,
    }
    fields.update(changes)
    return enrolment_create(**fields)


def test_it_lets_one_person_assess_one_learner_and_quality_assure_another(
    alice, bob, carol, dave, qualification, unit
):
    enrol(alice, carol, dave, qualification, unit)
    enrol(bob, dave, carol, qualification, unit)
    assert Enrolment.objects.filter(assessor=carol, iqa=dave).count() == 1
    assert Enrolment.objects.filter(assessor=dave, iqa=carol).count() == 1


def test_it_refuses_one_person_as_assessor_and_iqa_of_the_same_learner(
    alice, carol, qualification, unit
):
    with pytest.raises(ValidationError) as caught:
        enrol(alice, carol, carol, qualification, unit)
    assert caught.value.message_dict == {
        "iqa": ["The assessor and the internal quality assurer must be different people."]
    }
    assert not Enrolment.objects.exists()


def test_it_refuses_on_update_to_make_the_assessor_the_iqa(alice_enrolment, unit):
    with pytest.raises(ValidationError) as caught:
        enrolment_update(enrolment=alice_enrolment, iqa=alice_enrolment.assessor)
    assert "iqa" in caught.value.message_dict
    assert alice_enrolment.iqa.username == "erin"
    alice_enrolment.refresh_from_db()
    assert alice_enrolment.iqa.username == "erin"


def test_it_refuses_the_assessor_as_iqa_through_the_form_but_accepts_them_for_another_learner(
    client, frank, alice, bob, carol, dave, unit
):
    client.force_login(frank)
    url = reverse("people:enrolment_add") + f"?qualification={L3}"
    data = {
        "units": [unit.pk],
        "start_date": "01/09/2026",
        "planned_end_date": "31/08/2027",
        "status": "active",
    }
    response = client.post(
        url, {**data, "learner": alice.pk, "assessor": carol.pk, "iqa": carol.pk}
    )
    assert response.context["form"].errors["iqa"] == [
        "The assessor and the internal quality assurer must be different people."
    ]
    assert not Enrolment.objects.exists()
    response = client.post(url, {**data, "learner": alice.pk, "assessor": carol.pk, "iqa": dave.pk})
    assert response.status_code == 302
    response = client.post(url, {**data, "learner": bob.pk, "assessor": dave.pk, "iqa": carol.pk})
    assert response.status_code == 302
    assert Enrolment.objects.filter(iqa=carol, learner=bob).exists()
    assert Enrolment.objects.filter(assessor=carol, learner=alice).exists()


def test_it_refuses_a_learner_as_their_own_assessor_or_iqa(alice, carol, qualification, unit):
    with pytest.raises(ValidationError) as caught:
        enrol(alice, alice, carol, qualification, unit)
    assert caught.value.message_dict == {"assessor": ["A learner cannot be their own assessor."]}
    with pytest.raises(ValidationError) as caught:
        enrol(alice, carol, alice, qualification, unit)
    assert caught.value.message_dict == {
        "iqa": ["A learner cannot be their own internal quality assurer."]
    }


def test_it_refuses_an_end_before_the_start(alice, carol, qualification, unit):
    with pytest.raises(ValidationError) as caught:
        enrol(alice, carol, None, qualification, unit, planned_end_date=START.replace(month=8))
    assert caught.value.message_dict == {
        "planned_end_date": ["The planned end date cannot be before the start date."]
    }


def test_it_refuses_a_second_enrolment_on_one_qualification(alice_enrolment, dave, unit):
    with pytest.raises(ValidationError) as caught:
        enrol(alice_enrolment.learner, dave, None, alice_enrolment.qualification, unit)
    assert caught.value.message_dict == {
        "learner": ["This learner is already enrolled on this qualification."]
    }


def test_it_reports_every_broken_rule_at_once(alice, qualification):
    foreign = UnitFactory(qualifications=[QualificationFactory()])
    with pytest.raises(ValidationError) as caught:
        enrol(
            alice, alice, alice, qualification, foreign, planned_end_date=datetime.date(2020, 1, 1)
        )
    assert set(caught.value.message_dict) == {"assessor", "iqa", "planned_end_date", "units"}


def test_it_refuses_no_units_and_units_of_another_qualification(alice, carol, qualification):
    with pytest.raises(ValidationError) as caught:
        enrol(alice, carol, None, qualification, None, units=[])
    assert caught.value.message_dict == {"units": ["Choose at least one unit."]}
    foreign = UnitFactory(title="Foreign unit", qualifications=[QualificationFactory()])
    with pytest.raises(ValidationError) as caught:
        enrol(alice, carol, None, qualification, foreign)
    assert "Foreign unit" in caught.value.message_dict["units"][0]


def test_it_changes_the_units_of_an_enrolment(alice_enrolment, qualification):
    second = UnitFactory(qualifications=[qualification])
    enrolment_update(enrolment=alice_enrolment, units=[second])
    assert list(alice_enrolment.units.all()) == [second]


def test_it_refuses_to_change_the_learner_or_qualification_of_an_enrolment(alice_enrolment, bob):
    with pytest.raises(TypeError):
        enrolment_update(enrolment=alice_enrolment, learner=bob)


# People


def test_it_creates_a_person_with_no_usable_password(db):
    gina = person_create(
        username=" gina ", first_name="Gina", last_name="Green", email="gina@EXAMPLE.org"
    )
    assert gina.username == "gina"
    assert gina.email == "gina@example.org"
    assert not gina.has_usable_password()


def test_it_refuses_a_username_that_differs_only_in_case(alice):
    with pytest.raises(ValidationError) as caught:
        person_create(username="Alice", first_name="A", last_name="B", email="a@example.org")
    assert caught.value.message_dict["username"] == [
        "The username Alice is already taken (usernames are not case-sensitive). Choose "
        "another, for example with a number or initial added."
    ]
    assert User.objects.count() == 1


def test_it_refuses_a_username_with_spaces_and_a_person_without_email(db):
    with pytest.raises(ValidationError) as caught:
        person_create(username="gina green", email="")
    assert set(caught.value.message_dict) == {"username", "email"}
    assert not User.objects.exists()


def test_it_lets_a_person_keep_their_own_username_on_update(alice):
    person_update(person=alice, username="Alice", first_name="Alicia")
    alice.refresh_from_db()
    assert (alice.username, alice.first_name) == ("Alice", "Alicia")


def test_it_lets_a_centre_admin_change_another_admins_role_but_not_their_own(frank):
    other = UserFactory(is_centre_admin=True)
    person_update(person=other, by=frank, is_centre_admin=False)
    with pytest.raises(ValidationError):
        person_update(person=frank, by=frank, is_centre_admin=False)
    assert frank.is_centre_admin


def test_it_emails_a_link_that_django_accepts_for_a_person_who_has_no_password(db):
    gina = person_create(username="gina", first_name="Gina", last_name="G", email="g@example.org")
    person_password_link_send(person=gina, site_url="https://portfolio.example.org")
    body = mail.outbox[0].body
    assert "https://portfolio.example.org/accounts/reset/" in body
    assert "https://portfolio.example.org/accounts/login/" in body


def test_it_offers_the_forgotten_password_form_to_people_who_never_had_a_password(db):
    """Django's own form ignores them; this one is ready to be wired to the sign-in page."""
    person_create(username="gina", first_name="Gina", last_name="G", email="g@example.org")
    form = PasswordResetAllowingNewPeopleForm({"email": "G@example.org"})
    assert form.is_valid()
    assert [person.username for person in form.get_users("G@example.org")] == ["gina"]
