"""A learner's subject access export (UK GDPR, article 15): their portfolio ZIP with
personal-data.json, everything the centre holds about them as a person."""

from django.core.management.base import BaseCommand, CommandError

from people.models import User
from portability.subject_access import subject_access_export


class Command(BaseCommand):
    help = "Write a learner's subject access export: the portfolio ZIP plus personal-data.json."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The learner's username.")
        parser.add_argument("-o", "--output", required=True, help="The ZIP file to write.")

    def handle(self, *, username, output, **options):
        person = User.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f'No one has the username "{username}".')
        try:
            subject_access_export(person=person, target=output)
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from None
        self.stdout.write(f"Wrote the subject access export of {username} to {output}.")
