"""One truth about each criterion of a learner's portfolio.

`portfolio_states` works out, for every criterion and lettered sub-part of an enrolment's
units, where it stands: no evidence, draft evidence only, evidence the assessor did not accept,
submitted evidence waiting for a decision, accepted evidence waiting for a judgement, judged
not yet met, met, or met in a signed-off unit. The progress page and its gap list, the matrix,
the coverage PDF and CSV and the caseload all read it, so they never disagree. Four queries
for any number of learners, items and criteria.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Exists, F, OuterRef
from django.utils.text import get_text_list

from criteria.models import AssessmentCriterion
from evidence.models import EvidenceMapping
from evidence.selectors import MappedItem, ever_submitted, submitted_title
from people.models import EnrolmentUnit

from .models import Judgement, UnitSignOff

Decision = EvidenceMapping.Decision

NO_EVIDENCE = "no_evidence"
REJECTED = "rejected"
DRAFT_ONLY = "draft_only"
SUBMITTED = "submitted"
ACCEPTED = "accepted"
NOT_YET_MET = "not_yet_met"
MET = "met"
SIGNED_OFF = "signed_off"

LABELS = {
    NO_EVIDENCE: "No evidence yet",
    REJECTED: "Evidence not accepted",
    DRAFT_ONLY: "Draft evidence only",
    SUBMITTED: "Submitted, awaiting a decision",
    ACCEPTED: "Evidence accepted, not yet judged",
    NOT_YET_MET: "Not yet met",
    MET: "Met",
    SIGNED_OFF: "Met and signed off",
}
# How far the evidence has got before any judgement: a criterion takes its furthest mapping.
EVIDENCE_RANK = {NO_EVIDENCE: 0, REJECTED: 1, DRAFT_ONLY: 2, SUBMITTED: 3, ACCEPTED: 4}
DONE = frozenset({MET, SIGNED_OFF})


@dataclass(frozen=True)
class MappingFact:
    """One item mapped to a criterion or part, with the assessor's decision on that mapping."""

    item: MappedItem
    decision: str
    comment: str
    decided_by: str  # the assessor's name, when decided

    @property
    def state(self):
        if self.item.is_draft:
            return DRAFT_ONLY
        return {Decision.ACCEPTED: ACCEPTED, Decision.REJECTED: REJECTED}.get(
            self.decision, SUBMITTED
        )

    @property
    def is_rejected(self):
        return self.decision == Decision.REJECTED and not self.item.is_draft

    @property
    def decision_text(self):
        """What the matrix says of the mapping, for readers and screen readers alike."""
        return {
            DRAFT_ONLY: "mapped, draft not yet submitted",
            SUBMITTED: "mapped, waiting for the assessor's decision",
            ACCEPTED: "accepted by the assessor",
            REJECTED: "not accepted by the assessor",
        }[self.state]


@dataclass
class CriterionState:
    """Where one criterion (or one sub-part) stands, with the evidence and decisions behind it."""

    criterion_id: int
    part_id: int | None
    code: str
    text: str
    state: str = NO_EVIDENCE
    mappings: list[MappingFact] = field(default_factory=list)
    judgement: str | None = None  # Judgement.Outcome value, when judged
    parts: list["CriterionState"] = field(default_factory=list)

    @property
    def label(self):
        return LABELS[self.state]

    @property
    def is_part(self):
        return self.part_id is not None

    @property
    def items(self):
        return [mapping.item for mapping in self.mappings]

    @property
    def rejections(self):
        return [mapping for mapping in self.mappings if mapping.is_rejected]

    @property
    def is_done(self):
        return self.state in DONE

    @property
    def has_evidence(self):
        """Evidence the assessor has not turned down, drafts included (or the criterion is met)."""
        if self.is_done:
            return True
        direct = any(not mapping.is_rejected for mapping in self.mappings)
        if self.parts and not direct:
            return all(part.has_evidence for part in self.parts)
        return direct

    @property
    def has_submitted_evidence(self):
        if self.is_done:
            return True
        direct = any(m.state in (SUBMITTED, ACCEPTED) for m in self.mappings)
        if self.parts and not direct:
            return all(part.has_submitted_evidence for part in self.parts)
        return direct

    def leaves(self):
        """What is still open under this criterion: its parts not yet met, else itself."""
        if self.is_done:
            return []
        open_parts = [part for part in self.parts if not part.is_done]
        return open_parts or [self]


def _leaf_state(mappings, judgement, signed_off):
    if judgement == Judgement.Outcome.MET:
        return SIGNED_OFF if signed_off else MET
    if judgement == Judgement.Outcome.NOT_YET:
        return NOT_YET_MET
    return max((m.state for m in mappings), key=EVIDENCE_RANK.get, default=NO_EVIDENCE)


def _whole_state(criterion, signed_off):
    """A criterion with parts is met only by its own judgement; until then it stands where its
    least advanced part does (a met part counts as accepted evidence for the whole)."""
    if criterion.judgement is not None:
        return _leaf_state([], criterion.judgement, signed_off)
    part_states = [part.state for part in criterion.parts]
    if NOT_YET_MET in part_states:
        return NOT_YET_MET
    least = min(
        (ACCEPTED if state in DONE else state for state in part_states), key=EVIDENCE_RANK.get
    )
    direct = _leaf_state(criterion.mappings, None, signed_off)
    return max(least, direct, key=EVIDENCE_RANK.get)


@dataclass
class UnitStates:
    """The states of one enrolled unit's criteria, in numeric order, each with its parts."""

    enrolled_unit: EnrolmentUnit  # with its unit loaded
    signed_off: bool
    criteria: list[CriterionState]

    @property
    def unit(self):
        return self.enrolled_unit.unit

    @cached_property
    def rows(self):
        """Criteria and parts in the order the matrix shows them."""
        return [row for criterion in self.criteria for row in (criterion, *criterion.parts)]

    @cached_property
    def by_key(self):
        return {(row.criterion_id, row.part_id): row for row in self.rows}

    def get(self, criterion_id, part_id=None):
        return self.by_key.get((criterion_id, part_id))

    @property
    def total(self):
        return len(self.criteria)

    @property
    def with_evidence(self):
        return sum(criterion.has_evidence for criterion in self.criteria)

    @property
    def with_submitted_evidence(self):
        return sum(criterion.has_submitted_evidence for criterion in self.criteria)

    @property
    def met(self):
        return sum(criterion.is_done for criterion in self.criteria)

    def leaves(self):
        return [leaf for criterion in self.criteria for leaf in criterion.leaves()]

    def codes_in(self, *states):
        return [leaf.code for leaf in self.leaves() if leaf.state in states]

    @property
    def rejections(self):
        """(code, MappingFact) for each turned-down mapping of a criterion not yet met: the
        learner hears of every decision against their work until the criterion is met."""
        return [(leaf.code, mapping) for leaf in self.leaves() for mapping in leaf.rejections]

    @property
    def gap_sentences(self):
        """What stands between the learner and this unit, as sentences: the gap list."""
        sentences = []
        groups = [
            (NO_EVIDENCE, "No evidence yet for {}."),
            (REJECTED, "No accepted evidence yet for {}: the assessor did not accept it."),
            (DRAFT_ONLY, "Only draft evidence, not yet submitted for assessment, for {}."),
            (NOT_YET_MET, "Judged not yet met: {}."),
            (SUBMITTED, "Evidence waiting for the assessor's decision: {}."),
            (ACCEPTED, "Evidence accepted, waiting for the assessor's judgement: {}."),
        ]
        for state, sentence in groups:
            codes = self.codes_in(state)
            if codes:
                sentences.append(sentence.format(get_text_list(codes, "and")))
        return sentences

    @property
    def rejection_sentences(self):
        """'2.2 a: the assessor did not accept “Post room log” for this: <comment>'."""
        return [
            f"{code}: the assessor did not accept “{mapping.item.title}” for this"
            + (f": {mapping.comment}" if mapping.comment.strip() else ".")
            for code, mapping in self.rejections
        ]


def _structure(enrolment_ids, only_unit_ids):
    """Enrolled units (with whether a sign-off stands) and their criteria and parts: 2 queries."""
    standing = UnitSignOff.objects.filter(enrolled_unit=OuterRef("pk"), reopened_at__isnull=True)
    enrolled = EnrolmentUnit.objects.filter(enrolment_id__in=enrolment_ids)
    if only_unit_ids is not None:
        enrolled = enrolled.filter(unit_id__in=only_unit_ids)
    # In the enrolment's unit order, with each unit loaded for the pages that name it.
    enrolled = list(enrolled.annotate(signed_off=Exists(standing)).select_related("unit"))
    rows = (
        AssessmentCriterion.objects.filter(
            outcome__unit_id__in={enrolled_unit.unit_id for enrolled_unit in enrolled},
            outcome__unit__criteria_complete=True,
        )
        .order_by("outcome__number", "number", "parts__letter")
        .values_list(
            "outcome__unit_id",
            "pk",
            "outcome__number",
            "number",
            "text",
            "parts__id",
            "parts__letter",
            "parts__text",
        )
    )
    criteria = defaultdict(list)  # unit id -> [(criterion id, code, text, [(part id, ...)])]
    for unit_id, pk, outcome_number, number, text, part_id, letter, part_text in rows:
        code = f"{outcome_number}.{number}"
        if not criteria[unit_id] or criteria[unit_id][-1][0] != pk:
            criteria[unit_id].append((pk, code, text, []))
        if part_id is not None:
            criteria[unit_id][-1][3].append((part_id, f"{code} {letter}", part_text))
    return enrolled, criteria


def _mapping_facts(enrolment_ids, submitted_only):
    """{(enrolment id, criterion id, part id): [MappingFact]}, oldest activity first: 1 query."""
    mappings = EvidenceMapping.objects.filter(item__enrolment_id__in=enrolment_ids)
    if submitted_only:
        mappings = mappings.filter(ever_submitted("item"))
    rows = mappings.order_by("item__activity_date", "item_id").values_list(
        "item__enrolment_id",
        "criterion_id",
        "part_id",
        "item_id",
        submitted_title("item") if submitted_only else F("item__title"),
        "item__status",
        "item__activity_date",
        "decision",
        "decision_comment",
        "decided_by__first_name",
        "decided_by__last_name",
    )
    facts, items = defaultdict(list), {}
    for row in rows:
        enrolment_id, criterion_id, part_id, item_id, title, status, day = row[:7]
        decision, comment, first, last = row[7:]
        item = items.setdefault(item_id, MappedItem(item_id, title, status, day))
        facts[(enrolment_id, criterion_id, part_id)].append(
            MappingFact(item, decision, comment, f"{first or ''} {last or ''}".strip())
        )
    return facts


def _judgements(enrolment_ids):
    """{(enrolment id, criterion id, part id): outcome}: 1 query."""
    rows = (
        Judgement.objects.filter(enrolled_unit__enrolment_id__in=enrolment_ids)
        .order_by()
        .values_list("enrolled_unit__enrolment_id", "criterion_id", "part_id", "outcome")
    )
    return {(e, c, p): outcome for e, c, p, outcome in rows}


def states_for_enrolments(enrolment_ids, *, only_unit_ids=None, submitted_only=False):
    """{enrolment id: {unit id: UnitStates}}, each in the enrolment's unit order: four queries.

    `only_unit_ids` narrows to those units (an external quality assurer's grant) and
    `submitted_only` to evidence submitted at least once (what they read).
    """
    enrolment_ids = list(enrolment_ids)
    enrolled, criteria = _structure(enrolment_ids, only_unit_ids)
    facts = _mapping_facts(enrolment_ids, submitted_only)
    judgements = _judgements(enrolment_ids)
    found = defaultdict(dict)
    for enrolled_unit in enrolled:
        enrolment_id, unit_id = enrolled_unit.enrolment_id, enrolled_unit.unit_id
        signed_off = enrolled_unit.signed_off
        rows = []
        for criterion_id, code, text, parts in criteria.get(unit_id, []):
            part_states = []
            for part_id, part_code, part_text in parts:
                key = (enrolment_id, criterion_id, part_id)
                part = CriterionState(
                    criterion_id, part_id, part_code, part_text, mappings=facts.get(key, [])
                )
                part.judgement = judgements.get(key)
                part.state = _leaf_state(part.mappings, part.judgement, signed_off)
                part_states.append(part)
            key = (enrolment_id, criterion_id, None)
            row = CriterionState(
                criterion_id, None, code, text, mappings=facts.get(key, []), parts=part_states
            )
            row.judgement = judgements.get(key)
            if part_states:
                row.state = _whole_state(row, signed_off)
            else:
                row.state = _leaf_state(row.mappings, row.judgement, signed_off)
            rows.append(row)
        found[enrolment_id][unit_id] = UnitStates(enrolled_unit, signed_off, rows)
    return found


def portfolio_states(enrolment, *, only_unit_ids=None, submitted_only=False):
    """{unit id: UnitStates} for one enrolment, in its unit order: four queries."""
    return states_for_enrolments(
        [enrolment.pk], only_unit_ids=only_unit_ids, submitted_only=submitted_only
    ).get(enrolment.pk, {})
