"""Tell someone about their portfolio work: a notice in the app and, if they have an address,
an email through Django's email backend, queued as a job once the change that caused it is
committed, so a slow mail server never holds up the page (jobs/services.py). People who chose
the daily digest get no email per notice: `digests_send` (the `send_daily_digest` command)
sends each of them one email a day with the notices not yet sent.
"""

import datetime
import logging
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_tasks import task

from .models import Notification

logger = logging.getLogger(__name__)

MERGE_WITHIN = datetime.timedelta(hours=1)


def notify(*, recipient, kind, message, url="", topic=""):
    """Record a notice for `recipient`; email it after the surrounding transaction commits.

    With a `topic`, an unread notice of the same kind and topic made within the last hour is
    brought up to date instead: one person's run of edits to one judgement is one notice.
    """
    if recipient is None or not recipient.is_active:
        return None
    if topic:
        recent = (
            Notification.objects.filter(
                recipient=recipient,
                kind=kind,
                topic=topic,
                read_at__isnull=True,
                created_at__gte=timezone.now() - MERGE_WITHIN,
            )
            .order_by("-created_at")
            .first()
        )
        if recent is not None:
            recent.message, recent.url = message[:300], url
            recent.save(update_fields=["message", "url"])
            return recent
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, message=message[:300], url=url, topic=topic
    )
    if recipient.email and not recipient.daily_digest:
        transaction.on_commit(lambda: notification_email_send.enqueue(notification.pk))
    return notification


@task()
def notification_email_send(pk):
    _email(pk)


def _link(notification):
    return f"{settings.SITE_URL}{notification.url}" if notification.url else ""


def _email(pk):
    notification = Notification.objects.select_related("recipient").get(pk=pk)
    body = notification.message
    if notification.url:
        body += f"\n\nOpen it in {settings.SITE_NAME}: {_link(notification)}"
    try:
        send_mail(
            subject=f"{settings.SITE_NAME}: {notification.get_kind_display()}",
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except OSError:
        # A mail server that is down must not undo the work; the notice is still in the app.
        logger.exception("Could not email notification %s", pk)
        return
    Notification.objects.filter(pk=pk).update(emailed_at=timezone.now())


def _digest_body(person, notices):
    lines = [
        f"Hello {person.first_name or person.username},",
        "",
        f"What happened in {settings.SITE_NAME} since your last digest:",
        "",
    ]
    for notice in notices:
        when = timezone.localtime(notice.created_at)
        lines.append(f"- {when:%-d %B %Y, %H:%M} · {notice.get_kind_display()}: {notice.message}")
        if notice.url:
            lines.append(f"  {_link(notice)}")
    lines += ["", "You chose one email a day: change it on your account page."]
    return "\n".join(lines)


def digests_send(*, now=None):
    """Email each person who chose the daily digest the notices not yet sent to them, in one
    email, and mark those notices sent. Returns how many emails went. One query reads every
    notice to send, however many people; a failed email leaves its notices for the next run."""
    now = now or timezone.now()
    notices = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lte=now,
            recipient__daily_digest=True,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    sent = 0
    for _, group in groupby(notices, key=lambda notice: notice.recipient_id):
        group = list(group)
        person = group[0].recipient
        try:
            send_mail(
                subject=(
                    f"{settings.SITE_NAME}: your daily digest, "
                    f"{len(group)} notice{pluralize(len(group))}"
                ),
                message=_digest_body(person, group),
                from_email=None,
                recipient_list=[person.email],
            )
        except OSError:
            logger.exception("Could not email the daily digest to person %s", person.pk)
            continue
        Notification.objects.filter(pk__in=[notice.pk for notice in group]).update(emailed_at=now)
        sent += 1
    return sent
