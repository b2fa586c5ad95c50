"""Walking the chain: the first record that does not follow from the one before, and why."""

from dataclasses import dataclass

from . import chain
from .models import AuditRecord

CHUNK = 2000


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_sequence: int
    head_hash: str
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self):
        return self.broken_at is None


def audit_chain_check(*, expect_hash=None):
    """Walk every record in sequence order, in bounded memory, and report the first break.

    `expect_hash`, a head hash written down earlier, must be the hash of some record: that
    catches records removed from the end, which the chain alone cannot show.
    """
    seen_expected = expect_hash is None
    count, expected_sequence, expected_previous = 0, 1, chain.GENESIS
    fields = ("pk", *chain.HASHED_FIELDS, *chain.SCOPE_FIELDS, "record_hash")
    rows = AuditRecord.objects.order_by("sequence").only(*fields).iterator(chunk_size=CHUNK)
    for record in rows:
        seq = record.sequence
        if seq != expected_sequence:
            return _broken(
                count, seq, f"record missing: sequence jumps from {expected_sequence - 1} to {seq}"
            )
        if record.previous_hash != expected_previous:
            return _broken(
                count,
                seq,
                "record inserted or replaced: its previous hash is not the hash of record "
                f"{seq - 1}",
            )
        if record.record_hash != chain.record_hash(record):
            return _broken(count, seq, "content changed: its hash does not match its content")
        count += 1
        seen_expected = seen_expected or record.record_hash == expect_hash
        expected_sequence, expected_previous = seq + 1, record.record_hash
    if not seen_expected:
        return ChainReport(
            count,
            expected_sequence - 1,
            expected_previous,
            broken_at=expected_sequence,
            reason=f"records missing from the end: the head {expect_hash} written down earlier "
            "is no longer in the chain",
        )
    return ChainReport(count, expected_sequence - 1, expected_previous)


def _broken(count, sequence, reason):
    return ChainReport(count, sequence - 1, "", broken_at=sequence, reason=reason)
