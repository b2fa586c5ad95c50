"""Reads of evidence, shaped so each page costs a fixed number of queries.

`coverage_for_enrolment` answers "which criteria have evidence?" for a learner's units; the
progress page, the home page and reports read it. `evidence_items_for_list` is the evidence list.
"""

import datetime
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from criteria.models import Unit
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


@dataclass
class MatrixRow:
    """One row of the criteria-by-evidence matrix: a criterion or one of its parts."""

    code: str
    text: str
    state: str  # in words, as assessments.criterion_state.LABELS says it
    state_key: str
    is_part: bool
    has_parts: bool
    cells: list  # one per column of UnitCoverage.items: the MappingFact when mapped, else None

    @property
    def mapped_directly(self):
        return any(self.cells)


@dataclass
class UnitCoverage:
    """One enrolled unit: its criteria and parts, where each stands and the evidence behind it.

    `states` is the unit's assessments.criterion_state.UnitStates, the one truth every page
    reads. An outline unit (criteria not yet loaded) has no criteria here, so every count is 0
    and there are no gaps; check `criteria_loaded` before showing numbers.
    """

    unit: Unit
    states: object
    items: list[MappedItem] = field(default_factory=list)  # mapped to the unit, oldest first

    @property
    def criteria_loaded(self):
        return self.unit.criteria_complete

    @property
    def criteria(self):
        return self.states.criteria

    @property
    def total(self):
        return self.states.total

    @property
    def with_evidence(self):
        """Criteria with evidence the assessor has not turned down, drafts included."""
        return self.states.with_evidence

    @property
    def with_submitted_evidence(self):
        return self.states.with_submitted_evidence

    @property
    def met(self):
        return self.states.met

    @property
    def gaps(self):
        """Codes with no evidence, or none the assessor accepted, in numeric order."""
        return self.states.codes_in("no_evidence", "rejected")

    @property
    def drafts_only(self):
        return self.states.codes_in("draft_only")

    @property
    def gap_sentences(self):
        return self.states.gap_sentences

    @property
    def rejection_sentences(self):
        return self.states.rejection_sentences

    @cached_property
    def matrix_rows(self):
        """Rows of criteria and parts in numeric order, each with a cell per item column."""
        columns = [item.pk for item in self.items]
        rows = []
        for row in self.states.rows:
            mapped = {fact.item.pk: fact for fact in row.mappings}
            rows.append(
                MatrixRow(
                    code=row.code,
                    text=row.text,
                    state=row.label,
                    state_key=row.state,
                    is_part=row.is_part,
                    has_parts=bool(row.parts),
                    cells=[mapped.get(pk) for pk in columns],
                )
            )
        return rows


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


def coverage_for_enrolment(enrolment, *, only_unit_ids=None, submitted_only=False):
    """Coverage of each enrolled unit, in the enrolment's unit order: four queries in all.

    Returns a list of UnitCoverage, each read from assessments.criterion_state, so the
    progress page, the matrix and the reports say the same of every criterion.
    `only_unit_ids` narrows it to those units (what an external quality assurer's grant
    covers), and `submitted_only` to evidence submitted at least once (what they read).
    """
    # Imported here: assessments builds on evidence, so evidence reads it only when asked.
    from assessments.criterion_state import portfolio_states

    states = portfolio_states(enrolment, only_unit_ids=only_unit_ids, submitted_only=submitted_only)
    return [
        UnitCoverage(unit=unit_states.unit, states=unit_states, items=_items_in_order(unit_states))
        for unit_states in states.values()
    ]


def _items_in_order(unit_states):
    items = {item.pk: item for row in unit_states.rows for item in row.items}
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
