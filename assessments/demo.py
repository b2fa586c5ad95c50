"""Assessment demo data for seed_demo: reviews, feedback, judgements, the assessor's own
records, targets, and one unit signed off and countersigned, all made through the services."""

import datetime

from criteria.models import AssessmentCriterion
from evidence.models import AssessmentMethod, EvidenceItem, EvidenceMapping

from .judgements import judgement_record
from .models import Judgement
from .records import assessor_record_acknowledge, assessor_record_create
from .review import feedback_add, item_accept, item_send_back, mappings_decide
from .signoff import unit_countersign, unit_sign_off
from .targets import target_set

ALL_CHECKS = dict.fromkeys(["valid", "authentic", "current", "sufficient", "reliable"], True)


def _item(enrolment, title):
    return enrolment.evidence_items.filter(title=title).first()


def _accept(item, assessor, comment=""):
    if item is None or item.status == EvidenceItem.Status.ACCEPTED:
        return
    mappings = list(item.mappings.select_related("criterion", "part"))
    mappings_decide(
        item=item,
        by=assessor,
        decisions=[(m, EvidenceMapping.Decision.ACCEPTED, "") for m in mappings],
    )
    item_accept(item=item, by=assessor, comment=comment)


def _judge_met_from_accepted(enrolled_unit, assessor, codes=None):
    """Judge MET every criterion and part (or those in `codes`) that accepted evidence shows."""
    enrolment = enrolled_unit.enrolment
    accepted = EvidenceMapping.objects.filter(
        item__enrolment=enrolment, decision=EvidenceMapping.Decision.ACCEPTED
    ).select_related("item", "criterion__outcome", "part")
    relied = {}
    for mapping in accepted:
        relied.setdefault((mapping.criterion, mapping.part), []).append(mapping.item)
    # Parts first: a criterion with parts can be met only once each part is.
    for (criterion, part), items in sorted(relied.items(), key=lambda kv: kv[0][1] is None):
        code = part.code if part else criterion.code
        if codes is not None and code not in codes:
            continue
        _met(enrolled_unit, assessor, criterion, part, items)
    for criterion in AssessmentCriterion.objects.filter(
        outcome__unit=enrolled_unit.unit, parts__isnull=False
    ).distinct():
        part_items = [i for (c, p), items in relied.items() if c == criterion and p for i in items]
        if part_items and (codes is None or criterion.code in codes):
            _met(enrolled_unit, assessor, criterion, None, list(dict.fromkeys(part_items)))


def _met(enrolled_unit, assessor, criterion, part, items):
    methods = sorted({item.assessment_method for item in items})
    judgement_record(
        enrolled_unit=enrolled_unit,
        by=assessor,
        criterion=criterion,
        part=part,
        outcome=Judgement.Outcome.MET,
        rationale="The evidence relied on shows this clearly, in real work, to the standard set.",
        methods=methods or [AssessmentMethod.WORK_PRODUCT],
        evidence=[(item, ALL_CHECKS) for item in items],
    )


def _criteria(unit, codes):
    criteria = {
        c.code: c
        for c in AssessmentCriterion.objects.filter(outcome__unit=unit)
        .select_related("outcome")
        .prefetch_related("parts")
    }
    targets = []
    for code in codes:
        head, _, letter = code.partition(" ")
        criterion = criteria[head]
        part = criterion.parts.get(letter=letter) if letter else None
        targets.append((criterion, part))
    return targets


def seed_priya(enrolment, *, today):
    """A portfolio mid-way: some items accepted and judged, some waiting, one sent back."""
    assessor, learner = enrolment.assessor, enrolment.learner
    enrolled_unit = enrolment.enrolled_units.select_related("unit", "enrolment").get()
    if Judgement.objects.filter(enrolled_unit=enrolled_unit).exists():
        return 0
    log = _item(enrolment, "Post room complaints log, October 2026")
    survey = _item(enrolment, "Internal customer feedback survey, autumn 2026")
    witness = _item(enrolment, "Witness testimony from the office manager")
    star = _item(enrolment, "Month-end invoice scanning for Finance")
    _accept(log, assessor, "A clear log: every complaint dated, timed and followed up.")
    _accept(survey, assessor, "Good use of a chart to compare departments.")
    feedback_add(
        item=star,
        by=assessor,
        text="A strong account. Can you add how Finance told you they were satisfied (8.3)?",
    )
    feedback_add(
        item=star, by=learner, text="Yes: the finance manager emailed me; I will attach it."
    )
    item_send_back(
        item=witness,
        by=assessor,
        text="Ask Janet to date and sign the statement and to say which weeks she observed.",
    )
    observation = assessor_record_create(
        enrolment=enrolment,
        by=assessor,
        kind="observation",
        title="Observation: the morning post round",
        activity_date=today - datetime.timedelta(days=8),
        typed_content={
            "place": "Post room and 2nd floor, head office",
            "activities": "Priya sorted the morning post, delivered it to four departments "
            "within the 10:00 standard, and checked with HR that payroll post had arrived.",
            "criteria_covered": "7.1, 8.1, 8.2, 8.3",
            "notes": "Confident and courteous with every colleague.",
        },
        targets=_criteria(enrolment.enrolled_units.get().unit, ["7.1", "8.1", "8.2", "8.3"]),
    )
    assessor_record_acknowledge(item=observation, by=learner, comment="Thank you.")
    assessor_record_create(
        enrolment=enrolment,
        by=assessor,
        kind="professional_discussion",
        title="Professional discussion: products, services and monitoring",
        activity_date=today - datetime.timedelta(days=6),
        typed_content={
            "questions": "What does the post room offer colleagues? How do you know they are "
            "satisfied, and why does that matter?",
            "answers": "Priya listed post, parcels, couriers and scanning, and explained the "
            "survey and the complaints log as ways of monitoring satisfaction.",
            "summary": "Priya explained both clearly with examples from her own work.",
        },
        targets=_criteria(enrolment.enrolled_units.get().unit, ["2.1", "6.1"]),
    )
    _judge_met_from_accepted(
        enrolled_unit,
        assessor,
        codes={"2.1", "5.1", "6.1", "6.2", "7.1", "7.4", "8.1", "8.2", "9.1 a", "10.1", "10.2"},
    )
    target_set(
        enrolment=enrolment,
        by=assessor,
        description="Ask Janet Reid to date and sign her witness testimony and resubmit it.",
        due_date=today + datetime.timedelta(days=5),
        criteria=[c for c, _ in _criteria(enrolled_unit.unit, ["3.4", "7.1"])],
    )
    target_set(
        enrolment=enrolment,
        by=assessor,
        description="Finish and submit your development plan, showing the actions you took.",
        due_date=today + datetime.timedelta(days=21),
        criteria=[c for c, _ in _criteria(enrolled_unit.unit, ["6.3", "10.3"])],
    )
    return 1


def seed_tom(enrolment):
    """Every criterion met on accepted evidence, signed off by the assessor and the learner."""
    assessor, learner = enrolment.assessor, enrolment.learner
    enrolled_unit = enrolment.enrolled_units.select_related("unit", "enrolment").get()
    if enrolled_unit.sign_offs.exists():
        return 0
    for item in enrolment.evidence_items.filter(status=EvidenceItem.Status.SUBMITTED):
        _accept(item, assessor, "Accepted: clear, dated and your own work.")
    _judge_met_from_accepted(enrolled_unit, assessor)
    sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=assessor, declaration_confirmed=True)
    unit_countersign(sign_off=sign_off, by=learner, declaration_confirmed=True)
    return 1


def seed_demo_assessments(enrolments_by_username, *, today):
    created = 0
    if "learner" in enrolments_by_username:
        created += seed_priya(enrolments_by_username["learner"], today=today)
    if "learner2" in enrolments_by_username:
        created += seed_tom(enrolments_by_username["learner2"])
    return created
