"""The suggested sample: rates by assessor risk, every learner summatively, every method and
unit in use, each with its reason; and the plan's coverage."""

import datetime

import pytest
from django.core.management import call_command

from criteria.models import Qualification
from people.models import User
from quality import sampling
from quality.models import RiskRating, SamplingPolicy
from quality.services import (
    assessor_risk_set,
    plan_suggestion,
    sample_entry_drop,
    sampling_plan_create,
    sampling_policy_update,
    suggested_sample_accept,
)

from .factories import EnrolmentFactory, UserFactory
from .quality_factories import judged_unit, make_entry, make_plan

TODAY = datetime.date(2026, 11, 23)


def _coverage(plan):
    reach = sampling.plan_reach(plan)
    return sampling.coverage(
        reach,
        sampling.plan_entries(plan),
        policy=sampling.sampling_policy(),
        ratings=sampling.current_ratings({f.assessor.pk for f in reach.values()}),
    )


@pytest.fixture
def caseload(qualification, unit, erin, carol, dave):
    """Four learners of carol's and four of dave's, each with 1.1 and 2.1 judged; erin is the
    IQA of all eight."""
    learners = []
    for index in range(8):
        learner = UserFactory(username=f"learner{index}", last_name=f"L{index}")
        enrolment = EnrolmentFactory(
            learner=learner,
            assessor=carol if index < 4 else dave,
            iqa=erin,
            qualification=qualification,
            units=[unit],
        )
        judged_unit(enrolment, unit, method="observation" if index == 7 else "work_product")
        learners.append(enrolment)
    return learners


def _units_of(suggestions, assessor):
    return {s.features.pk for s in suggestions if s.features.assessor == assessor}


def test_it_samples_an_unrated_assessor_as_new_at_100_percent(caseload, erin, carol, qualification):
    plan = make_plan(erin, qualification)
    suggestions = plan_suggestion(plan, today=TODAY)
    assert len(_units_of(suggestions, carol)) == 4
    reasons = [r for s in suggestions for r in s.reasons if "Carol" in r]
    assert "Carol Carter has no risk rating yet, so counts as new: 100 % (4 of 4 units)" in reasons


def test_it_samples_at_the_rate_the_risk_rating_sets(caseload, erin, carol, dave, qualification):
    assessor_risk_set(assessor=carol, by=erin, rating=RiskRating.STANDARD)
    assessor_risk_set(assessor=dave, by=erin, rating=RiskRating.LOW)
    plan = make_plan(erin, qualification)
    suggestions = plan_suggestion(plan, today=TODAY)
    # 50 % of carol's four; 15 % of dave's four rounds up to one. Summative rules add more
    # units only as summative samples of learners not yet in the sample.
    rate_reasons = [r for s in suggestions for r in s.reasons if " %" in r]
    assert "Carol Carter is a standard assessor: 50 % (2 of 4 units)" in rate_reasons
    assert "Dave Dixon is a low risk assessor: 15 % (1 of 4 units)" in rate_reasons
    assert sum("Carol Carter is a standard" in r for r in rate_reasons) == 2
    assert sum("Dave Dixon is a low risk" in r for r in rate_reasons) == 1


def test_the_centre_sets_its_own_rates(caseload, erin, carol, frank, qualification):
    sampling_policy_update(by=frank, new_rate=75, standard_rate=40, low_rate=10)
    plan = make_plan(erin, qualification)
    reasons = [r for s in plan_suggestion(plan, today=TODAY) for r in s.reasons]
    assert "Carol Carter has no risk rating yet, so counts as new: 75 % (3 of 4 units)" in reasons


def test_rates_that_make_high_risk_sample_less_are_refused(frank):
    with pytest.raises(Exception, match="Higher risk must mean more sampling"):
        sampling_policy_update(by=frank, new_rate=10, standard_rate=50, low_rate=15)
    assert SamplingPolicy.objects.get_or_create(pk=1)[0].new_rate == 100


def test_every_learner_is_suggested_summatively_and_each_method_and_unit_is_covered(
    caseload, erin, carol, dave, qualification
):
    assessor_risk_set(assessor=carol, by=erin, rating=RiskRating.LOW)
    assessor_risk_set(assessor=dave, by=erin, rating=RiskRating.LOW)
    plan = make_plan(erin, qualification)
    suggestions = plan_suggestion(plan, today=TODAY)
    summative = {s.features.enrolment.pk for s in suggestions if s.stage == "summative"}
    assert summative == {enrolment.pk for enrolment in caseload}
    observation = [
        s for s in suggestions if "method observation of performance" in " ".join(s.reasons)
    ]
    # The only learner observed is learner7; their unit carries the method's reason.
    assert [s.features.learner.username for s in observation] == ["learner7"]


def test_accepting_the_suggestion_covers_everything(caseload, erin, qualification):
    plan = make_plan(erin, qualification)
    keys = [s.key for s in plan_suggestion(plan, today=TODAY)]
    suggested_sample_accept(plan=plan, by=erin, keys=keys, today=TODAY)
    coverage = _coverage(plan)
    assert coverage.gaps == []
    assert all(tally.covered for tally in coverage.assessors + coverage.methods + coverage.units)
    assert plan_suggestion(plan, today=TODAY) == []
    assert all(entry.reasons and entry.suggested for entry in plan.entries.all())


def test_dropping_an_entry_shows_as_a_gap_in_coverage(caseload, erin, carol, qualification):
    plan = make_plan(erin, qualification)
    suggested_sample_accept(
        plan=plan, by=erin, keys=[s.key for s in plan_suggestion(plan, today=TODAY)], today=TODAY
    )
    first = plan.entries.filter(enrolled_unit__enrolment__assessor=carol).first()
    for entry in plan.entries.filter(enrolled_unit=first.enrolled_unit):
        sample_entry_drop(entry=entry, by=erin)
    gaps = _coverage(plan).gaps
    learner = first.enrolled_unit.enrolment.learner.display_name
    assert gaps == [
        "Carol Carter: 3 of 4 units planned (100 %).",
        f"{learner} has no summative sample.",
    ]


def test_a_stale_suggestion_is_refused_and_nothing_is_added(caseload, erin, qualification):
    plan = make_plan(erin, qualification)
    with pytest.raises(Exception, match="suggestion has changed"):
        suggested_sample_accept(plan=plan, by=erin, keys=["999999-interim"], today=TODAY)
    assert plan.entries.count() == 0


def test_only_the_plans_iqa_accepts_its_suggestion(caseload, erin, frank, qualification):
    plan = make_plan(erin, qualification)
    keys = [s.key for s in plan_suggestion(plan, today=TODAY)]
    with pytest.raises(Exception, match="plan's own IQA"):
        suggested_sample_accept(plan=plan, by=frank, keys=keys, today=TODAY)


def test_an_iqa_cannot_plan_for_a_qualification_they_have_no_learners_on(erin):
    call_command("loaddata", "units", verbosity=0)
    other = Qualification.objects.exclude(enrolments__iqa=erin).first()
    with pytest.raises(Exception, match="not the IQA of any learner"):
        sampling_plan_create(
            iqa=erin,
            qualification=other,
            title="",
            period_start=datetime.date(2026, 9, 1),
            period_end=datetime.date(2026, 12, 1),
        )


def test_the_suggested_sample_covers_every_assessor_and_method_of_the_demo(db):
    call_command("loaddata", "units", verbosity=0)
    call_command("seed_demo", learners=6, verbosity=0)
    iqa = User.objects.get(username="iqa")
    qualification = Qualification.objects.get(enrolments__learner__username="learner")
    plan = sampling_plan_create(
        iqa=iqa,
        qualification=qualification,
        title="Test term",
        period_start=datetime.date(2027, 3, 1),
        period_end=datetime.date(2027, 5, 31),
    )
    reach = sampling.plan_reach(plan)
    methods_in_use = {m for f in reach.values() for m in f.methods}
    assessors = {f.assessor.pk for f in reach.values() if f.decisions}
    assert len(methods_in_use) >= 4 and assessors
    suggestions = plan_suggestion(plan, today=TODAY)
    suggested_sample_accept(plan=plan, by=iqa, keys=[s.key for s in suggestions], today=TODAY)
    coverage = _coverage(plan)
    assert {t.key for t in coverage.methods if t.covered} == methods_in_use
    assert {t.key for t in coverage.assessors if t.covered} == assessors
    assert all(t.covered for t in coverage.candidates)
    assert all(reason for s in suggestions for reason in s.reasons)


def test_an_iqa_adds_a_unit_with_their_reason(alice_enrolment, unit, erin, qualification):
    enrolled_unit = judged_unit(alice_enrolment, unit)
    plan = make_plan(erin, qualification)
    entry = make_entry(plan, enrolled_unit)
    assert entry.reasons == ["Picked by the IQA"] and not entry.suggested


@pytest.mark.parametrize("today", [TODAY, datetime.date(2026, 12, 28), datetime.date(2027, 2, 1)])
def test_no_suggested_date_falls_after_the_plan_ends(caseload, erin, qualification, today):
    # Every learner plans to finish in August 2027, long after this autumn plan ends.
    plan = make_plan(erin, qualification)
    suggestions = plan_suggestion(plan, today=today)
    assert {s.stage for s in suggestions} == {"interim", "summative"}
    dates = {s.planned_for for s in suggestions}
    assert all(plan.period_start <= day <= plan.period_end for day in dates), sorted(dates)
    # A unit not yet signed off is sampled summatively as late as the plan allows.
    assert {s.planned_for for s in suggestions if s.stage == "summative"} == {plan.period_end}
