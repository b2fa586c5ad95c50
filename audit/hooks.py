"""`@audited`: the central hook that makes a service append its audit record.

Put on a service next to `@changes_portfolio`; it runs the service and audit_record() in one
transaction (a savepoint inside the service's own), with the changed object's state read from
the database before and after, so the record says what changed on which object.
"""

import functools

from django.db import models, transaction

from .services import audit_record


def _fresh(obj):
    if not isinstance(obj, models.Model) or obj.pk is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def _exists(obj):
    return isinstance(obj, models.Model) and obj.pk is not None


# Keyword arguments the services name their objects by, each already holding its enrolment.
ENROLMENT_ARGUMENTS = (
    "enrolment",
    "enrolled_unit",
    "item",
    "sign_off",
    "mapping",
    "evidence_file",
    "target",
    "entry",
)


def _enrolment_from(kwargs):
    for name in ENROLMENT_ARGUMENTS:
        if kwargs.get(name) is not None:
            return enrolment_id_of(kwargs[name])
    return None


def enrolment_id_of(obj):
    """The enrolment a changed object belongs to, following the usual paths; None if none."""
    from people.models import Enrolment

    if obj is None:
        return None
    if isinstance(obj, Enrolment):
        return obj.pk
    if getattr(obj, "enrolment_id", None) is not None:
        return obj.enrolment_id
    for path in ("item", "enrolled_unit", "judgement", "sign_off", "entry", "review"):
        parent = getattr(obj, path, None) if hasattr(type(obj), path) else None
        if parent is not None:
            return enrolment_id_of(parent)
    return None


def audited(kind, *, summary, obj="result", actor="by", enrolment=enrolment_id_of, state=None):
    """Record `kind` for the object in keyword argument `obj` (or the service's result).

    `state(obj)` gives what is digested before and after, when the object's own fields are
    not what changes (an item's mappings, say).

    `summary` is a sentence naming no one, or `summary(kwargs, result)` giving one.
    """

    def decorate(service):
        @functools.wraps(service)
        def recorded(*args, **kwargs):
            with transaction.atomic():
                given = kwargs.get(obj) if obj != "result" else None
                if state is not None:
                    before = state(given) if given is not None else None
                else:
                    before = _fresh(given)
                result = service(*args, **kwargs)
                changed = result if obj == "result" else given
                if state is not None:
                    after = state(changed) if _exists(changed) else None
                elif obj == "result":
                    after = changed  # just saved by the service: no need to read it again
                else:
                    after = _fresh(changed)  # the service may have changed another copy
                audit_record(
                    kind=kind,
                    actor=kwargs.get(actor),
                    obj=changed,
                    enrolment=_enrolment_from(kwargs) or enrolment(changed),
                    before=before,
                    after=after,
                    summary=summary(kwargs, result) if callable(summary) else summary,
                )
            return result

        return recorded

    return decorate


def mappings_of(item):
    """An item's mappings and the decisions on them, for digests of mapping changes."""
    rows = item.mappings.order_by("pk").values_list("pk", "criterion_id", "part_id", "decision")
    return {"item": item.pk, "mappings": [list(row) for row in rows]}


def judgements_of(enrolled_unit):
    """A unit's current judgements, for digests of a whole unit judged at once."""
    rows = enrolled_unit.judgements.order_by("pk").values_list(
        "pk", "criterion_id", "part_id", "outcome", "version"
    )
    return {"enrolled_unit": enrolled_unit.pk, "judgements": [list(row) for row in rows]}


def enrolment_with_units(enrolment):
    """An enrolment's own fields and its units, for digests of enrolment changes."""
    from .chain import state_of

    units = sorted(enrolment.enrolled_units.values_list("unit_id", flat=True))
    return {**state_of(enrolment), "units": units}
