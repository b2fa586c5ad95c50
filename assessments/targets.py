"""The action plan: targets an assessor sets a learner, closing them, and reminders as they fall
due. The only place these rules are written; views and the reminder command call these."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, get_text_list

from audit.hooks import audited
from audit.models import AuditRecord
from evidence.services import criteria_open_to
from notifications.models import Notification
from notifications.services import notify
from people.models import Enrolment
from people.versions import changes_portfolio, of_enrolment, of_target

from .caseload import due_text
from .models import Target, TargetReopening

REMIND_DAYS = 2  # remind of open targets due within this many days, and of overdue ones
CLOSING_STATUSES = {Target.Status.DONE, Target.Status.WITHDRAWN}


def target_url(target):
    """Where a target is shown; also what marks a reminder as being about this target."""
    return reverse("assessments:targets", args=[target.enrolment_id]) + f"#target-{target.pk}"


def _short(description):
    return Truncator(" ".join(description.split())).chars(80)


def _require_assessor(enrolment, by, doing):
    if by.pk != enrolment.assessor_id:
        raise ValidationError(f"Only the learner's assessor can {doing}.")


def _outside_enrolment(enrolment, criteria, parts):
    """Codes of the criteria and parts that are not in a unit of the enrolment."""
    open_ids = set(criteria_open_to(enrolment).values_list("pk", flat=True))
    outside = [criterion.code for criterion in criteria if criterion.pk not in open_ids]
    outside += [part.code for part in parts if part.criterion_id not in open_ids]
    return outside


@audited(AuditRecord.Kind.TARGET, summary="Target set.")
@transaction.atomic
@changes_portfolio(of_enrolment)
def target_set(*, enrolment, by, description, due_date, criteria=(), parts=()):
    """Set the learner a target against some of their criteria or parts; tell the learner."""
    _require_assessor(enrolment, by, "set targets")
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = "Describe what the learner should do."
    if due_date is None:
        errors["due_date"] = "Give the date the target is due."
    elif due_date < timezone.localdate():
        errors["due_date"] = "The due date cannot be in the past."
    outside = _outside_enrolment(enrolment, criteria, parts)
    if outside:
        errors["criteria"] = (
            f"{get_text_list(outside, 'and')} {'is' if len(outside) == 1 else 'are'} not in a "
            "unit of this enrolment, so a target cannot be set against "
            f"{'it' if len(outside) == 1 else 'them'}."
        )
    if errors:
        raise ValidationError(errors)
    target = Target(enrolment=enrolment, description=description, due_date=due_date, set_by=by)
    target.full_clean()
    target.save()
    target.criteria.set(criteria)
    target.parts.set(parts)
    # TARGET_DUE is kept for reminders, so that a reminder the same day is not mistaken for
    # one already sent.
    notify(
        recipient=enrolment.learner,
        kind=Notification.Kind.TARGET_SET,
        message=(
            f"{by.display_name} set you a target, due {due_date:%d/%m/%Y}: {_short(description)}"
        ),
        url=target_url(target),
    )
    return target


@audited(AuditRecord.Kind.TARGET, obj="target", summary="Target closed.")
@transaction.atomic
@changes_portfolio(of_target)
def target_close(*, target, by, status):
    """Mark an open target done or withdrawn: only the assessor closes targets."""
    target = Target.objects.select_for_update().get(pk=target.pk)
    _require_assessor(target.enrolment, by, "close targets")
    if status not in CLOSING_STATUSES:
        raise ValidationError("A target can be marked done or withdrawn.")
    if target.status != Target.Status.OPEN:
        raise ValidationError(f"This target is already {target.get_status_display().lower()}.")
    target.status = status
    target.closed_at = timezone.now()
    target.closed_by = by
    target.full_clean()
    target.save(update_fields=["status", "closed_at", "closed_by"])
    notify(
        recipient=target.enrolment.learner,
        kind=Notification.Kind.TARGET_CLOSED,
        message=(
            f"{by.display_name} marked your target {target.get_status_display().lower()}: "
            f"{_short(target.description)}"
        ),
        url=target_url(target),
    )
    return target


@audited(AuditRecord.Kind.TARGET, obj="target", summary="Target reopened.")
@transaction.atomic
@changes_portfolio(of_target)
def target_reopen(*, target, by, reason):
    """Open a target marked done or withdrawn again, with the assessor's reason, kept in its
    history; the learner is told."""
    target = Target.objects.select_for_update().select_related("enrolment").get(pk=target.pk)
    _require_assessor(target.enrolment, by, "reopen targets")
    if target.status == Target.Status.OPEN:
        raise ValidationError("This target is open already.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the target is reopened; the learner is told."})
    reopening = TargetReopening(
        target=target,
        reason=reason,
        was_status=target.status,
        was_closed_at=target.closed_at,
        was_closed_by_id=target.closed_by_id,
        reopened_by=by,
        reopened_at=timezone.now(),
    )
    reopening.full_clean()
    reopening.save()
    target.status = Target.Status.OPEN
    target.closed_at = None
    target.closed_by = None
    target.save(update_fields=["status", "closed_at", "closed_by"])
    notify(
        recipient=target.enrolment.learner,
        kind=Notification.Kind.FEEDBACK,
        message=(
            f"{by.display_name} reopened your target “{_short(target.description)}”: "
            f"{_short(reason)}"
        ),
        url=target_url(target),
    )
    return target


def _reminded_today(recipient, url, today):
    return Notification.objects.filter(
        recipient=recipient,
        kind=Notification.Kind.TARGET_DUE,
        url=url,
        created_at__date=today,
    ).exists()


def target_reminders_send(*, today=None):
    """Remind learner and assessor of each open target due soon or overdue, once a day each.

    Only for learners in active learning. The Notification table is the record of what was
    sent, so running this twice in a day sends nothing the second time. Returns how many
    reminders were sent.
    """
    today = today or timezone.localdate()
    targets = Target.objects.filter(
        status=Target.Status.OPEN,
        enrolment__status=Enrolment.Status.ACTIVE,
        due_date__lte=today + datetime.timedelta(days=REMIND_DAYS),
    ).select_related("enrolment__learner", "enrolment__assessor")
    sent = 0
    for target in targets:
        url = target_url(target)
        when = f"{due_text(target.due_date, today)} ({target.due_date:%d/%m/%Y})"
        learner = target.enrolment.learner
        messages = [
            (learner, f"Your target “{_short(target.description)}”: {when}."),
            (
                target.enrolment.assessor,
                f"{learner.display_name}'s target “{_short(target.description)}”: {when}.",
            ),
        ]
        for recipient, message in messages:
            with transaction.atomic():
                if _reminded_today(recipient, url, today):
                    continue
                if notify(
                    recipient=recipient,
                    kind=Notification.Kind.TARGET_DUE,
                    message=message,
                    url=url,
                ):
                    sent += 1
    return sent
