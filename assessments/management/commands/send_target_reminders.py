"""Remind learners and their assessors of targets due soon or overdue. Run it daily (cron)."""

from django.core.management.base import BaseCommand

from assessments.targets import REMIND_DAYS, target_reminders_send


class Command(BaseCommand):
    help = (
        f"Notify learner and assessor of each open target due within {REMIND_DAYS} days or "
        "overdue, at most once a day per target; safe to run more than once a day."
    )

    def handle(self, **options):
        sent = target_reminders_send()
        if options["verbosity"]:
            self.stdout.write(f"Sent {sent} target reminder{'' if sent == 1 else 's'}.")
