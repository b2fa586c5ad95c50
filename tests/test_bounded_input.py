"""Bounded input: free text has a limit and a message giving the numbers, a NUL character is
refused in words, `next` stays on this site, an id too large for the database is not found, and
a unit the learner has been assessed on stays on their enrolment."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from assessments import review
from assessments.models import Feedback
from assessments.signoff import unit_sign_off
from criteria.models import Unit
from evidence import services as evidence_services
from evidence.models import EvidenceItem, EvidenceMapping
from evidence.typed import typed_content_validate
from notifications.models import Notification
from nvq_portfolio.text import BoundedCharField, BoundedTextField
from people.imports import enrolments_import
from people.models import EnrolmentUnit
from people.services import enrolment_update
from quality.models import SampleReview
from quality.services import sample_entry_add

from .evidence_factories import EvidenceItemFactory, add_file
from .factories import UnitFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_judgements import fully_met
from .test_review import criterion

MEGABYTE = 1_048_576
HUGE_ID = "99999999999999999999"
NUL_MESSAGE = (
    "The message contains a NUL character (an invisible one, usually pasted in from another "
    "program), which cannot be saved. Take it out and try again."
)


@pytest.fixture
def item(alice, alice_enrolment, unit):
    """Alice's item mapped to 5.1, submitted to carol."""
    draft = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log, October")
    add_file(draft)
    evidence_services.evidence_mapping_add(item=draft, by=alice, criterion=criterion(unit, "5.1"))
    evidence_services.evidence_submit(item=draft, by=alice, declaration=True)
    return draft


def feedback_url(item):
    return reverse("assessments:feedback", args=[item.pk])


def texts(response):
    return [str(message) for message in response.context["messages"]]


# Limits on free text


def test_it_refuses_a_megabyte_of_feedback_saying_how_much_is_allowed(client, alice, item):
    client.force_login(alice)
    response = client.post(feedback_url(item), {"text": "x" * MEGABYTE}, follow=True)
    assert texts(response) == [
        "Keep the message to 10,000 characters or fewer (you wrote 1,048,576)."
    ]
    assert not Feedback.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.REPLY).exists()


def test_the_feedback_service_keeps_to_the_limit_whoever_calls_it(alice, item):
    review.feedback_add(item=item, by=alice, text="x" * 10_000)
    with pytest.raises(ValidationError) as refused:
        review.feedback_add(item=item, by=alice, text="x" * 10_001)
    assert refused.value.messages == [
        "Keep the message to 10,000 characters or fewer (you wrote 10,001)."
    ]
    assert Feedback.objects.count() == 1


def test_it_refuses_a_nul_character_in_feedback_in_words(client, alice, item):
    client.force_login(alice)
    response = client.post(feedback_url(item), {"text": "The log\x00 is attached"}, follow=True)
    assert response.status_code == 200
    assert texts(response) == [NUL_MESSAGE]
    assert not Feedback.objects.exists()


def test_the_evidence_form_shows_the_limit_beside_the_description(client, alice, alice_enrolment):
    client.force_login(alice)
    response = client.post(
        reverse("evidence:create", args=[alice_enrolment.pk]),
        {
            "title": "Complaints log",
            "activity_date": "2026-11-02",
            "evidence_type": "complaints_log",
            "assessment_method": "work_product",
            "description": "x" * 10_001,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [
        "Keep this to 10,000 characters or fewer (you wrote 10,001)."
    ]
    assert not EvidenceItem.objects.exists()


def test_typed_evidence_answers_are_bounded_by_their_kind(alice_enrolment):
    with pytest.raises(ValidationError) as refused:
        typed_content_validate(
            template_key="witness",
            content={
                "witness_name": "J" * 201,
                "witness_role": "Team leader",
                "relationship": "Line manager",
                "contact": "j@example.org\x00",
                "statement": "x" * 20_000,
            },
            enrolment=alice_enrolment,
        )
    assert refused.value.message_dict == {
        "witness_name": ["Keep the witness's name to 200 characters or fewer (you wrote 201)."],
        "contact": [
            "The witness's email or phone contains a NUL character (an invisible one, usually "
            "pasted in from another program), which cannot be saved. Take it out and try again."
        ],
    }


def test_a_mapping_note_with_a_nul_is_refused_and_nothing_changes(
    client, alice, alice_enrolment, unit
):
    draft = EvidenceItemFactory(enrolment=alice_enrolment)
    client.force_login(alice)
    key = f"c{criterion(unit, '5.1').pk}"
    response = client.post(
        reverse("evidence:mappings", args=[draft.pk]),
        {"target": key, f"note-{key}": "Column\x00 C"},
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "The note contains a NUL character (an invisible one, usually pasted in from another "
        "program), which cannot be saved. Take it out and try again."
    ]
    assert not EvidenceMapping.objects.exists()


# Written by the system, or checked by the unit import before anything is saved.
UNBOUNDED_TEXT = {
    "assessments.UnitSignOff.assessor_declaration",
    "assessments.UnitSignOff.learner_declaration",
    "evidence.EvidenceVersion.description",  # a copy of the item's, as submitted
    "evidence.EvidenceVersion.declaration",
    "quality.SampleReview.declaration",
    "criteria.Unit.aim",
    "criteria.Unit.assessment_notes",
    "criteria.LearningOutcome.text",
    "criteria.AssessmentCriterion.text",
    "criteria.CriterionPart.text",
}
OUR_APPS = ["people", "criteria", "evidence", "assessments", "notifications", "quality"]


def test_every_text_column_people_write_in_has_a_limit():
    unbounded = {
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and not isinstance(field, BoundedTextField)
    }
    assert unbounded == UNBOUNDED_TEXT


def test_a_bounded_one_line_column_refuses_a_nul_in_full_clean(alice_enrolment, alice):
    item = EvidenceItem(
        enrolment=alice_enrolment,
        created_by=alice,
        title="Complaints\x00 log",
        activity_date=datetime.date(2026, 11, 2),
        evidence_type="complaints_log",
        assessment_method="work_product",
    )
    assert isinstance(EvidenceItem._meta.get_field("title"), BoundedCharField)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert refused.value.message_dict["title"][0].startswith("The title contains a NUL character")


def test_the_iqa_review_service_keeps_actions_and_comments_to_their_limits(
    alice_enrolment, unit, erin, qualification
):
    entry = make_entry(make_plan(erin, qualification), judged_unit(alice_enrolment, unit))
    with pytest.raises(ValidationError) as refused:
        sign_review(entry, disagree=("1.1",), actions=[("x" * 2_001, datetime.date(2026, 12, 7))])
    assert refused.value.messages == [
        "Keep the action to 2,000 characters or fewer (you wrote 2,001)."
    ]
    assert not SampleReview.objects.exists()


def test_an_iqa_reason_for_sampling_is_bounded_by_the_service(alice_enrolment, unit, erin):
    plan = make_plan(erin, alice_enrolment.qualification)
    with pytest.raises(ValidationError) as refused:
        sample_entry_add(
            plan=plan,
            enrolled_unit=judged_unit(alice_enrolment, unit),
            by=erin,
            stage="interim",
            planned_for=datetime.date(2026, 12, 1),
            reason="Concern\x00 raised",
        )
    assert refused.value.message_dict["reason"][0].startswith("The reason contains a NUL")


# Query parameters and imports


def test_a_catalogue_search_with_a_nul_says_so_and_finds_nothing(client, alice, catalogue):
    client.force_login(alice)
    response = client.get(reverse("criteria:search"), {"q": "complaint\x00"})
    assert response.status_code == 200
    assert texts(response) == ["Take the NUL character out of the search and try again."]
    assert response.context["results"] == []


def test_a_catalogue_search_with_a_superscript_number_finds_nothing(client, alice, catalogue):
    client.force_login(alice)
    response = client.get(reverse("criteria:search"), {"q": "1.\u00b2"})
    assert response.status_code == 200
    assert response.context["results"] == []


def test_a_report_for_a_unit_named_with_a_nul_is_not_found(client, alice, alice_enrolment):
    client.force_login(alice)
    url = reverse("assessments:matrix_csv", args=[alice_enrolment.pk])
    response = client.get(url, {"unit": "a-601-2550\x00"})
    assert response.status_code == 404
    assert response.text == "A unit's name never contains a NUL character."


def test_an_import_with_a_nul_names_its_row_and_saves_nothing(frank, qualification, carol):
    file = io.BytesIO(
        b"username,first_name,last_name,email,qualification,assessor,start_date,planned_end_date\n"
        b"jsmith,Jo,Smith,jo@example.org,ocr-l3-nvq-diploma-business-admin,carol,"
        b"01/09/2026,31/08/2027\n"
        b"kpatel,Kiran\x00,Patel,kiran@example.org,ocr-l3-nvq-diploma-business-admin,carol,"
        b"01/09/2026,31/08/2027\n"
    )
    result = enrolments_import(file)
    assert [str(problem) for problem in result.problems] == [
        "row 3: This row holds a NUL character (an invisible one, often left by a program that "
        "did not save the file as text), which cannot be imported. Take it out, or save the "
        "file again as “CSV UTF-8”."
    ]
    assert not EnrolmentUnit.objects.exists()


# Where `next` may send someone


@pytest.mark.parametrize(
    "next_url",
    [
        "javascript:alert(1)",
        "https://elsewhere.example/",
        "//elsewhere.example/",
        "/\\elsewhere.example/",
        "home",  # a bare word, which Django's redirect() would look up as a view name
        "-1",
        "/evidence/\x00/",
        "/" + "x" * 3000,
    ],
)
def test_an_unsafe_next_falls_back_to_the_item(client, alice, item, next_url):
    client.force_login(alice)
    response = client.post(feedback_url(item), {"text": "Thanks", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()


def test_a_next_on_this_site_is_followed(client, carol, item):
    client.force_login(carol)
    back = reverse("assessments:review", args=[item.pk]) + "#feedback"
    response = client.post(feedback_url(item), {"text": "Thanks", "next": back})
    assert response["Location"] == back


# Ids too large for the database


@pytest.mark.parametrize(
    "path",
    [
        f"/evidence/{HUGE_ID}/",
        f"/evidence/enrolments/{HUGE_ID}/progress/",
        f"/assessments/enrolments/{HUGE_ID}/units/a-601-2550/",
        f"/assessments/enrolments/{HUGE_ID}/units/a-601-2550/history/",
        f"/people/enrolments/{2**63}/",
        f"/quality/plans/{HUGE_ID}/",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, frank, alice_enrolment, path):
    client.force_login(frank)
    assert client.get(path).status_code == 404


def test_the_largest_id_the_database_holds_is_an_id_like_any_other(client, frank):
    client.force_login(frank)
    assert client.get(f"/people/enrolments/{2**63 - 1}/").status_code == 404


def test_a_choice_too_large_for_the_database_is_refused_as_a_choice(client, frank, alice_enrolment):
    client.force_login(frank)
    response = client.post(
        reverse("people:enrolment_edit", args=[alice_enrolment.pk]),
        {
            "units": [HUGE_ID],
            "assessor": alice_enrolment.assessor_id,
            "iqa": alice_enrolment.iqa_id,
            "start_date": "01/09/2026",
            "planned_end_date": "31/08/2027",
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["units"] == [
        f"Select a valid choice. {HUGE_ID} is not one of the available choices."
    ]


def test_a_mapping_to_a_criterion_id_too_large_is_refused_in_words(client, alice, alice_enrolment):
    draft = EvidenceItemFactory(enrolment=alice_enrolment)
    client.force_login(alice)
    for key in (f"c{HUGE_ID}", "c\u00b2"):
        response = client.post(reverse("evidence:mappings", args=[draft.pk]), {"target": key})
        assert texts(response) == ["The form sent a criterion the picker does not know. Try again."]


# Units with an assessment on record


@pytest.fixture
def second_unit(qualification, alice_enrolment):
    unit = UnitFactory(qualifications=[qualification], title="Manage information")
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=unit)
    return unit


def test_it_refuses_to_take_a_signed_off_unit_off_an_enrolment(
    client, frank, carol, alice_enrolment, unit, second_unit
):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    client.force_login(frank)
    response = client.post(
        reverse("people:enrolment_edit", args=[alice_enrolment.pk]),
        {
            "units": [second_unit.pk],
            "assessor": carol.pk,
            "iqa": alice_enrolment.iqa_id,
            "start_date": "01/09/2026",
            "planned_end_date": "31/08/2027",
            "status": "on_break",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["units"] == [
        f"{unit} cannot be taken off this enrolment: the learner has been assessed on it "
        "(judgements, and perhaps a sign-off or an IQA sample, are on record), and those records "
        "stay. Tick it again to keep it."
    ]
    alice_enrolment.refresh_from_db()
    assert set(alice_enrolment.units.all()) == {unit, second_unit}
    assert alice_enrolment.status == "active"


def test_a_unit_nobody_has_assessed_yet_comes_off_an_enrolment(alice_enrolment, unit, second_unit):
    enrolment_update(enrolment=alice_enrolment, units=[unit])
    assert list(alice_enrolment.units.all()) == [unit]
    assert Unit.objects.filter(pk=second_unit.pk).exists()
