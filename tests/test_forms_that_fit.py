"""Forms offer only people and values that fit: an enrolment's assessor and IQA are never a
learner or an EQA; a witness's contact is an email address or a UK phone number."""

import pytest
from django.core.exceptions import ValidationError

from evidence.typed import WITNESS_CONTACT_INVALID, typed_content_validate
from people.forms import EnrolmentCreateForm, EnrolmentForm

from .factories import UserFactory


@pytest.fixture
def helen(db):
    return UserFactory(username="helen", first_name="Helen", is_external_verifier=True)


@pytest.fixture
def newcomer(db):
    """A member of staff with no enrolment yet: can become anyone's assessor."""
    return UserFactory(username="nina", first_name="Nina")


def offered(form, name):
    return set(form.fields[name].queryset)


def test_an_enrolment_offers_as_assessor_and_iqa_only_people_who_can_take_the_role(
    qualification, alice_enrolment, alice, bob, carol, erin, frank, helen, newcomer
):
    from .factories import EnrolmentFactory

    EnrolmentFactory(learner=bob, assessor=carol, qualification=qualification)
    form = EnrolmentCreateForm(qualification=qualification)
    for name in ("assessor", "iqa"):
        people = offered(form, name)
        assert {carol, erin, frank, newcomer} <= people
        assert alice not in people and bob not in people  # learners
        assert helen not in people  # the EQA


def test_editing_keeps_the_current_assessor_even_after_they_left_but_never_the_learner(
    qualification, alice_enrolment, alice, carol
):
    carol.is_active = False
    carol.save()
    form = EnrolmentForm(qualification=qualification, enrolment=alice_enrolment)
    assert carol in offered(form, "assessor")
    assert alice not in offered(form, "assessor") and alice not in offered(form, "iqa")


def test_a_learner_posted_as_assessor_is_refused(client, frank, qualification, alice, bob, erin):
    from .factories import EnrolmentFactory

    EnrolmentFactory(learner=bob, qualification=qualification)
    form = EnrolmentCreateForm(
        {"learner": alice.pk, "assessor": bob.pk, "iqa": erin.pk, "status": "active"},
        qualification=qualification,
    )
    assert not form.is_valid()
    assert "Select a valid choice" in form.errors["assessor"][0]


def witness(contact):
    return {
        "witness_name": "Janet Reid",
        "witness_role": "Post room supervisor",
        "relationship": "line manager",
        "contact": contact,
        "statement": "I saw Alice resolve the complaint the same day.",
    }


@pytest.mark.parametrize(
    "contact",
    [
        "janet.reid@example-employer.co.uk",
        "01632 960123",
        "(020) 7946 0018",
        "+44 7700 900123",
        "+44 (0)20 7946 0018",
        "07700-900-123",
        "0044 1632 960123",
    ],
)
def test_a_witness_contact_may_be_an_email_or_a_uk_phone_number(alice_enrolment, contact):
    answers = typed_content_validate(
        template_key="witness", content=witness(contact), enrolment=alice_enrolment
    )
    assert answers["contact"] == contact


@pytest.mark.parametrize(
    "contact", ["ask at reception", "12345", "+1 555 0100 123", "janet@", "0800", "janet@@x.uk"]
)
def test_any_other_witness_contact_is_refused_with_a_clear_message(alice_enrolment, contact):
    with pytest.raises(ValidationError) as refused:
        typed_content_validate(
            template_key="witness", content=witness(contact), enrolment=alice_enrolment
        )
    assert refused.value.message_dict["contact"] == [WITNESS_CONTACT_INVALID]
