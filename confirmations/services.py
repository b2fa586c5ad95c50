"""Asking for, resending, cancelling and giving a witness's or employer's confirmation: the only
place these rules live.

Only the item's owner (the learner for their evidence, the assessor for their records) asks,
and only about a submitted version: the link is bound to that version, so what the witness
signs is exactly what the assessor reads. Giving a confirmation locks the request row, so a link
sent twice at once is used once.
"""

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.signoff import _version_content_digest
from audit.hooks import audited
from audit.models import AuditRecord
from evidence import rules
from evidence.models import EvidenceItem
from people.versions import changes_portfolio, of_item

from .models import Confirmation
from .wording import ASKS, kinds_for_item

logger = logging.getLogger(__name__)


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def of_confirmation(*, confirmation, **_):
    return confirmation.item.enrolment_id


class LinkRefused(Exception):
    """The link cannot be used: `status` (404 or 410) and words for the person holding it."""

    def __init__(self, status, heading, reason, *, code=""):
        super().__init__(reason)
        self.status, self.heading, self.reason, self.code = status, heading, reason, code


UNKNOWN_LINK = LinkRefused(
    404,
    "This link does not work",
    "The link is not one we sent, or it has been replaced by a newer one. Check that the "
    "whole address was copied from the email, or ask the learner to send the request again.",
)


def link_refusal(confirmation, *, now=None):
    """Why the link of `confirmation` cannot be used now, as a LinkRefused, or None."""
    if confirmation is None:
        return UNKNOWN_LINK
    if confirmation.is_confirmed:
        return LinkRefused(
            410,
            "This link has already been used",
            f"{confirmation.signed_name} signed this on "
            f"{timezone.localtime(confirmation.confirmed_at):%-d %B %Y}. Each link can be used "
            "once; nothing more is needed.",
        )
    if confirmation.cancelled_at:
        return LinkRefused(
            410,
            "This request was withdrawn",
            "The learner withdrew this request, so there is nothing to sign.",
        )
    item = confirmation.item
    latest = item.versions.order_by("-number").values_list("number", flat=True).first()
    if item.is_draft or latest != confirmation.version.number:
        return LinkRefused(
            410,
            "The evidence has changed since this link was sent",
            f"The link was for version {confirmation.version.number} of “{item.title}”, which "
            "has been revised since, so it can no longer be signed. Ask the learner to send a "
            "new request for the current version.",
        )
    if confirmation.expires_at <= (now or timezone.now()):
        return LinkRefused(
            410,
            "This link has expired",
            f"The link stopped working on "
            f"{timezone.localtime(confirmation.expires_at):%-d %B %Y}. Ask the learner to send "
            "it again.",
            code="expired",
        )
    return None


def _require_owner(item, by):
    if rules.owner_id(item) != by.pk:
        raise PermissionDenied(
            "Only the item's owner asks for confirmations of it: the learner for their "
            "evidence, the assessor for their records."
        )


def _new_token(confirmation):
    """Give `confirmation` a new token and expiry; the raw token, which is never stored."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    confirmation.token_hash = token_digest(token)
    confirmation.sent_at = now
    confirmation.expires_at = now + datetime.timedelta(days=settings.CONFIRMATION_LINK_DAYS)
    return token


def _email_on_commit(confirmation, token):
    context = {
        "confirmation": confirmation,
        "learner": confirmation.item.enrolment.learner,
        "version": confirmation.version,
        "ask": ASKS[confirmation.kind],
        "link": settings.SITE_URL + reverse("confirmations:respond", args=[token]),
        "site_name": settings.SITE_NAME,
    }
    subject = " ".join(render_to_string("confirmations/email_subject.txt", context).split())
    body = render_to_string("confirmations/email.txt", context)

    def send():
        try:
            send_mail(subject, body, None, [confirmation.witness_email])
        except OSError:
            # The request stands; the learner sees it as sent and can send it again.
            logger.exception("Could not email confirmation request %s", confirmation.pk)

    transaction.on_commit(send)


def _current_version(item):
    version = item.versions.order_by("-number").first()
    if item.is_draft or version is None:
        raise ValidationError(
            "Only submitted evidence can be confirmed: submit it first, then ask your witness."
        )
    return version


@audited(AuditRecord.Kind.CONFIRMATION_ASKED, summary="Confirmation asked by emailed link.")
@transaction.atomic
@changes_portfolio(of_item)
def confirmation_request(
    *, item, by, kind, witness_name, witness_role, relationship, witness_email
):
    """Ask `witness_email` to confirm the item's current version; emails a link once committed.
    Returns the request."""
    item = (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("enrolment__learner", "enrolment__assessor")
        .get(pk=item.pk)
    )
    _require_owner(item, by)
    version = _current_version(item)
    if kind not in kinds_for_item(item):
        allowed = ", ".join(str(Confirmation.Kind(k).label).lower() for k in kinds_for_item(item))
        raise ValidationError({"kind": f"This item can be confirmed by: {allowed or 'nobody'}."})
    confirmation = Confirmation(
        kind=kind,
        item=item,
        version=version,
        witness_name=(witness_name or "").strip(),
        witness_role=(witness_role or "").strip(),
        relationship=(relationship or "").strip(),
        witness_email=(witness_email or "").strip(),
        requested_by=by,
    )
    token = _new_token(confirmation)
    confirmation.full_clean()
    enrolment = item.enrolment
    own = {(person.email or "").lower() for person in (enrolment.learner, enrolment.assessor)}
    if confirmation.witness_email.lower() in own - {""}:
        raise ValidationError(
            {"witness_email": "Ask someone else: not the learner, and not their assessor."}
        )
    confirmation.save()
    _email_on_commit(confirmation, token)
    return confirmation


def _locked(confirmation):
    return (
        Confirmation.objects.select_for_update(of=("self",))
        .select_related("item__enrolment__learner", "version")
        .get(pk=confirmation.pk)
    )


@audited(AuditRecord.Kind.CONFIRMATION_CHANGED, obj="confirmation", summary="Link sent again.")
@transaction.atomic
@changes_portfolio(of_confirmation)
def confirmation_resend(*, confirmation, by):
    """Send the request again with a new link; the old link stops working."""
    confirmation = _locked(confirmation)
    _require_owner(confirmation.item, by)
    refusal = link_refusal(confirmation)
    if refusal is not None and refusal.code != "expired":
        raise ValidationError(f"This request cannot be sent again: {refusal.heading.lower()}.")
    token = _new_token(confirmation)
    confirmation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _email_on_commit(confirmation, token)
    return confirmation


@audited(AuditRecord.Kind.CONFIRMATION_CHANGED, obj="confirmation", summary="Request withdrawn.")
@transaction.atomic
@changes_portfolio(of_confirmation)
def confirmation_cancel(*, confirmation, by):
    """Withdraw the request: its link stops working. A confirmation given stays."""
    confirmation = _locked(confirmation)
    _require_owner(confirmation.item, by)
    if confirmation.is_confirmed:
        raise ValidationError("This request has been confirmed already; it stays on record.")
    if confirmation.cancelled_at is None:
        confirmation.cancelled_at = timezone.now()
        confirmation.save(update_fields=["cancelled_at"])
    return confirmation


def _given(kwargs, confirmation):
    return (
        f"{confirmation.get_outcome_display()} by link for version {confirmation.version.number}"
        f" (content digest {confirmation.content_digest[:12]}…)."
    )


@audited(AuditRecord.Kind.CONFIRMATION_GIVEN, obj="confirmation", summary=_given)
@transaction.atomic
@changes_portfolio(of_confirmation)
def confirmation_give(
    *, confirmation, address, how_known, outcome, correction, signed_name, declaration
):
    """The witness's answer, by the link: signs the version the link was sent for, storing its
    content digest, its files, the time and the witness's address. Raises LinkRefused when the
    link cannot be used, ValidationError when the answer is incomplete."""
    confirmation = _locked(confirmation)
    refusal = link_refusal(confirmation)
    if refusal is not None:
        raise refusal
    errors = {}
    how_known, correction = (how_known or "").strip(), (correction or "").strip()
    signed_name = " ".join((signed_name or "").split())
    if not how_known:
        errors["how_known"] = ["Say how you know the learner."]
    if outcome not in Confirmation.Outcome.values:
        errors["outcome"] = ["Choose whether you confirm the statement or correct it."]
    if outcome == Confirmation.Outcome.CORRECTED and not correction:
        errors["correction"] = ["Write the correction: what happened differently."]
    if not signed_name:
        errors["signed_name"] = ["Type your name to sign."]
    if not declaration:
        errors["declaration"] = ["Tick the declaration to sign."]
    if errors:
        raise ValidationError(errors)
    version = confirmation.version
    confirmation.how_known = how_known
    confirmation.outcome = outcome
    confirmation.correction = correction if outcome == Confirmation.Outcome.CORRECTED else ""
    confirmation.signed_name = signed_name
    confirmation.content_digest = _version_content_digest(version)
    confirmation.files_signed = [[f.original_name, f.sha256] for f in version.files.order_by("pk")]
    confirmation.confirmed_at = timezone.now()
    confirmation.witness_address = address
    confirmation.full_clean()
    confirmation.save()
    return confirmation
