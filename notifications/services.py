"""Tell someone about their portfolio work: a notice in the app and, if they have an address,
an email through Django's email backend, queued as a job once the change that caused it is
committed, so a slow mail server never holds up the page (jobs/services.py)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Notification

logger = logging.getLogger(__name__)


def notify(*, recipient, kind, message, url=""):
    """Record a notice for `recipient`; email it after the surrounding transaction commits."""
    if recipient is None or not recipient.is_active:
        return None
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, message=message[:300], url=url
    )
    if recipient.email:
        transaction.on_commit(lambda: notification_email_send.enqueue(notification.pk))
    return notification


@task()
def notification_email_send(pk):
    _email(pk)


def _email(pk):
    notification = Notification.objects.select_related("recipient").get(pk=pk)
    body = notification.message
    if notification.url:
        body += f"\n\nOpen it in {settings.SITE_NAME}: {settings.SITE_URL}{notification.url}"
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
