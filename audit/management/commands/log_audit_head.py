import logging

from django.core.management.base import BaseCommand
from django.utils import timezone

from audit.services import audit_head

logger = logging.getLogger("audit")


class Command(BaseCommand):
    help = (
        "Write the audit trail's head (sequence and hash) to the log, once a day from cron, so "
        "it can be anchored somewhere this server cannot change."
    )

    def handle(self, *args, **options):
        sequence, head_hash = audit_head()
        line = f"Audit head on {timezone.localdate():%Y-%m-%d}: sequence {sequence}, {head_hash}"
        logger.info(line)
        self.stdout.write(line)
