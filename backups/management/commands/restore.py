"""Restore a backup made by `manage.py backup` into an empty installation, after checking
every part's SHA-256 (README, "Backups")."""

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupRefused, backup_restore


class Command(BaseCommand):
    help = "Restore FILE (from manage.py backup) into this installation, which must be empty."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            manifest = backup_restore(path=file)
        except BackupRefused as refusal:
            raise CommandError(f"Nothing was restored. {refusal}") from None
        files = len(manifest["media"])
        self.stdout.write(
            f"Restored the {manifest['database']['vendor']} database and {files} "
            f"file{'s' if files != 1 else ''} from the backup made {manifest['created_at']}."
        )
