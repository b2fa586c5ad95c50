"""Quality assurance rules: plans and their entries, sample reviews and actions, risk ratings,
the sampling policy, standardisation records and EQA grants. The only place they are written.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_text_list

from assessments.caseload import due_text
from assessments.models import Judgement, UnitSignOff
from assessments.signoff import manifest_digest, unit_reopen
from assessments.targets import REMIND_DAYS
from audit.hooks import audited
from audit.models import AuditRecord
from audit.services import audit_record
from evidence.uploads import (
    STORAGE_FAILURES,
    STORE_FAILED,
    delete_quietly,
    safe_file_name,
    upload_check,
)
from notifications.models import Notification
from notifications.services import notify
from nvq_portfolio.text import check_text
from people.models import Enrolment

from . import sampling
from .models import (
    AssessorRisk,
    EqaGrant,
    QualityAction,
    SampleEntry,
    SampleReview,
    SampleReviewDraft,
    SamplingPlan,
    SamplingPolicy,
    StandardisationDocument,
    StandardisationRecord,
    Verdict,
)

REVIEW_DECLARATION = (
    "I confirm that I have sampled these assessment decisions myself, that the verdicts, "
    "feedback and actions recorded here are my own, and that I did not assess this learner."
)
# An IQA's reason for adding a unit to a plan, kept in the entry's list of reasons.
REASON_LENGTH = 300
ALREADY_REVIEWED = "This sample has already been reviewed and signed; a review is never changed."


def is_iqa(user):
    return Enrolment.objects.filter(iqa=user).exists()


def is_assessor(user):
    return Enrolment.objects.filter(assessor=user).exists()


# Sampling plans ------------------------------------------------------------------------------


@audited(AuditRecord.Kind.IQA_PLAN, actor="iqa", summary="Sampling plan created.")
@transaction.atomic
def sampling_plan_create(*, iqa, qualification, title, period_start, period_end):
    if not Enrolment.objects.filter(iqa=iqa, qualification=qualification).exists():
        raise ValidationError(
            {"qualification": f"You are not the IQA of any learner on {qualification.title}."}
        )
    plan = SamplingPlan(
        iqa=iqa,
        qualification=qualification,
        title=(title or "").strip()
        or f"{qualification.title}: {period_start:%d/%m/%Y} to {period_end:%d/%m/%Y}",
        period_start=period_start,
        period_end=period_end,
    )
    plan.full_clean()
    plan.save()
    return plan


def _require_plan_iqa(plan, by):
    if plan.iqa_id != by.pk:
        raise ValidationError("Only the plan's own IQA can change it.")


def _require_may_sample(enrolment, by):
    """The one rule of independence: an IQA samples only their own learners, never a learner
    whose decisions they made."""
    if enrolment.assessor_id == by.pk:
        raise ValidationError(
            f"You are {enrolment.learner.display_name}'s assessor, so you cannot sample their "
            "assessment: another IQA must."
        )
    if enrolment.iqa_id != by.pk:
        raise ValidationError(
            f"You are not {enrolment.learner.display_name}'s IQA, so their work is not yours "
            "to sample."
        )


def _add_entry(plan, enrolled_unit, *, stage, planned_for, reasons, by, suggested, criteria=()):
    entry = SampleEntry(
        plan=plan,
        enrolled_unit=enrolled_unit,
        stage=stage,
        planned_for=planned_for,
        reasons=reasons,
        suggested=suggested,
        added_by=by,
    )
    entry.full_clean()
    entry.save()
    if criteria:
        entry.criteria.set(criteria)
    return entry


@audited(AuditRecord.Kind.IQA_PLAN, summary="Unit added to a sampling plan.")
@transaction.atomic
def sample_entry_add(*, plan, enrolled_unit, by, stage, planned_for, reason, criteria=()):
    """The IQA's own addition to the plan, with the reason they give."""
    _require_plan_iqa(plan, by)
    enrolment = enrolled_unit.enrolment
    if enrolment.qualification_id != plan.qualification_id:
        raise ValidationError("That learner's unit is not on this plan's qualification.")
    _require_may_sample(enrolment, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this unit is in the sample; the plan shows it."})
    try:
        check_text(reason, limit=REASON_LENGTH, noun="reason")
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    outside = [c for c in criteria if c.outcome.unit_id != enrolled_unit.unit_id]
    if outside:
        raise ValidationError(
            {"criteria": f"{get_text_list([c.code for c in outside], 'and')} are not in the unit."}
        )
    if plan.entries.filter(enrolled_unit=enrolled_unit, stage=stage).exists():
        raise ValidationError("This unit is already in the plan at that stage.")
    return _add_entry(
        plan,
        enrolled_unit,
        stage=stage,
        planned_for=planned_for,
        reasons=[reason],
        by=by,
        suggested=False,
        criteria=criteria,
    )


@audited(AuditRecord.Kind.IQA_PLAN, obj="entry", summary="Unit dropped from a sampling plan.")
@transaction.atomic
def sample_entry_drop(*, entry, by):
    _require_plan_iqa(entry.plan, by)
    if SampleReview.objects.filter(entry=entry).exists():
        raise ValidationError(
            "This sample has been reviewed, so it stays in the plan: a review is never removed."
        )
    entry.delete()


@audited(AuditRecord.Kind.IQA_PLAN, obj="plan", summary="Suggested sample accepted into a plan.")
@transaction.atomic
def suggested_sample_accept(*, plan, by, keys, today=None):
    """Add the suggestions whose keys ("<enrolled unit pk>-<stage>") the IQA ticked.

    The suggestion is worked out again here, so what is saved is what the rules give now;
    a key the suggestion no longer holds means the page was out of date.
    """
    _require_plan_iqa(plan, by)
    SamplingPlan.objects.select_for_update().get(pk=plan.pk)  # one acceptance at a time
    suggestions = {s.key: s for s in plan_suggestion(plan, today=today)}
    if not keys:
        raise ValidationError("Tick at least one suggested sample to add.")
    stale = [key for key in keys if key not in suggestions]
    if stale:
        raise ValidationError(
            "The suggestion has changed since the page was opened (someone added to the plan "
            "or new decisions were made). Look at the new suggestion and accept again."
        )
    entries = []
    for key in dict.fromkeys(keys):
        suggestion = suggestions[key]
        _require_may_sample(suggestion.features.enrolment, by)
        entries.append(
            _add_entry(
                plan,
                suggestion.enrolled_unit,
                stage=suggestion.stage,
                planned_for=suggestion.planned_for,
                reasons=suggestion.reasons,
                by=by,
                suggested=True,
            )
        )
    return entries


def plan_suggestion(plan, *, today=None):
    reach = sampling.plan_reach(plan)
    return sampling.suggest_sample(
        plan,
        reach,
        sampling.plan_entries(plan),
        policy=sampling.sampling_policy(),
        ratings=sampling.current_ratings({f.assessor.pk for f in reach.values()}),
        today=today,
    )


# Risk ratings and the centre's rates ---------------------------------------------------------


@audited(AuditRecord.Kind.SAMPLING_RATE, summary="Assessor's risk rating set.")
@transaction.atomic
def assessor_risk_set(*, assessor, by, rating, reason="", at=None):
    """Record a rating; `at` backdates it, for ratings brought over from paper records."""
    if not (by.is_centre_admin or is_iqa(by)):
        raise ValidationError("Only an IQA or a centre admin can rate an assessor's risk.")
    if assessor.pk == by.pk:
        raise ValidationError("You cannot rate your own risk as an assessor.")
    if not is_assessor(assessor):
        raise ValidationError(f"{assessor.display_name} does not assess any learner.")
    risk = AssessorRisk(
        assessor=assessor,
        rating=rating,
        reason=(reason or "").strip(),
        set_by=by,
        set_at=at or timezone.now(),
    )
    risk.full_clean()
    risk.save()
    return risk


@audited(AuditRecord.Kind.SAMPLING_RATE, summary="Sampling rates changed.")
@transaction.atomic
def sampling_policy_update(*, by, new_rate, standard_rate, low_rate):
    if not by.is_centre_admin:
        raise ValidationError("Only a centre admin can set the centre's sampling rates.")
    policy = SamplingPolicy.objects.select_for_update().get_or_create(pk=1)[0]
    policy.new_rate, policy.standard_rate, policy.low_rate = new_rate, standard_rate, low_rate
    policy.updated_by = by
    policy.full_clean()
    if not new_rate >= standard_rate >= low_rate:
        raise ValidationError(
            "Higher risk must mean more sampling: the rate for new assessors must be at least "
            "the standard rate, and the standard rate at least the low-risk rate."
        )
    policy.save()
    return policy


# Sample reviews ------------------------------------------------------------------------------


def judgements_sampled(entry):
    """The judgements an entry samples: the unit's, or those of the criteria it names."""
    judgements = (
        Judgement.objects.filter(enrolled_unit=entry.enrolled_unit)
        .select_related("criterion__outcome", "part", "judged_by")
        .prefetch_related("relied_on__item")
    )
    criteria = list(entry.criteria.all())
    if criteria:
        judgements = judgements.filter(criterion__in=criteria)
    return list(judgements)


def _review_manifest(review, verdicts, actions):
    entry = review.entry
    enrolled_unit = entry.enrolled_unit
    return {
        "review": "IQA sample review",
        "learner": enrolled_unit.enrolment.learner.username,
        "unit": enrolled_unit.unit.display_reference,
        "stage": entry.stage,
        "assessor": review.assessor.username,
        "iqa": review.iqa.username,
        "signed_at": review.signed_at.astimezone(datetime.UTC).isoformat(),
        "declaration": review.declaration,
        "feedback": review.feedback,
        "verdicts": [
            {
                "judgement": verdict.judgement_id,
                "code": verdict.judgement.code,
                "version": verdict.judgement_version,
                "agreed": verdict.agreed,
                "comment": verdict.comment,
            }
            for verdict in verdicts
        ],
        "actions": [
            {"description": action.description, "due": action.due_date.isoformat()}
            for action in actions
        ],
    }


def sample_review_verify(review):
    """(intact, digest now): whether the review's verdicts and actions are as signed."""
    verdicts = review.verdicts.select_related("judgement__criterion__outcome", "judgement__part")
    actions = review.actions.order_by("pk")
    digest = manifest_digest(_review_manifest(review, list(verdicts), list(actions)))
    return digest == review.digest, digest


def _clean_verdicts(judgements, verdicts, errors):
    """[(judgement, agreed, comment)] for every judgement sampled, or errors named by code."""
    cleaned = []
    for judgement in judgements:
        agreed, comment = verdicts.get(judgement.pk, (None, ""))
        comment = (comment or "").strip()
        if agreed is None:
            errors.append(f"{judgement.code}: say whether you agree with the judgement.")
        elif not agreed and not comment:
            errors.append(f"{judgement.code}: say why you disagree; the assessor needs to know.")
        cleaned.append((judgement, agreed, comment))
    return cleaned


def _clean_actions(actions, today, errors):
    cleaned = []
    for number, (description, due_date) in enumerate(actions, start=1):
        description = (description or "").strip()
        if not description and not due_date:
            continue
        if not description:
            errors.append(f"Action {number}: say what the assessor should do.")
        if not due_date:
            errors.append(f"Action {number}: give the date it is due.")
        elif due_date < today:
            errors.append(f"Action {number}: the due date {due_date:%d/%m/%Y} has passed.")
        cleaned.append((description, due_date))
    return cleaned


@audited(AuditRecord.Kind.IQA_REVIEW, summary="IQA sample review signed.")
@transaction.atomic
def sample_review_sign(
    *, entry, by, verdicts, feedback, actions=(), declaration_confirmed, today=None
):
    """Record the IQA's verdicts, feedback and actions on a sample, signed, all or nothing.

    `verdicts` maps judgement pk to (agreed, comment); `actions` are (description, due date).
    A disagreement needs an action; on a signed-off unit it reopens the sign-off through the
    recorded route, with the IQA's reasons.
    """
    today = today or timezone.localdate()
    entry = (
        SampleEntry.objects.select_for_update(of=("self",))
        .select_related("plan", "enrolled_unit__unit", "enrolled_unit__enrolment__learner")
        .get(pk=entry.pk)
    )
    enrolled_unit = entry.enrolled_unit
    enrolment = Enrolment.objects.select_related("learner", "assessor").get(
        pk=enrolled_unit.enrolment_id
    )
    _require_plan_iqa(entry.plan, by)
    _require_may_sample(enrolment, by)
    if SampleReview.objects.filter(entry=entry).exists():
        raise ValidationError(ALREADY_REVIEWED)
    judgements = judgements_sampled(entry)
    if any(judgement.judged_by_id == by.pk for judgement in judgements):
        raise ValidationError(
            "You made some of these judgements yourself, so you cannot sample them: another "
            "IQA must."
        )
    if not judgements:
        raise ValidationError("There are no judgements on this unit yet, so nothing to sample.")
    sign_off = UnitSignOff.objects.filter(
        enrolled_unit=enrolled_unit, reopened_at__isnull=True
    ).first()
    if entry.stage == SampleEntry.Stage.SUMMATIVE and sign_off is None:
        raise ValidationError(
            "A summative sample is of a signed-off unit, and this unit is not signed off. "
            "Wait for the sign-off, or add it to the plan as an interim sample."
        )

    errors = []
    undecided = [j.code for j in judgements if verdicts.get(j.pk, (None, ""))[0] is None]
    if undecided:
        errors.append(
            "The review is signed only when it is complete: give a verdict on "
            f"{get_text_list(undecided, 'and')} first, or save it as a draft to finish later."
        )
    cleaned_verdicts = _clean_verdicts(judgements, verdicts, errors)
    cleaned_actions = _clean_actions(actions, today, errors)
    feedback = (feedback or "").strip()
    if not feedback:
        errors.append("Write your feedback to the assessor.")
    disagreed = [judgement for judgement, agreed, _ in cleaned_verdicts if agreed is False]
    if disagreed and not cleaned_actions:
        errors.append(
            "You disagree with a judgement: set the assessor at least one action, with a due date."
        )
    if not declaration_confirmed:
        errors.append("Confirm the declaration to sign the review.")
    if errors:
        raise ValidationError(errors)

    review = SampleReview(
        entry=entry,
        iqa=by,
        assessor=enrolment.assessor,
        feedback=feedback,
        agreed=not disagreed,
        declaration=REVIEW_DECLARATION,
        signed_at=timezone.now(),
        digest="",
        covered={},
    )
    verdicts = [
        Verdict(
            review=review,
            judgement=judgement,
            judgement_version=judgement.version,
            judgement_outcome=judgement.outcome,
            agreed=agreed,
            comment=comment,
        )
        for judgement, agreed, comment in cleaned_verdicts
    ]
    actions = [
        QualityAction(
            review=review, assessor=enrolment.assessor, description=description, due_date=due
        )
        for description, due in cleaned_actions
    ]
    # The digest comes once the rows it covers exist; the sample's one review is checked above.
    review.full_clean(exclude=["digest", "covered"], validate_unique=False)
    for row in [*verdicts, *actions]:
        row.full_clean(exclude=["review", "judgement", "assessor"], validate_unique=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise ValidationError(ALREADY_REVIEWED) from None
    verdict_rows = Verdict.objects.bulk_create(verdicts)
    for action in actions:
        action.save()
    action_rows = actions
    review.covered = _review_manifest(review, verdict_rows, action_rows)
    review.digest = manifest_digest(review.covered)
    review.save(update_fields=["covered", "digest"])
    SampleReviewDraft.objects.filter(entry=entry).delete()

    unit = enrolled_unit.unit
    learner = enrolment.learner.display_name
    if disagreed and sign_off is not None:
        codes = get_text_list([judgement.code for judgement in disagreed], "and")
        unit_reopen(
            sign_off=sign_off,
            by=by,
            reason=f"IQA sample review disagreed with {codes}; see the review's actions.",
        )
    summary = (
        "agreed with every decision"
        if not disagreed
        else f"disagreed with {get_text_list([j.code for j in disagreed], 'and')}"
    )
    notify(
        recipient=enrolment.assessor,
        kind=Notification.Kind.SAMPLE_REVIEWED,
        message=(
            f"{by.display_name} sampled your assessment of {learner}'s unit "
            f"{unit.display_reference} and {summary}."
            + (f" {len(action_rows)} action(s) set." if action_rows else "")
        ),
        url=review.get_absolute_url(),
    )
    return review


def _sample_entry_for_review(entry, by):
    """The entry locked, checked to be this IQA's to review and not yet reviewed."""
    entry = (
        SampleEntry.objects.select_for_update(of=("self",))
        .select_related("plan", "enrolled_unit__enrolment")
        .get(pk=entry.pk)
    )
    _require_plan_iqa(entry.plan, by)
    _require_may_sample(entry.enrolled_unit.enrolment, by)
    if SampleReview.objects.filter(entry=entry).exists():
        raise ValidationError(ALREADY_REVIEWED)
    return entry


@transaction.atomic
def sample_review_draft_save(*, entry, by, verdicts, feedback, actions=(), agree_undecided=False):
    """Keep the IQA's review as far as it has gone, unsigned, to finish later; returns the draft.

    `verdicts` and `actions` are as sample_review_sign takes them. With `agree_undecided`, every
    judgement sampled that has no verdict yet is given "agree" (the IQA still reads and signs).
    Only the plan's IQA sees a draft; signing the review deletes it.
    """
    entry = _sample_entry_for_review(entry, by)
    sampled = {judgement.pk for judgement in judgements_sampled(entry)}
    kept = {}
    for pk in sampled:
        agreed, comment = verdicts.get(pk, (None, ""))
        if agreed is None and agree_undecided:
            agreed = True
        comment = (comment or "").strip()
        if agreed is not None or comment:
            kept[str(pk)] = {"agreed": agreed, "comment": comment}
    kept_actions = [
        {"description": (description or "").strip(), "due": due.isoformat() if due else ""}
        for description, due in actions
        if (description or "").strip() or due
    ]
    draft, _ = SampleReviewDraft.objects.get_or_create(entry=entry, defaults={"iqa": by})
    draft.iqa = by
    draft.verdicts = kept
    draft.feedback = (feedback or "").strip()
    draft.actions = kept_actions
    draft.full_clean(exclude=["entry", "iqa"])
    draft.save()
    return draft


def sample_review_draft_for(entry, user):
    """The draft of the entry's review, if `user` is the IQA who saved it; else None."""
    return SampleReviewDraft.objects.filter(entry=entry, iqa=user).first()


# Actions -------------------------------------------------------------------------------------


def _lock_action(action):
    return (
        QualityAction.objects.select_for_update(of=("self",))
        .select_related("review__iqa", "assessor")
        .get(pk=action.pk)
    )


@audited(AuditRecord.Kind.IQA_ACTION, summary="Response given to an IQA action.")
@transaction.atomic
def quality_action_respond(*, action, by, response):
    action = _lock_action(action)
    if action.assessor_id != by.pk:
        raise ValidationError("Only the assessor the action was set for can respond to it.")
    if action.status == QualityAction.Status.CLOSED:
        raise ValidationError("This action is closed.")
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Say what you have done about the action."})
    action.response = response
    action.responded_at = timezone.now()
    action.status = QualityAction.Status.RESPONDED
    action.full_clean()
    action.save(update_fields=["response", "responded_at", "status"])
    notify(
        recipient=action.review.iqa,
        kind=Notification.Kind.ACTION_ANSWERED,
        message=f"{by.display_name} responded to the action: {action.description[:120]}",
        url=action.review.get_absolute_url(),
    )
    return action


@audited(AuditRecord.Kind.IQA_ACTION, summary="IQA action closed.")
@transaction.atomic
def quality_action_close(*, action, by, note=""):
    action = _lock_action(action)
    if action.review.iqa_id != by.pk:
        raise ValidationError("Only the IQA who set the action can close it.")
    if action.status == QualityAction.Status.CLOSED:
        raise ValidationError("This action is already closed.")
    if action.status != QualityAction.Status.RESPONDED:
        raise ValidationError("The assessor has not responded yet; close it once they have.")
    action.status = QualityAction.Status.CLOSED
    action.closing_note = (note or "").strip()
    action.closed_by = by
    action.closed_at = timezone.now()
    action.full_clean()
    action.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
    notify(
        recipient=action.assessor,
        kind=Notification.Kind.ACTION_CLOSED,
        message=f"{by.display_name} closed the action: {action.description[:120]}",
        url=action.review.get_absolute_url(),
    )
    return action


def quality_action_reminders_send(*, today=None):
    """Remind each assessor of an open action due within REMIND_DAYS or overdue, and the IQA
    of one overdue, at most once a day each (the Notification table is the record). Returns
    how many reminders were sent."""
    today = today or timezone.localdate()
    actions = QualityAction.objects.filter(
        status=QualityAction.Status.OPEN,
        due_date__lte=today + datetime.timedelta(days=REMIND_DAYS),
    ).select_related("assessor", "review__iqa", "review__entry__enrolled_unit__enrolment__learner")
    sent = 0
    for action in actions:
        url = action.review.get_absolute_url()
        due = due_text(action.due_date, today)
        when = f"{due[:1].lower()}{due[1:]} ({action.due_date:%d/%m/%Y})"
        learner = action.review.entry.enrolled_unit.enrolment.learner.display_name
        what = f"IQA action on {learner}'s sample “{action.description[:80]}”: {when}."
        recipients = [action.assessor]
        if action.due_date < today:
            recipients.append(action.review.iqa)
        for recipient in recipients:
            with transaction.atomic():
                # Once a day: the same words to the same person today are not sent again.
                already = Notification.objects.filter(
                    recipient=recipient,
                    kind=Notification.Kind.QUALITY_ACTION,
                    url=url,
                    message=what,
                    created_at__date=timezone.localdate(),
                )
                if not already.exists() and notify(
                    recipient=recipient,
                    kind=Notification.Kind.QUALITY_ACTION,
                    message=what,
                    url=url,
                ):
                    sent += 1
    return sent


# Standardisation -----------------------------------------------------------------------------


def standardisation_document_store(*, record, upload, by):
    """Check and store one document of a record; the caller deletes the file on failure."""
    try:
        checked = upload_check(upload)
    except ValidationError as error:
        raise ValidationError(
            f"{safe_file_name(upload.name)}: {' '.join(error.messages)}"
        ) from None
    document = StandardisationDocument(
        record=record,
        original_name=checked.original_name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        uploaded_by=by,
    )
    try:
        document.file.save(checked.original_name, upload, save=False)
    except STORAGE_FAILURES as error:
        raise ValidationError(f"{checked.original_name}: {STORE_FAILED}") from error
    return document


def standardisation_record_create(
    *,
    by,
    kind,
    held_on,
    topic,
    attendees,
    evidence_looked_at,
    outcomes,
    qualification=None,
    other_attendees="",
    documents=(),
):
    """Record a meeting or exercise with its documents: every file is checked before any row
    is written, and stored files are deleted again if anything fails."""
    if not (by.is_centre_admin or is_iqa(by)):
        raise ValidationError("Only an IQA or a centre admin can record standardisation.")
    if held_on and held_on > timezone.localdate():
        raise ValidationError({"held_on": "Record a meeting once it has taken place."})
    record = StandardisationRecord(
        kind=kind,
        held_on=held_on,
        topic=(topic or "").strip(),
        qualification=qualification,
        other_attendees=(other_attendees or "").strip(),
        evidence_looked_at=(evidence_looked_at or "").strip(),
        outcomes=(outcomes or "").strip(),
        recorded_by=by,
    )
    record.full_clean()
    if not attendees and not record.other_attendees:
        raise ValidationError({"attendees": "Name who took part."})
    stored = []
    try:
        for upload in documents:
            stored.append(standardisation_document_store(record=record, upload=upload, by=by))
        with transaction.atomic():
            record.save()
            record.attendees.set(attendees)
            for document in stored:
                document.record = record
                document.full_clean()
                document.save()
            # Here rather than by @audited: documents are stored outside the transaction.
            audit_record(
                kind=AuditRecord.Kind.STANDARDISATION,
                actor=by,
                obj=record,
                after=record,
                summary="Standardisation record written.",
            )
    except BaseException:
        for document in stored:
            delete_quietly(document.file.storage, document.file.name)
        raise
    return record


# EQA access ----------------------------------------------------------------------------------


@audited(AuditRecord.Kind.EQA_GRANTED, summary="EQA access granted.")
@transaction.atomic
def eqa_grant_create(*, by, eqa, enrolments, units, covers_from, covers_to, expires_at, purpose=""):
    if not by.is_centre_admin:
        raise ValidationError("Only a centre admin can grant an external quality assurer access.")
    errors = {}
    if not eqa.is_external_verifier:
        errors["eqa"] = [
            f"{eqa.display_name} is not marked as an external quality assurer; a centre admin "
            "marks them on their person page first."
        ]
    if not enrolments:
        errors["enrolments"] = ["Choose the learners in the sample."]
    if not units:
        errors["units"] = ["Choose the units in the sample."]
    elif enrolments:
        enrolled = {eu.unit_id for e in enrolments for eu in e.enrolled_units.all()}
        stray = [unit for unit in units if unit.pk not in enrolled]
        if stray:
            references = get_text_list([unit.display_reference for unit in stray], "or")
            errors["units"] = [f"No learner chosen is enrolled on {references}."]
    if expires_at and expires_at <= timezone.now():
        errors["expires_at"] = ["Access must end in the future."]
    if errors:
        raise ValidationError(errors)
    grant = EqaGrant(
        eqa=eqa,
        covers_from=covers_from,
        covers_to=covers_to,
        expires_at=expires_at,
        purpose=(purpose or "").strip(),
        granted_by=by,
    )
    grant.full_clean()
    grant.save()
    grant.enrolments.set(enrolments)
    grant.units.set(units)
    return grant


@audited(AuditRecord.Kind.EQA_GRANT_ENDED, obj="grant", summary="EQA access ended early.")
@transaction.atomic
def eqa_grant_revoke(*, grant, by):
    if not by.is_centre_admin:
        raise ValidationError("Only a centre admin can end an external quality assurer's access.")
    grant = EqaGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is not None:
        raise ValidationError("This access has already been ended.")
    grant.revoked_at = timezone.now()
    grant.revoked_by = by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    return grant
