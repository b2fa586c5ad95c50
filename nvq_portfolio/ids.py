"""Database ids from outside (a URL, a form, a query): digits only, and never larger than the
database can hold, so an id like 99999999999999999999 is simply not found (404, or a form's
"not one of the choices") rather than an overflow deep in the database driver."""

import re

from django import forms
from django.core.exceptions import ValidationError

# The largest id a 64-bit column (BigAutoField) holds, on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value):
    """`value` as an id, or None when it is not one the database could hold."""
    if not isinstance(value, str) or not DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


class IdConverter:
    """`<id:pk>` in a URL: like `<int:pk>`, but a number no row can have does not match."""

    regex = "[0-9]+"

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValueError("Not an id the database could hold.")
        return number

    def to_url(self, value):
        return str(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id too large for the database as a choice not on offer (Django's
    own looks every id up with `pk__in`, which overflows)."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for choice in value:
                if isinstance(choice, str) and choice.isdigit() and parse_id(choice) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": choice},
                    )
        return super()._check_values(value)
