"""Appending to the audit trail: audit_record() is the only way a record is written."""

import contextvars

from django.db import connection, transaction
from django.utils import timezone

from nvq_portfolio.client_address import client_address

from . import chain
from .models import AuditPersonal, AuditRecord
from .scope import scope_of

# The request being served, set by audit.middleware: services called from a view learn who
# acted and from where without every service growing a `request` argument.
current_request = contextvars.ContextVar("audit_current_request", default=None)

# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
APPEND_LOCK_KEY = 7_140_214_014


def _serialise_appends():
    # SQLite's IMMEDIATE transactions already hold the write lock; PostgreSQL needs one,
    # held to the end of the caller's transaction so two appends never share a sequence.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


def object_label(obj):
    if obj is None:
        return ""
    return f"{str(obj._meta.verbose_name).capitalize()} {obj.pk}"


def _person_name(actor):
    if actor is None:
        return ""
    full = actor.get_full_name()
    return f"{full} ({actor.get_username()})" if full else actor.get_username()


# No savepoint of its own: it is part of the caller's change, and fails with it.
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    kind,
    actor,
    obj,
    enrolment=None,
    before=None,
    after=None,
    summary,
    request=None,
    detail="",
    object_type=None,
    item=None,
    unit=None,
):
    """Append one record for a change to `obj` made by `actor`, in the caller's transaction.

    `before`/`after` are the object's state (a model instance or a dict) either side of the
    change, kept as digests; `summary` names no one (names go in `detail`, kept apart).
    `item` and `unit` say what the change is about, for EQAs' scope; found from `obj` if not given.
    """
    request = request or current_request.get()
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if actor is not None and not actor.is_authenticated:
        actor = None
    if item is None and unit is None:
        item, unit = scope_of(obj)
    _serialise_appends()
    last = AuditRecord.objects.order_by("-sequence").values_list("sequence", "record_hash").first()
    sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
    record = AuditRecord(
        sequence=sequence,
        at=timezone.now(),
        actor=actor,
        kind=kind,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id="" if obj is None else str(obj.pk),
        object_label=object_label(obj),
        enrolment_id=getattr(enrolment, "pk", enrolment),
        item_id=getattr(item, "pk", item),
        unit_id=getattr(unit, "pk", unit),
        summary=summary[:300],
        before_digest=chain.digest_of(chain.state_of(before)),
        after_digest=chain.digest_of(chain.state_of(after)),
        previous_hash=previous_hash,
    )
    record.record_hash = chain.record_hash(record)
    # Lengths and choices; uniqueness and the ids are the database's to enforce, at no query.
    record.clean_fields(exclude=["actor", "enrolment", "item", "unit"])
    record.save()
    AuditPersonal.objects.create(
        record=record,
        client_address=client_address(request) if request is not None else None,
        actor_name=_person_name(actor)[:300],
        object_name="" if obj is None else str(obj)[:300],
        detail=detail,
    )
    return record


def audit_head():
    """(sequence, record_hash) of the newest record, or (0, GENESIS) for an empty trail."""
    last = AuditRecord.objects.order_by("-sequence").values_list("sequence", "record_hash").first()
    return last or (0, chain.GENESIS)


@transaction.atomic
def centre_settings_update(*, by, retention_years):
    """Change the centre's settings: a centre admin only, recorded in the trail."""
    from django.core.exceptions import PermissionDenied

    from .models import CentreSettings

    if not (by.is_authenticated and by.is_centre_admin):
        raise PermissionDenied("Only a centre admin can change the centre's settings.")
    current = CentreSettings.objects.select_for_update().filter(pk=1).first()
    before = chain.state_of(current)
    current = current or CentreSettings(pk=1)
    current.retention_years = retention_years
    current.full_clean()
    current.save()
    audit_record(
        kind=AuditRecord.Kind.SETTINGS_CHANGED,
        actor=by,
        obj=current,
        before=before,
        after=current,
        summary=f"Retention set to {retention_years} years after certification.",
    )
    return current
