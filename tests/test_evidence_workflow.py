"""Drafts, typed evidence, mapping, submission with declaration, versions: the learner's flow."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from criteria.models import AssessmentCriterion, CriterionPart
from evidence import services
from evidence.models import EvidenceItem, EvidenceMapping, EvidenceVersion

from .factories import EnrolmentFactory, QualificationFactory, UnitFactory, UserFactory

YESTERDAY = datetime.date(2026, 11, 22)


def criterion(unit, code):
    outcome, number = code.split(".")
    return AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome, number=number
    )


def part(unit, code, letter):
    return CriterionPart.objects.get(criterion=criterion(unit, code), letter=letter)


@pytest.fixture
def draft(alice, alice_enrolment):
    return services.evidence_item_create(
        enrolment=alice_enrolment,
        by=alice,
        title="Complaints log, October",
        activity_date=YESTERDAY,
        evidence_type="complaints_log",
        assessment_method="work_product",
        description="The log I keep of problems colleagues raise with the post room.",
    )


@pytest.fixture
def mapped(draft, alice, unit):
    services.evidence_mappings_set(
        item=draft,
        by=alice,
        targets=[
            (criterion(unit, "5.1"), None, "Types of problem in the log"),
            (None, part(unit, "9.1", "a"), "Each complaint processed the same day"),
        ],
    )
    return draft


def submit(client, item, declaration=True):
    data = {"declaration": "on"} if declaration else {}
    return client.post(reverse("evidence:submit", args=[item.pk]), data, follow=True)


class TestCreating:
    def test_it_creates_a_draft_from_the_form(self, client, alice, alice_enrolment):
        client.force_login(alice)
        response = client.post(
            reverse("evidence:create", args=[alice_enrolment.pk]),
            {
                "title": "Feedback survey results",
                "activity_date": "20/11/2026",
                "evidence_type": "feedback_log",
                "assessment_method": "work_product",
                "description": "Survey of the finance team.",
            },
        )
        item = EvidenceItem.objects.get()
        assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
        assert item.status == EvidenceItem.Status.DRAFT
        assert item.activity_date == datetime.date(2026, 11, 20)

    def test_it_refuses_a_date_in_the_future(self, client, alice, alice_enrolment):
        client.force_login(alice)
        response = client.post(
            reverse("evidence:create", args=[alice_enrolment.pk]),
            {
                "title": "Next year",
                "activity_date": "01/01/2099",
                "evidence_type": "other",
                "assessment_method": "work_product",
            },
        )
        assert "The date of the activity cannot be in the future." in response.text
        assert not EvidenceItem.objects.exists()

    def test_it_saves_a_star_reflective_account_in_its_sections(
        self, client, alice, alice_enrolment
    ):
        client.force_login(alice)
        url = reverse("evidence:create", args=[alice_enrolment.pk]) + "?template=star"
        page = client.get(url)
        assert "Reflective account (STAR)" in page.text and 'name="situation"' in page.text
        client.post(
            url,
            {
                "template": "star",
                "title": "Month-end rush",
                "activity_date": "2026-11-02",
                "evidence_type": "reflective_account",
                "assessment_method": "learner_statement",
                "situation": "Finance needed invoices scanned before month end.",
                "task": "Scan 300 invoices within 4 hours.",
                "action": "I re-ordered the post run and asked for a second scanner.",
                "result": "Done in 3 hours; finance thanked the team.",
            },
        )
        item = EvidenceItem.objects.get()
        assert item.template == "star"
        assert item.typed_content["task"] == "Scan 300 invoices within 4 hours."
        page = client.get(item.get_absolute_url())
        assert "Situation" in page.text and "Done in 3 hours" in page.text

    def test_it_names_each_missing_section_of_a_template(self, client, alice, alice_enrolment):
        client.force_login(alice)
        url = reverse("evidence:create", args=[alice_enrolment.pk]) + "?template=airr"
        response = client.post(
            url,
            {
                "template": "airr",
                "title": "Complaint",
                "activity_date": "2026-11-02",
                "evidence_type": "complaint_notes",
                "assessment_method": "learner_statement",
                "customer": "HR",
            },
        )
        assert "Acknowledge</a>: This field is required." in response.text
        assert not EvidenceItem.objects.exists()

    def test_it_refuses_a_witness_who_is_the_assessor(self, alice, alice_enrolment, carol):
        with pytest.raises(ValidationError, match="The witness cannot be your assessor"):
            services.evidence_item_create(
                enrolment=alice_enrolment,
                by=alice,
                title="Testimony",
                activity_date=YESTERDAY,
                evidence_type="witness_testimony",
                assessment_method="witness_testimony",
                template="witness",
                typed_content={
                    "witness_name": "carol  CARTER",
                    "witness_role": "Assessor",
                    "relationship": "assessor",
                    "contact": "someone@example.org",
                    "statement": "I saw it.",
                },
            )
        assert not EvidenceItem.objects.exists()

    def test_only_the_learner_adds_evidence(self, client, carol, alice_enrolment):
        client.force_login(carol)
        assert client.get(reverse("evidence:create", args=[alice_enrolment.pk])).status_code == 403

    def test_another_learner_cannot_add_to_someone_elses_portfolio(
        self, client, bob, alice_enrolment
    ):
        client.force_login(bob)
        assert client.get(reverse("evidence:create", args=[alice_enrolment.pk])).status_code == 404


class TestMapping:
    def test_it_maps_criteria_and_sub_parts_with_notes(self, client, alice, draft, unit):
        client.force_login(alice)
        page = client.get(reverse("evidence:mappings", args=[draft.pk]))
        c51, p91b = criterion(unit, "5.1"), part(unit, "9.1", "b")
        assert f'value="c{c51.pk}"' in page.text and f'value="p{p91b.pk}"' in page.text
        assert f'value="c{criterion(unit, "9.1").pk}"' not in page.text  # map its parts instead
        response = client.post(
            reverse("evidence:mappings", args=[draft.pk]),
            {"target": [f"c{c51.pk}", f"p{p91b.pk}"], f"note-c{c51.pk}": "Problems listed"},
        )
        assert response.status_code == 302
        assert sorted(m.code for m in draft.mappings.all()) == ["5.1", "9.1 b"]
        assert draft.mappings.get(criterion=c51).note == "Problems listed"

    def test_it_shows_which_criteria_already_have_evidence(self, client, alice, mapped, draft):
        other = services.evidence_item_create(
            enrolment=draft.enrolment,
            by=alice,
            title="Second",
            activity_date=YESTERDAY,
            evidence_type="other",
            assessment_method="work_product",
        )
        client.force_login(alice)
        page = client.get(reverse("evidence:mappings", args=[other.pk]))
        assert page.text.count("evidence: 1 other item") == 2

    def test_it_refuses_a_criterion_of_a_unit_outside_the_enrolment(self, alice, draft):
        stranger = UnitFactory(qualifications=[QualificationFactory()])
        outside = AssessmentCriterion.objects.create(
            outcome=stranger.outcomes.create(number=1, text="Know things", kind="knowledge"),
            number=1,
            text="Explain things",
        )
        with pytest.raises(ValidationError, match="not in a unit of this enrolment"):
            services.evidence_mapping_add(item=draft, by=alice, criterion=outside)
        assert not EvidenceMapping.objects.exists()

    def test_a_tampered_picker_post_changes_nothing(self, client, alice, mapped, bob_enrolment):
        client.force_login(alice)
        before = list(mapped.mappings.values_list("pk", flat=True))
        response = client.post(
            reverse("evidence:mappings", args=[mapped.pk]), {"target": ["c999999", "x1"]}
        )
        assert "the picker does not know" in response.text
        assert list(mapped.mappings.values_list("pk", flat=True)) == before

    def test_the_assessor_adds_a_mapping_marked_as_theirs(self, client, carol, mapped, unit):
        client.force_login(carol)
        target = criterion(unit, "10.1")
        client.post(
            reverse("evidence:assessor_mapping_add", args=[mapped.pk]),
            {"target": f"c{target.pk}", "note": "Log records feedback"},
        )
        mapping = mapped.mappings.get(criterion=target)
        assert mapping.added_by_assessor and mapping.added_by == carol

    def test_the_iqa_cannot_add_mappings(self, client, erin, mapped, unit):
        client.force_login(erin)
        response = client.post(
            reverse("evidence:assessor_mapping_add", args=[mapped.pk]),
            {"target": f"c{criterion(unit, '10.1').pk}"},
        )
        assert response.status_code == 403

    def test_the_learners_picker_keeps_the_assessors_mappings(self, alice, carol, mapped, unit):
        services.evidence_mapping_add(
            item=mapped, by=carol, criterion=criterion(unit, "10.1"), as_assessor=True
        )
        services.evidence_mappings_set(item=mapped, by=alice, targets=[])
        assert [m.code for m in mapped.mappings.all()] == ["10.1"]


class TestSubmitting:
    def test_it_submits_with_the_declaration_and_locks_the_item(self, client, alice, mapped):
        client.force_login(alice)
        response = submit(client, mapped)
        assert "Submitted for assessment as version 1" in response.text
        mapped.refresh_from_db()
        assert mapped.status == EvidenceItem.Status.SUBMITTED
        version = mapped.versions.get()
        assert version.declared_by == alice and version.declared_at is not None
        assert version.declaration.startswith("I confirm that this evidence is my own work")
        assert [m["code"] for m in version.mappings] == ["5.1", "9.1 a"]

    def test_it_refuses_to_submit_without_the_declaration(self, client, alice, mapped):
        client.force_login(alice)
        response = submit(client, mapped, declaration=False)
        assert "Confirm the declaration" in response.text
        mapped.refresh_from_db()
        assert mapped.status == EvidenceItem.Status.DRAFT
        assert not EvidenceVersion.objects.exists()

    def test_it_refuses_to_submit_an_unmapped_item(self, client, alice, draft):
        client.force_login(alice)
        response = submit(client, draft)
        assert "Map the item to at least one criterion" in response.text
        assert not EvidenceVersion.objects.exists()

    def test_a_double_click_makes_one_version(self, client, alice, mapped):
        client.force_login(alice)
        submit(client, mapped)
        response = submit(client, mapped)
        assert "cannot be changed" in response.text
        assert mapped.versions.count() == 1

    def test_a_submitted_item_cannot_be_edited_or_deleted(self, client, alice, mapped):
        client.force_login(alice)
        submit(client, mapped)
        response = client.post(
            reverse("evidence:edit", args=[mapped.pk]),
            {
                "title": "Sneaky change",
                "activity_date": "2026-11-01",
                "evidence_type": "other",
                "assessment_method": "work_product",
            },
            follow=True,
        )
        assert "This item is submitted, so it cannot be changed." in response.text
        response = client.post(reverse("evidence:delete", args=[mapped.pk]), follow=True)
        assert "cannot be changed" in response.text
        mapped.refresh_from_db()
        assert mapped.title == "Complaints log, October"

    def test_revising_makes_a_new_version_and_keeps_the_old_one(self, client, alice, mapped):
        client.force_login(alice)
        submit(client, mapped)
        client.post(reverse("evidence:revise", args=[mapped.pk]))
        services.evidence_item_update(item=mapped, by=alice, title="Complaints log, Oct–Nov")
        submit(client, mapped)
        assert list(mapped.versions.values_list("number", "title")) == [
            (1, "Complaints log, October"),
            (2, "Complaints log, Oct–Nov"),
        ]
        page = client.get(reverse("evidence:version", args=[mapped.pk, 1]))
        assert "Complaints log, October" in page.text and "Declaration" in page.text

    def test_a_once_submitted_item_cannot_be_deleted_even_as_a_draft(self, alice, mapped):
        services.evidence_submit(item=mapped, by=alice, declaration=True)
        services.evidence_revise(item=mapped, by=alice)
        with pytest.raises(ValidationError, match="stays in your portfolio"):
            services.evidence_item_delete(item=mapped, by=alice)
        assert EvidenceItem.objects.filter(pk=mapped.pk).exists()

    def test_a_draft_can_be_deleted(self, client, alice, mapped):
        client.force_login(alice)
        response = client.post(reverse("evidence:delete", args=[mapped.pk]))
        assert response.status_code == 302
        assert not EvidenceItem.objects.exists() and not EvidenceMapping.objects.exists()


class TestReading:
    @pytest.mark.parametrize(
        ("who", "status"), [("alice", 200), ("carol", 200), ("erin", 200), ("frank", 200)]
    )
    def test_people_with_a_role_read_the_item(self, client, request, mapped, who, status):
        client.force_login(request.getfixturevalue(who))
        assert client.get(mapped.get_absolute_url()).status_code == status

    def test_another_learner_gets_404_for_an_item_by_id(self, client, bob, mapped):
        client.force_login(bob)
        assert client.get(mapped.get_absolute_url()).status_code == 404
        assert client.get(reverse("evidence:version", args=[mapped.pk, 1])).status_code == 404

    def test_another_assessor_gets_404(self, client, dave, mapped, bob_enrolment):
        client.force_login(dave)
        assert client.get(mapped.get_absolute_url()).status_code == 404

    def test_readers_cannot_change(self, client, carol, erin, frank, mapped):
        for person in (carol, erin, frank):
            client.force_login(person)
            assert client.post(reverse("evidence:submit", args=[mapped.pk])).status_code == 403
            assert client.get(reverse("evidence:edit", args=[mapped.pk])).status_code == 403
            assert client.post(reverse("evidence:delete", args=[mapped.pk])).status_code == 403
        assert EvidenceItem.objects.get().status == EvidenceItem.Status.DRAFT

    def test_the_item_shows_its_status_and_mappings(self, client, carol, mapped):
        client.force_login(carol)
        page = client.get(mapped.get_absolute_url())
        assert "Draft" in page.text
        assert "Each complaint processed the same day" in page.text

    def test_mapping_an_outline_unit_is_not_offered(self, client, alice, qualification):
        outline_qualification = QualificationFactory()
        outline = UnitFactory(criteria_complete=False, qualifications=[outline_qualification])
        enrolment = EnrolmentFactory(
            learner=alice,
            assessor=UserFactory(),
            qualification=outline_qualification,
            units=[outline],
        )
        item = services.evidence_item_create(
            enrolment=enrolment,
            by=alice,
            title="Plan",
            activity_date=YESTERDAY,
            evidence_type="other",
            assessment_method="work_product",
        )
        client.force_login(alice)
        page = client.get(reverse("evidence:mappings", args=[item.pk]))
        assert "nothing to map to" in page.text


def test_a_learner_cannot_add_an_assessors_observation_record(alice, alice_enrolment):
    with pytest.raises(ValidationError, match="is the assessor’s record, not yours to add"):
        services.evidence_item_create(
            enrolment=alice_enrolment,
            by=alice,
            title="My own observation",
            activity_date=YESTERDAY,
            evidence_type="other",
            assessment_method="observation",
            template="observation",
            typed_content={},
        )
    assert not EvidenceItem.objects.exists()


def test_revising_sends_every_mapping_back_for_a_fresh_decision(alice, carol, mapped):
    services.evidence_submit(item=mapped, by=alice, declaration=True)
    mapped.mappings.update(
        decision=EvidenceMapping.Decision.ACCEPTED, decided_by=carol, decision_comment="Good"
    )
    services.evidence_revise(item=mapped, by=alice)
    assert set(mapped.mappings.values_list("decision", "decided_by", "decision_comment")) == {
        (EvidenceMapping.Decision.PENDING, None, "")
    }
