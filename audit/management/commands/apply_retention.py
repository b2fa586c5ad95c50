import datetime

from django.core.management.base import BaseCommand, CommandError

from audit.models import CentreSettings
from audit.retention import people_past_retention, person_pseudonymise


class Command(BaseCommand):
    help = (
        "Pseudonymise learners past the centre's retention period and delete their evidence "
        "files, keeping every record and hash checkable. --dry-run lists what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, change nothing.")
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="Act as if today were this date (YYYY-MM-DD), to see what a later run will do.",
        )

    def handle(self, *args, dry_run=False, today=None, **options):
        years = CentreSettings.current().retention_years
        due = people_past_retention(today=today)
        verb = "Would pseudonymise" if dry_run else "Pseudonymised"
        self.stdout.write(
            f"Retention: {years} years after certification. {len(due)} learner(s) past it."
        )
        for entry in due:
            person = entry.person
            # The person's id, not their name: this output may be kept in a log.
            line = (
                f"{verb} person {person.pk} (retained until {entry.retained_until:%-d %B %Y}): "
                f"name, email and username replaced; {len(entry.files)} evidence file(s) "
                f"{'would be ' if dry_run else ''}removed; audit details naming them blanked."
            )
            if not dry_run:
                try:
                    person_pseudonymise(person=person, retained_until=entry.retained_until)
                except Exception as error:
                    raise CommandError(f"Stopped at person {person.pk}: {error}") from error
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
