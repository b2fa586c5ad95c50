"""The centre's Ed25519 signing key: made once by `manage.py credential_key create`, kept
outside the repository at CREDENTIAL_KEY_PATH (mode 0600), and read by every signature.

The public half is published as a Multikey (W3C Controlled Identifiers) and as a JWK, both
named by the same key id, so a verifier can use whichever its library understands.
"""

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.urls import reverse

# The multicodec prefix of an Ed25519 public key (0xed, varint-encoded), as Multikey wants it.
ED25519_MULTICODEC = b"\xed\x01"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class CredentialKeyMissing(Exception):
    """No signing key: credentials wait until one is made, then `issue_credentials`."""

    def __init__(self, path):
        super().__init__(
            f"No credential signing key at {path}. Make one with "
            "`manage.py credential_key create` (or set CREDENTIAL_KEY_PATH), then issue the "
            "credentials that are waiting with `manage.py issue_credentials`."
        )


def key_path():
    return Path(settings.CREDENTIAL_KEY_PATH)


def base58btc(data):
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text):
    number = 0
    for character in text:
        index = BASE58_ALPHABET.find(character)
        if index < 0:
            raise ValueError(f"{character!r} is not a base58btc character.")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_zeros + body


def key_create(*, path=None, replace=False):
    """Write a new private key with mode 0600; refuses to overwrite one unless `replace`."""
    path = Path(path or key_path())
    if path.exists() and not replace:
        raise FileExistsError(f"A credential key already exists at {path}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    # Created 0600 from the start: no moment when another user could read it.
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)
    return path


def private_key():
    path = key_path()
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise CredentialKeyMissing(path) from None
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"The key at {path} is not an Ed25519 key.")
    return key


def raw_public_bytes(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_multibase(public_key):
    """'z' + base58btc(0xed01 + the 32-byte key): the Multikey form."""
    return "z" + base58btc(ED25519_MULTICODEC + raw_public_bytes(public_key))


def public_key_from_multibase(value):
    if not value.startswith("z"):
        raise ValueError("The key is not base58btc multibase (it must start with 'z').")
    decoded = base58btc_decode(value[1:])
    if not decoded.startswith(ED25519_MULTICODEC) or len(decoded) != 34:
        raise ValueError("The key is not an Ed25519 Multikey.")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def public_jwk(public_key):
    x = base64.urlsafe_b64encode(raw_public_bytes(public_key)).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def issuer_id():
    """The issuer's profile: a public page at this site, which lists its key."""
    return settings.SITE_URL + reverse("credentials:issuer")


def verification_method_id(public_key):
    """The key's id: the issuer's profile with the key itself as the fragment, so a new key
    (after rotation) has a new id and credentials name the key they were signed with."""
    return f"{issuer_id()}#{public_multibase(public_key)}"
