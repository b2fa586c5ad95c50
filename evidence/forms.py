from django import forms

from nvq_portfolio.text import TextFormField, text_field

from .models import EvidenceItem, EvidenceMapping
from .services import declaration_for


class EvidenceItemForm(forms.ModelForm):
    class Meta:
        model = EvidenceItem
        fields = ["title", "activity_date", "evidence_type", "assessment_method", "description"]
        widgets = {
            "activity_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "title": "A short name your assessor will recognise, e.g. “Complaints log, March”.",
            "description": "What the evidence is and what it shows about your work.",
        }


class RecordDetailsForm(forms.ModelForm):
    """The details of an assessor's record that may change in a revision: its kind may not."""

    class Meta:
        model = EvidenceItem
        fields = ["title", "activity_date"]
        widgets = {"activity_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class TypedEvidenceForm(forms.Form):
    """The sections of one typed-evidence template as form fields."""

    def __init__(self, *args, template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        for section in template.sections:
            widget = forms.Textarea(attrs={"rows": 4}) if section.long else forms.TextInput()
            self.fields[section.key] = TextFormField(
                label=section.label,
                help_text=section.help,
                required=section.required,
                widget=widget,
                max_length=section.max_length,
            )


class SubmitForm(forms.Form):
    """The owner's declaration: the learner's own work, or the assessor's accurate record."""

    declaration = forms.BooleanField(required=True)

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declaration"].label = declaration_for(item)


class AssessorMappingForm(forms.Form):
    target = forms.ChoiceField(label="Criterion or sub-part")
    note = text_field(EvidenceMapping, "note", label="How the item shows it")

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "Choose…"), *targets]
