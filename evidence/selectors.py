"""Reads of evidence, shaped so each page costs a fixed number of queries.

`coverage_for_enrolment` answers "which criteria have evidence?" for a learner's units; the
progress page, the home page and reports read it. `evidence_items_for_list` is the evidence list.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import get_text_list

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Unit
from people.access import enrolments_visible_to, eqa_condition
from people.models import EnrolmentUnit
from people.selectors import name_matches

from .models import EvidenceFile, EvidenceItem, EvidenceMapping, EvidenceVersion
from .typed import TEMPLATES

STATUS_LABELS = dict(EvidenceItem.Status.choices)
TYPED_ANSWER_KEYS = sorted(
    {section.key for template in TEMPLATES.values() for section in template.sections}
)
CODE_PATTERN = re.compile(r"\s*(\d+)\.(\d+)\s*([a-zA-Z])?\s*")


def parse_code(code):
    """'9.1 b' -> (9, 1, 'b'); '3.2' -> (3, 2, ''); ValueError for anything else."""
    match = CODE_PATTERN.fullmatch(str(code))
    if not match:
        raise ValueError(f"{code!r} is not a criterion code such as 3.2 or 9.1 b.")
    return int(match[1]), int(match[2]), (match[3] or "").lower()


# Coverage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappedItem:
    """An evidence item as coverage shows it: enough to name it, link to it and badge it."""

    pk: int
    title: str
    status: str
    activity_date: datetime.date

    @property
    def is_draft(self):
        return self.status == EvidenceItem.Status.DRAFT

    def get_status_display(self):
        return STATUS_LABELS.get(self.status, self.status)

    def get_absolute_url(self):
        return reverse("evidence:item", args=[self.pk])


def _state(*, met, has_submitted, has_evidence):
    if met:
        return "Met"
    if has_submitted:
        return "Submitted evidence"
    if has_evidence:
        return "Draft evidence only"
    return "No evidence yet"


@dataclass
class PartCoverage:
    part: CriterionPart
    code: str
    items: list[MappedItem]
    met: bool = False

    @property
    def has_evidence(self):
        return bool(self.items)

    @property
    def has_submitted_evidence(self):
        return any(not item.is_draft for item in self.items)

    @property
    def state(self):
        return _state(
            met=self.met,
            has_submitted=self.has_submitted_evidence,
            has_evidence=self.has_evidence,
        )


@dataclass
class CriterionCoverage:
    """A criterion and what is mapped to it. With parts, it has evidence only when each part has.

    `items` are mapped to the criterion as a whole; a criterion with parts is mapped part by
    part, so its `items` are normally empty and its parts carry the evidence.
    """

    criterion: AssessmentCriterion
    code: str
    items: list[MappedItem]
    parts: list[PartCoverage]
    met: bool = False

    @property
    def has_evidence(self):
        if self.parts:
            return all(part.has_evidence for part in self.parts)
        return bool(self.items)

    @property
    def has_submitted_evidence(self):
        if self.parts:
            return all(part.has_submitted_evidence for part in self.parts)
        return any(not item.is_draft for item in self.items)

    @property
    def gaps(self):
        """Codes still without evidence: the criterion, or only its parts that lack it."""
        if self.parts:
            return [part.code for part in self.parts if not part.has_evidence]
        return [] if self.items else [self.code]

    @property
    def drafts_only(self):
        """Codes whose only evidence is drafts: the assessor cannot judge them yet."""
        if self.parts:
            return [
                part.code
                for part in self.parts
                if part.has_evidence and not part.has_submitted_evidence
            ]
        return [self.code] if self.has_evidence and not self.has_submitted_evidence else []

    @property
    def state(self):
        return _state(
            met=self.met,
            has_submitted=self.has_submitted_evidence,
            has_evidence=self.has_evidence,
        )


@dataclass
class OutcomeCoverage:
    outcome: LearningOutcome
    criteria: list[CriterionCoverage]


@dataclass
class MatrixRow:
    """One row of the criteria-by-evidence matrix: a criterion or one of its parts."""

    code: str
    text: str
    state: str
    is_part: bool
    has_parts: bool
    cells: list  # one per column of UnitCoverage.items: the item when mapped, else None

    @property
    def mapped_directly(self):
        return any(self.cells)


@dataclass
class UnitCoverage:
    """One enrolled unit: its outcomes, criteria and parts with the evidence mapped to each.

    An outline unit (criteria not yet loaded) has no criteria here, so every count is 0 and
    there are no gaps; check `criteria_loaded` before showing numbers.
    """

    unit: Unit
    outcomes: list[OutcomeCoverage]
    items: list[MappedItem] = field(default_factory=list)  # mapped to the unit, oldest first

    @property
    def criteria_loaded(self):
        return self.unit.criteria_complete

    @cached_property
    def criteria(self):
        return [criterion for outcome in self.outcomes for criterion in outcome.criteria]

    @property
    def total(self):
        return len(self.criteria)

    @property
    def with_evidence(self):
        """Criteria with evidence of any status, drafts included."""
        return sum(criterion.has_evidence for criterion in self.criteria)

    @property
    def with_submitted_evidence(self):
        return sum(criterion.has_submitted_evidence for criterion in self.criteria)

    @property
    def met(self):
        return sum(criterion.met for criterion in self.criteria)

    @property
    def gaps(self):
        """Codes without any evidence, in numeric order: ['3.2', '5.1', '9.1 b']."""
        return [code for criterion in self.criteria for code in criterion.gaps]

    @property
    def drafts_only(self):
        return [code for criterion in self.criteria for code in criterion.drafts_only]

    @property
    def gaps_text(self):
        """'3.2, 5.1 and 9.1 b': the gaps as a sentence would say them."""
        return get_text_list(self.gaps, "and")

    @property
    def drafts_only_text(self):
        return get_text_list(self.drafts_only, "and")

    @cached_property
    def matrix_rows(self):
        """Rows of criteria and parts in numeric order, each with a cell per item column."""
        columns = [item.pk for item in self.items]
        rows = []
        for criterion in self.criteria:
            rows.append(_matrix_row(criterion, columns, is_part=False))
            rows.extend(_matrix_row(part, columns, is_part=True) for part in criterion.parts)
        return rows


def _matrix_row(coverage, columns, *, is_part):
    mapped = {item.pk: item for item in coverage.items}
    subject = coverage.part if is_part else coverage.criterion
    return MatrixRow(
        code=coverage.code,
        text=subject.text,
        state=coverage.state,
        is_part=is_part,
        has_parts=not is_part and bool(coverage.parts),
        cells=[mapped.get(pk) for pk in columns],
    )


def ever_submitted(item="pk"):
    """A Q for items submitted at least once, reached from the row through `item`: not a draft,
    or a draft again that keeps its submitted versions."""
    status = "status" if item == "pk" else f"{item}__status"
    return ~Q(**{status: EvidenceItem.Status.DRAFT}) | Exists(
        EvidenceVersion.objects.filter(item=OuterRef(item))
    )


def submitted_title(item="pk"):
    """The title as last submitted of an item reached through `item`: a draft's working copy
    title is not for readers of submitted evidence."""
    status = "status" if item == "pk" else f"{item}__status"
    last = EvidenceVersion.objects.filter(item=OuterRef(item)).order_by("-number")
    return Case(
        When(**{status: EvidenceItem.Status.DRAFT}, then=Subquery(last.values("title")[:1])),
        default=F("title" if item == "pk" else f"{item}__title"),
        output_field=CharField(),
    )


def _mapped_items(enrolment, *, submitted_only):
    """Items mapped on this enrolment, keyed by criterion and by part: one query, no models.
    `submitted_only`: only items submitted at least once, by their submitted title."""
    mappings = EvidenceMapping.objects.filter(item__enrolment=enrolment)
    if submitted_only:
        mappings = mappings.filter(ever_submitted("item"))
    rows = mappings.order_by("item__activity_date", "item_id").values_list(
        "criterion_id",
        "part_id",
        "item_id",
        submitted_title("item") if submitted_only else F("item__title"),
        "item__status",
        "item__activity_date",
    )
    by_criterion, by_part, items = {}, {}, {}
    for criterion_id, part_id, item_id, title, status, activity_date in rows:
        item = items.setdefault(item_id, MappedItem(item_id, title, status, activity_date))
        if part_id is None:
            by_criterion.setdefault(criterion_id, []).append(item)
        else:
            by_part.setdefault(part_id, []).append(item)
    return by_criterion, by_part


def coverage_for_enrolment(
    enrolment,
    *,
    met_criterion_ids=frozenset(),
    met_part_ids=frozenset(),
    only_unit_ids=None,
    submitted_only=False,
):
    """Coverage of each enrolled unit, in the enrolment's unit order: five queries in all.

    Returns a list of UnitCoverage. `met_criterion_ids` and `met_part_ids` are where
    judgements plug in (assessments.selectors.met_ids_for_enrolment); a criterion with parts
    is met only by its own judgement, which needs every part met first. `only_unit_ids`
    narrows it to those units (what an external quality assurer's grant covers), and
    `submitted_only` to evidence submitted at least once (what they read).
    """
    parts = CriterionPart.objects.order_by("letter")
    criteria = AssessmentCriterion.objects.order_by("number").prefetch_related(
        Prefetch("parts", queryset=parts)
    )
    outcomes = LearningOutcome.objects.order_by("number").prefetch_related(
        Prefetch("criteria", queryset=criteria)
    )
    enrolled_units = (
        EnrolmentUnit.objects.filter(enrolment=enrolment)
        .select_related("unit")
        .prefetch_related(Prefetch("unit__outcomes", queryset=outcomes))
    )
    if only_unit_ids is not None:
        enrolled_units = enrolled_units.filter(unit_id__in=only_unit_ids)
    by_criterion, by_part = _mapped_items(enrolment, submitted_only=submitted_only)

    criterion_coverage = partial(
        _criterion_coverage,
        by_criterion=by_criterion,
        by_part=by_part,
        met_criterion_ids=met_criterion_ids,
        met_part_ids=met_part_ids,
    )
    coverage = []
    for enrolled_unit in enrolled_units:
        unit = enrolled_unit.unit
        outcome_coverage = [
            OutcomeCoverage(
                outcome=outcome,
                criteria=[
                    criterion_coverage(outcome, criterion)
                    for criterion in _criteria_to_count(unit, outcome)
                ],
            )
            for outcome in unit.outcomes.all()
        ]
        unit_coverage = UnitCoverage(unit=unit, outcomes=outcome_coverage)
        unit_coverage.items = _items_in_order(unit_coverage.criteria)
        coverage.append(unit_coverage)
    return coverage


def _criteria_to_count(unit, outcome):
    """An outline's criteria (if any) are not the awarding body's yet: nothing to count."""
    return outcome.criteria.all() if unit.criteria_complete else []


def _criterion_coverage(
    outcome, criterion, *, by_criterion, by_part, met_criterion_ids, met_part_ids
):
    code = f"{outcome.number}.{criterion.number}"
    parts = [
        PartCoverage(
            part=part,
            code=f"{code} {part.letter}",
            items=by_part.get(part.pk, []),
            met=part.pk in met_part_ids,
        )
        for part in criterion.parts.all()
    ]
    # A criterion with parts is met by its own judgement, which the assessor can record only
    # once every part is met; the parts alone do not make it met.
    met = criterion.pk in met_criterion_ids
    return CriterionCoverage(
        criterion=criterion,
        code=code,
        items=by_criterion.get(criterion.pk, []),
        parts=parts,
        met=met,
    )


def _items_in_order(criteria):
    items = {}
    for criterion in criteria:
        for item in criterion.items:
            items[item.pk] = item
        for part in criterion.parts:
            for item in part.items:
                items[item.pk] = item
    return sorted(items.values(), key=lambda item: (item.activity_date, item.pk))


# The evidence list ------------------------------------------------------------------------


def units_for_evidence_filter(user):
    """Units on the enrolments `user` may see: the list's unit filter offers these."""
    enrolled = EnrolmentUnit.objects.filter(enrolment__in=enrolments_visible_to(user))
    return Unit.objects.filter(pk__in=enrolled.values("unit"))


def sees_other_learners(user):
    """Whether `user` may see anyone's evidence but their own, so the list names the learner."""
    return enrolments_visible_to(user).exclude(learner=user).exists()


def _count_of(model, **conditions):
    counts = (
        model.objects.filter(item=OuterRef("pk"), **conditions)
        .order_by()
        .values("item")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _text_matches(word):
    """Title, description or a typed answer contains `word`.

    Typed answers are JSON keyed by the templates' sections; each answer is searched as text
    (portable to SQLite and PostgreSQL, and never matching a section's name such as 'action').
    """
    condition = Q(title__icontains=word) | Q(description__icontains=word)
    for key in TYPED_ANSWER_KEYS:
        condition |= Q(**{f"typed_content__{key}__icontains": word})
    return condition


def evidence_items_for_list(user, filters=None):
    """Items `user` may see, narrowed by `filters`, newest activity first.

    `filters` may hold: unit (a Unit), criterion (a code such as '3.2' or '9.1 b', within the
    unit when one is given), evidence_type, assessment_method, status, date_from, date_to
    (dates) and query (words, each found in the title, description or typed answers). Empty
    values are ignored. Each item has file_count (current files) and mapping_count.
    """
    filters = filters or {}
    items = EvidenceItem.objects.filter(enrolment__in=enrolments_visible_to(user))
    if user.is_external_verifier:
        in_scope = eqa_condition(
            user, enrolment="item__enrolment_id", unit="criterion__outcome__unit_id"
        )
        items = items.filter(pk__in=EvidenceMapping.objects.filter(in_scope).values("item"))
        items = items.filter(ever_submitted()).annotate(listed_title=submitted_title())
    else:
        items = items.annotate(listed_title=F("title"))
    items = items.select_related("enrolment__learner").annotate(
        file_count=_count_of(EvidenceFile, removed_at__isnull=True),
        mapping_count=_count_of(EvidenceMapping),
    )
    mapping_conditions = {}
    if filters.get("unit"):
        mapping_conditions["criterion__outcome__unit"] = filters["unit"]
    if filters.get("criterion"):
        outcome_number, number, letter = parse_code(filters["criterion"])
        mapping_conditions["criterion__outcome__number"] = outcome_number
        mapping_conditions["criterion__number"] = number
        if letter:
            mapping_conditions["part__letter"] = letter
    if mapping_conditions:
        # A subquery, not a join: an item mapped to several matching criteria is listed once.
        mapped = EvidenceMapping.objects.filter(**mapping_conditions).order_by().values("item")
        items = items.filter(pk__in=mapped)
    for name in ("evidence_type", "assessment_method", "status"):
        if filters.get(name):
            items = items.filter(**{name: filters[name]})
    if filters.get("date_from"):
        items = items.filter(activity_date__gte=filters["date_from"])
    if filters.get("date_to"):
        items = items.filter(activity_date__lte=filters["date_to"])
    for word in (filters.get("query") or "").split():
        items = items.filter(_text_matches(word))
    if filters.get("learner"):
        items = items.filter(name_matches("enrolment__learner__", filters["learner"]))
    return items.order_by("-activity_date", "-pk")
