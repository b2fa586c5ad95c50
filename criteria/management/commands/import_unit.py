"""Load a unit specification file (docs/unit-spec-format.md) into the catalogue."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from criteria.services import UnitSpecInvalid, unit_import, unit_spec_from_json


class Command(BaseCommand):
    help = (
        "Create or update a unit from a JSON unit specification. All or nothing: any problem "
        "is reported with its location and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The unit specification, a JSON file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what the import would change, and write nothing.",
        )

    def handle(self, *, file, dry_run, **options):
        try:
            # utf-8-sig: files saved from Windows editors often start with a byte-order mark.
            text = Path(file).read_text(encoding="utf-8-sig")
        except FileNotFoundError as error:
            raise CommandError(f"{file}: no such file.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text ({error.reason}).") from error
        except OSError as error:
            raise CommandError(f"{file}: cannot be read ({error.strerror}).") from error

        try:
            result = unit_import(spec=unit_spec_from_json(text), dry_run=dry_run)
        except UnitSpecInvalid as invalid:
            for problem in invalid.problems:
                self.stderr.write(f"{file}: {problem.location}: {problem.message}")
            count = len(invalid.problems)
            raise CommandError(
                f"{file}: {count} problem{'s' if count != 1 else ''}; nothing was written."
            ) from invalid

        for line in result.summary_lines():
            self.stdout.write(line)
