"""Write a learner's coverage report as PDF (and the criteria-by-evidence matrix as CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import reports
from people.models import Enrolment, User


class Command(BaseCommand):
    help = (
        "Write the coverage report of a learner's enrolment as a PDF, for one unit or all of "
        "them, and optionally the criteria-by-evidence matrix as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The learner's username.")
        parser.add_argument(
            "--unit", help="A unit reference such as A/601/2550, or its slug; else all units."
        )
        parser.add_argument(
            "--qualification",
            help="The qualification's code, when the learner has more than one enrolment.",
        )
        parser.add_argument("-o", "--output", help="The PDF file to write.")
        parser.add_argument("--csv", help="Also write the criteria-by-evidence matrix here.")

    def handle(self, *, username, unit, qualification, output, csv, **options):
        if not output and not csv:
            raise CommandError("Say where to write: -o FILE.pdf, --csv FILE.csv or both.")
        enrolment = _enrolment(username, qualification)
        scope = None
        if unit:
            try:
                scope = reports.unit_on_enrolment(enrolment, unit)
            except reports.UnitNotOnEnrolment as error:
                raise CommandError(str(error)) from error
        report = reports.coverage_report(enrolment=enrolment, unit=scope)
        if output:
            _write(output, reports.render_coverage_pdf(report))
            self.stdout.write(f"Wrote the coverage report of {username} to {output}.")
        if csv:
            _write(csv, reports.render_matrix_csv(report))
            self.stdout.write(f"Wrote the criteria-by-evidence matrix of {username} to {csv}.")


def _enrolment(username, qualification):
    learner = User.objects.filter(username=username).first()
    if learner is None:
        raise CommandError(f'No one has the username "{username}".')
    enrolments = Enrolment.objects.filter(learner=learner).select_related(
        "learner", "qualification", "assessor", "iqa"
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


def _write(path, content):
    try:
        Path(path).write_bytes(content)
    except OSError as error:
        raise CommandError(f"{path}: cannot be written ({error.strerror}).") from error
