"""The audit trail: every state change a service makes appends a record in its transaction,
saying who did what to which object, with digests of before and after; records are never
changed or deleted through the ORM (audit/models.py) nor, on PostgreSQL, in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.review import feedback_add, item_accept, mapping_decide
from assessments.signoff import unit_countersign, unit_reopen, unit_sign_off
from assessments.targets import target_close, target_set
from audit import chain
from audit.models import AppendOnly, AuditPersonal, AuditRecord
from audit.services import audit_record
from evidence.models import EvidenceMapping
from evidence.services import (
    evidence_item_delete,
    evidence_item_update,
    evidence_mapping_add,
    evidence_mapping_remove,
    evidence_revise,
    evidence_submit,
)
from evidence.uploads import evidence_file_remove
from people.services import enrolment_create, enrolment_update, person_create, person_update
from quality.models import RiskRating
from quality.services import (
    assessor_risk_set,
    eqa_grant_create,
    eqa_grant_revoke,
    quality_action_close,
    quality_action_respond,
    sample_entry_drop,
    sampling_policy_update,
)

from .evidence_factories import EvidenceItemFactory, add_file
from .factories import UserFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_judgements import criterion, enrolled, fully_met

Kind = AuditRecord.Kind


def last(kind):
    return AuditRecord.objects.filter(kind=kind).select_related("personal").last()


def assert_recorded(kind, *, actor, obj, enrolment=None, changed=True):
    record = last(kind)
    assert record is not None, f"no {kind} record"
    assert record.actor_id == getattr(actor, "pk", actor)
    assert record.object_type == obj._meta.label and record.object_id == str(obj.pk)
    if enrolment is not None:
        assert record.enrolment_id == enrolment.pk
    if changed:
        assert record.after_digest != record.before_digest
    assert record.record_hash == chain.record_hash(record)
    return record


@pytest.fixture
def draft(alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment)


class TestEvidence:
    def test_it_records_evidence_created(self, draft, alice, alice_enrolment):
        record = assert_recorded(
            Kind.EVIDENCE_CREATED, actor=alice, obj=draft, enrolment=alice_enrolment
        )
        assert record.before_digest == "" and len(record.after_digest) == 64
        assert record.personal.object_name == draft.title

    def test_it_records_evidence_edited_with_digests_of_before_and_after(self, draft, alice):
        created = last(Kind.EVIDENCE_CREATED)
        evidence_item_update(item=draft, by=alice, title="Complaints log, November")
        record = assert_recorded(Kind.EVIDENCE_EDITED, actor=alice, obj=draft)
        assert record.before_digest == created.after_digest

    def test_it_records_a_draft_deleted(self, draft, alice):
        evidence_item_delete(item=draft, by=alice)
        record = assert_recorded(Kind.EVIDENCE_DELETED, actor=alice, obj=draft)
        assert record.after_digest == ""

    def test_it_records_mapping_submission_and_revision(self, draft, alice, unit):
        mapping = evidence_mapping_add(item=draft, by=alice, criterion=criterion(unit, "1.1"))
        assert_recorded(Kind.EVIDENCE_MAPPED, actor=alice, obj=mapping)
        evidence_submit(item=draft, by=alice, declaration=True)
        assert_recorded(Kind.EVIDENCE_SUBMITTED, actor=alice, obj=draft)
        evidence_revise(item=draft, by=alice)
        assert_recorded(Kind.EVIDENCE_REVISED, actor=alice, obj=draft)
        evidence_mapping_remove(mapping=mapping, by=alice)
        assert_recorded(Kind.MAPPING_REMOVED, actor=alice, obj=mapping)

    def test_it_records_files_added_and_removed(self, draft, alice):
        evidence_file = add_file(draft)
        assert_recorded(Kind.FILE_ADDED, actor=alice, obj=evidence_file, changed=True)
        evidence_file_remove(evidence_file=evidence_file, by=alice)
        assert_recorded(Kind.FILE_REMOVED, actor=alice, obj=evidence_file)

    def test_a_refused_change_leaves_no_record(self, draft, bob):
        count = AuditRecord.objects.count()
        with pytest.raises((ValidationError, Exception)):
            evidence_item_update(item=draft, by=bob, title="Not mine")
        assert AuditRecord.objects.count() == count


class TestAssessment:
    def test_it_records_mapping_decisions_feedback_and_acceptance(self, draft, alice, carol, unit):
        mapping = evidence_mapping_add(item=draft, by=alice, criterion=criterion(unit, "1.1"))
        evidence_submit(item=draft, by=alice, declaration=True)
        mapping_decide(mapping=mapping, by=carol, decision=EvidenceMapping.Decision.ACCEPTED)
        assert_recorded(Kind.MAPPING_DECIDED, actor=carol, obj=mapping)
        feedback_add(item=draft, by=carol, text="Good log.")
        assert_recorded(Kind.REVIEW, actor=carol, obj=draft, changed=False)
        item_accept(item=draft, by=carol)
        assert_recorded(Kind.REVIEW, actor=carol, obj=draft)

    def test_it_records_judgements(self, alice_enrolment, unit, carol):
        judgement = judged_unit(alice_enrolment, unit).judgements.order_by("pk").last()
        assert_recorded(Kind.JUDGEMENT, actor=carol, obj=judgement, enrolment=alice_enrolment)

    def test_it_records_sign_off_countersignature_and_reopening(
        self, alice_enrolment, unit, alice, carol
    ):
        enrolled_unit, _ = fully_met(alice_enrolment, unit)
        sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
        assert_recorded(Kind.SIGNED_OFF, actor=carol, obj=sign_off, enrolment=alice_enrolment)
        unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
        assert_recorded(Kind.COUNTERSIGNED, actor=alice, obj=sign_off)
        unit_reopen(sign_off=sign_off, by=carol, reason="A criterion needs more evidence.")
        assert_recorded(Kind.REOPENED, actor=carol, obj=sign_off, enrolment=alice_enrolment)

    def test_it_records_targets_and_assessor_records(self, alice_enrolment, alice, carol):
        target = target_set(
            enrolment=alice_enrolment,
            by=carol,
            description="Add the November log.",
            due_date=timezone.localdate() + datetime.timedelta(days=14),
        )
        assert_recorded(Kind.TARGET, actor=carol, obj=target, enrolment=alice_enrolment)
        target_close(target=target, by=carol, status="done")
        assert_recorded(Kind.TARGET, actor=carol, obj=target)


class TestQuality:
    def test_it_records_plans_reviews_and_actions(self, alice_enrolment, unit, erin, carol):
        enrolled_unit = judged_unit(alice_enrolment, unit)
        plan = make_plan(erin, alice_enrolment.qualification)
        assert_recorded(Kind.IQA_PLAN, actor=erin, obj=plan)
        entry = make_entry(plan, enrolled_unit)
        assert_recorded(Kind.IQA_PLAN, actor=erin, obj=entry, enrolment=alice_enrolment)
        review = sign_review(entry, disagree=("1.1",))
        assert_recorded(Kind.IQA_REVIEW, actor=erin, obj=review, enrolment=alice_enrolment)
        action = review.actions.first()
        quality_action_respond(action=action, by=carol, response="Looked again: added a log.")
        assert_recorded(Kind.IQA_ACTION, actor=carol, obj=action, enrolment=alice_enrolment)
        quality_action_close(action=action, by=erin)
        assert_recorded(Kind.IQA_ACTION, actor=erin, obj=action)

    def test_it_records_a_unit_dropped_from_a_plan(self, alice_enrolment, unit, erin):
        entry = make_entry(
            make_plan(erin, alice_enrolment.qualification), enrolled(alice_enrolment, unit)
        )
        sample_entry_drop(entry=entry, by=erin)
        assert_recorded(Kind.IQA_PLAN, actor=erin, obj=entry)

    def test_it_records_sampling_rates_and_risk_ratings(self, alice_enrolment, frank, erin, carol):
        policy = sampling_policy_update(by=frank, new_rate=100, standard_rate=30, low_rate=10)
        assert_recorded(Kind.SAMPLING_RATE, actor=frank, obj=policy)
        risk = assessor_risk_set(
            assessor=carol, by=erin, rating=RiskRating.NEW, reason="New assessor"
        )
        assert_recorded(Kind.SAMPLING_RATE, actor=erin, obj=risk)

    def test_it_records_eqa_grants_and_their_ending(self, alice_enrolment, unit, frank):
        eqa = UserFactory(username="gina", is_external_verifier=True)
        grant = eqa_grant_create(
            by=frank,
            eqa=eqa,
            enrolments=[alice_enrolment],
            units=[unit],
            covers_from=datetime.date(2026, 9, 1),
            covers_to=datetime.date(2026, 12, 31),
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        assert_recorded(Kind.EQA_GRANTED, actor=frank, obj=grant)
        eqa_grant_revoke(grant=grant, by=frank)
        assert_recorded(Kind.EQA_GRANT_ENDED, actor=frank, obj=grant)


class TestPeople:
    def test_it_records_people_and_roles_changed(self, client, frank):
        person = person_create(username="hana", first_name="Hana", email="hana@example.org")
        assert_recorded(Kind.PERSON_CREATED, actor=None, obj=person)
        person_update(person=person, by=frank, is_centre_admin=True)
        record = assert_recorded(Kind.PERSON_CHANGED, actor=frank, obj=person)
        assert "Hana" not in record.summary

    def test_it_records_enrolments_added_and_changed(self, alice, carol, dave, qualification, unit):
        enrolment = enrolment_create(
            learner=alice,
            qualification=qualification,
            units=[unit],
            assessor=carol,
            start_date=datetime.date(2026, 9, 1),
            planned_end_date=datetime.date(2027, 7, 31),
        )
        assert_recorded(Kind.ENROLMENT_CREATED, actor=None, obj=enrolment, enrolment=enrolment)
        enrolment_update(enrolment=enrolment, assessor=dave)
        assert_recorded(Kind.ENROLMENT_CHANGED, actor=None, obj=enrolment)

    def test_the_actor_and_address_come_from_the_request(self, client, alice_enrolment, carol):
        target = target_set(
            enrolment=alice_enrolment,
            by=carol,
            description="Add the November log.",
            due_date=timezone.localdate() + datetime.timedelta(days=14),
        )
        client.force_login(carol)
        client.post(
            reverse("assessments:target_close", args=[target.pk]),
            {"status": "done"},
            REMOTE_ADDR="198.51.100.7",
        )
        record = assert_recorded(Kind.TARGET, actor=carol, obj=target)
        assert record.personal.client_address == "198.51.100.7"
        assert record.personal.actor_name == "Carol Carter (carol)"


class TestSignIn:
    def test_it_records_a_sign_in_with_the_client_address(self, client, alice):
        alice.set_password("correct horse battery")
        alice.save()
        client.post(
            reverse("login"),
            {"username": "alice", "password": "correct horse battery"},
            REMOTE_ADDR="203.0.113.9",
        )
        record = assert_recorded(Kind.SIGNED_IN, actor=alice, obj=alice, changed=False)
        assert record.personal.client_address == "203.0.113.9"

    def test_it_records_a_failed_sign_in_keeping_the_name_tried_apart(self, client, alice):
        client.post(
            reverse("login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.10",
        )
        record = last(Kind.SIGN_IN_FAILED)
        assert record.actor_id is None and record.object_id == str(alice.pk)
        assert "alice" not in record.summary
        assert record.personal.client_address == "203.0.113.10"
        assert "alice" in record.personal.detail


class TestAppendOnly:
    def test_the_orm_refuses_to_change_or_delete_a_record(self, draft):
        record = last(Kind.EVIDENCE_CREATED)
        record.summary = "Nothing happened."
        with pytest.raises(AppendOnly):
            record.save()
        with pytest.raises(AppendOnly):
            record.delete()
        with pytest.raises(AppendOnly):
            AuditRecord.objects.filter(pk=record.pk).update(summary="x")
        with pytest.raises(AppendOnly):
            AuditRecord.objects.filter(pk=record.pk).delete()

    def test_records_chain_in_sequence(self, draft, alice):
        evidence_item_update(item=draft, by=alice, title="Second title")
        first, second = AuditRecord.objects.order_by("-sequence")[:2][::-1]
        assert second.sequence == first.sequence + 1
        assert second.previous_hash == first.record_hash

    def test_a_change_rolled_back_takes_its_record_with_it(self, alice_enrolment):
        count = AuditRecord.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            EvidenceItemFactory(enrolment=alice_enrolment)
            raise RuntimeError
        assert AuditRecord.objects.count() == count

    def test_personal_details_are_outside_the_hash(self, draft):
        record = last(Kind.EVIDENCE_CREATED)
        AuditPersonal.objects.filter(pk=record.pk).update(object_name="", actor_name="")
        record.refresh_from_db()
        assert record.record_hash == chain.record_hash(record)

    def test_the_database_refuses_raw_update_and_delete_on_postgresql(self, draft):
        from django.db import DatabaseError

        for statement in (
            "UPDATE audit_auditrecord SET summary = 'x'",
            "DELETE FROM audit_auditrecord",
        ):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":
                        with pytest.raises(DatabaseError, match="append-only"):
                            cursor.execute(statement)
                    else:
                        # SQLite has no such trigger: verify_audit is what catches it there.
                        cursor.execute(statement)
                transaction.set_rollback(True)


def test_audit_record_needs_no_object_for_a_sign_in_attempt(db):
    record = audit_record(
        kind=Kind.SIGN_IN_FAILED, actor=None, obj=None, object_type="sign-in", summary="x"
    )
    assert record.sequence >= 1
