"""The mapping picker: every criterion and sub-part an item may be mapped to, grouped by unit
and outcome, with what is already mapped. Targets are keyed 'c<pk>' (a criterion without
sub-parts) or 'p<pk>' (a sub-part)."""

from collections import Counter

from django.core.exceptions import ValidationError

from criteria.models import AssessmentCriterion, CriterionPart
from nvq_portfolio.ids import parse_id

from .models import EvidenceMapping
from .services import criteria_open_to


def _target_key(criterion_id, part_id):
    return f"p{part_id}" if part_id else f"c{criterion_id}"


def picker_groups(item):
    """[(unit, [(outcome, [row, ...]), ...]), ...] in numeric order; five queries in all."""
    criteria = list(
        criteria_open_to(item.enrolment)
        .select_related("outcome__unit")
        .prefetch_related("parts")
        .order_by("outcome__unit__level", "outcome__unit__title", "outcome__number", "number")
    )
    enrolment_mappings = EvidenceMapping.objects.filter(item__enrolment=item.enrolment)
    evidence_counts = Counter(
        _target_key(c, p)
        for c, p in enrolment_mappings.exclude(item=item).values_list("criterion", "part")
    )
    mine = {_target_key(m.criterion_id, m.part_id): m for m in item.mappings.all()}
    groups = {}
    for criterion in criteria:
        outcome = criterion.outcome
        outcomes = groups.setdefault(outcome.unit, {})
        rows = outcomes.setdefault(outcome, [])
        targets = [(p.code, p.text, _target_key(criterion.pk, p.pk)) for p in criterion.parts.all()]
        # Filtering matches a sub-part by its criterion's words too, and the criterion's
        # heading by its parts' words, so a criterion and its parts show or hide together.
        family = " ".join([criterion.text, *(text for _, text, _ in targets)])
        if targets:
            rows.append(
                {
                    "heading": True,
                    "code": criterion.code,
                    "text": criterion.text,
                    "search": f"{criterion.code} {family}".lower(),
                }
            )
        else:
            targets = [(criterion.code, criterion.text, _target_key(criterion.pk, None))]
        for code, text, key in targets:
            mapping = mine.get(key)
            rows.append(
                {
                    "key": key,
                    "code": code,
                    "text": text,
                    "search": f"{code} {family}".lower(),
                    "checked": mapping is not None,
                    "note": mapping.note if mapping else "",
                    "by_assessor": bool(mapping and mapping.added_by_assessor),
                    "other_items": evidence_counts[key],
                }
            )
    return [(unit, list(outcomes.items())) for unit, outcomes in groups.items()]


def targets_from_post(data):
    """Turn the picker's POST into [(criterion, part, note)]; unknown keys are refused."""
    keys = data.getlist("target")
    criterion_ids = {parse_id(k[1:]) for k in keys if k[:1] == "c"} - {None}
    part_ids = {parse_id(k[1:]) for k in keys if k[:1] == "p"} - {None}
    if len(criterion_ids) + len(part_ids) != len(set(keys)):
        raise ValidationError("The form sent a criterion the picker does not know. Try again.")
    criteria = AssessmentCriterion.objects.select_related("outcome").in_bulk(criterion_ids)
    parts = CriterionPart.objects.select_related("criterion__outcome").in_bulk(part_ids)
    if len(criteria) != len(criterion_ids) or len(parts) != len(part_ids):
        raise ValidationError("One of the chosen criteria no longer exists. Try again.")
    targets = [(c, None, data.get(f"note-c{pk}", "")) for pk, c in criteria.items()]
    targets += [(p.criterion, p, data.get(f"note-p{pk}", "")) for pk, p in parts.items()]
    return targets


def assessor_target_choices(item):
    """Choices for the assessor's 'add a mapping' form: every open criterion or sub-part."""
    choices = []
    for unit, outcomes in picker_groups(item):
        for _outcome, rows in outcomes:
            for row in rows:
                if not row.get("heading") and not row["checked"]:
                    label = f"{unit.reference or unit.title}: {row['code']} {row['text']}"
                    choices.append((row["key"], label))
    return choices


def target_from_key(key):
    """(criterion, part) for a picker key, or raise ValidationError."""
    pk = parse_id(key[1:])
    if key[:1] == "p" and pk is not None:
        part = CriterionPart.objects.select_related("criterion__outcome").filter(pk=pk).first()
        if part:
            return part.criterion, part
    if key[:1] == "c" and pk is not None:
        criterion = AssessmentCriterion.objects.select_related("outcome").filter(pk=pk).first()
        if criterion:
            return criterion, None
    raise ValidationError("Choose a criterion or sub-part from the list.")
