"""Signing a unit off: only when every criterion and part is met, once, with a digest of what
it covers; the learner's countersignature; the lock; tamper checks; reopening with a reason."""

import datetime
import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Judgement, JudgementEvidence, UnitSignOff
from assessments.review import item_send_back, mapping_decide
from assessments.selectors import standing_sign_off
from assessments.signoff import (
    ASSESSOR_DECLARATION,
    LEARNER_DECLARATION,
    sign_off_verify,
    unit_countersign,
    unit_reopen,
    unit_sign_off,
)
from evidence.models import EvidenceFile, EvidenceItem, EvidenceMapping
from evidence.services import evidence_mapping_remove, evidence_revise
from notifications.models import Notification
from people.models import EnrolmentUnit

from .factories import AssessmentCriterionFactory, UnitFactory
from .test_judgements import criterion, fully_met, judge, judge_url, part, unit_url


@pytest.fixture
def met(alice_enrolment, unit):
    """(enrolled unit, item): every criterion and part of A/601/2550 judged met."""
    return fully_met(alice_enrolment, unit)


@pytest.fixture
def signed(met, carol):
    return unit_sign_off(enrolled_unit=met[0], by=carol, declaration_confirmed=True)


def post(client, name, enrolment, unit, data=None):
    url = reverse(f"assessments:{name}", args=[enrolment.pk, unit.slug])
    return client.post(url, data or {}, follow=True)


def texts(response):
    return [str(message) for message in response.context["messages"]]


class TestSigningOff:
    def test_it_signs_off_a_fully_met_unit_with_a_digest_of_what_it_covers(self, signed, carol):
        assert signed.assessor == carol and signed.assessor_declaration == ASSESSOR_DECLARATION
        canonical = json.dumps(
            signed.covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert signed.digest == hashlib.sha256(canonical.encode()).hexdigest()

    def test_the_manifest_names_each_judgement_and_file_in_numeric_order(self, signed, met, unit):
        item = met[1]
        covered = signed.covered
        assert covered["unit"] == {
            "reference": "A/601/2550",
            "slug": "a-601-2550",
            "title": "Deliver, monitor and evaluate customer service to internal customers",
        }
        assert covered["learner"] == "alice"
        codes = [entry["code"] for entry in covered["judgements"]]
        assert codes[:3] == ["1.1", "2.1", "3.1"]
        assert codes[codes.index("9.1") :] == [
            "9.1",
            "9.1 a",
            "9.1 b",
            "9.1 c",
            "10.1",
            "10.2",
            "10.3",
        ]
        first = covered["judgements"][0]
        assert first["outcome"] == "met" and first["version"] == 1
        assert first["judged_by"] == "carol" and first["judged_at"].endswith("+00:00")
        assert first["methods"] == ["work_product"]
        evidence_file = item.files.get()
        mapping = item.mappings.get(criterion=criterion(unit, "1.1"))
        [evidence] = first["evidence"]
        content = evidence.pop("content")
        assert len(content) == 64 and int(content, 16) >= 0
        assert evidence == {
            "item": item.pk,
            "title": "Complaints log, October",
            "version": 1,
            "files": [{"name": "complaints-log.pdf", "sha256": evidence_file.sha256}],
            "vacsr": dict.fromkeys(
                ["valid", "authentic", "current", "sufficient", "reliable"], True
            ),
            "mappings": [
                {
                    "code": "1.1",
                    "decision": "accepted",
                    "comment": "",
                    "decided_by": "carol",
                    "decided_at": mapping.decided_at.astimezone(datetime.UTC).isoformat(),
                }
            ],
        }

    def test_it_refuses_an_incomplete_unit_naming_the_gaps(self, alice_enrolment, unit, carol):
        enrolled_unit, _ = fully_met(alice_enrolment, unit, skip={"2.1", "6.1", "9.1 b", "9.1"})
        with pytest.raises(ValidationError, match=r"Not yet met: 2\.1, 6\.1 and 9\.1 b\."):
            unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        assert not UnitSignOff.objects.exists()

    def test_it_refuses_an_outline_unit(self, alice_enrolment, carol):
        outline = UnitFactory(criteria_complete=False)
        AssessmentCriterionFactory(outcome__unit=outline)
        enrolled_unit = EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=outline)
        with pytest.raises(ValidationError, match="is an outline"):
            unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)

    def test_it_refuses_without_the_declaration(self, met, carol):
        with pytest.raises(ValidationError, match="Tick the declaration"):
            unit_sign_off(enrolled_unit=met[0], by=carol, declaration_confirmed=False)

    def test_it_refuses_anyone_but_the_assessor(self, met, alice, erin, dave):
        for person in (alice, erin, dave):
            with pytest.raises(ValidationError, match="Only the learner's assessor"):
                unit_sign_off(enrolled_unit=met[0], by=person, declaration_confirmed=True)

    def test_it_refuses_when_a_relied_on_mapping_is_no_longer_accepted(self, met, unit, carol):
        enrolled_unit, item = met
        mapping = item.mappings.get(criterion=criterion(unit, "3.2"))
        mapping_decide(mapping=mapping, by=carol, decision="rejected", comment="Wrong criterion")
        with pytest.raises(ValidationError, match="3.2 relies on “Complaints log, October”"):
            unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)

    def test_a_double_click_makes_one_signature(self, met, carol):
        unit_sign_off(enrolled_unit=met[0], by=carol, declaration_confirmed=True)
        with pytest.raises(ValidationError, match="already signed off"):
            unit_sign_off(enrolled_unit=met[0], by=carol, declaration_confirmed=True)
        assert UnitSignOff.objects.count() == 1

    def test_a_double_click_on_the_page_makes_one_signature(
        self, client, carol, alice_enrolment, unit, met
    ):
        client.force_login(carol)
        first = post(client, "sign_off", alice_enrolment, unit, {"declaration": "on"})
        second = post(client, "sign_off", alice_enrolment, unit, {"declaration": "on"})

        assert UnitSignOff.objects.count() == 1
        assert "Unit signed off." in texts(first)[0]
        assert "This unit is already signed off." in texts(second)[0]

    def test_it_asks_the_learner_to_countersign_and_tells_the_iqa(self, signed, alice, erin):
        notice = Notification.objects.get(recipient=alice, kind="unit_signed")
        assert "Please read the judgements and countersign." in notice.message
        assert Notification.objects.filter(recipient=erin, kind="unit_signed").exists()

    @pytest.mark.parametrize(
        ("person", "status"), [("alice", 403), ("erin", 403), ("frank", 403), ("dave", 404)]
    )
    def test_only_the_assessor_may_post_a_sign_off(
        self, client, request, person, status, alice_enrolment, unit
    ):
        client.force_login(request.getfixturevalue(person))
        url = reverse("assessments:sign_off", args=[alice_enrolment.pk, unit.slug])
        assert client.post(url, {"declaration": "on"}).status_code == status
        assert client.get(url).status_code in {405, status}


class TestTheLock:
    def test_judgements_cannot_change_while_signed_off(self, signed, met, unit):
        with pytest.raises(ValidationError, match="This unit is signed off"):
            judge(met[0], criterion(unit, "1.1"), outcome="not_yet")

    def test_the_judge_page_says_so(self, client, carol, signed, alice_enrolment, unit):
        client.force_login(carol)
        url = judge_url(alice_enrolment, unit, f"c{criterion(unit, '1.1').pk}")
        response = client.post(
            url, {"outcome": "not_yet", "rationale": "Changed my mind", "methods": ["observation"]}
        )
        assert response.status_code == 200
        assert "it can be changed only after a recorded reopening" in response.text
        assert Judgement.objects.get(criterion__outcome__number=1, part=None).outcome == "met"


class TestCountersigning:
    def test_the_learner_countersigns_once(self, signed, alice, carol):
        unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)
        signed.refresh_from_db()
        assert signed.learner == alice and signed.learner_declaration == LEARNER_DECLARATION
        assert signed.is_countersigned
        assert Notification.objects.filter(recipient=carol, kind="unit_countersigned").exists()
        with pytest.raises(ValidationError, match="already countersigned"):
            unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)

    def test_only_the_learner_countersigns(self, signed, carol, erin):
        for person in (carol, erin):
            with pytest.raises(ValidationError, match="Only the learner countersigns"):
                unit_countersign(sign_off=signed, by=person, declaration_confirmed=True)

    def test_it_refuses_without_the_declaration(self, signed, alice):
        with pytest.raises(ValidationError, match="Tick the declaration"):
            unit_countersign(sign_off=signed, by=alice, declaration_confirmed=False)

    def test_it_refuses_what_changed_since_signing(self, signed, alice):
        Judgement.objects.filter(pk=Judgement.objects.first().pk).update(rationale="Edited")
        with pytest.raises(ValidationError, match="changed since your assessor signed"):
            unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)

    def test_the_page_takes_the_countersignature(
        self, client, alice, signed, alice_enrolment, unit
    ):
        client.force_login(alice)
        page = client.get(unit_url(alice_enrolment, unit))
        assert LEARNER_DECLARATION in page.text

        response = post(client, "countersign", alice_enrolment, unit, {"declaration": "on"})

        assert texts(response) == ["You have countersigned this unit."]
        assert "Countersigned</strong> by Alice Archer" in response.text
        assert LEARNER_DECLARATION not in response.text

    @pytest.mark.parametrize(("person", "status"), [("carol", 403), ("erin", 403), ("bob", 404)])
    def test_nobody_else_may_post_a_countersignature(
        self, client, request, person, status, signed, alice_enrolment, unit
    ):
        client.force_login(request.getfixturevalue(person))
        url = reverse("assessments:countersign", args=[alice_enrolment.pk, unit.slug])
        assert client.post(url, {"declaration": "on"}).status_code == status


class TestVerifying:
    def test_it_reports_intact(self, signed):
        assert sign_off_verify(signed) == (True, [])

    def test_it_reports_a_file_changed_in_the_database(self, signed, met):
        EvidenceFile.objects.filter(item=met[1]).update(sha256="0" * 64)
        intact, differences = sign_off_verify(signed)
        assert not intact
        assert differences[0].startswith(
            "The file “complaints-log.pdf” of “Complaints log, October” has changed: "
            "its SHA-256 differs. Relied on for 1.1, 2.1, 3.1"
        )
        assert len(differences) == 1

    def test_it_reports_a_rationale_changed_in_the_database(self, signed, unit):
        Judgement.objects.filter(criterion=criterion(unit, "3.2")).update(rationale="Edited")
        assert sign_off_verify(signed) == (False, ["3.2: the rationale has changed."])

    def test_it_reports_the_stored_record_altered(self, signed):
        UnitSignOff.objects.filter(pk=signed.pk).update(covered={"judgements": []})
        signed.refresh_from_db()
        intact, differences = sign_off_verify(signed)
        assert not intact
        assert "no longer matches its digest" in differences[0]

    def test_the_unit_page_shows_intact_then_changed(
        self, client, erin, signed, alice_enrolment, unit
    ):
        client.force_login(erin)
        page = client.get(unit_url(alice_enrolment, unit))
        assert "<strong>intact</strong>" in page.text
        assert signed.digest[:16] in page.text and signed.digest[:17] not in page.text.replace(
            f'title="{signed.digest}"', ""
        )

        part_91a = part(unit, "9.1", "a")
        Judgement.objects.filter(part=part_91a).update(rationale="Edited in the database")
        page = client.get(unit_url(alice_enrolment, unit))
        assert "<strong>changed since signing</strong>" in page.text
        assert "9.1 a: the rationale has changed." in page.text


class TestReopening:
    def test_it_needs_a_reason(self, signed, carol):
        with pytest.raises(ValidationError, match="Give the reason"):
            unit_reopen(sign_off=signed, by=carol, reason="  ")
        assert standing_sign_off(signed.enrolled_unit) is not None

    def test_only_the_assessor_or_iqa_reopen(self, signed, alice, dave):
        for person in (alice, dave):
            with pytest.raises(ValidationError, match="Only the assessor or the internal"):
                unit_reopen(sign_off=signed, by=person, reason="Because")

    def test_reopening_lets_judgements_change_and_a_second_sign_off(
        self, signed, met, unit, carol, erin, alice
    ):
        enrolled_unit, item = met
        unit_reopen(sign_off=signed, by=erin, reason="Sampling found 3.2 weak: re-judge it.")
        signed.refresh_from_db()
        assert signed.reopened_by == erin and signed.reopen_reason.startswith("Sampling")
        assert Notification.objects.filter(recipient=alice, message__contains="reopened").exists()
        assert Notification.objects.filter(recipient=carol, message__contains="reopened").exists()

        judgement = judge(enrolled_unit, criterion(unit, "3.2"), items=[item], rationale="Better")
        assert judgement.version == 2
        second = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)

        assert UnitSignOff.objects.count() == 2
        assert list(UnitSignOff.objects.filter(reopened_at__isnull=True)) == [second]
        assert second.digest != signed.digest

    def test_the_page_reopens_and_history_keeps_the_reason(
        self, client, carol, signed, alice_enrolment, unit
    ):
        client.force_login(carol)
        refused = post(client, "reopen", alice_enrolment, unit, {"reason": ""})
        assert texts(refused) == ["Give the reason for reopening the unit."]

        response = post(client, "reopen", alice_enrolment, unit, {"reason": "Wrong file on 5.1"})
        assert texts(response) == ["Unit reopened. Its judgements can be changed again."]
        history = client.get(reverse("assessments:history", args=[alice_enrolment.pk, unit.slug]))
        assert "Reopened by Carol Carter" in history.text
        assert "Reason: Wrong file on 5.1" in history.text

    @pytest.mark.parametrize(("person", "status"), [("alice", 403), ("frank", 403), ("dave", 404)])
    def test_nobody_else_may_post_a_reopening(
        self, client, request, person, status, signed, alice_enrolment, unit
    ):
        client.force_login(request.getfixturevalue(person))
        url = reverse("assessments:reopen", args=[alice_enrolment.pk, unit.slug])
        assert client.post(url, {"reason": "Because"}).status_code == status


def test_the_signed_unit_page_costs_a_fixed_number_of_queries(
    client, carol, signed, alice_enrolment, unit, django_assert_num_queries
):
    client.force_login(carol)
    with CaptureQueriesContext(connection) as captured:
        client.get(unit_url(alice_enrolment, unit))
    # the unsigned page's ten, and the manifest rebuilt to verify: judgements, what they
    # rely on, latest versions, their files, the mappings relied on
    with django_assert_num_queries(15):
        client.get(unit_url(alice_enrolment, unit))
    assert len(captured) == 15


# The seal covers every row the decision rests on --------------------------------------------


def _file_changed(unit, item):
    EvidenceFile.objects.filter(item=item).update(sha256="0" * 64)


def _new_version(unit, item):
    version = item.versions.get()
    files = list(version.files.all())
    version.pk, version.number = None, 2
    version.save()
    version.files.set(files)


def _version_content_changed(unit, item):
    item.versions.update(description="Rewritten after signing.")


def _mapping_removed(unit, item):
    EvidenceMapping.objects.filter(item=item, criterion=criterion(unit, "3.2")).delete()


def _decision_changed(unit, item):
    EvidenceMapping.objects.filter(item=item, criterion=criterion(unit, "3.2")).update(
        decision="rejected", decision_comment="Not this log."
    )


def _rationale_changed(unit, item):
    Judgement.objects.filter(criterion=criterion(unit, "3.2")).update(rationale="Edited")


def _vacsr_changed(unit, item):
    JudgementEvidence.objects.filter(judgement__criterion=criterion(unit, "3.2")).update(
        sufficient=False
    )


COVERED_ROWS = {
    "file": (_file_changed, "has changed: its SHA-256 differs"),
    "version": (_new_version, "has a new submitted version (version 1 then, version 2 now)"),
    "version content": (_version_content_changed, "version 1 of “Complaints log, October”"),
    "mapping removed": (_mapping_removed, "3.2: “Complaints log, October” is no longer mapped"),
    "mapping decision": (_decision_changed, "3.2: the mapping of “Complaints log, October”"),
    "rationale": (_rationale_changed, "3.2: the rationale has changed."),
    "VACSR": (_vacsr_changed, "3.2: the VACSR checks of “Complaints log, October”"),
}


class PutBack(Exception):
    """Raised to roll a savepoint back: the change is undone and the next one starts clean."""


def test_it_breaks_the_seal_and_blocks_countersigning_when_any_covered_row_changes(
    signed, met, unit, alice
):
    # Each kind in turn, undone by a savepoint: one signed unit serves all seven.
    for kind, (change, sentence) in COVERED_ROWS.items():
        with pytest.raises(PutBack), transaction.atomic():
            change(unit, met[1])

            intact, differences = sign_off_verify(signed)

            assert not intact, kind
            assert any(sentence in difference for difference in differences), (kind, differences)
            with pytest.raises(ValidationError, match="changed since your assessor signed"):
                unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)
            raise PutBack
        assert sign_off_verify(signed) == (True, []), kind
    unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)


def test_the_manifest_names_each_relied_on_mapping_and_its_decision(signed, met):
    entry = next(e for e in signed.covered["judgements"] if e["code"] == "9.1 a")
    [evidence] = entry["evidence"]
    mapping = met[1].mappings.get(part__letter="a")
    assert evidence["mappings"] == [
        {
            "code": "9.1 a",
            "decision": "accepted",
            "comment": "",
            "decided_by": "carol",
            "decided_at": mapping.decided_at.astimezone(datetime.UTC).isoformat(),
        }
    ]
    whole = next(e for e in signed.covered["judgements"] if e["code"] == "9.1")
    assert [m["code"] for m in whole["evidence"][0]["mappings"]] == ["9.1 a", "9.1 b", "9.1 c"]
    assert signed.covered["format"] == 2


class TestNothingCoveredChangesWhileTheSignOffStands:
    def test_the_assessor_cannot_remove_their_mapping_of_a_relied_on_item(
        self, client, met, unit, carol, alice, alice_enrolment
    ):
        enrolled_unit, item = met
        record = _questioning_relied_on_for_3_2(enrolled_unit, unit, item)
        sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        mapping = record.mappings.get()

        with pytest.raises(ValidationError, match="unit A/601/2550 is signed off and relies on"):
            evidence_mapping_remove(mapping=mapping, by=carol)
        client.force_login(carol)
        response = client.post(
            reverse("evidence:mapping_remove", args=[record.pk, mapping.pk]), follow=True
        )
        assert "unit A/601/2550 is signed off and relies on" in response.text
        assert record.mappings.exists()
        assert sign_off_verify(sign_off) == (True, [])
        unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)

    def test_the_assessor_cannot_change_the_decision_on_a_relied_on_mapping(self, met, unit, carol):
        enrolled_unit, item = met
        unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        mapping = item.mappings.get(criterion=criterion(unit, "3.2"))
        with pytest.raises(ValidationError, match="unit A/601/2550 is signed off and relies on"):
            mapping_decide(mapping=mapping, by=carol, decision="rejected", comment="Wrong")
        mapping.refresh_from_db()
        assert mapping.decision == "accepted"

    def test_the_review_page_offers_no_decision_on_a_relied_on_mapping(
        self, client, met, unit, carol
    ):
        enrolled_unit, item = met
        unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        client.force_login(carol)
        page = client.get(reverse("assessments:review", args=[item.pk])).text
        assert 'name="mapping-' not in page
        assert "unit A/601/2550 is signed off and relies on" in page

    def test_the_learner_cannot_revise_a_relied_on_item(self, client, met, carol, alice):
        enrolled_unit, item = met
        unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        # As an item sent back before the unit was signed would be.
        EvidenceItem.objects.filter(pk=item.pk).update(status="needs_more_work")
        item.refresh_from_db()
        with pytest.raises(ValidationError, match="unit A/601/2550 is signed off and relies on"):
            evidence_revise(item=item, by=alice)
        client.force_login(alice)
        page = client.get(item.get_absolute_url()).text
        assert reverse("evidence:revise", args=[item.pk]) not in page
        assert "unit A/601/2550 is signed off and relies on" in page

    def test_the_assessor_cannot_send_back_a_relied_on_item(self, client, met, carol):
        enrolled_unit, item = met
        unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        with pytest.raises(ValidationError, match="unit A/601/2550 is signed off and relies on"):
            item_send_back(item=item, by=carol, text="Add the November log.")
        client.force_login(carol)
        page = client.get(reverse("assessments:review", args=[item.pk])).text
        assert reverse("assessments:send_back", args=[item.pk]) not in page
        item.refresh_from_db()
        assert item.status == "in_review"


def _questioning_relied_on_for_3_2(enrolled_unit, unit, item):
    """The assessor's record of questioning, mapped to 3.2 by the assessor and relied on for it."""
    from assessments.records import assessor_record_create

    record = assessor_record_create(
        enrolment=enrolled_unit.enrolment,
        by=enrolled_unit.enrolment.assessor,
        kind="questioning",
        title="Questions on complaints",
        activity_date=datetime.date(2026, 10, 20),
        typed_content={"questions": "Who do you tell?", "answers": "The team leader."},
        targets=[(criterion(unit, "3.2"), None)],
    )
    judge(enrolled_unit, criterion(unit, "3.2"), items=[item, record], rationale="Log and answers")
    return record


class TestOlderSignOffs:
    def test_a_sign_off_sealed_before_mappings_were_covered_still_verifies(self, signed, met):
        from assessments.signoff import manifest_digest, sign_off_manifest

        covered = sign_off_manifest(met[0], manifest_format=1)
        assert "format" not in covered and "mappings" not in covered["judgements"][0]["evidence"][0]
        UnitSignOff.objects.filter(pk=signed.pk).update(
            covered=covered, digest=manifest_digest(covered)
        )
        signed.refresh_from_db()
        assert sign_off_verify(signed) == (True, [])

        Judgement.objects.filter(pk=Judgement.objects.first().pk).update(rationale="Edited")
        assert not sign_off_verify(signed)[0]
