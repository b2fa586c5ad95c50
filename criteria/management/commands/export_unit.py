"""Write a unit out as a specification file (docs/unit-spec-format.md), for import elsewhere."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from criteria.models import Unit
from criteria.services import unit_export, unit_spec_to_json


class Command(BaseCommand):
    help = "Export a unit, named by its reference (A/601/2550) or its slug, as a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="The unit reference, such as A/601/2550, or its slug.")
        parser.add_argument(
            "-o", "--output", required=True, help="The file to write, or - for standard output."
        )

    def handle(self, *, ref, output, **options):
        # A blank reference means "not yet known" on many units, so it must not match any.
        unit = Unit.objects.filter(Q(slug=ref) | Q(reference=ref) & ~Q(reference="")).first()
        if unit is None:
            raise CommandError(f'No unit has the reference or slug "{ref}".')

        text = unit_spec_to_json(unit_export(unit=unit))
        if output == "-":
            # Straight to stdout: BaseCommand's wrapper would add a second trailing newline.
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror}).") from error
        self.stdout.write(f"Wrote unit {unit.slug} to {output}.")
