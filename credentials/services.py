"""Issuing and revoking unit credentials: the only place these rules live.

A credential is issued when a unit's sign-off is countersigned (assessments.signoff calls
`credential_issue_on_countersign`), and revoked when that sign-off is reopened. Without a
signing key the countersignature still stands: the credential waits, and
`manage.py issue_credentials` issues every one that is waiting once a key exists.
"""

import json
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.models import UnitSignOff
from people.versions import changes_portfolio, of_sign_off

from . import documents, keys, proofs
from .models import Credential

logger = logging.getLogger(__name__)


def status_url(public_id):
    return settings.SITE_URL + reverse("credentials:status", args=[public_id])


@transaction.atomic
@changes_portfolio(of_sign_off)
def credential_issue(*, sign_off, by=None):
    """Sign and keep the credential for a standing, countersigned sign-off.

    `by` is the learner countersigning, or None when the centre's operator issues waiting
    credentials from the command line. Raises CredentialKeyMissing when there is no key."""
    sign_off = UnitSignOff.objects.select_related(
        "enrolled_unit__unit", "enrolled_unit__enrolment__learner"
    ).get(pk=sign_off.pk)
    if by is not None and by.pk != sign_off.enrolled_unit.enrolment.learner_id:
        raise ValidationError("Only the learner's countersignature issues their credential.")
    if not sign_off.is_standing:
        raise ValidationError("This sign-off was reopened, so it earns no credential.")
    if not sign_off.is_countersigned:
        raise ValidationError("The learner has not countersigned this unit yet.")
    if Credential.objects.filter(sign_off=sign_off).exists():
        raise ValidationError("A credential was already issued for this sign-off.")
    private_key = keys.private_key()
    public_id = uuid.uuid4()
    now = timezone.now()
    unsigned = documents.unit_credential(
        public_id=public_id, sign_off=sign_off, status_url=status_url(public_id)
    )
    signed = proofs.add_proof(unsigned, private_key=private_key, created=documents.iso_utc(now))
    credential = Credential(
        public_id=public_id,
        sign_off=sign_off,
        document=json.dumps(signed, ensure_ascii=False, indent=2),
        verification_method=signed["proof"]["verificationMethod"],
        issued_at=now,
    )
    credential.full_clean()
    credential.save()
    return credential


def credential_issue_on_countersign(*, sign_off, by):
    """Issue at countersigning; without a key, say so in the log and leave it waiting."""
    try:
        return credential_issue(sign_off=sign_off, by=by)
    except keys.CredentialKeyMissing as error:
        logger.warning("Credential for sign-off %s not issued: %s", sign_off.pk, error)
        return None


@transaction.atomic
@changes_portfolio(of_sign_off)
def credential_revoke(*, sign_off, by, reason):
    """Revoke the sign-off's credential, if it has one, when the unit is reopened."""
    enrolment = sign_off.enrolled_unit.enrolment
    if by.pk not in {enrolment.assessor_id, enrolment.iqa_id}:
        raise ValidationError(
            "Only the assessor or the internal quality assurer can revoke a unit's credential."
        )
    credential = (
        Credential.objects.select_for_update().filter(sign_off=sign_off, revoked_at=None).first()
    )
    if credential is None:
        return None
    credential.revoked_at = timezone.now()
    credential.revoke_reason = (reason or "").strip() or "The unit was reopened."
    credential.full_clean()
    credential.save(update_fields=["revoked_at", "revoke_reason"])
    return credential


def credentials_issue_waiting():
    """Issue every credential a countersigned, standing sign-off is owed: (issued, count)."""
    waiting = UnitSignOff.objects.filter(
        reopened_at__isnull=True, learner_signed_at__isnull=False, credential__isnull=True
    ).order_by("pk")
    issued = []
    for sign_off in waiting:
        issued.append(credential_issue(sign_off=sign_off))
    return issued
