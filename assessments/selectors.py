"""Reads of judgements and sign-offs, shaped so each page costs a fixed number of queries.

`unit_assessment` is the assessor's view of one enrolled unit: every criterion and sub-part in
numeric order with its current judgement and the accepted evidence mapped to it. The sign-off
service reads its `not_yet_met` list, so the page and the rule name the same gaps.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch
from django.utils.text import get_text_list

from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import AssessmentMethod, EvidenceMapping
from evidence.selectors import MappedItem

from .judgements import VACSR
from .models import Judgement, JudgementEvidence, JudgementHistory, UnitSignOff

METHOD_LABELS = dict(AssessmentMethod.choices)


def target_key(criterion_id, part_id=None):
    """The key the judge page is addressed by: 'p<pk>' for a sub-part, else 'c<pk>'."""
    return f"p{part_id}" if part_id else f"c{criterion_id}"


def method_labels(methods):
    return [METHOD_LABELS.get(method, method) for method in methods]


@dataclass
class AssessmentRow:
    """A criterion or one of its sub-parts, with its judgement and accepted evidence."""

    criterion: AssessmentCriterion
    part: CriterionPart | None
    code: str
    judgement: Judgement | None
    evidence: list[MappedItem]  # items whose mapping to this criterion or part is accepted
    parts: list["AssessmentRow"] = field(default_factory=list)  # a criterion's own sub-parts

    @property
    def key(self):
        return target_key(self.criterion.pk, self.part.pk if self.part else None)

    @property
    def text(self):
        return self.part.text if self.part else self.criterion.text

    @property
    def is_part(self):
        return self.part is not None

    @property
    def has_parts(self):
        return bool(self.parts)

    @property
    def is_met(self):
        return self.judgement is not None and self.judgement.outcome == Judgement.Outcome.MET

    @property
    def outcome_text(self):
        return self.judgement.get_outcome_display() if self.judgement else "Not judged"

    @property
    def method_labels(self):
        return method_labels(self.judgement.methods) if self.judgement else []

    @property
    def parts_not_met(self):
        return [part.code for part in self.parts if not part.is_met]

    @property
    def blocker(self):
        """Why this cannot be judged met yet, in words; empty when it can.

        A hint for the page: judgements.judgement_record is where the rule is enforced.
        """
        if self.has_parts and self.parts_not_met:
            return f"Each part must be met first: {get_text_list(self.parts_not_met, 'and')}."
        if not self.evidence:
            return "No accepted evidence is mapped to it yet."
        return ""

    @property
    def can_be_met(self):
        return not self.blocker


@dataclass
class UnitAssessment:
    enrolled_unit: object
    rows: list[AssessmentRow]  # criteria in numeric order, each followed by its parts

    @property
    def unit(self):
        return self.enrolled_unit.unit

    @property
    def criteria_loaded(self):
        return self.unit.criteria_complete and bool(self.rows)

    @cached_property
    def by_key(self):
        return {row.key: row for row in self.rows}

    def row(self, key):
        return self.by_key.get(key)

    @property
    def total(self):
        return len(self.rows)

    @property
    def judged(self):
        return sum(row.judgement is not None for row in self.rows)

    @property
    def met(self):
        return sum(row.is_met for row in self.rows)

    @property
    def not_yet_met(self):
        """Codes still to be met, in numeric order: ['2.1', '6.1', '9.1 b'].

        A criterion with parts is named by its unmet parts; by itself only once they are met.
        """
        codes = []
        for row in self.rows:
            if row.is_part:
                continue
            if row.parts_not_met:
                codes.extend(row.parts_not_met)
            elif not row.is_met:
                codes.append(row.code)
        return codes

    @property
    def not_yet_met_text(self):
        return get_text_list(self.not_yet_met, "and")


def _accepted_items(enrolled_unit):
    """Items with an accepted mapping into this unit, keyed by criterion and by part: one query."""
    rows = (
        EvidenceMapping.objects.filter(
            item__enrolment_id=enrolled_unit.enrolment_id,
            criterion__outcome__unit_id=enrolled_unit.unit_id,
            decision=EvidenceMapping.Decision.ACCEPTED,
        )
        .order_by("item__activity_date", "item_id")
        .values_list(
            "criterion_id",
            "part_id",
            "item_id",
            "item__title",
            "item__status",
            "item__activity_date",
        )
    )
    by_criterion, by_part = {}, {}
    for criterion_id, part_id, item_id, title, status, activity_date in rows:
        item = MappedItem(item_id, title, status, activity_date)
        if part_id is None:
            by_criterion.setdefault(criterion_id, []).append(item)
        else:
            by_part.setdefault(part_id, []).append(item)
    return by_criterion, by_part


def judgements_for_unit(enrolled_unit):
    """The unit's current judgements with who made them and what they rely on: two queries."""
    relied_on = JudgementEvidence.objects.select_related("item").order_by("item_id")
    return (
        Judgement.objects.filter(enrolled_unit=enrolled_unit)
        .select_related("judged_by")
        .prefetch_related(Prefetch("relied_on", queryset=relied_on))
    )


def unit_assessment(enrolled_unit):
    """Every criterion and part of the unit with its judgement and evidence: five queries."""
    criteria = (
        AssessmentCriterion.objects.filter(outcome__unit_id=enrolled_unit.unit_id)
        .select_related("outcome")
        .prefetch_related(Prefetch("parts", queryset=CriterionPart.objects.order_by("letter")))
        .order_by("outcome__number", "number")
    )
    judgements = {(j.criterion_id, j.part_id): j for j in judgements_for_unit(enrolled_unit)}
    by_criterion, by_part = _accepted_items(enrolled_unit)
    rows = []
    for criterion in criteria:
        code = f"{criterion.outcome.number}.{criterion.number}"
        parts = [
            AssessmentRow(
                criterion=criterion,
                part=part,
                code=f"{code} {part.letter}",
                judgement=judgements.get((criterion.pk, part.pk)),
                evidence=by_part.get(part.pk, []),
            )
            for part in criterion.parts.all()
        ]
        # A criterion with parts is mapped part by part: its evidence is what its parts have.
        evidence = {item.pk: item for item in by_criterion.get(criterion.pk, [])}
        for part_row in parts:
            evidence.update((item.pk, item) for item in part_row.evidence)
        rows.append(
            AssessmentRow(
                criterion=criterion,
                part=None,
                code=code,
                judgement=judgements.get((criterion.pk, None)),
                evidence=sorted(evidence.values(), key=lambda i: (i.activity_date, i.pk)),
                parts=parts,
            )
        )
        rows.extend(parts)
    return UnitAssessment(enrolled_unit=enrolled_unit, rows=rows)


def standing_sign_off(enrolled_unit):
    """The unit's sign-off that has not been reopened, or None."""
    sign_off = (
        UnitSignOff.objects.filter(enrolled_unit=enrolled_unit, reopened_at__isnull=True)
        # Its credential (credentials app) in the same query, for the unit page's download.
        .select_related("assessor", "learner", "credential")
        .first()
    )
    if sign_off is not None:
        # The caller's copy has its unit and people loaded already; verifying reads them.
        sign_off.enrolled_unit = enrolled_unit
    return sign_off


def sign_offs_for_unit(enrolled_unit):
    """Every sign-off of the unit, standing or reopened, newest first."""
    return (
        UnitSignOff.objects.filter(enrolled_unit=enrolled_unit)
        .select_related("assessor", "learner", "reopened_by")
        .order_by("-assessor_signed_at", "-pk")
    )


@dataclass
class HistoryEntry:
    """One recorded version of a judgement, ready to read: code, methods and items in words."""

    record: JudgementHistory
    code: str
    method_labels: list[str]
    evidence: list[str]


def _relied_on_text(entry):
    ticked = [name for name in VACSR if entry.get(name)]
    if len(ticked) == len(VACSR):
        return f"“{entry.get('title')}” (all five VACSR checks ticked)"
    ticked_text = get_text_list(ticked, "and") if ticked else "none"
    return f"“{entry.get('title')}” (VACSR checks ticked: {ticked_text})"


def history_for_unit(enrolled_unit):
    """Every recorded version of every judgement on the unit, newest first: one query."""
    records = (
        JudgementHistory.objects.filter(judgement__enrolled_unit=enrolled_unit)
        .select_related("changed_by", "judgement__criterion__outcome", "judgement__part")
        .order_by("-changed_at", "-pk")
    )
    entries = []
    for record in records:
        criterion, part = record.judgement.criterion, record.judgement.part
        code = f"{criterion.outcome.number}.{criterion.number}"
        entries.append(
            HistoryEntry(
                record=record,
                code=f"{code} {part.letter}" if part else code,
                method_labels=method_labels(record.methods),
                evidence=[_relied_on_text(entry) for entry in record.evidence],
            )
        )
    return entries
