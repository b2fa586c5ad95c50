"""Find running jobs whose worker stopped (killed, or its machine gone) and queue them again,
or show them failed once they have had JOB_MAX_ATTEMPTS runs. Run every few minutes beside
the worker (README, "Background jobs"); a job's own page does the same for that job."""

from django.core.management.base import BaseCommand

from jobs.services import jobs_sweep_stale


class Command(BaseCommand):
    help = "Queue again, or fail, running jobs whose worker has stopped."

    def handle(self, *args, **options):
        requeued, failed = jobs_sweep_stale()
        self.stdout.write(f"Jobs whose worker stopped: {requeued} queued again, {failed} failed.")
