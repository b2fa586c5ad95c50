"""Delete finished jobs older than a number of days, with the files they made.

Run daily beside the reminders (README, "Background jobs"): a prepared report is fetched within
minutes, and the portfolio it came from can make it again at any time.
"""

from django.core.management.base import BaseCommand

from jobs.services import jobs_prune


class Command(BaseCommand):
    help = "Delete finished jobs older than --days days (default 7) and the files they made."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            return
        count = jobs_prune(older_than_days=days)
        self.stdout.write(f"Deleted {count} finished job{'s' if count != 1 else ''}.")
