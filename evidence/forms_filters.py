"""The evidence list's filters. They check the shape of input; the selector does the filtering."""

from django import forms

from criteria.models import Unit

from . import selectors
from .models import AssessmentMethod, EvidenceItem, EvidenceType

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_ERROR = "Enter a real date in the form 23/11/2026."


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.reference} {obj.title}" if obj.reference else obj.title
        return label if obj.criteria_complete else f"{label} (criteria not yet loaded)"


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        help_text="For example 23/11/2026.",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off"}),
    )


class EvidenceFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Words in the title, description or typed evidence.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    learner = forms.CharField(
        label="Learner",
        required=False,
        max_length=100,
        help_text="Part of a learner's name or username.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        empty_label="Any unit",
        error_messages={"invalid_choice": "Choose one of the units in the list."},
    )
    criterion = forms.CharField(
        label="Criterion",
        required=False,
        max_length=12,
        help_text="A code such as 3.2 or 9.1 b, within the unit chosen.",
    )
    evidence_type = forms.ChoiceField(
        label="Type of evidence",
        required=False,
        choices=[("", "Any type"), *EvidenceType.choices],
        error_messages={"invalid_choice": "Choose one of the types of evidence in the list."},
    )
    assessment_method = forms.ChoiceField(
        label="Assessment method",
        required=False,
        choices=[("", "Any method"), *AssessmentMethod.choices],
        error_messages={"invalid_choice": "Choose one of the assessment methods in the list."},
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *EvidenceItem.Status.choices],
        error_messages={"invalid_choice": "Choose one of the statuses in the list."},
    )
    date_from = _date_field("Activity date from")
    date_to = _date_field("Activity date to")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units_for_evidence_filter(user)

    def clean_criterion(self):
        code = self.cleaned_data["criterion"].strip()
        if not code:
            return ""
        try:
            outcome_number, number, letter = selectors.parse_code(code)
        except ValueError:
            raise forms.ValidationError(
                "Enter a criterion code such as 3.2, or 9.1 b for a part of a criterion."
            ) from None
        return f"{outcome_number}.{number} {letter}".strip()

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The ‘to’ date must be on or after the ‘from’ date.")
        return cleaned

    def filters(self):
        """The filters for the selector; call only once the form is valid."""
        cleaned = self.cleaned_data
        return {
            "query": cleaned.get("q", "").strip(),
            "learner": cleaned.get("learner", "").strip(),
            "unit": cleaned.get("unit"),
            "criterion": cleaned.get("criterion", ""),
            "evidence_type": cleaned.get("evidence_type", ""),
            "assessment_method": cleaned.get("assessment_method", ""),
            "status": cleaned.get("status", ""),
            "date_from": cleaned.get("date_from"),
            "date_to": cleaned.get("date_to"),
        }

    def is_filtered(self):
        return any(self.filters().values())
