"""manage.py import_enrolments FILE.csv [--dry-run]: the import screen, from the command line."""

from django.core.management.base import BaseCommand, CommandError

from people.imports import COLUMNS, enrolments_import


class Command(BaseCommand):
    help = (
        "Import learners and their enrolments from a CSV file with a header row. Columns: "
        f"{', '.join(COLUMNS)} (units and iqa optional). Nothing is saved unless every row "
        "is good."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file, UTF-8 (with or without a BOM).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what it would create, without saving anything.",
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, "rb") as csv_file:
                result = enrolments_import(csv_file, dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            count = len(result.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''}; nothing was saved.")
        if options["verbosity"] >= 2:
            for row in result.rows:
                status = "new" if row.learner_is_new else "existing"
                self.stdout.write(
                    f"row {row.number}: {row.learner_name} ({row.username}, {status}) on "
                    f"{row.qualification.code}, assessor {row.assessor.username}"
                )
        self.stdout.write(self.style.SUCCESS(result.summary))
