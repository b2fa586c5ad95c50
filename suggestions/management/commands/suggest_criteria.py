"""Suggest criteria of a unit for a text, PDF or Word .docx file, best first, so the model can
be scored from outside: `manage.py suggest_criteria --unit A/601/2550 account.pdf`."""

from django.core.management.base import BaseCommand, CommandError

from criteria.models import AssessmentCriterion, Unit

from ...engine import index_for, targets_from_criteria
from ...extract import ExtractionError, extract_text


class Command(BaseCommand):
    help = "Print the criteria a file most likely shows, best first, with the phrase matched."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Unit reference, e.g. A/601/2550.")
        parser.add_argument("--limit", type=int, default=5, help="How many to print (1-30).")
        parser.add_argument("file", help="A .txt, .pdf or .docx file.")

    def handle(self, *args, unit, limit, file, **options):
        if not 1 <= limit <= 30:
            raise CommandError("--limit must be between 1 and 30.")
        found = Unit.objects.filter(reference=unit.strip()).first()
        if found is None:
            raise CommandError(f"No unit {unit!r} in the catalogue (load it with loaddata).")
        criteria = (
            AssessmentCriterion.objects.filter(outcome__unit=found)
            .select_related("outcome__unit")
            .prefetch_related("parts")
            .order_by("outcome__number", "number")
        )
        try:
            with open(file, "rb") as stream:
                text = extract_text(stream, file)
        except OSError as error:
            raise CommandError(f"Cannot open {file}: {error.strerror}.") from error
        except ExtractionError as error:
            raise CommandError(str(error)) from error
        if not text.strip():
            raise CommandError(f"No words could be read from {file}.")
        for suggestion in index_for(targets_from_criteria(criteria)).suggest(text, limit=limit):
            self.stdout.write(f"{suggestion.code}\t{suggestion.phrase_text}")
