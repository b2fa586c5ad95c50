"""Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C VC Data Integrity EdDSA).

    proof config   = the proof without proofValue, with the document's @context
    hash data      = SHA-256(JCS(proof config)) || SHA-256(JCS(document without proof))
    proofValue     = 'z' + base58btc(Ed25519 signature of hash data)

JCS is the JSON Canonicalization Scheme, RFC 8785. For the documents this app writes - objects,
arrays, strings, integers, booleans and null, with ASCII keys - JCS is exactly Python's
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`: RFC 8785 sorts keys by
UTF-16 code units (the same order as Python's for ASCII keys), escapes only what JSON must
(both escape control characters as \\u00xx and use \\b \\f \\n \\r \\t), and writes integers
without exponent. Floats are where the two part (ECMAScript number formatting), so a float or a
non-ASCII key anywhere is refused rather than canonicalised wrongly.
"""

import hashlib
import json

from cryptography.exceptions import InvalidSignature

from . import keys

CRYPTOSUITE = "eddsa-jcs-2022"


class NotCanonicalisable(ValueError):
    pass


def _check_jcs_safe(value, where="$"):
    if isinstance(value, float):
        raise NotCanonicalisable(f"{where} is a float, which this canonicaliser does not write.")
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise NotCanonicalisable(f"{where} has a key that is not ASCII: {key!r}.")
            _check_jcs_safe(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _check_jcs_safe(inner, f"{where}[{index}]")


def jcs(value):
    """RFC 8785 bytes of `value` (see the module's note for what it accepts)."""
    _check_jcs_safe(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash_data(document, proof_config):
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    config = {name: value for name, value in proof_config.items() if name != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return hashlib.sha256(jcs(config)).digest() + hashlib.sha256(jcs(unsecured)).digest()


def add_proof(document, *, private_key, created):
    """The document with a DataIntegrityProof added (a new dict; the argument is not changed)."""
    public_key = private_key.public_key()
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": keys.verification_method_id(public_key),
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": "z" + keys.base58btc(signature)}}


def check_proof(document, public_key):
    """None when the proof holds for `public_key`, else the reason it does not, in words."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return "It has no proof."
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"Its proof is not a DataIntegrityProof with the {CRYPTOSUITE} cryptosuite."
    if proof.get("proofPurpose") != "assertionMethod":
        return "Its proof is not for assertionMethod."
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return "Its proofValue is not base58btc multibase."
    try:
        signature = keys.base58btc_decode(value[1:])
        public_key.verify(signature, _hash_data(document, proof))
    except NotCanonicalisable as error:
        return f"It cannot be canonicalised: {error}"
    except RecursionError:
        return "It is nested too deeply to canonicalise."
    except (ValueError, InvalidSignature):
        return (
            "Its signature does not match its content: the credential was changed after it "
            "was signed, or the proof belongs to another credential."
        )
    return None
