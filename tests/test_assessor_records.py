"""The assessor's own records as evidence: observation, professional discussion and questioning,
accepted against their criteria as they are written, then acknowledged by the learner."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.records import ACKNOWLEDGEMENT, assessor_record_acknowledge, assessor_record_create
from criteria.models import AssessmentCriterion, CriterionPart, split_code
from evidence.models import AssessmentMethod, EvidenceItem, EvidenceMapping, EvidenceType
from evidence.uploads import evidence_file_add
from notifications.models import Notification

from .evidence_factories import EvidenceItemFactory, submit
from .factories import AssessmentCriterionFactory

OBSERVATION = {
    "place": "Post room, head office",
    "activities": "Alice took a complaint from the finance team by phone and logged it.",
    "criteria_covered": "She acknowledged it at once (3.2) and checked each point (9.1 a).",
    "notes": "Calm and clear throughout.",
}


def code_target(unit, code):
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    part = CriterionPart.objects.get(criterion=criterion, letter=letter) if letter else None
    return criterion, part


def create_url(enrolment, kind="observation"):
    return reverse("assessments:record_create", args=[enrolment.pk]) + f"?kind={kind}"


def acknowledge_url(item):
    return reverse("assessments:record_acknowledge", args=[item.pk])


@pytest.fixture
def observation(carol, alice_enrolment, unit):
    return assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind="observation",
        title="Observation: handling a complaint",
        activity_date=timezone.localdate(),
        typed_content=OBSERVATION,
        targets=[code_target(unit, "3.2"), code_target(unit, "9.1 a")],
    )


# Writing a record --------------------------------------------------------------------------


def test_an_observation_is_the_assessors_and_accepted_against_its_criteria(
    alice, carol, observation
):
    item = EvidenceItem.objects.get(pk=observation.pk)
    assert item.is_assessor_record and item.created_by == carol
    assert (item.status, item.submitted_at is not None) == (EvidenceItem.Status.SUBMITTED, True)
    assert (item.evidence_type, item.assessment_method, item.template) == (
        EvidenceType.OTHER,
        AssessmentMethod.OBSERVATION,
        "observation",
    )
    assert item.typed_content == OBSERVATION
    mappings = list(item.mappings.all())
    assert [mapping.code for mapping in mappings] == ["3.2", "9.1 a"]
    assert all(
        m.added_by_assessor
        and m.added_by == carol
        and m.decision == EvidenceMapping.Decision.ACCEPTED
        and m.decided_by == carol
        and m.decided_at is not None
        for m in mappings
    )
    notice = Notification.objects.get(recipient=alice)
    assert "acknowledge" in notice.message and notice.url == item.get_absolute_url()


@pytest.mark.parametrize(
    ("kind", "answers", "method"),
    [
        (
            "professional_discussion",
            {"questions": "How do you monitor?", "answers": "Recorded.", "summary": "Sound."},
            AssessmentMethod.PROFESSIONAL_DISCUSSION,
        ),
        (
            "questioning",
            {"questions": "Who do you refer to?", "answers": "My line manager."},
            AssessmentMethod.QUESTIONING,
        ),
    ],
)
def test_each_kind_of_record_has_its_method(carol, alice_enrolment, unit, kind, answers, method):
    item = assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind=kind,
        title="Discussion",
        activity_date=timezone.localdate(),
        typed_content=answers,
        targets=[code_target(unit, "1.1")],
    )
    assert (item.assessment_method, item.evidence_type) == (method, EvidenceType.OTHER)


@pytest.mark.parametrize("person", ["alice", "dave", "erin", "frank"])
def test_no_one_but_the_assessor_writes_a_record(request, person, alice_enrolment, unit):
    with pytest.raises(ValidationError, match="Only the learner's assessor"):
        assessor_record_create(
            enrolment=alice_enrolment,
            by=request.getfixturevalue(person),
            kind="observation",
            title="Observation",
            activity_date=timezone.localdate(),
            typed_content=OBSERVATION,
            targets=[code_target(unit, "1.1")],
        )


def test_a_learners_template_is_not_an_assessors_record(carol, alice_enrolment, unit):
    with pytest.raises(ValidationError, match="no kind of assessor's record"):
        assessor_record_create(
            enrolment=alice_enrolment,
            by=carol,
            kind="star",
            title="Reflective account",
            activity_date=timezone.localdate(),
            typed_content={},
            targets=[code_target(unit, "1.1")],
        )


def test_it_refuses_a_record_with_no_criteria_a_future_date_or_missing_answers(
    carol, alice_enrolment
):
    with pytest.raises(ValidationError) as raised:
        assessor_record_create(
            enrolment=alice_enrolment,
            by=carol,
            kind="observation",
            title="Observation",
            activity_date=timezone.localdate() + datetime.timedelta(days=1),
            typed_content={"place": "Post room"},
            targets=[],
        )
    errors = raised.value.message_dict
    assert {"activity_date", "criteria", "activities", "criteria_covered", "notes"} <= set(errors)
    assert not EvidenceItem.objects.exists()


def test_a_criterion_outside_the_enrolment_leaves_nothing_behind(carol, alice_enrolment, unit):
    elsewhere = AssessmentCriterionFactory()
    with pytest.raises(ValidationError, match="not in a unit of this enrolment"):
        assessor_record_create(
            enrolment=alice_enrolment,
            by=carol,
            kind="observation",
            title="Observation",
            activity_date=timezone.localdate(),
            typed_content=OBSERVATION,
            targets=[code_target(unit, "1.1"), (elsewhere, None)],
        )
    assert not EvidenceItem.objects.exists() and not EvidenceMapping.objects.exists()
    assert not Notification.objects.exists()


# The record page ---------------------------------------------------------------------------


def test_the_assessor_writes_an_observation_on_the_page(client, carol, alice_enrolment, unit):
    criterion, _ = code_target(unit, "3.2")
    _, part = code_target(unit, "9.1 b")
    client.force_login(carol)
    page = client.get(create_url(alice_enrolment))
    assert page.status_code == 200
    assert "Activities observed" in page.text and f'value="p{part.pk}"' in page.text

    response = client.post(
        create_url(alice_enrolment),
        {
            "title": "Observed: complaint from finance",
            "activity_date": timezone.localdate().isoformat(),
            "criteria": [f"c{criterion.pk}", f"p{part.pk}"],
            **OBSERVATION,
        },
    )

    item = EvidenceItem.objects.get()
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert item.is_assessor_record and item.template == "observation"
    assert sorted(m.code for m in item.mappings.all()) == ["3.2", "9.1 b"]


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({}, "Questions asked: This field is required."),
        (
            {"questions": "Who?", "answers": "Me."},
            "Tick at least one criterion or part the record covers.",
        ),
    ],
)
def test_the_page_shows_what_is_missing(client, carol, alice_enrolment, answers, problem):
    client.force_login(carol)
    response = client.post(
        create_url(alice_enrolment, "questioning"),
        {"title": "Questions", "activity_date": timezone.localdate().isoformat(), **answers},
    )
    assert response.status_code == 200
    assert problem in response.text
    assert not EvidenceItem.objects.exists()


def test_the_page_offers_the_kinds_when_none_is_chosen(client, carol, alice_enrolment):
    client.force_login(carol)
    response = client.get(reverse("assessments:record_create", args=[alice_enrolment.pk]))
    assert response.status_code == 200
    for kind in ["observation", "professional_discussion", "questioning"]:
        assert f"?kind={kind}" in response.text


@pytest.mark.parametrize(
    ("person", "status"),
    [("bob", 404), ("dave", 404), ("alice", 403), ("erin", 403), ("frank", 403)],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_assessor_opens_the_record_page(
    client, request, person, status, method, alice_enrolment
):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(create_url(alice_enrolment))
    assert response.status_code == status
    assert not EvidenceItem.objects.exists()


def test_it_sends_an_anonymous_visitor_to_sign_in(client, alice_enrolment):
    response = client.get(create_url(alice_enrolment))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_learners_add_evidence_page_does_not_offer_the_assessors_templates(
    client, alice, alice_enrolment
):
    client.force_login(alice)
    response = client.get(reverse("evidence:create", args=[alice_enrolment.pk]))
    assert "?template=star" in response.text and "?template=witness" in response.text
    for key in ["observation", "professional_discussion", "questioning"]:
        assert f"?template={key}" not in response.text
    assert {t.author for t in response.context["templates"]} == {"learner"}


# Acknowledging -----------------------------------------------------------------------------


def test_the_learner_acknowledges_the_record_once(client, alice, carol, observation):
    client.force_login(alice)
    response = client.post(
        acknowledge_url(observation), {"comment": "It was the finance team, not payroll."}
    )
    assert response.status_code == 302 and response.url == observation.get_absolute_url()
    observation.refresh_from_db()
    first = observation.acknowledged_at
    assert first is not None
    assert observation.acknowledgement == (
        f"{ACKNOWLEDGEMENT}\n\nIt was the finance team, not payroll."
    )
    assert Notification.objects.filter(recipient=carol, url=observation.get_absolute_url()).exists()

    client.post(acknowledge_url(observation), {"comment": "Again"})

    observation.refresh_from_db()
    assert observation.acknowledged_at == first
    assert "Again" not in observation.acknowledgement


def test_a_second_acknowledgement_is_refused(alice, observation):
    assessor_record_acknowledge(item=observation, by=alice)
    with pytest.raises(ValidationError, match="already acknowledged"):
        assessor_record_acknowledge(item=observation, by=alice, comment="Twice")
    observation.refresh_from_db()
    assert observation.acknowledgement == ACKNOWLEDGEMENT


def test_only_an_assessors_record_is_acknowledged(alice, alice_enrolment):
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    submit(item)
    with pytest.raises(ValidationError, match="Only an assessor's record"):
        assessor_record_acknowledge(item=item, by=alice)


def test_the_assessor_cannot_acknowledge_for_the_learner(carol, observation):
    with pytest.raises(ValidationError, match="Only the learner"):
        assessor_record_acknowledge(item=observation, by=carol)


@pytest.mark.parametrize(
    ("person", "status"),
    [("bob", 404), ("dave", 404), ("carol", 403), ("erin", 403), ("frank", 403)],
)
def test_only_the_learner_may_post_an_acknowledgement(client, request, person, status, observation):
    client.force_login(request.getfixturevalue(person))
    assert client.post(acknowledge_url(observation)).status_code == status
    observation.refresh_from_db()
    assert observation.acknowledged_at is None


def test_acknowledging_answers_only_to_post(client, alice, observation):
    client.force_login(alice)
    assert client.get(acknowledge_url(observation)).status_code == 405


# Files on the assessor's own record ---------------------------------------------------------


def recording():
    # A minimal WAV header and a little silence: a real audio file the sniffer accepts.
    data = b"\x00\x00" * 800
    header = (
        b"RIFF"
        + (36 + len(data)).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (8000).to_bytes(4, "little")
        + (16000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + len(data).to_bytes(4, "little")
    )
    return SimpleUploadedFile("discussion.wav", header + data)


def test_the_assessor_attaches_a_recording_to_their_record(client, carol, observation):
    client.force_login(carol)
    page = client.get(observation.get_absolute_url())
    assert 'name="files"' in page.text
    client.post(reverse("evidence:upload", args=[observation.pk]), {"files": recording()})
    [stored] = observation.files.all()
    assert stored.content_type == "audio/wav" and stored.uploaded_by == carol


def test_the_record_is_closed_to_files_once_acknowledged(client, alice, carol, observation):
    assessor_record_acknowledge(item=observation, by=alice)
    with pytest.raises(ValidationError, match="acknowledged this record"):
        evidence_file_add(item=observation, upload=recording(), by=carol)
    client.force_login(carol)
    assert 'name="files"' not in client.get(observation.get_absolute_url()).text
    assert not observation.files.exists()


def test_the_learner_cannot_add_files_to_the_assessors_record(client, alice, observation):
    client.force_login(alice)
    response = client.post(
        reverse("evidence:upload", args=[observation.pk]), {"files": recording()}
    )
    assert response.status_code == 403
    assert not observation.files.exists()
