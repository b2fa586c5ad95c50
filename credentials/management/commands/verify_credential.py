"""Check a unit credential file: prints valid, revoked or invalid with the reason."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credentials.verification import credential_verify_text


class Command(BaseCommand):
    help = (
        "Verify an Open Badges 3.0 credential this centre issued: its eddsa-jcs-2022 proof, "
        "its issuer and whether it has been revoked. Exits 1 unless it is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The credential's JSON file.")

    def handle(self, *, file, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        verdict = credential_verify_text(content)
        line = f"{verdict.status}: {' '.join(verdict.reasons)}"
        if not verdict.is_valid:
            raise CommandError(line, returncode=1)
        self.stdout.write(line)
