"""Reads for the quality pages, shaped so each costs the same queries for 2 learners as 200."""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, Subquery, Sum
from django.utils import dateformat, timezone

from assessments.models import UnitSignOff
from assessments.selectors import method_labels
from people.access import eqa_condition, eqa_grant_scopes
from people.models import Enrolment, EnrolmentUnit, User
from people.versions import CACHE_SECONDS

from . import sampling
from .access import eqa_entry_condition, reviews_visible_to
from .models import (
    AssessorRisk,
    EqaGrant,
    QualityAction,
    SampleEntry,
    SampleReview,
    SamplingPlan,
    Verdict,
)


def plans_for_user(user):
    plans = SamplingPlan.objects.select_related("iqa", "qualification").annotate(
        entry_count=Count("entries", distinct=True),
        reviewed_count=Count("entries__review", distinct=True),
    )
    if user.is_centre_admin:
        return plans
    if user.is_external_verifier:
        in_scope = SampleEntry.objects.filter(eqa_entry_condition(user), plan=OuterRef("pk"))
        return plans.filter(Exists(in_scope))
    return plans.filter(iqa=user)


def _entries_query(plan, user):
    """The plan's entries with their learner, unit, assessor and review, in the order the
    sample table shows them; an EQA sees those inside their grant."""
    entries = (
        plan.entries.select_related(
            "enrolled_unit__unit",
            "enrolled_unit__enrolment__learner",
            "enrolled_unit__enrolment__assessor",
            "review",
        )
        .prefetch_related("criteria__outcome")
        .order_by(
            "planned_for",
            "enrolled_unit__enrolment__learner__last_name",
            "enrolled_unit__enrolment__learner__first_name",
            "pk",
        )
    )
    if user.is_external_verifier:
        entries = entries.filter(eqa_entry_condition(user))
    return entries


def entries_for_plan(plan, user):
    """The plan's entries with their learner, unit, assessor and review; an EQA sees those
    inside their grant."""
    return list(_entries_query(plan, user))


@dataclass
class PlanPage:
    plan: SamplingPlan
    entries: list
    coverage: sampling.Coverage
    suggestions: list


def plan_page(plan, user, *, today=None):
    """Everything the plan page shows: a fixed number of queries."""
    entries = entries_for_plan(plan, user)
    reach = sampling.plan_reach(plan)
    if user.is_external_verifier:
        # An EQA sees the coverage of what they were granted, not of the whole caseload.
        keep = {entry.enrolled_unit_id for entry in entries}
        reach = {pk: features for pk, features in reach.items() if pk in keep}
    triples = [(e.enrolled_unit_id, e.stage, _reviewed(e)) for e in entries]
    policy = sampling.sampling_policy()
    ratings = sampling.current_ratings({f.assessor.pk for f in reach.values()})
    suggestions = []
    if plan.iqa_id == user.pk:
        suggestions = sampling.suggest_sample(
            plan, reach, triples, policy=policy, ratings=ratings, today=today
        )
    return PlanPage(
        plan=plan,
        entries=entries,
        coverage=sampling.coverage(reach, triples, policy=policy, ratings=ratings),
        suggestions=suggestions,
    )


# The plan's screens show ten samples and ten suggestions at a time; the rest are a page away.
PLAN_PAGE_SIZE = 10
# Learners named in a gap or among those not yet sampled summatively; the rest are counted.
NAMES_SHOWN = 10


@dataclass(frozen=True)
class ShownSuggestion:
    """A suggested sample as the plan page shows it: small enough to cache by the thousand."""

    key: str
    learner_name: str
    unit_reference: str
    stage_label: str
    planned_for: object
    reasons: tuple


@dataclass
class PlanSummary:
    """What the plan page and the dashboard show of a plan's coverage and suggestion, built
    over every learner in its reach and cached until one of their portfolios changes."""

    coverage: sampling.Coverage  # its candidates kept only as counts and the first names
    candidates_total: int
    candidates_covered: int
    candidates_not_covered: list  # the first NAMES_SHOWN names
    gaps: list
    suggestions: list  # of ShownSuggestion

    @property
    def candidates_more(self):
        return self.candidates_total - self.candidates_covered - len(self.candidates_not_covered)


def _summary_gaps(coverage):
    """The coverage's gaps, with learners without a summative sample named up to NAMES_SHOWN."""
    gaps = coverage.gaps
    learner_gaps = [gap for gap in gaps if gap.endswith(" has no summative sample.")]
    if len(learner_gaps) <= NAMES_SHOWN:
        return gaps
    names = [gap.removesuffix(" has no summative sample.") for gap in learner_gaps]
    shown = ", ".join(names[:NAMES_SHOWN])
    sentence = (
        f"{len(names)} learners have no summative sample: {shown} and "
        f"{len(names) - NAMES_SHOWN} more."
    )
    others = [gap for gap in gaps if gap not in learner_gaps]
    first_learner_gap = gaps.index(learner_gaps[0])
    return others[:first_learner_gap] + [sentence] + others[first_learner_gap:]


def _plan_fingerprint(plan, user, triples, policy, today):
    """What a plan's summary depends on, in one string: the portfolios of the learners in its
    reach (their count and versions), its entries, the rates, the risk ratings and the day."""
    reach = Enrolment.objects.filter(qualification=plan.qualification, iqa=plan.iqa).aggregate(
        count=Count("pk"), versions=Sum("portfolio_version"), last=Max("pk")
    )
    ratings = AssessorRisk.objects.aggregate(count=Count("pk"), last=Max("pk"))
    viewer = user.pk if user.is_external_verifier or plan.iqa_id == user.pk else "reader"
    parts = (plan.pk, viewer, today, reach, sorted(triples), policy.pk, policy.updated_at, ratings)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def plan_summary(plan, user, *, today=None):
    """The plan's coverage and suggested sample, summarised for its screens: a fixed number of
    queries when cached, and cached until a learner's portfolio, the plan or the rates change.
    """
    today = today or timezone.localdate()
    triples = sampling.plan_entries(plan)
    if user.is_external_verifier:
        keep = set(
            plan.entries.filter(eqa_entry_condition(user)).values_list(
                "enrolled_unit_id", flat=True
            )
        )
        triples = [triple for triple in triples if triple[0] in keep]
    policy = sampling.sampling_policy()
    key = f"plan-summary:{_plan_fingerprint(plan, user, triples, policy, today)}"
    summary = cache.get(key)
    if summary is None:
        summary = _plan_summary(plan, user, triples, policy, today)
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def _plan_summary(plan, user, triples, policy, today):
    reach = sampling.plan_reach(plan)
    if user.is_external_verifier:
        # An EQA sees the coverage of what they were granted, not of the whole caseload.
        keep = {pk for pk, _, _ in triples}
        reach = {pk: features for pk, features in reach.items() if pk in keep}
    ratings = sampling.current_ratings({f.assessor.pk for f in reach.values()})
    coverage = sampling.coverage(reach, triples, policy=policy, ratings=ratings)
    suggestions = []
    if plan.iqa_id == user.pk:
        suggestions = [
            ShownSuggestion(
                key=suggestion.key,
                learner_name=suggestion.features.learner.display_name,
                unit_reference=suggestion.enrolled_unit.unit.display_reference,
                stage_label=suggestion.get_stage_display(),
                planned_for=suggestion.planned_for,
                reasons=tuple(suggestion.reasons),
            )
            for suggestion in sampling.suggest_sample(
                plan, reach, triples, policy=policy, ratings=ratings, today=today
            )
        ]
    not_covered = [tally.label for tally in coverage.candidates if not tally.covered]
    gaps = _summary_gaps(coverage)
    summary = PlanSummary(
        coverage=coverage,
        candidates_total=len(coverage.candidates),
        candidates_covered=len(coverage.candidates) - len(not_covered),
        candidates_not_covered=not_covered[:NAMES_SHOWN],
        gaps=gaps,
        suggestions=suggestions,
    )
    # Only counts of the learners are shown: the tallies of 1,000 learners are not kept.
    coverage.candidates = []
    return summary


def entries_page(plan, user, page):
    """One page of the plan's entries, with what the sample table shows of each."""
    return Paginator(_entries_query(plan, user), PLAN_PAGE_SIZE).get_page(page)


def _reviewed(entry):
    try:
        return entry.review is not None
    except SampleReview.DoesNotExist:
        return False


def actions_for(user, *, today=None):
    """Open actions the user set (as IQA) or must answer (as assessor), soonest due first."""
    today = today or timezone.localdate()
    actions = (
        QualityAction.objects.filter(Q(review__iqa=user) | Q(assessor=user))
        .exclude(status=QualityAction.Status.CLOSED)
        .select_related(
            "assessor",
            "review__iqa",
            "review__entry__enrolled_unit__unit",
            "review__entry__enrolled_unit__enrolment__learner",
        )
        .order_by("due_date", "pk")
    )
    actions = list(actions)
    for action in actions:
        action.is_overdue = action.due_date < today
    return actions


def risk_history(assessor_ids):
    """{assessor: [ratings, newest first]} for the assessors named: two queries."""
    people = User.objects.filter(pk__in=assessor_ids).prefetch_related(
        Prefetch(
            "risk_ratings",
            queryset=AssessorRisk.objects.select_related("set_by").order_by("-set_at", "-pk"),
        )
    )
    return {person: list(person.risk_ratings.all()) for person in people}


def assessors_of_iqa(user):
    """Assessors of the learners `user` quality-assures (all assessors for a centre admin)."""
    enrolments = (
        Enrolment.objects.all() if user.is_centre_admin else Enrolment.objects.filter(iqa=user)
    )
    return set(enrolments.values_list("assessor_id", flat=True))


def review_page(review):
    # The reopening of the unit, since the review, that let a sampled judgement change.
    reopening = (
        UnitSignOff.objects.filter(
            enrolled_unit=OuterRef("judgement__enrolled_unit"),
            reopened_at__gte=OuterRef("review__signed_at"),
            reopened_at__lte=OuterRef("judgement__judged_at"),
        )
        .order_by("-reopened_at")
        .values("reopened_at")[:1]
    )
    verdicts = list(
        review.verdicts.select_related(
            "judgement__criterion__outcome", "judgement__part", "judgement__judged_by"
        )
        .annotate(reopened_at=Subquery(reopening))
        .order_by(
            "judgement__criterion__outcome__number",
            "judgement__criterion__number",
            "judgement__part__letter",
        )
    )
    for verdict in verdicts:
        verdict.method_names = method_labels(verdict.judgement.methods)
        verdict.as_sampled = _as_sampled(verdict)
    actions = list(review.actions.select_related("closed_by").order_by("due_date", "pk"))
    today = timezone.localdate()
    for action in actions:
        action.is_overdue = action.status != QualityAction.Status.CLOSED and action.due_date < today
    return verdicts, actions


def _day(moment):
    return dateformat.format(timezone.localtime(moment), "j F Y")


def _as_sampled(verdict):
    """'Met in version 1, agreed; now Not yet met in version 2 after reopening on 3 December
    2026': the judgement as the IQA sampled it and, when it has changed since, as it is now."""
    sampled = f"{verdict.get_judgement_outcome_display()} in version {verdict.judgement_version}"
    judgement = verdict.judgement
    if judgement.version == verdict.judgement_version:
        return sampled
    if verdict.reopened_at is not None:
        since = f" after reopening on {_day(verdict.reopened_at)}"
    else:
        since = f", recorded on {_day(judgement.judged_at)}"
    return (
        f"{sampled}, {'agreed' if verdict.agreed else 'disagreed'}; "
        f"now {judgement.get_outcome_display()} in version {judgement.version}{since}"
    )


def reviews_for_report(plan, user):
    """Signed reviews of the plan, with what the IQA report shows of each."""
    return list(
        reviews_visible_to(user)
        .filter(entry__plan=plan)
        .select_related(
            "iqa",
            "assessor",
            "entry__enrolled_unit__unit",
            "entry__enrolled_unit__enrolment__learner",
        )
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related(
                    "judgement__criterion__outcome", "judgement__part"
                ).order_by(
                    "judgement__criterion__outcome__number",
                    "judgement__criterion__number",
                    "judgement__part__letter",
                ),
            ),
            Prefetch("actions", queryset=QualityAction.objects.order_by("due_date", "pk")),
        )
        .order_by("signed_at", "pk")
    )


@dataclass
class GrantCover:
    """One EQA grant in force and what it opens: learners with their units, and IQA plans."""

    grant: EqaGrant
    learners: list  # [(enrolment, [enrolled unit, ...])], by learner
    plans: list  # sampling plans with a sample of this grant's learners and units, in range


def grants_in_force(user):
    """The EQA's grants in force, each with what it covers, soonest ending first: four queries
    however many grants, learners and plans."""
    scopes = {scope.grant_id: scope for scope in eqa_grant_scopes(user)}
    if not scopes:
        return []
    grants = EqaGrant.objects.filter(pk__in=scopes).order_by("expires_at", "pk")
    enrolled_units = list(
        EnrolmentUnit.objects.filter(eqa_condition(user, enrolment="enrolment_id", unit="unit_id"))
        .select_related("unit", "enrolment__learner", "enrolment__qualification")
        .order_by(
            "enrolment__learner__last_name",
            "enrolment__learner__first_name",
            "enrolment_id",
            "unit__level",
            "unit__title",
        )
    )
    plans = {plan.pk: plan for plan in plans_for_user(user)}
    sampled = list(
        SampleEntry.objects.filter(eqa_entry_condition(user)).values_list(
            "plan_id", "enrolled_unit__enrolment_id", "enrolled_unit__unit_id"
        )
    )
    covers = []
    for grant in grants:
        scope = scopes[grant.pk]
        learners = {}
        for enrolled_unit in enrolled_units:
            if (enrolled_unit.enrolment_id, enrolled_unit.unit_id) in scope.pairs:
                learners.setdefault(enrolled_unit.enrolment, []).append(enrolled_unit)
        in_range = {
            plan_id
            for plan_id, enrolment_id, unit_id in sampled
            if (enrolment_id, unit_id) in scope.pairs
            and plans[plan_id].period_start <= scope.covers_to
            and plans[plan_id].period_end >= scope.covers_from
        }
        covers.append(
            GrantCover(
                grant=grant,
                learners=list(learners.items()),
                plans=[plan for plan in plans.values() if plan.pk in in_range],
            )
        )
    return covers
