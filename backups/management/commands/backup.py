"""Back up the database and every stored file into one .tar with a manifest of SHA-256 hashes
(README, "Backups")."""

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupRefused, backup_make


class Command(BaseCommand):
    help = "Write a backup (.tar) of the database and stored files to -o DIR or -o FILE.tar."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", default="backup-files", help="a directory or FILE.tar"
        )

    def handle(self, *args, output, **options):
        try:
            summary = backup_make(out=output)
        except BackupRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"Backed up the {summary.database} database and {summary.files} "
            f"file{'s' if summary.files != 1 else ''} ({summary.bytes} bytes) to {summary.path}"
        )
