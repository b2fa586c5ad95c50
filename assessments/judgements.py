"""Judging a criterion or sub-part: the only place the rules of a judgement are written.

A judgement is the assessor's current decision on one criterion (or lettered part) of one
enrolled unit. Every change bumps its version and appends a JudgementHistory row holding the
whole decision as it stood, so nothing decided is ever lost. A standing sign-off locks them all.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list

from audit.hooks import audited
from audit.models import AuditRecord
from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import AssessmentMethod, EvidenceItem, EvidenceMapping
from notifications.models import Notification
from notifications.services import notify
from people.models import EnrolmentUnit
from people.versions import changes_portfolio, of_enrolled_unit

from .models import Judgement, JudgementEvidence, JudgementHistory, UnitSignOff

VACSR = ("valid", "authentic", "current", "sufficient", "reliable")
SIGNED_OFF = "This unit is signed off; it can be changed only after a recorded reopening."


def unit_url(enrolled_unit):
    return reverse("assessments:unit", args=[enrolled_unit.enrolment_id, enrolled_unit.unit.slug])


def lock_enrolled_unit(enrolled_unit):
    """The unit row, locked until commit: judgements and sign-offs of one unit queue behind it,
    so a double-clicked post sees what the first one wrote."""
    return (
        EnrolmentUnit.objects.select_for_update(of=("self",))
        .select_related("unit", "enrolment__learner", "enrolment__assessor", "enrolment__iqa")
        .get(pk=enrolled_unit.pk)
    )


def refuse_if_signed_off(enrolled_unit):
    if UnitSignOff.objects.filter(enrolled_unit=enrolled_unit, reopened_at__isnull=True).exists():
        raise ValidationError(SIGNED_OFF)


def _target(enrolled_unit, criterion, part):
    """(criterion, part, code) fresh from the database, checked to belong to the unit."""
    if part is not None:
        part = CriterionPart.objects.select_related("criterion__outcome").get(pk=part.pk)
        if criterion is not None and part.criterion_id != criterion.pk:
            raise ValidationError(f"Part {part.code} is not a part of criterion {criterion.code}.")
        criterion = part.criterion
    elif criterion is not None:
        criterion = AssessmentCriterion.objects.select_related("outcome").get(pk=criterion.pk)
    else:
        raise ValidationError("Choose a criterion or sub-part to judge.")
    unit = enrolled_unit.unit
    if criterion.outcome.unit_id != unit.pk:
        raise ValidationError(
            f"Criterion {criterion.code} is not in unit {unit.display_reference}."
        )
    if not unit.criteria_complete:
        raise ValidationError(
            "This unit is an outline: its assessment criteria have not been loaded yet, "
            "so nothing in it can be judged."
        )
    code = f"{criterion.outcome.number}.{criterion.number}"
    return criterion, part, f"{code} {part.letter}" if part else code


def _clean_methods(methods, problems, *, required):
    """The methods in the list's order. `required` is False only for a "not yet met" that
    relies on no evidence: nothing has been assessed, so no method was used."""
    methods = set(methods or [])
    if methods - set(AssessmentMethod.values):
        problems["methods"].append("Choose the assessment methods from the list.")
    if required and not methods:
        problems["methods"].append("Tick at least one assessment method you used.")
    # Stored in the list's own order, so the same methods always compare equal.
    return [method for method in AssessmentMethod.values if method in methods]


def _relied_on(enrolled_unit, criterion, part, code, outcome, evidence, problems):
    """[(item, checks)] for the evidence a judgement relies on, after checking each item."""
    checks_by_pk = {}
    for item, vacsr in evidence or []:
        checks_by_pk.setdefault(item.pk, {name: bool((vacsr or {}).get(name)) for name in VACSR})
    items = EvidenceItem.objects.in_bulk(list(checks_by_pk))
    target = {"part": part} if part else {"criterion": criterion}
    decisions = defaultdict(set)
    for item_id, decision in EvidenceMapping.objects.filter(
        item_id__in=list(checks_by_pk), **target
    ).values_list("item_id", "decision"):
        decisions[item_id].add(decision)
    met = outcome == Judgement.Outcome.MET
    relied_on = []
    for pk, checks in checks_by_pk.items():
        item = items.get(pk)
        if item is None or item.enrolment_id != enrolled_unit.enrolment_id:
            problems[NON_FIELD_ERRORS].append("An item chosen is not in this learner's portfolio.")
            continue
        relied_on.append((item, checks))
        title = f"“{item.title}”"
        if not decisions[pk]:
            problems[NON_FIELD_ERRORS].append(f"{title} is not mapped to {code}.")
        elif met and EvidenceMapping.Decision.ACCEPTED not in decisions[pk]:
            problems[NON_FIELD_ERRORS].append(
                f"The mapping of {title} to {code} was rejected, so it cannot be relied on."
                if EvidenceMapping.Decision.REJECTED in decisions[pk]
                else f"The mapping of {title} to {code} has not been reviewed yet: "
                "accept it before relying on the item."
            )
        if met and item.status == EvidenceItem.Status.DRAFT:
            problems[NON_FIELD_ERRORS].append(
                f"{title} is a draft again while it is revised, so it cannot be relied on."
            )
        missing = [name for name in VACSR if not checks[name]]
        if met and missing:
            problems[NON_FIELD_ERRORS].append(
                f"Tick all five VACSR checks for {title}: {get_text_list(missing, 'and')} "
                f"{'is' if len(missing) == 1 else 'are'} not ticked."
            )
    if met and not relied_on:
        problems[NON_FIELD_ERRORS].append(
            f"To record {code} as met, rely on at least one item of accepted evidence mapped to it."
        )
    return sorted(relied_on, key=lambda pair: pair[0].pk)


def _check_parts(enrolled_unit, criterion, part, code, outcome, problems):
    """A criterion with parts is met only on met parts; a part cannot fall under a met whole."""
    judgements = Judgement.objects.filter(enrolled_unit=enrolled_unit, criterion=criterion)
    whole = code.split(" ")[0]
    if part is None and outcome == Judgement.Outcome.MET:
        parts = list(criterion.parts.order_by("letter"))
        met = set(
            judgements.filter(part__isnull=False, outcome=Judgement.Outcome.MET).values_list(
                "part_id", flat=True
            )
        )
        missing = [f"{code} {p.letter}" for p in parts if p.pk not in met]
        if missing:
            problems["outcome"].append(
                f"{code} can be met only when each of its parts is met; "
                f"not yet met: {get_text_list(missing, 'and')}."
            )
    whole_met = judgements.filter(part__isnull=True, outcome=Judgement.Outcome.MET)
    if part is not None and outcome == Judgement.Outcome.NOT_YET and whole_met.exists():
        problems["outcome"].append(
            f"{whole} is recorded as met, which needs every part met. Change the judgement "
            f"of {whole} to not yet met first, then record {code} as not yet met."
        )


def _snapshot(relied_on):
    return [{"item": item.pk, "title": item.title, **checks} for item, checks in relied_on]


def _relies_on_text(snapshot):
    count = len(snapshot)
    if not count:
        return "relies on no evidence"
    return f"relies on {count} item{'s' if count != 1 else ''}"


def _decision_of(judgement):
    entries = [
        {"item": je.item_id, "title": je.item.title, **{n: getattr(je, n) for n in VACSR}}
        for je in judgement.relied_on.select_related("item").order_by("item_id")
    ]
    return judgement.outcome, judgement.rationale, judgement.methods, entries


def _change_sentence(before, outcome, rationale, methods, snapshot):
    """What changed, in words: 'Not yet met → Met; rationale changed; now relies on 2 items'."""
    label = Judgement.Outcome(outcome).label
    if before is None:
        return f"Judged {label.lower()}; {_relies_on_text(snapshot)}"
    old_outcome, old_rationale, old_methods, old_snapshot = before
    changes = []
    if old_outcome != outcome:
        changes.append(f"{Judgement.Outcome(old_outcome).label} → {label}")
    if old_rationale != rationale:
        changes.append("rationale changed")
    if old_methods != methods:
        changes.append("methods changed")
    old_items = [entry["item"] for entry in old_snapshot]
    if old_items != [entry["item"] for entry in snapshot]:
        changes.append(f"now {_relies_on_text(snapshot)}")
    elif _checks_only(old_snapshot) != _checks_only(snapshot):
        changes.append("VACSR checks changed")
    sentence = "; ".join(changes)
    return sentence[:1].upper() + sentence[1:]


def _checks_only(snapshot):
    return [(entry["item"], *(entry[name] for name in VACSR)) for entry in snapshot]


@audited(AuditRecord.Kind.JUDGEMENT, summary="Judgement recorded on a criterion.")
@transaction.atomic
@changes_portfolio(of_enrolled_unit)
def judgement_record(
    *,
    enrolled_unit,
    by,
    criterion,
    part=None,
    outcome,
    rationale,
    methods,
    evidence=(),
    tell_learner=True,
):
    """Record the assessor's decision on a criterion or part; returns the current Judgement.

    `evidence` is [(EvidenceItem, {"valid": bool, "authentic": ..., "reliable": ...})]: the
    items relied on with the VACSR check of each. Recording the same decision again changes
    nothing and writes no history. `tell_learner=False` is for judgements_record_unit, which
    tells the learner once about all it recorded.
    """
    enrolled_unit = lock_enrolled_unit(enrolled_unit)
    if by.pk != enrolled_unit.enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor can judge their criteria.")
    refuse_if_signed_off(enrolled_unit)
    criterion, part, code = _target(enrolled_unit, criterion, part)
    problems = defaultdict(list)
    if outcome not in Judgement.Outcome.values:
        problems["outcome"].append("Choose met or not yet met.")
    rationale = (rationale or "").strip()
    if not rationale:
        problems["rationale"].append("Give the reasons for this judgement.")
    assessed = outcome == Judgement.Outcome.MET or bool(evidence)
    methods = _clean_methods(methods, problems, required=assessed)
    relied_on = _relied_on(enrolled_unit, criterion, part, code, outcome, evidence, problems)
    _check_parts(enrolled_unit, criterion, part, code, outcome, problems)
    if problems:
        raise ValidationError(dict(problems))

    judgement = (
        Judgement.objects.select_for_update(of=("self",))
        .filter(enrolled_unit=enrolled_unit, criterion=criterion, part=part)
        .first()
    )
    snapshot = _snapshot(relied_on)
    before = _decision_of(judgement) if judgement else None
    unchanged = before and before[:3] == (outcome, rationale, methods)
    if unchanged and _checks_only(before[3]) == _checks_only(snapshot):
        return judgement
    change = _change_sentence(before, outcome, rationale, methods, snapshot)

    now = timezone.now()
    if judgement is None:
        judgement = Judgement(
            enrolled_unit=enrolled_unit, criterion=criterion, part=part, version=0
        )
    judgement.outcome = outcome
    judgement.rationale = rationale
    judgement.methods = methods
    judgement.judged_by = by
    judgement.judged_at = now
    judgement.version += 1
    # Methods were checked above; none is right for a "not yet" that relies on nothing.
    judgement.full_clean(exclude=["methods"])
    judgement.save()
    judgement.relied_on.all().delete()
    JudgementEvidence.objects.bulk_create(
        JudgementEvidence(judgement=judgement, item=item, **checks) for item, checks in relied_on
    )
    _history_write(judgement, snapshot=snapshot, by=by, at=now, change=change)
    if not tell_learner:
        return judgement
    unit = enrolled_unit.unit
    notify(
        recipient=enrolled_unit.enrolment.learner,
        kind=Notification.Kind.JUDGEMENT_CHANGED,
        message=(
            f"{by.display_name} judged {code} of unit {unit.display_reference}: "
            f"{judgement.get_outcome_display().lower()}."
        ),
        url=unit_url(enrolled_unit),
        # One person's run of edits to one judgement within the hour is one notice.
        topic=f"judgement:{judgement.pk}:by:{by.pk}",
    )
    return judgement


def _history_write(judgement, *, snapshot, by, at, change):
    history = JudgementHistory(
        judgement=judgement,
        version=judgement.version,
        outcome=judgement.outcome,
        rationale=judgement.rationale,
        methods=judgement.methods,
        evidence=snapshot,
        changed_by=by,
        changed_at=at,
        change=change,
    )
    # Relying on nothing, by no method, is a true record of a "not yet"; the fields just
    # lack blank=True.
    history.full_clean(exclude=["evidence", "methods"])
    history.save()
    return history


@dataclass(frozen=True)
class UnitDecision:
    """One row of the unit judging page, as judgement_record takes it; `key` names the row."""

    key: str
    criterion: AssessmentCriterion
    part: CriterionPart | None
    outcome: str
    rationale: str
    methods: list = field(default_factory=list)
    evidence: list = field(default_factory=list)


class UnitJudgementsRefused(ValidationError):
    """Some rows of a unit's judgements were refused: `by_key` holds each row's refusal."""

    def __init__(self, by_key):
        self.by_key = by_key
        count = len(by_key)
        super().__init__(
            f"{count} row{'s' if count != 1 else ''} could not be recorded, so nothing was "
            f"saved. Put {'them' if count != 1 else 'it'} right and record the judgements again."
        )


def _working_order(decisions):
    """The decisions in an order the part rules allow: under a whole judged not yet met the
    whole goes first (a part cannot fall under a met whole), otherwise its parts go first (a
    whole is met only on met parts)."""
    by_criterion = {}
    for decision in decisions:
        by_criterion.setdefault(decision.criterion.pk, []).append(decision)
    ordered = []
    for group in by_criterion.values():
        wholes = [d for d in group if d.part is None]
        parts = [d for d in group if d.part is not None]
        whole_first = any(d.outcome == Judgement.Outcome.NOT_YET for d in wholes)
        ordered.extend(wholes + parts if whole_first else parts + wholes)
    return ordered


# Not @audited: each decision goes through judgement_record, which records it.
@transaction.atomic
@changes_portfolio(of_enrolled_unit)
def judgements_record_unit(*, enrolled_unit, by, decisions):
    """Record several decisions on one unit together, each through judgement_record: every
    one is saved or, if any is refused, none is (UnitJudgementsRefused names each refusal).
    A decision the same as the one standing writes nothing, as judgement_record ensures.
    Returns the judgements that changed; the learner is told of them in one notice."""
    enrolled_unit = lock_enrolled_unit(enrolled_unit)
    if by.pk != enrolled_unit.enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor can judge their criteria.")
    refuse_if_signed_off(enrolled_unit)
    versions = {
        (criterion_id, part_id): version
        for criterion_id, part_id, version in Judgement.objects.filter(
            enrolled_unit=enrolled_unit
        ).values_list("criterion_id", "part_id", "version")
    }
    refused, recorded = {}, []
    for decision in _working_order(decisions):
        try:
            recorded.append(
                judgement_record(
                    enrolled_unit=enrolled_unit,
                    by=by,
                    criterion=decision.criterion,
                    part=decision.part,
                    outcome=decision.outcome,
                    rationale=decision.rationale,
                    methods=decision.methods,
                    evidence=decision.evidence,
                    tell_learner=False,
                )
            )
        except ValidationError as error:
            refused[decision.key] = error
    if refused:
        raise UnitJudgementsRefused(refused)
    changed = [
        judgement
        for judgement in recorded
        if judgement.version != versions.get((judgement.criterion_id, judgement.part_id))
    ]
    if changed:
        _tell_learner_of(enrolled_unit, by, changed)
    return changed


def _tell_learner_of(enrolled_unit, by, judgements):
    """One notice for a unit's judgements recorded together: '1.1 met; 2.1 and 3.1 not yet met'."""
    codes = {outcome: [] for outcome in Judgement.Outcome.values}
    for judgement in sorted(judgements, key=lambda j: _code_order(j.code)):
        codes[judgement.outcome].append(judgement.code)
    parts = [
        f"{get_text_list(found, 'and')} {Judgement.Outcome(outcome).label.lower()}"
        for outcome, found in codes.items()
        if found
    ]
    notify(
        recipient=enrolled_unit.enrolment.learner,
        kind=Notification.Kind.JUDGEMENT_CHANGED,
        message=(
            f"{by.display_name} judged {len(judgements)} criteria and parts of unit "
            f"{enrolled_unit.unit.display_reference}: {'; '.join(parts)}."
        ),
        url=unit_url(enrolled_unit),
        # Saving the unit's page again within the hour updates this notice, as for one row.
        topic=f"unit-judgements:{enrolled_unit.pk}:by:{by.pk}",
    )


def _code_order(code):
    """'9.1 b' sorts after '9.1' and before '10.1'."""
    number, _, letter = code.partition(" ")
    return (*(int(n) for n in number.split(".")), letter)
