"""What an Open Badges 3.0 credential for a unit says (before it is signed)."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse

from . import keys

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
# Open Badges 3.0 names its revocation list status type so.
STATUS_TYPE = "1EdTechRevocationList"


def iso_utc(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(value, salt):
    """OB 3.0's hashed IdentityObject: 'sha256$' + hex SHA-256 of the value and then the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()


def _learner_identifiers(learner):
    """The learner's name in the clear, so the credential reads as theirs to whoever they show
    it to, and their email address only as a salted hash: a verifier who already knows the
    address can check it, no one else learns it."""
    identifiers = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": learner.display_name,
        }
    ]
    if learner.email:
        salt = secrets.token_hex(16)
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash(learner.email.strip().lower(), salt),
                "salt": salt,
            }
        )
    return identifiers


def _achievement(unit):
    achievement = {
        "id": settings.SITE_URL + reverse("criteria:unit", args=[unit.slug]),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": unit.title,
        "humanCode": unit.reference,
        "description": unit.aim or unit.title,
        "criteria": {
            "narrative": (
                "Every assessment criterion of the unit was judged met on evidence from the "
                "learner's work, the assessor signed the unit off and the learner countersigned."
            )
        },
        "tag": [f"Level {unit.level}"] if unit.level else [],
        "otherIdentifiers": [
            {
                "type": "IdentifierEntry",
                "identifier": unit.reference,
                "identifierType": "identifier",
            }
        ],
    }
    if unit.credit_value is not None:
        # An integer, not a float: see proofs.py on JCS and numbers.
        achievement["creditsAvailable"] = unit.credit_value
    return achievement


def unit_credential(*, public_id, sign_off, status_url):
    enrolled_unit = sign_off.enrolled_unit
    unit = enrolled_unit.unit
    learner = enrolled_unit.enrolment.learner
    subject = {
        "type": ["AchievementSubject"],
        "identifier": _learner_identifiers(learner),
        "achievement": _achievement(unit),
    }
    if unit.credit_value is not None:
        subject["creditsEarned"] = unit.credit_value
    return {
        "@context": CONTEXTS,
        "id": f"urn:uuid:{public_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{unit.reference} {unit.title}",
        "issuer": {
            "id": keys.issuer_id(),
            "type": ["Profile"],
            "name": settings.SITE_NAME,
        },
        "validFrom": iso_utc(sign_off.learner_signed_at),
        "credentialSubject": subject,
        "credentialStatus": {"id": status_url, "type": STATUS_TYPE},
    }
