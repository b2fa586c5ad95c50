"""Open Badges 3.0 credentials for a unit: issued on countersigning with the centre's Ed25519
key (eddsa-jcs-2022 proof), checked by `verify_credential` and the public endpoints, refused
when tampered with, revoked when the unit is reopened, and waiting when there is no key."""

import copy
import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessments.signoff import unit_countersign, unit_reopen, unit_sign_off
from credentials import keys, proofs
from credentials.models import Credential
from credentials.verification import credential_verify

from .test_judgements import fully_met


@pytest.fixture
def key_path(settings, tmp_path):
    settings.CREDENTIAL_KEY_PATH = tmp_path / "keys" / "credential.pem"
    settings.SITE_URL = "https://portfolio.example-centre.ac.uk"
    return settings.CREDENTIAL_KEY_PATH


@pytest.fixture
def centre_key(key_path):
    call_command("credential_key", "create", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return key_path


@pytest.fixture
def signed(alice_enrolment, unit, carol):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    return unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)


@pytest.fixture
def countersigned(centre_key, signed, alice):
    return unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)


@pytest.fixture
def credential(countersigned):
    return Credential.objects.get(sign_off=countersigned)


def document_of(credential):
    return json.loads(credential.document)


def verify_file(tmp_path, document):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("verify_credential", str(path), stdout=Out())
    return "".join(out)


class TestIssuing:
    def test_it_issues_nothing_when_the_assessor_signs_off(self, centre_key, signed):
        assert not Credential.objects.exists()

    def test_it_issues_an_open_badge_when_the_learner_countersigns(self, credential, unit):
        document = document_of(credential)
        assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert document["id"] == f"urn:uuid:{credential.public_id}"
        assert (
            document["issuer"]["id"] == "https://portfolio.example-centre.ac.uk/credentials/issuer"
        )
        achievement = document["credentialSubject"]["achievement"]
        assert achievement["humanCode"] == "A/601/2550"
        assert achievement["name"] == unit.title
        assert achievement["creditsAvailable"] == 3 and achievement["tag"] == ["Level 3"]
        assert document["validFrom"].endswith("Z")
        assert document["credentialStatus"] == {
            "id": f"https://portfolio.example-centre.ac.uk/credentials/{credential.public_id}/status",
            "type": "1EdTechRevocationList",
        }
        assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"

    def test_it_names_the_learner_and_hashes_their_email(self, credential, alice):
        identifiers = document_of(credential)["credentialSubject"]["identifier"]
        name, email = identifiers
        assert name == {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": "Alice Archer",
        }
        assert email["hashed"] is True and alice.email not in json.dumps(identifiers)
        assert email["identityHash"].startswith("sha256$")

    def test_the_learner_downloads_it_from_the_unit_page(self, client, credential, alice, unit):
        client.force_login(alice)
        page = client.get(
            reverse(
                "assessments:unit", args=[credential.sign_off.enrolled_unit.enrolment_id, unit.slug]
            )
        )
        download = reverse("credentials:download", args=[credential.public_id])
        assert download in page.content.decode()
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ld+json"
        assert response.content.decode() == credential.document


class TestVerifying:
    def test_a_credential_round_trips_through_verify_credential(self, credential, tmp_path):
        assert verify_file(tmp_path, document_of(credential)).startswith("valid:")

    @pytest.mark.parametrize(
        ("what", "change"),
        [
            (
                "name",
                lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Mallory"),
            ),
            (
                "unit",
                lambda d: d["credentialSubject"]["achievement"].update(humanCode="F/601/2551"),
            ),
            (
                "unit title",
                lambda d: d["credentialSubject"]["achievement"].update(name="Another unit"),
            ),
            ("date", lambda d: d.update(validFrom="2020-01-01T00:00:00Z")),
            ("proof date", lambda d: d["proof"].update(created="2020-01-01T00:00:00Z")),
        ],
    )
    def test_a_tampered_credential_fails(self, credential, tmp_path, what, change):
        document = document_of(credential)
        change(document)
        with pytest.raises(CommandError, match="invalid: Its signature does not match") as error:
            verify_file(tmp_path, document)
        assert error.value.returncode == 1

    def test_a_proof_swapped_from_another_credential_fails(self, credential, alice, carol):
        # The unit reopened and signed again: a second credential with its own proof.
        unit_reopen(sign_off=credential.sign_off, by=carol, reason="Evidence to check again.")
        again = unit_sign_off(
            enrolled_unit=credential.sign_off.enrolled_unit, by=carol, declaration_confirmed=True
        )
        unit_countersign(sign_off=again, by=alice, declaration_confirmed=True)
        second = document_of(Credential.objects.get(sign_off=again))
        assert credential_verify(second).status == "valid"
        second["proof"] = document_of(credential)["proof"]
        verdict = credential_verify(second)
        assert verdict.status == "invalid"
        assert "signature does not match" in verdict.reasons[0]

    def test_a_credential_signed_with_another_key_fails(self, credential):
        document = document_of(credential)
        del document["proof"]
        forged = proofs.add_proof(
            document, private_key=Ed25519PrivateKey.generate(), created="2026-12-01T00:00:00Z"
        )
        verdict = credential_verify(forged)
        assert verdict.status == "invalid"
        assert verdict.reasons == ["It was signed with a key this centre does not use for it."]

    def test_a_credential_without_a_proof_fails(self, credential):
        document = document_of(credential)
        del document["proof"]
        assert credential_verify(document).reasons == [
            "It has no proof naming the key that signed it."
        ]

    def test_it_still_verifies_after_the_centre_changes_its_key(self, credential):
        call_command("credential_key", "create", "--replace", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert credential_verify(document_of(credential)).status == "valid"

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ('{"type": [{}, ["x"]]}', "It is not an OpenBadgeCredential."),
            ("[" * 100_001, "It is larger than any credential"),
            ("[" * 5_000, "It is nested deeper than any credential"),
            ("[1, 2]", "It is not a JSON object."),
        ],
    )
    def test_odd_json_is_invalid_not_an_error(self, client, db, text, reason):
        url = reverse("credentials:verify")
        answer = client.post(url, text, content_type="application/json").json()
        assert answer["status"] == "invalid" and answer["reasons"][0].startswith(reason)

    def test_a_float_in_a_signed_credential_is_refused_not_canonicalised(self, credential):
        document = document_of(credential)
        document["credentialSubject"]["creditsEarned"] = 3.0
        assert "cannot be canonicalised" in credential_verify(document).reasons[0]

    def test_not_json_is_invalid_with_the_reason(self, credential, tmp_path):
        path = tmp_path / "credential.json"
        path.write_text("{not json")
        with pytest.raises(CommandError, match="invalid: It is not JSON"):
            call_command("verify_credential", str(path))


class TestRevoking:
    def test_reopening_the_unit_revokes_it(self, client, credential, carol, tmp_path):
        unit_reopen(sign_off=credential.sign_off, by=carol, reason="Plagiarism suspected.")
        with pytest.raises(CommandError, match="revoked: Revoked on .* the centre reopened"):
            verify_file(tmp_path, document_of(credential))
        status = client.get(reverse("credentials:status", args=[credential.public_id])).json()
        assert status["status"] == "revoked" and status["revokedAt"].endswith("Z")
        page = client.get(reverse("credentials:verify_stored", args=[credential.public_id]))
        assert "Credential: revoked" in page.content.decode()
        # The reason stays with the centre.
        assert "Plagiarism" not in page.content.decode()

    def test_a_revoked_credential_is_no_longer_downloadable(self, client, credential, carol, alice):
        unit_reopen(sign_off=credential.sign_off, by=carol, reason="Check again.")
        client.force_login(alice)
        assert (
            client.get(reverse("credentials:download", args=[credential.public_id])).status_code
            == 404
        )

    def test_an_active_credential_says_so_at_its_status_endpoint(self, client, credential):
        status = client.get(reverse("credentials:status", args=[credential.public_id])).json()
        assert status["status"] == "active" and status["credential"] == credential.urn


class TestWithoutAKey:
    def test_countersigning_still_works_and_the_credential_waits(
        self, key_path, signed, alice, caplog
    ):
        unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)
        signed.refresh_from_db()
        assert signed.is_countersigned and not Credential.objects.exists()
        assert "manage.py credential_key create" in caplog.text

    def test_issue_credentials_says_clearly_that_there_is_no_key(self, key_path, signed, alice):
        unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)
        with pytest.raises(
            CommandError, match="No credential signing key at .*credential_key create"
        ):
            call_command("issue_credentials")

    def test_issue_credentials_issues_the_waiting_ones_once_a_key_exists(
        self, key_path, signed, alice, tmp_path
    ):
        unit_countersign(sign_off=signed, by=alice, declaration_confirmed=True)
        call_command("credential_key", "create", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("issue_credentials", stdout=open("/dev/null", "w"))  # noqa: SIM115
        credential = Credential.objects.get(sign_off=signed)
        assert verify_file(tmp_path, document_of(credential)).startswith("valid:")
        call_command("issue_credentials", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert Credential.objects.count() == 1


class TestTheKey:
    def test_it_is_made_with_mode_0600_and_never_overwritten(self, centre_key):
        assert stat.S_IMODE(centre_key.stat().st_mode) == 0o600
        with pytest.raises(CommandError, match="already exists"):
            call_command("credential_key", "create")

    def test_show_public_prints_the_jwk_and_multikey(self, centre_key, capsys):
        call_command("credential_key", "show-public")
        shown = json.loads(capsys.readouterr().out)
        public_key = keys.private_key().public_key()
        assert shown["publicKeyJwk"] == keys.public_jwk(public_key)
        assert keys.public_key_from_multibase(shown["publicKeyMultibase"]) == public_key

    def test_show_public_without_a_key_is_a_clear_error(self, key_path):
        with pytest.raises(CommandError, match="No credential signing key"):
            call_command("credential_key", "show-public")

    def test_base58_round_trips_leading_zeros(self):
        for data in (b"", b"\0\0\1", bytes(range(40))):
            assert keys.base58btc_decode(keys.base58btc(data)) == data

    def test_jcs_refuses_floats_rather_than_canonicalise_them_wrongly(self):
        with pytest.raises(proofs.NotCanonicalisable):
            proofs.jcs({"credits": 1.5})
        assert proofs.jcs({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


class TestPublicEndpoints:
    def test_the_issuer_publishes_its_key_without_sign_in(self, client, db, centre_key):
        profile = client.get(reverse("credentials:issuer")).json()
        public_key = keys.private_key().public_key()
        [method] = profile["verificationMethod"]
        assert method["id"] == keys.verification_method_id(public_key)
        assert method["publicKeyJwk"] == keys.public_jwk(public_key)
        assert profile["assertionMethod"] == [method["id"]]

    def test_a_program_posts_json_and_reads_the_verdict(self, client, credential):
        url = reverse("credentials:verify")
        answer = client.post(url, credential.document, content_type="application/json").json()
        assert answer["status"] == "valid"
        tampered = document_of(credential)
        tampered["validFrom"] = "2020-01-01T00:00:00Z"
        answer = client.post(url, json.dumps(tampered), content_type="application/json").json()
        assert answer["status"] == "invalid"

    def test_a_person_pastes_it_into_the_form(self, client, credential):
        response = client.post(reverse("credentials:verify"), {"credential": credential.document})
        assert "Credential: valid" in response.content.decode()
        assert "Alice Archer" in response.content.decode()

    def test_the_form_asks_for_something_to_check(self, client):
        response = client.post(reverse("credentials:verify"), {})
        assert response.status_code == 400
        assert "Paste the credential" in response.content.decode()

    def test_the_stored_credential_has_a_public_verification_page(self, client, credential):
        page = client.get(reverse("credentials:verify_stored", args=[credential.public_id]))
        assert "Credential: valid" in page.content.decode()

    def test_an_unknown_credential_is_not_found(self, client, db):
        missing = "00000000-0000-4000-8000-000000000000"
        assert client.get(reverse("credentials:status", args=[missing])).status_code == 404

    def test_a_copy_with_its_own_valid_signature_but_unknown_id_is_refused(self, credential):
        document = copy.deepcopy(document_of(credential))
        document["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
        del document["proof"]
        resigned = proofs.add_proof(
            document, private_key=keys.private_key(), created="2026-12-01T00:00:00Z"
        )
        assert credential_verify(resigned).reasons == ["This centre has no record of issuing it."]
