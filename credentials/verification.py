"""Whether a credential is one this centre issued, unchanged and still in force.

The answer is one of VALID, REVOKED or INVALID, with the reasons in words. A credential is
checked against the key that signed it: the centre's current key, or the key recorded when
that credential was issued (so a credential outlives a change of key), never a key named only
by the document itself.
"""

import json
import re
from dataclasses import dataclass, field

from django.utils import timezone

from . import keys, proofs
from .models import Credential

VALID = "valid"
REVOKED = "revoked"
INVALID = "invalid"
URN = re.compile(r"^urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
# A JSON credential is a few kilobytes; a bound keeps a public endpoint cheap.
MAX_CREDENTIAL_BYTES = 100_000


@dataclass
class Verdict:
    status: str
    reasons: list = field(default_factory=list)
    credential: Credential | None = None

    @property
    def is_valid(self):
        return self.status == VALID


def _invalid(*reasons, credential=None):
    return Verdict(INVALID, list(reasons), credential)


def _trusted_key(credential, method):
    """The public key named by `method` if the centre signs with it or signed this one with it."""
    try:
        current = keys.private_key().public_key()
    except keys.CredentialKeyMissing:
        current = None
    if current is not None and method == keys.verification_method_id(current):
        return current
    if credential is not None and method == credential.verification_method:
        return keys.public_key_from_multibase(method.partition("#")[2])
    return None


def credential_verify_text(text):
    """Verdict on a credential given as JSON text (or bytes)."""
    if isinstance(text, bytes):
        if len(text) > MAX_CREDENTIAL_BYTES:
            return _invalid("It is larger than any credential this centre issues.")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return _invalid("It is not UTF-8 text.")
    if len(text.encode()) > MAX_CREDENTIAL_BYTES:
        return _invalid("It is larger than any credential this centre issues.")
    try:
        document = json.loads(text)
    except ValueError as error:
        return _invalid(f"It is not JSON: {error}.")
    except RecursionError:
        return _invalid("It is nested deeper than any credential this centre issues.")
    return credential_verify(document)


def credential_verify(document):
    if not isinstance(document, dict):
        return _invalid("It is not a JSON object.")
    types = document.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= {
        kind for kind in types if isinstance(kind, str)
    }:
        return _invalid("It is not an OpenBadgeCredential.")
    match = URN.match(str(document.get("id", "")))
    credential = Credential.objects.filter(public_id=match.group(1)).first() if match else None
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str):
        return _invalid("It has no proof naming the key that signed it.", credential=credential)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != keys.issuer_id():
        return _invalid("It was not issued by this centre.", credential=credential)
    try:
        public_key = _trusted_key(credential, method)
    except ValueError as error:
        return _invalid(f"The key it names is not usable: {error}", credential=credential)
    if public_key is None:
        return _invalid(
            "It was signed with a key this centre does not use for it.", credential=credential
        )
    problem = proofs.check_proof(document, public_key)
    if problem:
        return _invalid(problem, credential=credential)
    if credential is None:
        return _invalid("This centre has no record of issuing it.")
    if credential.is_revoked:
        when = timezone.localtime(credential.revoked_at).strftime("%-d %B %Y")
        # The reason stays with the centre: it may speak of the learner's work.
        reason = f"Revoked on {when}: the centre reopened the unit it was issued for."
        return Verdict(REVOKED, [reason], credential)
    return Verdict(VALID, ["The signature holds and the credential is in force."], credential)
