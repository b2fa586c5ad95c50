"""The hash chain: canonical JSON (sorted keys, no spaces, UTF-8) and SHA-256.

A record's hash covers HASHED_FIELDS, previous_hash among them, so each record vouches for the
whole chain before it. The first record's previous hash is GENESIS.
"""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64

HASHED_FIELDS = (
    "sequence",
    "at",
    "actor_id",
    "kind",
    "object_type",
    "object_id",
    "object_label",
    "enrolment_id",
    "summary",
    "before_digest",
    "after_digest",
    "previous_hash",
)

# What the record is about, added after the first records were written: in the hash only when
# set, so a record written before them still verifies, and blanking one breaks the hash.
SCOPE_FIELDS = ("item_id", "unit_id")


def canonical_json(value):
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder
    ).encode("utf-8")


def sha256(value):
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _at(moment):
    # Always UTC with microseconds, whatever zone the database hands back.
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_content(record):
    content = {name: getattr(record, name) for name in HASHED_FIELDS}
    content["at"] = _at(record.at)
    for name in SCOPE_FIELDS:
        if getattr(record, name, None) is not None:
            content[name] = getattr(record, name)
    return content


def record_hash(record):
    return sha256(hashed_content(record))


# Fields that change without the object changing in any way worth recording, or that must
# not be digested at all.
UNDIGESTED = frozenset({"portfolio_version", "password", "last_login"})


def state_of(obj):
    """The object's own fields, as text, for a before/after digest; None for no object."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj
    return {
        field.attname: field.value_to_string(obj)
        for field in obj._meta.concrete_fields
        if field.attname not in UNDIGESTED
    }


def digest_of(state):
    return "" if state is None else sha256(state)
