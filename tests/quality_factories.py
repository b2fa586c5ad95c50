"""Helpers for quality assurance tests: judged units, plans, samples and signed reviews, all
made through the services."""

import datetime

from quality.models import SampleEntry
from quality.services import (
    judgements_sampled,
    sample_entry_add,
    sample_review_sign,
    sampling_plan_create,
)

from .test_judgements import criterion, enrolled, evidence_for, judge

AUTUMN_START = datetime.date(2026, 9, 1)
AUTUMN_END = datetime.date(2026, 12, 31)


def judged_unit(enrolment, unit, codes=("1.1", "2.1"), method="work_product"):
    """The enrolled unit with `codes` judged met on one accepted item of `method`."""
    enrolled_unit = enrolled(enrolment, unit)
    item = evidence_for(enrolment, [(criterion(unit, code), None) for code in codes])
    item.assessment_method = method
    item.save(update_fields=["assessment_method"])
    for code in codes:
        judge(enrolled_unit, criterion(unit, code), items=[item], methods=[method])
    return enrolled_unit


def make_plan(iqa, qualification, title="Autumn term"):
    return sampling_plan_create(
        iqa=iqa,
        qualification=qualification,
        title=title,
        period_start=AUTUMN_START,
        period_end=AUTUMN_END,
    )


def make_entry(plan, enrolled_unit, stage=SampleEntry.Stage.INTERIM):
    return sample_entry_add(
        plan=plan,
        enrolled_unit=enrolled_unit,
        by=plan.iqa,
        stage=stage,
        planned_for=datetime.date(2026, 12, 1),
        reason="Picked by the IQA",
    )


def sign_review(entry, *, disagree=(), actions=None, today=datetime.date(2026, 11, 23)):
    verdicts = {
        judgement.pk: (judgement.code not in disagree, "Not sufficient yet." if disagree else "")
        for judgement in judgements_sampled(entry)
    }
    if actions is None:
        actions = [("Look again at the evidence.", datetime.date(2026, 12, 7))] if disagree else []
    return sample_review_sign(
        entry=entry,
        by=entry.plan.iqa,
        verdicts=verdicts,
        feedback="Clear rationales.",
        actions=actions,
        declaration_confirmed=True,
        today=today,
    )
