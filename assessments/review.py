"""Reviewing evidence: the assessor's decisions on an item's mappings, the feedback thread, and
sending an item back or accepting it. The only place these rules are written.

Every change locks the item first (select_for_update), so two requests racing, such as a
double-clicked "Accept", act once: the second finds the item already moved on and is refused.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.hooks import audited, mappings_of
from audit.models import AuditRecord
from evidence import rules
from evidence.models import EvidenceItem, EvidenceMapping
from evidence.services import evidence_mapping_add
from notifications.models import Notification
from notifications.services import notify
from people.versions import changes_portfolio, of_item, of_mapping

from .models import Feedback

REVIEWABLE = {EvidenceItem.Status.SUBMITTED, EvidenceItem.Status.IN_REVIEW}
Decision = EvidenceMapping.Decision


def _locked(item):
    return (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("enrolment__learner", "enrolment__assessor")
        .get(pk=item.pk)
    )


def _require_assessor(item, by):
    if by.pk != item.enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor can review this evidence.")


def _require_reviewable(item):
    if item.is_assessor_record:
        raise ValidationError(
            "This is the assessor’s own record, accepted against its criteria as it was written: "
            "revise it to change it."
        )
    if item.status not in REVIEWABLE:
        raise ValidationError(
            f"This item is {item.get_status_display().lower()}, so it cannot be reviewed now: "
            "only submitted evidence is reviewed."
        )


def _set_status(item, status):
    item.status = status
    item.full_clean()
    item.save(update_fields=["status", "updated_at"])


def _start(item):
    """Move a submitted item into review; the caller holds the lock and has checked the role.
    An assessor's own record is never reviewed: a comment on it leaves it as it is."""
    if item.status == EvidenceItem.Status.SUBMITTED and not item.is_assessor_record:
        _set_status(item, EvidenceItem.Status.IN_REVIEW)


def review_url(item):
    return reverse("assessments:review", args=[item.pk])


@audited(AuditRecord.Kind.REVIEW, obj="item", summary="Review started.")
@transaction.atomic
@changes_portfolio(of_item)
def review_start(*, item, by):
    """The assessor begins reviewing a submitted item; asking again while in review is a no-op."""
    _require_assessor(item, by)
    item = _locked(item)
    _require_reviewable(item)
    _start(item)
    return item


@audited(AuditRecord.Kind.MAPPING_DECIDED, obj="mapping", summary="Mapping decided.")
@transaction.atomic
@changes_portfolio(of_mapping)
def mapping_decide(*, mapping, by, decision, comment=""):
    """Accept or reject one mapping, or put it back to 'not yet reviewed' (pending).

    A rejection must say why: the learner reads the comment to know what to change.
    """
    item = _locked(mapping.item)
    _require_assessor(item, by)
    _require_reviewable(item)
    mapping = (
        EvidenceMapping.objects.select_for_update(of=("self",))
        .select_related("criterion__outcome", "part__criterion__outcome")
        .get(pk=mapping.pk, item=item)
    )
    mapping.item = item
    refusal = rules.mapping_decision_refusal(mapping)
    if refusal:
        raise ValidationError(refusal)
    comment = (comment or "").strip()
    if decision not in Decision.values:
        raise ValidationError(f"Choose accept, reject or not yet for {mapping.code}.")
    if decision == Decision.REJECTED and not comment:
        raise ValidationError(
            {"decision_comment": f"Say why the mapping to {mapping.code} is rejected."}
        )
    mapping.decision = decision
    mapping.decision_comment = comment
    # "Not yet" is the absence of a decision, so nobody is recorded as having made one.
    decided = decision != Decision.PENDING
    mapping.decided_by = by if decided else None
    mapping.decided_at = timezone.now() if decided else None
    mapping.full_clean()
    mapping.save(update_fields=["decision", "decision_comment", "decided_by", "decided_at"])
    _start(item)
    return mapping


@audited(
    AuditRecord.Kind.MAPPING_DECIDED, obj="item", state=mappings_of, summary="Mappings decided."
)
@transaction.atomic
@changes_portfolio(of_item)
def mappings_decide(*, item, by, decisions):
    """Record several decisions at once, all or none: `decisions` is [(mapping, decision,
    comment)]. Unchanged ones are skipped, so who decided them, and when, stays as it was.

    Refusals are raised together, keyed by the mapping's pk, so a form can show each by its row.
    """
    problems = {}
    changed = 0
    for mapping, decision, comment in decisions:
        comment = (comment or "").strip()
        if (mapping.decision, mapping.decision_comment) == (decision, comment):
            continue
        try:
            mapping_decide(mapping=mapping, by=by, decision=decision, comment=comment)
        except ValidationError as error:
            problems[str(mapping.pk)] = error.messages
        else:
            changed += 1
    if problems:
        raise ValidationError(problems)
    if not changed:
        review_start(item=item, by=by)
    return changed


@audited(AuditRecord.Kind.EVIDENCE_MAPPED, summary="Assessor mapped evidence to a criterion.")
@transaction.atomic
@changes_portfolio(of_item)
def review_mapping_add(*, item, by, criterion=None, part=None, note="", accept=False):
    """The assessor maps the item to a criterion the learner missed, and may accept it at once."""
    _require_assessor(item, by)
    item = _locked(item)
    _require_reviewable(item)
    mapping = evidence_mapping_add(
        item=item, by=by, criterion=criterion, part=part, note=note, as_assessor=True
    )
    if accept:
        mapping = mapping_decide(mapping=mapping, by=by, decision=Decision.ACCEPTED)
    _start(item)
    return mapping


@audited(AuditRecord.Kind.REVIEW, obj="item", summary="Feedback given on evidence.")
@transaction.atomic
@changes_portfolio(of_item)
def feedback_add(*, item, by, text):
    """A message in the item's thread: the assessor's comment or the learner's reply.

    The other party is told. An assessor's comment on a submitted item starts its review.
    """
    item = _locked(item)
    enrolment = item.enrolment
    text = (text or "").strip()
    if by.pk == enrolment.learner_id:
        kind, recipient, url = Feedback.Kind.REPLY, enrolment.assessor, review_url(item)
        message = f"{by.display_name} replied about “{item.title}”"
    elif by.pk == enrolment.assessor_id:
        kind, recipient, url = Feedback.Kind.COMMENT, enrolment.learner, item.get_absolute_url()
        message = f"{by.display_name} commented on “{item.title}”"
    else:
        raise ValidationError("Only the learner and their assessor write in this thread.")
    if not text:
        raise ValidationError({"text": "Write a message before sending it."})
    feedback = Feedback(item=item, author=by, kind=kind, text=text)
    feedback.full_clean()
    feedback.save()
    if kind == Feedback.Kind.COMMENT:
        _start(item)
    notice = Notification.Kind.REPLY if kind == Feedback.Kind.REPLY else Notification.Kind.FEEDBACK
    notify(recipient=recipient, kind=notice, message=message, url=url)
    return feedback


@audited(AuditRecord.Kind.REVIEW, obj="item", summary="Evidence sent back to the learner.")
@transaction.atomic
@changes_portfolio(of_item)
def item_send_back(*, item, by, text):
    """Needs more work: the item goes back to the learner with what is missing, in words.

    Not while a standing sign-off relies on it: the learner could not revise it.
    """
    _require_assessor(item, by)
    item = _locked(item)
    _require_reviewable(item)
    if lock := rules.sign_off_lock(item):
        raise ValidationError(lock.refusal(f"“{item.title}”"))
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            {"text": "Say what is missing, so the learner knows what to add or change."}
        )
    feedback = Feedback(item=item, author=by, kind=Feedback.Kind.SENT_BACK, text=text)
    feedback.full_clean()
    feedback.save()
    _set_status(item, EvidenceItem.Status.NEEDS_MORE_WORK)
    notify(
        recipient=item.enrolment.learner,
        kind=Notification.Kind.ITEM_SENT_BACK,
        message=f"{by.display_name} sent “{item.title}” back: it needs more work",
        url=item.get_absolute_url(),
    )
    return feedback


@audited(AuditRecord.Kind.REVIEW, obj="item", summary="Evidence accepted.")
@transaction.atomic
@changes_portfolio(of_item)
def item_accept(*, item, by, comment=""):
    """Accept the item once every mapping is decided and at least one is accepted."""
    _require_assessor(item, by)
    item = _locked(item)
    if item.status == EvidenceItem.Status.ACCEPTED:
        raise ValidationError("This item has already been accepted.")
    _require_reviewable(item)
    mappings = list(item.mappings.select_related("criterion__outcome", "part__criterion__outcome"))
    undecided = [m.code for m in mappings if m.decision == Decision.PENDING]
    if undecided:
        raise ValidationError(
            "Decide every mapping before accepting the item. Not yet decided: "
            f"{', '.join(undecided)}."
        )
    accepted = [m.code for m in mappings if m.decision == Decision.ACCEPTED]
    if not accepted:
        raise ValidationError(
            "Accept at least one mapping before accepting the item, or send it back instead."
        )
    text = (comment or "").strip() or f"Accepted as evidence of {', '.join(accepted)}."
    feedback = Feedback(item=item, author=by, kind=Feedback.Kind.ACCEPTED, text=text)
    feedback.full_clean()
    feedback.save()
    _set_status(item, EvidenceItem.Status.ACCEPTED)
    notify(
        recipient=item.enrolment.learner,
        kind=Notification.Kind.ITEM_ACCEPTED,
        message=f"{by.display_name} accepted “{item.title}”",
        url=item.get_absolute_url(),
    )
    return feedback
