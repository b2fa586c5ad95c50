import datetime
import json

from django.conf import settings

from . import keys
from .models import Credential


def _method(method_id, public_key):
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": keys.issuer_id(),
        "publicKeyMultibase": keys.public_multibase(public_key),
        "publicKeyJwk": keys.public_jwk(public_key),
    }


def issuer_profile():
    """The issuer's public profile: the current key and every key a standing credential names."""
    methods = {}
    try:
        current = keys.private_key().public_key()
        methods[keys.verification_method_id(current)] = current
    except keys.CredentialKeyMissing:
        pass
    earlier = Credential.objects.values_list("verification_method", flat=True).distinct()
    for method_id in earlier.order_by("verification_method"):
        if method_id not in methods:
            methods[method_id] = keys.public_key_from_multibase(method_id.partition("#")[2])
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": keys.issuer_id(),
        "type": ["Profile"],
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "verificationMethod": [_method(m, key) for m, key in methods.items()],
        "assertionMethod": list(methods),
    }


def credential_summary(credential):
    """What a verification page says the credential is: read from what was signed."""
    document = json.loads(credential.document)
    subject = document["credentialSubject"]
    names = [i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"]
    return {
        "id": document["id"],
        "learner": names[0] if names else "",
        "unit": document["name"],
        "valid_from": datetime.datetime.fromisoformat(document["validFrom"]),
        "status_url": document["credentialStatus"]["id"],
    }
