"""What a changed object is about, for an EQA's scope: the evidence item and the unit.

An EQA's grant names learners, units and dates. A record about a judgement, a sign-off or an
IQA sample carries its unit; one about evidence carries its item (and, for a mapping, the unit
of the criterion it maps to); one about the enrolment as a whole carries neither.
"""

from django.db import models


def scope_of(obj):
    """(item pk, unit pk) that `obj` is about, each None when it is about none."""
    if not isinstance(obj, models.Model):
        return None, None
    from evidence.models import EvidenceItem

    if isinstance(obj, EvidenceItem):
        return obj.pk, None
    return getattr(obj, "item_id", None), _unit_of(obj)


def _unit_of(obj):
    from assessments.models import Target
    from evidence.models import EvidenceMapping
    from people.models import EnrolmentUnit

    if isinstance(obj, EnrolmentUnit):
        return obj.unit_id
    if isinstance(obj, EvidenceMapping):
        return _units_of_criteria([obj.criterion_id], [])
    if isinstance(obj, Target) and obj.pk is not None:
        # A target over one unit's criteria is about that unit; over several, or none, it is
        # the learner's plan as a whole, which no single grant covers.
        return _units_of_criteria(
            list(obj.criteria.values_list("pk", flat=True)),
            list(obj.parts.values_list("pk", flat=True)),
        )
    for path in ("enrolled_unit", "entry", "review"):
        if hasattr(type(obj), path) and getattr(obj, f"{path}_id", None) is not None:
            return _unit_of(getattr(obj, path))
    return None


def _units_of_criteria(criterion_ids, part_ids):
    from criteria.models import AssessmentCriterion, CriterionPart

    units = set(
        AssessmentCriterion.objects.filter(pk__in=criterion_ids).values_list(
            "outcome__unit_id", flat=True
        )
    ) | set(
        CriterionPart.objects.filter(pk__in=part_ids).values_list(
            "criterion__outcome__unit_id", flat=True
        )
    )
    return units.pop() if len(units) == 1 else None
