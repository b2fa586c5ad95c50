from django import forms

from nvq_portfolio.text import text_field

from .models import Confirmation


class ConfirmationRequestForm(forms.ModelForm):
    class Meta:
        model = Confirmation
        fields = ["kind", "witness_name", "witness_role", "relationship", "witness_email"]
        labels = {
            "kind": "What you are asking for",
            "witness_name": "Their name",
            "witness_role": "Their role",
            "witness_email": "Their email address",
        }
        help_texts = {
            "witness_email": "They get a link that works once, for the version you submitted.",
        }

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, Confirmation.Kind(kind).label) for kind in kinds]
        self.fields["kind"].initial = kinds[0] if kinds else None


class ConfirmationGiveForm(forms.Form):
    how_known = text_field(
        Confirmation,
        "how_known",
        label="How do you know the learner?",
        help_text="e.g. I manage the team they work in and saw this happen on the day.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
    )
    outcome = forms.ChoiceField(
        label="Is the statement accurate?",
        choices=[
            (Confirmation.Outcome.CONFIRMED, "Yes, it is accurate as written"),
            (Confirmation.Outcome.CORRECTED, "Mostly, with the correction I write below"),
        ],
        widget=forms.RadioSelect,
    )
    correction = text_field(
        Confirmation,
        "correction",
        label="Your correction",
        help_text="Only if something happened differently. The learner and assessor see it.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    signed_name = text_field(
        Confirmation,
        "signed_name",
        label="Type your full name to sign",
        required=True,
    )
    declaration = forms.BooleanField(required=True)

    def __init__(self, *args, declaration, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declaration"].label = declaration
