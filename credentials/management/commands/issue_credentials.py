"""Issue the credentials waiting for a key: countersigned units signed while there was none."""

from django.core.management.base import BaseCommand, CommandError

from credentials import keys
from credentials.services import credentials_issue_waiting


class Command(BaseCommand):
    help = "Issue a credential for every countersigned, standing unit sign-off that has none."

    def handle(self, **options):
        try:
            issued = credentials_issue_waiting()
        except keys.CredentialKeyMissing as error:
            raise CommandError(str(error)) from error
        for credential in issued:
            self.stdout.write(f"Issued {credential.urn} for sign-off {credential.sign_off_id}.")
        self.stdout.write(f"{len(issued)} credential(s) issued.")
