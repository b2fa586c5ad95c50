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
from evidence import services as evidence_services
from evidence.models import AssessmentMethod, EvidenceItem, EvidenceMapping, EvidenceType
from evidence.uploads import evidence_file_add
from notifications.models import Notification

from .evidence_factories import EvidenceItemFactory, add_file, submit
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
    assert "acknowledge" in notice.message
    assert notice.url == f"{item.get_absolute_url()}#acknowledge"


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
        ({}, 'class="alert-link">Questions asked</a>: This field is required.'),
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
    version = observation.versions.get()
    first = version.acknowledged_at
    assert first is not None and version.acknowledged_by == alice
    assert version.acknowledgement == f"{ACKNOWLEDGEMENT}\n\nIt was the finance team, not payroll."
    assert Notification.objects.filter(recipient=carol, url=observation.get_absolute_url()).exists()

    client.post(acknowledge_url(observation), {"comment": "Again"})

    version.refresh_from_db()
    assert version.acknowledged_at == first
    assert "Again" not in version.acknowledgement


def test_a_second_acknowledgement_is_refused(alice, observation):
    assessor_record_acknowledge(item=observation, by=alice)
    with pytest.raises(ValidationError, match="already acknowledged"):
        assessor_record_acknowledge(item=observation, by=alice, comment="Twice")
    assert observation.versions.get().acknowledgement == ACKNOWLEDGEMENT


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
    assert observation.versions.get().acknowledged_at is None


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


def test_the_record_takes_files_only_while_its_author_revises_it(client, alice, carol, observation):
    with pytest.raises(ValidationError, match="Revise it to start a new version"):
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


# The record belongs to its author ---------------------------------------------------------


def as_draft(item):
    """The record as a draft, as a revision leaves it, without asking any service."""
    EvidenceItem.objects.filter(pk=item.pk).update(status=EvidenceItem.Status.DRAFT)
    item.refresh_from_db()
    return item


def test_it_refuses_the_learner_revising_the_assessors_record(alice, observation):
    with pytest.raises(ValidationError, match="only Carol Carter changes it"):
        evidence_services.evidence_revise(item=observation, by=alice)
    observation.refresh_from_db()
    assert observation.status == EvidenceItem.Status.SUBMITTED


@pytest.mark.parametrize(
    "change",
    [
        lambda item, by: evidence_services.evidence_item_update(
            item=item, by=by, typed_content={**OBSERVATION, "notes": "Rude to everyone."}
        ),
        lambda item, by: evidence_services.evidence_item_delete(item=item, by=by),
        lambda item, by: evidence_services.evidence_mappings_set(item=item, by=by, targets=[]),
        lambda item, by: evidence_services.evidence_mapping_add(
            item=item, by=by, criterion=item.mappings.first().criterion
        ),
        lambda item, by: evidence_services.evidence_mapping_remove(
            mapping=item.mappings.first(), by=by
        ),
        lambda item, by: evidence_services.evidence_submit(item=item, by=by, declaration=True),
        lambda item, by: evidence_file_add(item=item, upload=recording(), by=by),
    ],
    ids=["edit", "delete", "map", "add a mapping", "remove a mapping", "submit", "add a file"],
)
def test_it_refuses_the_learner_every_change_to_the_assessors_record(alice, observation, change):
    as_draft(observation)
    with pytest.raises(ValidationError, match="only Carol Carter changes it"):
        change(observation, alice)
    observation.refresh_from_db()
    assert observation.typed_content == OBSERVATION
    assert [m.code for m in observation.mappings.all()] == ["3.2", "9.1 a"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("evidence:revise", "post"),
        ("evidence:edit", "get"),
        ("evidence:edit", "post"),
        ("evidence:delete", "get"),
        ("evidence:delete", "post"),
        ("evidence:mappings", "get"),
        ("evidence:mappings", "post"),
        ("evidence:submit", "post"),
    ],
)
def test_the_learners_pages_for_changing_the_record_answer_403(
    client, alice, observation, name, method
):
    as_draft(observation)
    client.force_login(alice)
    response = getattr(client, method)(reverse(name, args=[observation.pk]))
    assert response.status_code == 403
    assert EvidenceItem.objects.filter(pk=observation.pk).exists()
    assert observation.mappings.count() == 2


def test_the_learner_reads_the_record_with_only_acknowledge_to_do(client, alice, observation):
    client.force_login(alice)
    page = client.get(observation.get_absolute_url()).text
    for name in ["revise", "edit", "delete", "mappings", "submit", "upload"]:
        assert reverse(f"evidence:{name}", args=[observation.pk]) not in page
    assert "mapping_remove" not in page and "/remove/" not in page
    assert f'action="{acknowledge_url(observation)}"' in page
    assert 'name="comment"' in page


def test_the_notice_leads_to_the_acknowledge_form(client, alice, observation):
    notice = Notification.objects.get(recipient=alice)
    client.force_login(alice)
    page = client.get(notice.url).text
    fragment = notice.url.partition("#")[2]
    assert fragment and f'id="{fragment}"' in page
    assert f'action="{acknowledge_url(observation)}"' in page


def test_the_acknowledge_form_goes_once_it_is_given(client, alice, observation):
    assessor_record_acknowledge(item=observation, by=alice, comment="Yes, finance.")
    client.force_login(alice)
    page = client.get(observation.get_absolute_url()).text
    assert acknowledge_url(observation) not in page
    assert "acknowledged by Alice Archer" in page and "Yes, finance." in page


# The author revises it, through versions ---------------------------------------------------


def revise(item, by, **changes):
    """The author's revision as the pages make it: revise, change, save the next version."""
    evidence_services.evidence_revise(item=item, by=by)
    if changes:
        evidence_services.evidence_item_update(item=item, by=by, **changes)
    return evidence_services.evidence_submit(item=item, by=by, declaration=True)


def test_the_record_is_frozen_as_version_1_when_written(carol, observation):
    [version] = observation.versions.all()
    assert (version.number, version.declared_by, version.typed_content) == (1, carol, OBSERVATION)
    assert [m["code"] for m in version.mappings] == ["3.2", "9.1 a"]
    assert version.acknowledged_at is None


def test_the_author_revises_the_record_as_a_new_version(alice, carol, observation):
    changed = {**OBSERVATION, "notes": "Calm, clear, and followed the AIRR steps."}
    version = revise(observation, carol, typed_content=changed, title="Observation, revised")

    observation.refresh_from_db()
    assert version.number == 2 and version.typed_content == changed
    assert observation.versions.get(number=1).typed_content == OBSERVATION
    assert observation.status == EvidenceItem.Status.SUBMITTED
    # The author accepts what the record shows as they save it, as when they wrote it.
    assert set(observation.mappings.values_list("decision", flat=True)) == {"accepted"}
    notice = Notification.objects.filter(recipient=alice).latest("pk")
    assert "version 2" in notice.message and "acknowledge" in notice.message


def test_the_author_adds_a_recording_in_a_revision(client, carol, observation):
    client.force_login(carol)
    assert 'name="files"' not in client.get(observation.get_absolute_url()).text
    client.post(reverse("evidence:revise", args=[observation.pk]))
    assert 'name="files"' in client.get(observation.get_absolute_url()).text
    client.post(reverse("evidence:upload", args=[observation.pk]), {"files": recording()})
    client.post(reverse("evidence:submit", args=[observation.pk]), {"declaration": "on"})

    [stored] = observation.versions.get(number=2).files.all()
    assert stored.content_type == "audio/wav" and stored.uploaded_by == carol
    assert not observation.versions.get(number=1).files.exists()


def test_the_author_edits_the_record_on_its_pages(client, carol, observation):
    client.force_login(carol)
    client.post(reverse("evidence:revise", args=[observation.pk]))
    page = client.get(reverse("evidence:edit", args=[observation.pk]))
    assert page.status_code == 200 and "Activities observed" in page.text
    assert 'name="evidence_type"' not in page.text  # fixed by the kind of record
    response = client.post(
        reverse("evidence:edit", args=[observation.pk]),
        {
            "title": "Observation: handling a complaint",
            "activity_date": observation.activity_date.isoformat(),
            **{**OBSERVATION, "notes": "Calm and clear; logged it at once."},
        },
    )
    assert response.status_code == 302
    observation.refresh_from_db()
    assert observation.typed_content["notes"] == "Calm and clear; logged it at once."
    assert observation.assessment_method == AssessmentMethod.OBSERVATION


def test_an_acknowledgement_covers_the_version_it_was_given_for(client, alice, carol, observation):
    assessor_record_acknowledge(item=observation, by=alice, comment="Accurate.")
    revise(observation, carol, title="Observation, with the date corrected")

    first, second = observation.versions.order_by("number")
    assert first.acknowledged_by == alice and first.acknowledgement.endswith("Accurate.")
    assert second.acknowledged_at is None
    client.force_login(carol)
    page = client.get(observation.get_absolute_url()).text
    assert "Version 2 is not yet acknowledged" in page
    assert "Version 1: acknowledged by Alice Archer" in page

    assessor_record_acknowledge(item=observation, by=alice)
    second.refresh_from_db()
    assert second.acknowledged_by == alice


def test_each_version_page_says_what_was_acknowledged_of_it(client, alice, carol, observation):
    assessor_record_acknowledge(item=observation, by=alice, comment="Accurate.")
    revise(observation, carol, title="Observation, with the date corrected")
    client.force_login(alice)
    first = client.get(reverse("evidence:version", args=[observation.pk, 1])).text
    second = client.get(reverse("evidence:version", args=[observation.pk, 2])).text
    assert "Acknowledged</strong> by Alice Archer" in first and "Accurate." in first
    assert "Version 2 is not acknowledged by Alice Archer." in second
    assert "accurate account of the assessment I carried out" in second


def test_the_learner_cannot_acknowledge_while_the_author_revises(alice, carol, observation):
    evidence_services.evidence_revise(item=observation, by=carol)
    with pytest.raises(ValidationError, match="revising this record"):
        assessor_record_acknowledge(item=observation, by=alice)


def test_the_record_is_never_deleted(client, carol, observation):
    evidence_services.evidence_revise(item=observation, by=carol)
    with pytest.raises(ValidationError, match="stays"):
        evidence_services.evidence_item_delete(item=observation, by=carol)
    client.force_login(carol)
    assert (
        reverse("evidence:delete", args=[observation.pk])
        not in client.get(observation.get_absolute_url()).text
    )
    response = client.post(reverse("evidence:delete", args=[observation.pk]), follow=True)
    assert response.status_code == 200
    assert EvidenceItem.objects.filter(pk=observation.pk).exists()


def test_the_author_does_not_review_their_own_record(client, carol, observation):
    from assessments.review import mapping_decide

    mapping = observation.mappings.first()
    with pytest.raises(ValidationError, match="assessor’s own record"):
        mapping_decide(mapping=mapping, by=carol, decision="rejected", comment="Hmm")
    client.force_login(carol)
    page = client.get(reverse("assessments:review", args=[observation.pk])).text
    assert "This is your own record" in page and 'name="mapping-' not in page
    assert (
        reverse("assessments:review", args=[observation.pk])
        not in client.get(observation.get_absolute_url()).text
    )


# Never while a sign-off relies on it -------------------------------------------------------


@pytest.fixture
def signed_on_observation(alice_enrolment, unit, observation, carol):
    """A/601/2550 signed off, its 3.2 relying on the observation as well as on a log."""
    from assessments.signoff import unit_sign_off

    from .test_judgements import criterion, fully_met, judge

    enrolled_unit, item = fully_met(alice_enrolment, unit)
    judge(enrolled_unit, criterion(unit, "3.2"), items=[item, observation], rationale="Both")
    return unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)


def test_the_author_cannot_revise_a_record_a_standing_sign_off_relies_on(
    client, carol, observation, signed_on_observation
):
    with pytest.raises(ValidationError, match=r"unit A/601/2550 is signed off and relies on"):
        evidence_services.evidence_revise(item=observation, by=carol)
    observation.refresh_from_db()
    assert observation.status == EvidenceItem.Status.SUBMITTED
    client.force_login(carol)
    page = client.get(observation.get_absolute_url()).text
    assert reverse("evidence:revise", args=[observation.pk]) not in page
    assert "unit A/601/2550 is signed off and relies on" in page


def test_the_author_cannot_remove_a_relied_on_mapping_of_the_record(
    carol, observation, signed_on_observation
):
    mapping = observation.mappings.get(criterion__number=2, criterion__outcome__number=3)
    with pytest.raises(ValidationError, match=r"unit A/601/2550 is signed off and relies on"):
        evidence_services.evidence_mapping_remove(mapping=mapping, by=carol)
    assert observation.mappings.count() == 2


# Deleting a draft never fails with a 500 ---------------------------------------------------


def test_a_draft_relied_on_by_a_judgement_is_not_deleted(client, alice, alice_enrolment, unit):
    from .test_judgements import criterion, enrolled, judge

    draft = EvidenceItemFactory(enrolment=alice_enrolment)
    add_file(draft)
    evidence_services.evidence_mapping_add(item=draft, by=alice, criterion=criterion(unit, "1.1"))
    judge(enrolled(alice_enrolment, unit), criterion(unit, "1.1"), outcome="not_yet", items=[draft])

    with pytest.raises(ValidationError, match="judgement of 1.1 relies on it"):
        evidence_services.evidence_item_delete(item=draft, by=alice)
    client.force_login(alice)
    assert (
        reverse("evidence:delete", args=[draft.pk]) not in client.get(draft.get_absolute_url()).text
    )
    assert client.get(reverse("evidence:delete", args=[draft.pk])).status_code == 302
    response = client.post(reverse("evidence:delete", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    assert "judgement of 1.1 relies on it" in response.text
    assert EvidenceItem.objects.filter(pk=draft.pk).exists() and draft.files.exists()


def test_a_draft_with_a_feedback_thread_is_not_deleted(client, alice, alice_enrolment):
    from assessments.review import feedback_add

    draft = EvidenceItemFactory(enrolment=alice_enrolment)
    feedback_add(item=draft, by=alice, text="Is this the right log to use?")

    with pytest.raises(ValidationError, match="feedback thread"):
        evidence_services.evidence_item_delete(item=draft, by=alice)
    client.force_login(alice)
    response = client.post(reverse("evidence:delete", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    assert EvidenceItem.objects.filter(pk=draft.pk).exists()
