"""Reads for the assessor's caseload and the action plan, shaped so that a caseload of 40
learners costs the same number of queries as a caseload of 2.

The red/amber/green rule is written once, in `rag_status`; the caseload page explains it with
`RAG_RULES`, which is built from the same thresholds.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.text import capfirst, get_text_list

from criteria.models import AssessmentCriterion, CriterionPart, Qualification
from evidence.models import EvidenceItem, EvidenceMapping
from evidence.services import criteria_open_to
from people.models import Enrolment, EnrolmentUnit

from .models import Feedback, Judgement, Target

WAITING_FOR_REVIEW = (EvidenceItem.Status.SUBMITTED, EvidenceItem.Status.IN_REVIEW)
# Learners on a break stay on the caseload (their evidence may still wait for review);
# completed and withdrawn learners leave it.
ON_CASELOAD = (Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK)

RED_WAIT_DAYS = 14  # red when an item has waited more than this many days for review
AMBER_WAIT_DAYS = 7
DUE_SOON_DAYS = 7  # amber when an open target is due within this many days
RED_IDLE_DAYS = 42  # red after this many days with no activity
AMBER_IDLE_DAYS = 21

RED, AMBER, GREEN = "red", "amber", "green"
RAG_LEVELS = [(RED, "Red"), (AMBER, "Amber"), (GREEN, "Green")]
RAG_RULES = [
    f"Red: an item has waited more than {RED_WAIT_DAYS} days for review, a target is overdue, "
    f"or there has been no activity for {RED_IDLE_DAYS} days or more.",
    f"Amber: an item has waited more than {AMBER_WAIT_DAYS} days for review, a target is due "
    f"within {DUE_SOON_DAYS} days, or there has been no activity for {AMBER_IDLE_DAYS} days "
    "or more.",
    "Green: none of these.",
    "Activity is the latest change to an item of evidence, a submission, feedback or a "
    "judgement; when there has been none yet, days are counted from the start of the enrolment.",
]


def days_text(days):
    return "1 day" if days == 1 else f"{days} days"


def waiting_text(days):
    """How long an item has waited for review, as the caseload says it: 'waiting 9 days'."""
    return "waiting since today" if days == 0 else f"waiting {days_text(days)}"


def due_text(due_date, today):
    """'Overdue by 3 days', 'Due today', 'Due tomorrow' or 'Due in 5 days'."""
    days = (due_date - today).days
    if days < 0:
        return f"Overdue by {days_text(-days)}"
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    return f"Due in {days_text(days)}"


# Red, amber, green -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rag:
    level: str
    reason: str

    @property
    def label(self):
        return dict(RAG_LEVELS)[self.level]


def rag_status(*, today, oldest_waiting_since=None, target_due_dates=(), last_activity=None):
    """Red, amber or green for one learner, with the reason in words.

    All arguments are UK dates: `oldest_waiting_since` is the day the longest-waiting item was
    submitted (None when nothing waits), `target_due_dates` the due dates of open targets, and
    `last_activity` the day of the latest activity (or the start of the enrolment).
    """
    waited = (today - oldest_waiting_since).days if oldest_waiting_since else None
    idle = (today - last_activity).days if last_activity else None
    overdue = sum(due < today for due in target_due_dates)
    due_soon = sum(0 <= (due - today).days <= DUE_SOON_DAYS for due in target_due_dates)

    red = []
    if waited is not None and waited > RED_WAIT_DAYS:
        red.append(f"an item has waited {days_text(waited)} for review")
    if overdue:
        red.append("1 target is overdue" if overdue == 1 else f"{overdue} targets are overdue")
    if idle is not None and idle >= RED_IDLE_DAYS:
        red.append(f"no activity for {days_text(idle)}")
    if red:
        return Rag(RED, _sentence(red))

    amber = []
    if waited is not None and waited > AMBER_WAIT_DAYS:
        amber.append(f"an item has waited {days_text(waited)} for review")
    if due_soon:
        amber.append(
            f"1 target is due within {DUE_SOON_DAYS} days"
            if due_soon == 1
            else f"{due_soon} targets are due within {DUE_SOON_DAYS} days"
        )
    if idle is not None and idle >= AMBER_IDLE_DAYS:
        amber.append(f"no activity for {days_text(idle)}")
    if amber:
        return Rag(AMBER, _sentence(amber))

    return Rag(
        GREEN,
        f"Nothing has waited more than {AMBER_WAIT_DAYS} days for review, no target is overdue "
        f"or due within {DUE_SOON_DAYS} days, and there was activity less than "
        f"{AMBER_IDLE_DAYS} days ago.",
    )


def _sentence(reasons):
    return capfirst(get_text_list(reasons, "and")) + "."


# The caseload ------------------------------------------------------------------------------


@dataclass
class UnitProgress:
    unit: object
    total: int
    with_evidence: int
    met: int


@dataclass
class CaseloadRow:
    enrolment: Enrolment
    units: list[UnitProgress]
    waiting: list[EvidenceItem]  # oldest first; each has days_waiting and waiting_text
    overdue_targets: int
    last_activity: datetime.datetime | None
    rag: Rag


@dataclass
class Caseload:
    rows: list[CaseloadRow] = field(default_factory=list)
    assesses_anyone: bool = False

    @property
    def waiting(self):
        """Items waiting for review across the rows shown, oldest first."""
        items = [item for row in self.rows for item in row.waiting]
        return sorted(items, key=lambda item: (item.waiting_from, item.pk))


def caseload_qualifications(assessor):
    """Qualifications of the learners `assessor` assesses: the caseload's filter offers these."""
    on_caseload = Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD)
    return Qualification.objects.filter(pk__in=on_caseload.values("qualification"))


def _latest(model, enrolment_path, field_name):
    """The latest `field_name` of `model` rows on the outer enrolment, as a subquery."""
    rows = model.objects.filter(
        **{enrolment_path: OuterRef("pk"), f"{field_name}__isnull": False}
    ).order_by(f"-{field_name}")
    return Subquery(rows.values(field_name)[:1])


def _enrolments(assessor, qualification):
    enrolments = (
        Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD)
        .select_related("learner", "qualification")
        .prefetch_related(
            Prefetch("enrolled_units", queryset=EnrolmentUnit.objects.select_related("unit"))
        )
        .annotate(
            last_item_change=_latest(EvidenceItem, "enrolment", "updated_at"),
            last_submission=_latest(EvidenceItem, "enrolment", "submitted_at"),
            last_feedback=_latest(Feedback, "item__enrolment", "created_at"),
            last_judgement=_latest(Judgement, "enrolled_unit__enrolment", "judged_at"),
        )
    )
    if qualification is not None:
        enrolments = enrolments.filter(qualification=qualification)
    return list(enrolments)


def _criteria_by_unit(unit_ids):
    """{unit id: {criterion id: [part ids]}} for units whose criteria are loaded: one query."""
    rows = (
        AssessmentCriterion.objects.filter(
            outcome__unit__in=unit_ids, outcome__unit__criteria_complete=True
        )
        .order_by()
        .values_list("outcome__unit_id", "pk", "parts__id")
    )
    criteria = defaultdict(dict)
    for unit_id, criterion_id, part_id in rows:
        parts = criteria[unit_id].setdefault(criterion_id, [])
        if part_id is not None:
            parts.append(part_id)
    return criteria


def _ids_by_enrolment(rows):
    """{enrolment id: (criterion ids, part ids)} from (enrolment, criterion, part) rows."""
    found = defaultdict(lambda: (set(), set()))
    for enrolment_id, criterion_id, part_id in rows:
        criteria, parts = found[enrolment_id]
        if part_id is None:
            criteria.add(criterion_id)
        else:
            parts.add(part_id)
    return found


def _count_evidenced(criteria, criterion_ids, part_ids):
    # As on the progress page: a criterion with parts has evidence once every part has.
    return sum(
        all(part in part_ids for part in parts) if parts else criterion in criterion_ids
        for criterion, parts in criteria.items()
    )


def _count_met(criteria, criterion_ids, part_ids):
    # As on the progress page: a criterion is met by its own judgement, which a criterion with
    # parts can have only once every part is met.
    return sum(criterion in criterion_ids for criterion in criteria)


def _waiting_items(enrolments_by_id, today):
    """Items waiting for review on these enrolments, oldest first: one query.

    The assessor's own records are left out: they are accepted as they are written, and wait
    only for the learner's acknowledgement, not for review.
    """
    items = (
        EvidenceItem.objects.filter(
            enrolment__in=list(enrolments_by_id),
            status__in=WAITING_FOR_REVIEW,
            is_assessor_record=False,
        )
        .only("pk", "title", "status", "submitted_at", "updated_at", "enrolment_id")
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
    )
    waiting = defaultdict(list)
    for item in items:
        item.enrolment = enrolments_by_id[item.enrolment_id]
        item.waiting_from = item.submitted_at or item.updated_at
        item.waiting_since = timezone.localdate(item.waiting_from)
        item.days_waiting = (today - item.waiting_since).days
        item.waiting_text = waiting_text(item.days_waiting)
        waiting[item.enrolment_id].append(item)
    return waiting


def _last_activity(enrolment):
    moments = [
        enrolment.last_item_change,
        enrolment.last_submission,
        enrolment.last_feedback,
        enrolment.last_judgement,
    ]
    return max((moment for moment in moments if moment is not None), default=None)


def caseload_for(assessor, *, qualification=None, status=""):
    """The learners `assessor` assesses, with progress, waiting items, targets and status.

    Seven queries whatever the size of the caseload. `status` narrows the rows to one RAG
    level; `qualification` to one qualification.
    """
    today = timezone.localdate()
    enrolments = _enrolments(assessor, qualification)
    caseload = Caseload(
        assesses_anyone=bool(enrolments)
        or Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD).exists()
    )
    if not enrolments:
        return caseload
    by_id = {enrolment.pk: enrolment for enrolment in enrolments}
    unit_ids = {eu.unit_id for enrolment in enrolments for eu in enrolment.enrolled_units.all()}
    criteria = _criteria_by_unit(unit_ids)
    evidenced = _ids_by_enrolment(
        EvidenceMapping.objects.filter(item__enrolment__in=list(by_id))
        .order_by()
        .values_list("item__enrolment_id", "criterion_id", "part_id")
        .distinct()
    )
    met = _ids_by_enrolment(
        Judgement.objects.filter(
            enrolled_unit__enrolment__in=list(by_id), outcome=Judgement.Outcome.MET
        )
        .order_by()
        .values_list("enrolled_unit__enrolment_id", "criterion_id", "part_id")
    )
    waiting = _waiting_items(by_id, today)
    due_dates = defaultdict(list)
    open_targets = Target.objects.filter(enrolment__in=list(by_id), status=Target.Status.OPEN)
    for enrolment_id, due_date in open_targets.order_by().values_list("enrolment_id", "due_date"):
        due_dates[enrolment_id].append(due_date)

    for enrolment in enrolments:
        units = []
        for enrolled_unit in enrolment.enrolled_units.all():
            unit_criteria = criteria.get(enrolled_unit.unit_id, {})
            units.append(
                UnitProgress(
                    unit=enrolled_unit.unit,
                    total=len(unit_criteria),
                    with_evidence=_count_evidenced(unit_criteria, *evidenced[enrolment.pk]),
                    met=_count_met(unit_criteria, *met[enrolment.pk]),
                )
            )
        last_activity = _last_activity(enrolment)
        oldest = waiting[enrolment.pk][0] if waiting[enrolment.pk] else None
        rag = rag_status(
            today=today,
            oldest_waiting_since=oldest.waiting_since if oldest else None,
            target_due_dates=due_dates[enrolment.pk],
            last_activity=(
                timezone.localdate(last_activity) if last_activity else enrolment.start_date
            ),
        )
        if status and rag.level != status:
            continue
        caseload.rows.append(
            CaseloadRow(
                enrolment=enrolment,
                units=units,
                waiting=waiting[enrolment.pk],
                overdue_targets=sum(due < today for due in due_dates[enrolment.pk]),
                last_activity=last_activity,
                rag=rag,
            )
        )
    return caseload


# The action plan ---------------------------------------------------------------------------


def _code_order(code):
    numbers, _, letter = code.partition(" ")
    outcome, _, number = numbers.partition(".")
    return int(outcome), int(number), letter


def targets_for_enrolment(enrolment):
    """The enrolment's targets, soonest due first, each with `codes` (the criteria and parts it
    is against, in numeric order) and, while open, `due_text` and `is_overdue`: four queries."""
    today = timezone.localdate()
    targets = list(
        Target.objects.filter(enrolment=enrolment)
        .select_related("set_by", "closed_by")
        .prefetch_related(
            Prefetch("criteria", queryset=AssessmentCriterion.objects.select_related("outcome")),
            Prefetch("parts", queryset=CriterionPart.objects.select_related("criterion__outcome")),
        )
    )
    for target in targets:
        codes = [c.code for c in target.criteria.all()] + [p.code for p in target.parts.all()]
        target.codes = sorted(codes, key=_code_order)
        target.is_open = target.status == Target.Status.OPEN
        target.is_overdue = target.is_open and target.due_date < today
        target.due_text = due_text(target.due_date, today) if target.is_open else ""
    return targets


def criteria_choices(enrolment):
    """The criteria and parts of an enrolment's units as grouped checkbox choices.

    Returns (choices, lookup): choices grouped by unit and outcome, keyed 'c<pk>' for a
    criterion without parts and 'p<pk>' for a part (a criterion with parts offers its parts),
    and lookup from each key to (criterion, part or None). Two queries.
    """
    criteria = (
        criteria_open_to(enrolment)
        .select_related("outcome__unit")
        .prefetch_related(Prefetch("parts", queryset=CriterionPart.objects.order_by("letter")))
        .order_by("outcome__unit__level", "outcome__unit__title", "outcome__number", "number")
    )
    groups, lookup = {}, {}
    for criterion in criteria:
        outcome = criterion.outcome
        unit = outcome.unit.reference or outcome.unit.title
        options = groups.setdefault(f"{unit}, outcome {outcome.number}: {outcome.text}", [])
        parts = list(criterion.parts.all())
        for part in parts:
            key = f"p{part.pk}"
            options.append((key, f"{criterion.code} {part.letter} {part.text}"))
            lookup[key] = (criterion, part)
        if not parts:
            key = f"c{criterion.pk}"
            options.append((key, f"{criterion.code} {criterion.text}"))
            lookup[key] = (criterion, None)
    return list(groups.items()), lookup
