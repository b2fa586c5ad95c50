"""Write a learner's portfolio as LEAP2A (Atom with LEAP2 relationships) to a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.leap2a import portfolio_leap2a, portfolio_leap2a_zip
from people.models import Enrolment, User


class Command(BaseCommand):
    help = (
        "Export a learner's portfolio as LEAP2A XML: each evidence item, each of its files and "
        "each mapping to a criterion as a leap2:supports relationship."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The learner's username.")
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            help="The file to write: FILE.zip holds leap2a.xml with every evidence file beside "
            "it; any other name gets the XML alone, its files linked to this site.",
        )
        parser.add_argument(
            "--qualification",
            help="The qualification's code, when the learner has more than one enrolment.",
        )

    def handle(self, *, username, output, qualification, **options):
        enrolment = _enrolment(username, qualification)
        try:
            if output.lower().endswith(".zip"):
                portfolio_leap2a_zip(enrolment, output)
            else:
                Path(output).write_bytes(portfolio_leap2a(enrolment))
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from error
        self.stdout.write(f"Wrote the LEAP2A portfolio of {username} to {output}.")


def _enrolment(username, qualification):
    learner = User.objects.filter(username=username).first()
    if learner is None:
        raise CommandError(f'No one has the username "{username}".')
    enrolments = Enrolment.objects.filter(learner=learner).select_related(
        "learner", "qualification"
    )
    if qualification:
        enrolments = enrolments.filter(qualification__code=qualification)
    enrolments = list(enrolments)
    if not enrolments:
        on = f' on the qualification "{qualification}"' if qualification else ""
        raise CommandError(f"{username} is not enrolled as a learner{on}.")
    if len(enrolments) > 1:
        codes = ", ".join(enrolment.qualification.code for enrolment in enrolments)
        raise CommandError(
            f"{username} has {len(enrolments)} enrolments ({codes}): choose one with "
            "--qualification."
        )
    return enrolments[0]
