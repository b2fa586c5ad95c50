"""Remind assessors of IQA actions due soon or overdue, and IQAs of overdue ones. Run daily."""

from django.core.management.base import BaseCommand

from assessments.targets import REMIND_DAYS
from quality.services import quality_action_reminders_send


class Command(BaseCommand):
    help = (
        f"Notify the assessor of each open IQA action due within {REMIND_DAYS} days or overdue, "
        "and the IQA once it is overdue, at most once a day each; safe to run more than once."
    )

    def handle(self, **options):
        sent = quality_action_reminders_send()
        if options["verbosity"]:
            self.stdout.write(f"Sent {sent} action reminder{'' if sent == 1 else 's'}.")
