"""Free text, bounded: how long each kind may be, and never a NUL character. Written once, here.

The model fields that hold free text check it in full_clean, so every service refuses it; the
form fields made from them (`text_field`) check it first, in the same words; `check_text` does
it for text kept anywhere else (typed evidence, imported rows). A megabyte pasted into the
feedback thread once made the coverage PDF take a minute, and PostgreSQL cannot store NUL.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

SHORT = 200  # a title, a name, a one-line answer
NOTE = 2_000  # a comment, a note, a reason, an action
MESSAGE = 10_000  # a message in the feedback thread, a description, a response
ACCOUNT = 20_000  # a rationale, a section of a reflective account, a meeting's outcomes

NUL = "\x00"


def check_text(value, *, limit, noun=""):
    """Refuse `value` if it holds a NUL character or is longer than `limit` characters.

    `noun` names the text ("feedback") for messages shown away from its field; beside the
    field, "this" is enough.
    """
    if not isinstance(value, str):
        return
    subject = f"the {noun}" if noun else "this"
    if NUL in value:
        raise ValidationError(
            f"{subject[:1].upper()}{subject[1:]} contains a NUL character (an invisible one, "
            "usually pasted in from another program), which cannot be saved. Take it out and "
            "try again.",
            code="null_characters_not_allowed",
        )
    if len(value) > limit:
        raise ValidationError(
            f"Keep {subject} to {limit:,} characters or fewer (you wrote {len(value):,}).",
            code="max_length",
        )


class TextFormField(forms.CharField):
    """A form's text box with a limit, refusing too much or a NUL in check_text's words."""

    def __init__(self, *, max_length, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def validate(self, value):
        super().validate(value)
        check_text(value, limit=self.max_length)


class _Bounded:
    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        check_text(value, limit=self.max_length, noun=str(self.verbose_name))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": TextFormField, **kwargs})


class BoundedCharField(_Bounded, models.CharField):
    """A one-line text column whose limit and NUL check full_clean applies in plain words."""


class BoundedTextField(_Bounded, models.TextField):
    """A text column with a limit full_clean applies (Django's TextField only tells forms)."""

    def __init__(self, *args, max_length, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)


def text_field(model, name, **kwargs):
    """The form field for `model`'s text column `name`: its limit and checks, with the label,
    widget and the rest given here."""
    return model._meta.get_field(name).formfield(**kwargs)
