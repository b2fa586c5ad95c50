from django import forms
from django.core.validators import RegexValidator


class SuggestionForm(forms.Form):
    """Which suggested criterion the learner accepts or dismisses: a mapping picker key."""

    target = forms.CharField(
        max_length=24,
        validators=[RegexValidator(r"^[cp]\d{1,18}$", "Choose one of the suggested criteria.")],
    )
