"""Quality assurance demo data for seed_demo: risk ratings, a sampling plan with its suggested
sample accepted and three reviews (one disagreeing, with an action), an empty plan for next
term waiting for its sample, a standardisation meeting and an EQA grant. Made through the
services, idempotent."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from evidence.demo import complaints_log_pdf

from .models import (
    AssessorRisk,
    EqaGrant,
    RiskRating,
    SampleEntry,
    SamplingPlan,
    StandardisationRecord,
)
from .services import (
    assessor_risk_set,
    eqa_grant_create,
    judgements_sampled,
    plan_suggestion,
    sample_entry_add,
    sample_review_sign,
    sampling_plan_create,
    standardisation_record_create,
    suggested_sample_accept,
)

AUTUMN = "Autumn term 2026"
WINTER = "Winter term 2026-27"
MEETING = "Judging complaints logs against 5.1 and 5.2"
VISIT = "EQA visit, December 2026"


def _ratings(assessor, iqa, today):
    if AssessorRisk.objects.filter(assessor=assessor).exists():
        return 0
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9)))
    assessor_risk_set(
        assessor=assessor,
        by=iqa,
        rating=RiskRating.NEW,
        reason="Newly qualified (TAQA) in June 2026",
        at=start - datetime.timedelta(days=150),
    )
    assessor_risk_set(
        assessor=assessor,
        by=iqa,
        rating=RiskRating.STANDARD,
        reason="First term's samples sound: rationales name the evidence and the standard",
        at=start - datetime.timedelta(days=60),
    )
    return 1


def _review_all(entry, iqa, *, feedback, disagree=None, action=None, today):
    verdicts = {}
    for judgement in judgements_sampled(entry):
        if judgement.code == disagree:
            verdicts[judgement.pk] = (
                False,
                "The complaints log shows the complaint recorded, but not that it was "
                "resolved within the 4-hour standard: the evidence is not yet sufficient.",
            )
        else:
            verdicts[judgement.pk] = (True, "")
    sample_review_sign(
        entry=entry,
        by=iqa,
        verdicts=verdicts,
        feedback=feedback,
        actions=[action] if action else [],
        declaration_confirmed=True,
        today=today,
    )


def _autumn_plan(qualification, iqa, enrolments, today):
    if SamplingPlan.objects.filter(iqa=iqa, title=AUTUMN).exists():
        return 0
    plan = sampling_plan_create(
        iqa=iqa,
        qualification=qualification,
        title=AUTUMN,
        period_start=datetime.date(2026, 9, 1),
        period_end=max(datetime.date(2026, 12, 18), today),
    )
    keys = [suggestion.key for suggestion in plan_suggestion(plan, today=today)]
    suggested_sample_accept(plan=plan, by=iqa, keys=keys, today=today)
    tom, priya = enrolments.get("learner2"), enrolments.get("learner")
    entries = {
        (entry.enrolled_unit.enrolment_id, entry.stage): entry
        for entry in plan.entries.select_related("enrolled_unit")
    }
    if tom and (tom.pk, SampleEntry.Stage.SUMMATIVE) in entries:
        _review_all(
            entries[(tom.pk, SampleEntry.Stage.SUMMATIVE)],
            iqa,
            feedback=(
                "A well-evidenced unit. Rationales name the evidence and the standard it meets; "
                "VACSR recorded throughout. No actions."
            ),
            today=today,
        )
    if tom:
        # The IQA's own addition, after the standardisation meeting.
        entry = sample_entry_add(
            plan=plan,
            enrolled_unit=tom.enrolled_units.get(),
            by=iqa,
            stage=SampleEntry.Stage.INTERIM,
            planned_for=today,
            reason="Checks 5.1 and 5.2 against what the standardisation meeting agreed",
        )
        _review_all(
            entry,
            iqa,
            feedback="5.1 and 5.2 judged as the standardisation meeting agreed. No actions.",
            today=today,
        )
    if priya and (priya.pk, SampleEntry.Stage.INTERIM) in entries:
        _review_all(
            entries[(priya.pk, SampleEntry.Stage.INTERIM)],
            iqa,
            feedback=(
                "Good use of the learner's own records. One decision goes further than the "
                "evidence: see 5.1."
            ),
            disagree="5.1",
            action=(
                "Revisit 5.1 with Priya: ask for the resolution entry of the complaints log or a "
                "witness testimony, then judge it again.",
                today + datetime.timedelta(days=14),
            ),
            today=today,
        )
    return 1


def seed_demo_quality(people, enrolments, qualification, *, today):
    iqa, assessor, eqa, admin = people["iqa"], people["assessor"], people["eqa"], people["admin"]
    created = 0
    if not eqa.is_external_verifier:
        eqa.is_external_verifier = True
        eqa.save(update_fields=["is_external_verifier"])
    created += _ratings(assessor, iqa, today)
    created += _autumn_plan(qualification, iqa, enrolments, today)
    if not SamplingPlan.objects.filter(iqa=iqa, title=WINTER).exists():
        sampling_plan_create(
            iqa=iqa,
            qualification=qualification,
            title=WINTER,
            period_start=datetime.date(2026, 12, 1),
            period_end=datetime.date(2027, 2, 26),
        )
        created += 1
    if not StandardisationRecord.objects.filter(topic=MEETING).exists():
        minutes = ContentFile(complaints_log_pdf(), name="standardisation-minutes.pdf")
        standardisation_record_create(
            by=iqa,
            kind=StandardisationRecord.Kind.MEETING,
            held_on=today - datetime.timedelta(days=21),
            topic=MEETING,
            qualification=qualification,
            attendees=[assessor, iqa],
            other_attendees="Jo Brennan, lead IQA (visiting from the partner centre)",
            evidence_looked_at=(
                "Priya Shah's internal complaints log (October 2026) and two anonymised logs "
                "from last year's cohort, each against 5.1 and 5.2."
            ),
            outcomes=(
                "Agreed: a log meets 5.1 only when it shows the resolution and the time taken "
                "against the service standard; a recorded complaint alone does not."
            ),
            documents=[minutes],
        )
        created += 1
    if not EqaGrant.objects.filter(eqa=eqa, purpose=VISIT).exists() and enrolments:
        expires = timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=30), datetime.time(17))
        )
        eqa_grant_create(
            by=admin,
            eqa=eqa,
            enrolments=list(enrolments.values()),
            units=[eu.unit for eu in next(iter(enrolments.values())).enrolled_units.all()],
            covers_from=datetime.date(2026, 9, 1),
            covers_to=today + datetime.timedelta(days=30),
            expires_at=expires,
            purpose=VISIT,
        )
        created += 1
    return created
