"""`manage.py verify_audit`: the chain walked in order, every raw-SQL change caught and named,
and every standing sign-off's seal checked; `log_audit_head` writes the head to the log."""

import contextlib
import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from assessments.models import Judgement
from assessments.signoff import unit_sign_off
from audit.models import AuditRecord
from audit.services import audit_head

from .evidence_factories import EvidenceItemFactory
from .test_judgements import fully_met


@pytest.fixture
def trail(alice_enrolment):
    """Five records or more: an enrolment and four evidence items created."""
    for number in range(4):
        EvidenceItemFactory(enrolment=alice_enrolment, title=f"Feedback log {number}")
    return list(AuditRecord.objects.order_by("sequence"))


@contextlib.contextmanager
def tampering():
    """A cursor that gets past the PostgreSQL trigger, as someone with the database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def verify(*args):
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as caught:
        verify(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


def test_it_prints_the_head_hash_and_count_when_the_chain_is_intact(trail):
    output = verify()
    assert f"{len(trail)} records, head {trail[-1].record_hash}" in output
    assert audit_head() == (trail[-1].sequence, trail[-1].record_hash)


def test_an_empty_trail_is_intact(db):
    assert "0 records" in verify()


def test_it_names_a_record_whose_content_was_changed(trail):
    changed = trail[2]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET summary = %s WHERE sequence = %s",
            ["Nothing happened.", changed.sequence],
        )
    message = refused()
    assert f"Audit record {changed.sequence} is broken: content changed" in message


@pytest.mark.parametrize("column", ["item_id", "unit_id"])
def test_it_names_a_record_moved_out_of_an_eqas_scope(trail, unit, column):
    # What a record is about decides which verifier reads it: blanking or changing it breaks it.
    about = trail[2]
    assert about.item_id is not None
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE audit_auditrecord SET {column} = %s WHERE sequence = %s",
            [None if column == "item_id" else unit.pk, about.sequence],
        )
    message = refused()
    assert f"Audit record {about.sequence} is broken: content changed" in message


def test_a_record_written_before_records_named_their_subject_still_verifies(trail):
    # Such a record has no item or unit, and its hash covers neither: appended as one was.
    from audit import chain

    head = trail[-1]
    old = AuditRecord(
        sequence=head.sequence + 1,
        at=timezone.now(),
        kind=AuditRecord.Kind.ENROLMENT_CHANGED,
        object_type="people.Enrolment",
        object_id=str(head.enrolment_id),
        object_label=f"Enrolment {head.enrolment_id}",
        enrolment_id=head.enrolment_id,
        summary="Enrolment changed.",
        previous_hash=head.record_hash,
    )
    old.record_hash = chain.record_hash(old)
    assert set(chain.hashed_content(old)) == set(chain.HASHED_FIELDS)
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditrecord (sequence, at, actor_id, kind, object_type, object_id,"
            " object_label, enrolment_id, summary, before_digest, after_digest, previous_hash,"
            " record_hash) VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, '', '', %s, %s)",
            [
                old.sequence,
                old.at,
                old.kind,
                old.object_type,
                old.object_id,
                old.object_label,
                old.enrolment_id,
                old.summary,
                old.previous_hash,
                old.record_hash,
            ],
        )
    assert f"{len(trail) + 1} records, head {old.record_hash}" in verify()


def test_it_names_a_record_whose_hash_was_recomputed_after_a_change(trail):
    # Whoever rewrites a record and its own hash still breaks the link from the next one.
    changed = trail[2]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET record_hash = %s WHERE sequence = %s",
            ["f" * 64, changed.sequence],
        )
    message = refused()
    assert f"Audit record {changed.sequence} is broken" in message


def test_it_names_the_gap_where_a_record_was_deleted(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE sequence = %s", [trail[1].sequence])
    message = refused()
    assert f"Audit record {trail[2].sequence} is broken: record missing" in message


def test_it_names_a_record_inserted_by_hand(trail):
    head = trail[-1]
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditrecord (sequence, at, actor_id, kind, object_type, object_id,"
            " object_label, enrolment_id, summary, before_digest, after_digest, previous_hash,"
            " record_hash) VALUES (%s, %s, NULL, 'judgement', 'assessments.Judgement', '1', "
            "'Judgement 1', NULL, 'Judgement recorded.', '', '', %s, %s)",
            [head.sequence + 1, timezone.now(), "e" * 64, "d" * 64],
        )
    message = refused()
    assert f"Audit record {head.sequence + 1} is broken: record inserted" in message


def test_records_removed_from_the_end_are_caught_against_a_head_written_down(trail):
    written_down = trail[-1].record_hash
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE sequence = %s", [trail[-1].sequence])
    assert "records" in verify()  # the chain alone cannot tell
    message = refused("--expect-head", written_down)
    assert "records missing from the end" in message


def test_it_checks_every_standing_sign_off_seal(alice_enrolment, unit, carol):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    assert "1 standing sign-offs, every seal intact" in verify()
    with tampering() as cursor:
        cursor.execute(
            "UPDATE assessments_judgement SET rationale = %s WHERE id = %s",
            [
                "Changed after signing.",
                Judgement.objects.filter(enrolled_unit=enrolled_unit).order_by("pk").first().pk,
            ],
        )
    message = refused()
    assert f"Sign-off {sign_off.pk}" in message and "seal broken" in message


def test_log_audit_head_writes_the_head_to_the_log(trail, caplog):
    with caplog.at_level(logging.INFO, logger="audit"):
        call_command("log_audit_head", stdout=io.StringIO())
    assert f"sequence {trail[-1].sequence}, {trail[-1].record_hash}" in caplog.text
