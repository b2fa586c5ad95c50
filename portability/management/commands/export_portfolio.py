"""Write a learner's whole portfolio as a ZIP another installation can import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from people.models import User
from portability.services import ExportFailed, portfolio_export


class Command(BaseCommand):
    help = "Export a learner's portfolio (every enrolment) as a ZIP: files, manifest, report."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The learner's username.")
        parser.add_argument("-o", "--output", required=True, help="The ZIP file to write.")
        parser.add_argument(
            "--no-report", action="store_true", help="Leave the coverage PDF out (faster)."
        )

    def handle(self, *, username, output, no_report, **options):
        learner = User.objects.filter(username=username).first()
        if learner is None:
            raise CommandError(f'No one has the username "{username}".')
        if not learner.enrolments.exists():
            raise CommandError(f"{username} is not enrolled as a learner: there is no portfolio.")
        try:
            manifest = portfolio_export(learner=learner, target=output, coverage=not no_report)
        except ExportFailed as error:
            Path(output).unlink(missing_ok=True)  # half an archive is worse than none
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from None
        files = sum(len(i["files"]) for e in manifest["enrolments"] for i in e["items"])
        self.stdout.write(
            f"Wrote the portfolio of {username} ({len(manifest['enrolments'])} enrolment(s), "
            f"{files} file(s)) to {output}."
        )
