"""Reads of the catalogue, shaped so each page costs a fixed number of queries."""

from django.db.models import Count, Prefetch, Q

from .models import AssessmentCriterion, CriterionPart, LearningOutcome, Qualification, Unit


def qualifications_with_unit_counts():
    return Qualification.objects.annotate(
        unit_count=Count("units", distinct=True),
        outline_count=Count("units", filter=Q(units__criteria_complete=False), distinct=True),
    )


def units_with_criterion_counts(qualification=None):
    units = Unit.objects.annotate(
        outcome_count=Count("outcomes", distinct=True),
        criterion_count=Count("outcomes__criteria", distinct=True),
    ).prefetch_related("qualifications")
    if qualification is not None:
        units = units.filter(qualifications=qualification)
    return units


def unit_with_structure(slug):
    """A unit with its outcomes, criteria and sub-parts prefetched in order: four queries."""
    criteria = AssessmentCriterion.objects.select_related("outcome").prefetch_related(
        Prefetch("parts", queryset=CriterionPart.objects.order_by("letter"))
    )
    outcomes = LearningOutcome.objects.prefetch_related(
        Prefetch("criteria", queryset=criteria.order_by("number"))
    ).order_by("number")
    return Unit.objects.prefetch_related(
        "qualifications", Prefetch("outcomes", queryset=outcomes)
    ).filter(slug=slug)


def criteria_matching(query, *, limit=100):
    """Criteria whose own text, sub-part text or code matches every word of `query`."""
    criteria = AssessmentCriterion.objects.select_related("outcome__unit").prefetch_related("parts")
    words = query.split()
    for word in words:
        condition = Q(text__icontains=word) | Q(parts__text__icontains=word)
        if word.replace(".", "").isdecimal() and "." in word:  # not ², which int() refuses
            outcome, _, number = word.partition(".")
            if outcome and number:
                condition |= Q(outcome__number=int(outcome), number=int(number))
        criteria = criteria.filter(condition)
    return criteria.distinct().order_by(
        "outcome__unit__level", "outcome__unit__title", "outcome__number", "number"
    )[:limit]
