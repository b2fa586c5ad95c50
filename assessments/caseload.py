"""Reads for the assessor's caseload and the action plan, shaped so that a caseload of 40
learners costs the same number of queries as a caseload of 2.

The red/amber/green rule is written once, in `rag_status`; the caseload page explains it with
`RAG_RULES`, which is built from the same thresholds.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.text import capfirst, get_text_list

from criteria.models import AssessmentCriterion, CriterionPart, Qualification
from evidence.models import EvidenceItem
from evidence.services import criteria_open_to
from people.models import Enrolment, EnrolmentUnit
from people.selectors import name_matches
from people.versions import CACHE_SECONDS

from .criterion_state import states_for_enrolments
from .models import Feedback, Judgement, Target, TargetReopening

WAITING_FOR_REVIEW = (EvidenceItem.Status.SUBMITTED, EvidenceItem.Status.IN_REVIEW)
# Learners on a break stay on the caseload (their evidence may still wait for review);
# completed and withdrawn learners leave it.
ON_CASELOAD = (Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK)

RED_WAIT_DAYS = 14  # red when an item has waited more than this many days for review
AMBER_WAIT_DAYS = 7
DUE_SOON_DAYS = 7  # amber when an open target is due within this many days
RED_IDLE_DAYS = 42  # red after this many days with no activity
AMBER_IDLE_DAYS = 21

# A page of learners and a page of the review queue: what an assessor acts on next. Filters
# (status, qualification, name) find the rest, so a page never grows with the caseload.
CASELOAD_PAGE_SIZE = 10
WAITING_PAGE_SIZE = 10

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
    waiting_count: int
    oldest_waiting_text: str
    overdue_targets: int
    last_activity: datetime.datetime | None
    rag: Rag


@dataclass
class Caseload:
    """One page of the caseload, the counts by status, and one page of the review queue."""

    rows: list[CaseloadRow] = field(default_factory=list)
    assesses_anyone: bool = False
    page: object = None  # the Paginator page of learners
    waiting_page: object = None  # the Paginator page of items waiting for review
    counts: dict = field(default_factory=dict)  # {"red": 3, "amber": 10, "green": 40}

    @property
    def waiting(self):
        """Items waiting for review on this page of the queue, oldest first."""
        return list(self.waiting_page.object_list) if self.waiting_page else []

    @property
    def total(self):
        return sum(self.counts.values())


def caseload_qualifications(assessor):
    """Qualifications of the learners `assessor` assesses: the caseload's filter offers these."""
    on_caseload = Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD)
    return Qualification.objects.filter(pk__in=on_caseload.values("qualification"))


def _latest(rows, field_name):
    """The latest `field_name` of `rows` (already narrowed to the outer enrolment), as a
    subquery that an index on the rows' (parent, field) answers with one probe."""
    rows = rows.filter(**{f"{field_name}__isnull": False}).order_by(f"-{field_name}")
    return Subquery(rows.values(field_name)[:1])


def _waiting_items():
    """Items waiting for the assessor's review. Their own records are left out: those are
    accepted as they are written and wait only for the learner's acknowledgement."""
    return EvidenceItem.objects.filter(
        status__in=WAITING_FOR_REVIEW, is_assessor_record=False
    ).annotate(waiting_from=Coalesce("submitted_at", "updated_at"))


# Moments compared with GREATEST: a stand-in for "none" that SQLite and PostgreSQL agree on.
NEVER = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class CaseloadFacts:
    """What the red/amber/green rule reads of one learner: cached by portfolio version."""

    oldest_waiting: datetime.datetime | None
    waiting_count: int
    last_activity: datetime.datetime | None
    start_date: datetime.date
    due_dates: tuple  # of open targets

    def rag(self, today):
        return rag_status(
            today=today,
            oldest_waiting_since=(
                timezone.localdate(self.oldest_waiting) if self.oldest_waiting else None
            ),
            target_due_dates=self.due_dates,
            last_activity=(
                timezone.localdate(self.last_activity) if self.last_activity else self.start_date
            ),
        )


def _facts(enrolment_ids):
    """{enrolment id: CaseloadFacts} read from the records: two queries for any number."""
    items = EvidenceItem.objects.filter(enrolment=OuterRef("pk"))
    feedback = Feedback.objects.filter(
        item__in=EvidenceItem.objects.filter(enrolment=OuterRef(OuterRef("pk")))
    )
    judgements = Judgement.objects.filter(
        enrolled_unit__in=EnrolmentUnit.objects.filter(enrolment=OuterRef(OuterRef("pk")))
    )
    waiting = _waiting_items().filter(enrolment=OuterRef("pk"))
    counted = waiting.order_by().values("enrolment").annotate(n=Count("pk")).values("n")
    latest = [
        _latest(items, "updated_at"),
        _latest(items, "submitted_at"),
        _latest(feedback, "created_at"),
        _latest(judgements, "judged_at"),
    ]
    rows = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .annotate(
            oldest_waiting=Subquery(waiting.order_by("waiting_from").values("waiting_from")[:1]),
            waiting_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
            # GREATEST is NULL on SQLite when any part is: each part stands in NEVER for none.
            last_activity=Greatest(*(Coalesce(moment, Value(NEVER)) for moment in latest)),
        )
        .order_by()
        .values_list("pk", "oldest_waiting", "waiting_count", "last_activity", "start_date")
    )
    due_dates = defaultdict(list)
    open_targets = Target.objects.filter(enrolment__in=enrolment_ids, status=Target.Status.OPEN)
    for enrolment_id, due_date in open_targets.order_by().values_list("enrolment_id", "due_date"):
        due_dates[enrolment_id].append(due_date)
    return {
        pk: CaseloadFacts(
            oldest_waiting=oldest,
            waiting_count=count,
            last_activity=last if last and last > NEVER else None,
            start_date=start,
            due_dates=tuple(sorted(due_dates[pk])),
        )
        for pk, oldest, count, last, start in rows
    }


def caseload_facts(versions, today):
    """{enrolment id: (CaseloadFacts, Rag)} for {enrolment id: portfolio version}, from the
    cache where it holds them at that version and day, else read and cached: at most two
    queries."""
    keys = {f"caseload-facts:{pk}:v{version}:{today}": pk for pk, version in versions.items()}
    found = cache.get_many(list(keys))
    facts = {keys[key]: value for key, value in found.items()}
    missing = [pk for pk in versions if pk not in facts]
    if missing:
        fresh = {pk: (value, value.rag(today)) for pk, value in _facts(missing).items()}
        cache.set_many(
            {f"caseload-facts:{pk}:v{versions[pk]}:{today}": value for pk, value in fresh.items()},
            CACHE_SECONDS,
        )
        facts.update(fresh)
    return facts


def caseload_levels(assessor, versions, today):
    """{enrolment id: "red", "amber" or "green"} for every learner in `versions`: one cache
    read when no portfolio has changed since it was last worked out today."""
    digest = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()
    key = f"caseload-levels:{assessor.pk}:{today}:{digest}"
    levels = cache.get(key)
    if levels is None:
        levels = {pk: rag.level for pk, (_, rag) in caseload_facts(versions, today).items()}
        cache.set(key, levels, CACHE_SECONDS)
    return levels


def _unit_progress(enrolments):
    """{enrolment id: [UnitProgress]} for these few enrolments, counted from the one truth
    about each criterion (assessments.criterion_state), as the progress page counts: four
    queries."""
    ids = [enrolment.pk for enrolment in enrolments]
    states = states_for_enrolments(ids)
    progress = {pk: [] for pk in ids}
    for enrolment_id in ids:
        for unit_states in states.get(enrolment_id, {}).values():
            progress[enrolment_id].append(
                UnitProgress(
                    unit=unit_states.unit,
                    total=unit_states.total,
                    with_evidence=unit_states.with_evidence,
                    met=unit_states.met,
                )
            )
    return progress


def _with_waiting_words(item, today):
    item.waiting_since = timezone.localdate(item.waiting_from)
    item.days_waiting = (today - item.waiting_since).days
    item.waiting_text = waiting_text(item.days_waiting)
    return item


def caseload_for(
    assessor, *, qualification=None, status="", query="", page=1, waiting_page=1, today=None
):
    """One page of the learners `assessor` assesses, with progress, waiting items, targets
    and status; the counts by status; and one page of the items waiting for review.

    The same number of queries whatever the size of the caseload. Each learner's status is
    worked out from facts cached by their portfolio's version (read again only for learners
    whose portfolio changed), then the rule is applied to every learner to count and page by
    it. `status` narrows the rows to one level, `qualification` to one qualification and
    `query` to learners whose names match; the review queue follows the same filters.
    """
    today = today or timezone.localdate()
    enrolments = Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD)
    if qualification is not None:
        enrolments = enrolments.filter(qualification=qualification)
    if query:
        enrolments = enrolments.filter(name_matches("learner__", query))
    versions = dict(enrolments.values_list("pk", "portfolio_version"))  # in name order
    levels = caseload_levels(assessor, versions, today)
    counts = {level: 0 for level, _ in RAG_LEVELS}
    for level in levels.values():
        counts[level] += 1
    caseload = Caseload(counts=counts)
    caseload.assesses_anyone = bool(versions) or (
        Enrolment.objects.filter(assessor=assessor, status__in=ON_CASELOAD).exists()
    )
    chosen = [pk for pk in versions if not status or levels[pk] == status]
    caseload.page = Paginator(chosen, CASELOAD_PAGE_SIZE).get_page(page)
    shown = Enrolment.objects.filter(pk__in=list(caseload.page.object_list)).select_related(
        "learner", "qualification"
    )
    shown = sorted(shown, key=lambda enrolment: chosen.index(enrolment.pk))
    progress = _unit_progress(shown)
    facts = caseload_facts({e.pk: versions[e.pk] for e in shown}, today)
    for enrolment in shown:
        row_facts, rag = facts[enrolment.pk]
        oldest = row_facts.oldest_waiting
        caseload.rows.append(
            CaseloadRow(
                enrolment=enrolment,
                units=progress[enrolment.pk],
                waiting_count=row_facts.waiting_count,
                oldest_waiting_text=(
                    waiting_text((today - timezone.localdate(oldest)).days) if oldest else ""
                ),
                overdue_targets=sum(due < today for due in row_facts.due_dates),
                last_activity=row_facts.last_activity,
                rag=rag,
            )
        )

    waiting = (
        _waiting_items()
        .filter(enrolment__in=chosen if status else enrolments.values("pk"))
        .select_related("enrolment__learner")
        .only(
            "pk",
            "title",
            "status",
            "submitted_at",
            "updated_at",
            "enrolment__learner__first_name",
            "enrolment__learner__last_name",
            "enrolment__learner__username",
        )
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
    )
    caseload.waiting_page = Paginator(waiting, WAITING_PAGE_SIZE).get_page(waiting_page)
    for item in caseload.waiting_page.object_list:
        _with_waiting_words(item, today)
    return caseload


# The action plan ---------------------------------------------------------------------------


def _code_order(code):
    numbers, _, letter = code.partition(" ")
    outcome, _, number = numbers.partition(".")
    return int(outcome), int(number), letter


def targets_for_enrolment(enrolment):
    """The enrolment's targets, soonest due first, each with `codes` (the criteria and parts it
    is against, in numeric order) and, while open, `due_text` and `is_overdue`; with each
    reopening: five queries."""
    today = timezone.localdate()
    targets = list(
        Target.objects.filter(enrolment=enrolment)
        .select_related("set_by", "closed_by")
        .prefetch_related(
            Prefetch("criteria", queryset=AssessmentCriterion.objects.select_related("outcome")),
            Prefetch("parts", queryset=CriterionPart.objects.select_related("criterion__outcome")),
            Prefetch(
                "reopenings",
                queryset=TargetReopening.objects.select_related("reopened_by", "was_closed_by"),
            ),
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
