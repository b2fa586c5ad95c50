"""Make the centre's credential signing key, or print its public half."""

import json

from django.core.management.base import BaseCommand, CommandError

from credentials import keys


class Command(BaseCommand):
    help = (
        "create: make the Ed25519 key that signs unit credentials, at CREDENTIAL_KEY_PATH "
        "(mode 0600, outside the repository). show-public: print its public key as a JWK "
        "and a Multikey, as the issuer's profile publishes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "show-public"])
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace an existing key. Credentials already issued still verify: each "
            "records the key that signed it.",
        )

    def handle(self, *, action, replace, **options):
        if action == "create":
            try:
                path = keys.key_create(replace=replace)
            except FileExistsError as error:
                raise CommandError(f"{error} Use --replace to make a new one.") from error
            self.stdout.write(f"Made a new Ed25519 credential key at {path} (mode 0600).")
            public_key = keys.private_key().public_key()
            self.stdout.write(f"Key id: {keys.verification_method_id(public_key)}")
            return
        try:
            public_key = keys.private_key().public_key()
        except keys.CredentialKeyMissing as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {
                    "id": keys.verification_method_id(public_key),
                    "publicKeyMultibase": keys.public_multibase(public_key),
                    "publicKeyJwk": keys.public_jwk(public_key),
                },
                indent=2,
            )
        )
