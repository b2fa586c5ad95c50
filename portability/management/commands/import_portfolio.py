"""Restore a portfolio exported by export_portfolio, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portability.services import ImportRefused, portfolio_import


class Command(BaseCommand):
    help = (
        "Import a portfolio ZIP written by export_portfolio: every file's SHA-256 and every "
        "sign-off's seal are checked, and nothing is written unless all of it can be."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The ZIP file to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, then write nothing."
        )

    def handle(self, *, archive, dry_run, **options):
        if not Path(archive).is_file():
            raise CommandError(f"{archive}: no such file.")
        try:
            result = portfolio_import(archive=archive, dry_run=dry_run)
        except ImportRefused as refusal:
            lines = "\n".join(f"  - {problem}" for problem in refusal.problems)
            raise CommandError(
                f"{archive} was not imported; nothing was written:\n{lines}"
            ) from None
        for line in result.lines():
            self.stdout.write(line)
