"""Email each person who chose the daily digest their notices not yet sent. Run it daily (cron),
like the target and action reminders."""

from django.core.management.base import BaseCommand

from notifications.services import digests_send


class Command(BaseCommand):
    help = (
        "Send each person who chose the daily digest one email listing their notices not yet "
        "emailed, and mark those notices sent; safe to run more than once a day."
    )

    def handle(self, **options):
        sent = digests_send()
        if options["verbosity"]:
            self.stdout.write(f"Sent {sent} daily digest{'' if sent == 1 else 's'}.")
