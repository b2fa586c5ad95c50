"""Many generated learners with full portfolios, fast, for benchmarks: `seed_demo --items`.

The demo's own two learners are made through the services, one record at a time, so they show
what the app does. A benchmark centre of 1,000 learners with 40 items each (40,000 items,
160,000 mappings) made that way took 25 minutes, mostly hashing 1,000 passwords; here every
generated learner shares one precomputed hash and each table is filled with bulk_create in
batches, so the same centre is made in a few minutes. The records have the shapes the services
give them (submitted items have a version, accepted mappings a decision, met criteria a
judgement with its history and the evidence relied on), but nothing here is a rule: the rules
stay in the services.
"""

import datetime
import hashlib
import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from assessments.models import (
    Feedback,
    Judgement,
    JudgementEvidence,
    JudgementHistory,
    Target,
)
from criteria.models import AssessmentCriterion
from evidence.models import (
    AssessmentMethod,
    EvidenceFile,
    EvidenceItem,
    EvidenceMapping,
    EvidenceType,
    EvidenceVersion,
)
from notifications.models import Notification

BATCH = 2000
# What a generated item is, by share of the portfolio: most accepted, some waiting for review.
STATUS_SHARES = [
    (EvidenceItem.Status.ACCEPTED, 60),
    (EvidenceItem.Status.SUBMITTED, 12),
    (EvidenceItem.Status.IN_REVIEW, 5),
    (EvidenceItem.Status.NEEDS_MORE_WORK, 5),
    (EvidenceItem.Status.DRAFT, 18),
]
TITLES = [
    "Complaints log entry",
    "Feedback survey results",
    "Minutes of a 1 to 1 meeting",
    "Reflective account (STAR)",
    "Witness testimony from my line manager",
    "Monitoring record of response times",
    "Email to a colleague about a referral",
    "Evaluation of the service this month",
    "Development plan update",
    "Annotated procedure for the post room",
]
SAMPLE_FILE = "evidence/bench/sample-evidence.pdf"
SAMPLE_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _targets_of(unit):
    """[(criterion, part or None)] of the unit: each part of a criterion that has parts."""
    targets = []
    criteria = AssessmentCriterion.objects.filter(outcome__unit=unit).prefetch_related("parts")
    for criterion in criteria.order_by("outcome__number", "number"):
        parts = list(criterion.parts.order_by("letter"))
        targets.extend((criterion, part) for part in parts)
        if not parts:
            targets.append((criterion, None))
    return targets


def _status(rng):
    roll = rng.randrange(100)
    for status, share in STATUS_SHARES:
        if roll < share:
            return status
        roll -= share
    return EvidenceItem.Status.DRAFT


def _sample_file():
    if not default_storage.exists(SAMPLE_FILE):
        default_storage.save(SAMPLE_FILE, ContentFile(SAMPLE_BYTES))
    return SAMPLE_FILE


def _in_batches(model, rows):
    created = []
    for start in range(0, len(rows), BATCH):
        created.extend(model.objects.bulk_create(rows[start : start + BATCH]))
    return created


def seed_bulk_portfolios(enrolled_units, *, items, seed, today=None):
    """Give each (enrolment, unit) `items` evidence items with mappings, files, versions,
    decisions, judgements, feedback, targets and the assessor's notices. Returns the number
    of items made."""
    if not enrolled_units or items <= 0:
        return 0
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    file_name = _sample_file()
    file_hash = hashlib.sha256(SAMPLE_BYTES).hexdigest()
    targets_by_unit = {}
    methods = list(AssessmentMethod.values)
    kinds = [kind for kind in EvidenceType.values if kind != EvidenceType.OTHER]

    # Items first: everything else hangs from them.
    plans = []  # (enrolment, unit, item, chosen targets)
    item_rows = []
    for enrolled_unit in enrolled_units:
        enrolment, unit = enrolled_unit.enrolment, enrolled_unit.unit
        if unit.pk not in targets_by_unit:
            targets_by_unit[unit.pk] = _targets_of(unit)
        unit_targets = targets_by_unit[unit.pk]
        for number in range(items):
            status = _status(rng)
            activity = today - datetime.timedelta(days=rng.randint(1, 200))
            submitted = status != EvidenceItem.Status.DRAFT
            waited = datetime.timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23))
            item = EvidenceItem(
                enrolment=enrolment,
                title=f"{rng.choice(TITLES)} {number + 1}",
                description="Generated evidence for the benchmark centre.",
                activity_date=activity,
                evidence_type=rng.choice(kinds),
                assessment_method=rng.choice(methods),
                status=status,
                created_by=enrolment.learner,
                submitted_at=now - waited if submitted else None,
            )
            chosen = rng.sample(unit_targets, k=min(len(unit_targets), rng.randint(2, 6)))
            plans.append((enrolment, unit, item, chosen))
            item_rows.append(item)
    _in_batches(EvidenceItem, item_rows)

    mappings, versions, files, feedback, notices = [], [], [], [], []
    for enrolment, _unit, item, chosen in plans:
        decision = (
            EvidenceMapping.Decision.ACCEPTED
            if item.status == EvidenceItem.Status.ACCEPTED
            else EvidenceMapping.Decision.PENDING
        )
        for criterion, part in chosen:
            mappings.append(
                EvidenceMapping(
                    item=item,
                    criterion=criterion,
                    part=part,
                    added_by=enrolment.learner,
                    decision=decision,
                    decided_by=enrolment.assessor if decision == "accepted" else None,
                    decided_at=now if decision == "accepted" else None,
                )
            )
        if rng.randrange(4) == 0:
            files.append(
                EvidenceFile(
                    item=item,
                    file=file_name,
                    original_name="evidence.pdf",
                    size=len(SAMPLE_BYTES),
                    sha256=file_hash,
                    content_type="application/pdf",
                    uploaded_by=enrolment.learner,
                )
            )
        if item.status != EvidenceItem.Status.DRAFT:
            versions.append(
                EvidenceVersion(
                    item=item,
                    number=1,
                    title=item.title,
                    description=item.description,
                    activity_date=item.activity_date,
                    evidence_type=item.evidence_type,
                    assessment_method=item.assessment_method,
                    mappings=[],
                    declaration="This is my own work.",
                    declared_by=enrolment.learner,
                    declared_at=item.submitted_at,
                )
            )
            notices.append(
                Notification(
                    recipient=enrolment.assessor,
                    kind=Notification.Kind.ITEM_SUBMITTED,
                    message=f"{enrolment.learner.display_name} submitted “{item.title}”",
                    url=f"/evidence/{item.pk}/",
                    read_at=now if rng.randrange(2) else None,
                )
            )
        if item.status in (EvidenceItem.Status.ACCEPTED, EvidenceItem.Status.NEEDS_MORE_WORK):
            feedback.append(
                Feedback(
                    item=item,
                    author=enrolment.assessor,
                    kind=(
                        Feedback.Kind.ACCEPTED
                        if item.status == EvidenceItem.Status.ACCEPTED
                        else Feedback.Kind.SENT_BACK
                    ),
                    text="Clear evidence of the standard; well explained.",
                )
            )
    _in_batches(EvidenceMapping, mappings)
    _in_batches(EvidenceFile, files)
    _in_batches(EvidenceVersion, versions)
    # A submitted item's version holds the files it was submitted with.
    file_of = {evidence_file.item_id: evidence_file for evidence_file in files}
    links = [
        EvidenceVersion.files.through(
            evidenceversion_id=v.pk, evidencefile_id=file_of[v.item_id].pk
        )
        for v in versions
        if v.item_id in file_of
    ]
    _in_batches(EvidenceVersion.files.through, links)
    _in_batches(Feedback, feedback)
    _in_batches(Notification, notices)

    _seed_judgements(enrolled_units, plans, rng, now)
    _seed_targets(enrolled_units, rng, today)
    return len(item_rows)


def _seed_judgements(enrolled_units, plans, rng, now):
    """Half of what accepted evidence shows is judged met, relying on that evidence."""
    accepted = {}  # (enrolled unit, criterion, part) -> items
    by_enrolment_unit = {(eu.enrolment_id, eu.unit_id): eu for eu in enrolled_units}
    for enrolment, unit, item, chosen in plans:
        if item.status != EvidenceItem.Status.ACCEPTED:
            continue
        enrolled_unit = by_enrolment_unit[(enrolment.pk, unit.pk)]
        for criterion, part in chosen:
            accepted.setdefault((enrolled_unit, criterion, part), []).append(item)
    judgements, relied = [], []
    for (enrolled_unit, criterion, part), items in accepted.items():
        if part is not None or rng.randrange(2):
            continue  # parts stay to be judged, as criteria with parts need every part first
        judgement = Judgement(
            enrolled_unit=enrolled_unit,
            criterion=criterion,
            part=None,
            outcome=Judgement.Outcome.MET,
            rationale="The accepted evidence shows this criterion in real work.",
            methods=sorted({item.assessment_method for item in items}),
            judged_by=enrolled_unit.enrolment.assessor,
            judged_at=now,
        )
        judgements.append(judgement)
        relied.append((judgement, items))
    _in_batches(Judgement, judgements)
    evidence_rows, history = [], []
    for judgement, items in relied:
        for item in items[:3]:
            evidence_rows.append(
                JudgementEvidence(
                    judgement=judgement,
                    item=item,
                    valid=True,
                    authentic=True,
                    current=True,
                    sufficient=True,
                    reliable=True,
                )
            )
        history.append(
            JudgementHistory(
                judgement=judgement,
                version=1,
                outcome=judgement.outcome,
                rationale=judgement.rationale,
                methods=judgement.methods,
                evidence=[{"item": item.pk, "title": item.title} for item in items[:3]],
                changed_by=judgement.judged_by,
                changed_at=now,
                change="Judged met.",
            )
        )
    _in_batches(JudgementEvidence, evidence_rows)
    _in_batches(JudgementHistory, history)


def _seed_targets(enrolled_units, rng, today):
    targets = []
    for enrolled_unit in enrolled_units:
        enrolment = enrolled_unit.enrolment
        for _ in range(rng.randint(0, 2)):
            targets.append(
                Target(
                    enrolment=enrolment,
                    description="Add a witness testimony of a complaint you resolved.",
                    due_date=today + datetime.timedelta(days=rng.randint(-10, 30)),
                    set_by=enrolment.assessor,
                )
            )
    _in_batches(Target, targets)
