"""Forms for judging and signing. They only collect input: the services hold every rule, so
fields are optional here and a service's refusal is what the person reads."""

from django import forms

from evidence.models import AssessmentMethod, EvidenceItem
from nvq_portfolio.text import text_field

from .judgements import VACSR
from .models import Judgement, UnitSignOff
from .signoff import ASSESSOR_DECLARATION, LEARNER_DECLARATION

VACSR_LABELS = {
    "valid": "Valid",
    "authentic": "Authentic",
    "current": "Current",
    "sufficient": "Sufficient",
    "reliable": "Reliable",
}


CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


class JudgementForm(forms.Form):
    """Outcome, rationale and methods, plus 'rely on this' and five VACSR ticks per item."""

    outcome = forms.ChoiceField(
        choices=Judgement.Outcome.choices, widget=forms.RadioSelect, required=False
    )
    rationale = text_field(
        Judgement,
        "rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Why the evidence does, or does not yet, show the criterion.",
    )
    methods = forms.MultipleChoiceField(
        label="Assessment methods used",
        choices=AssessmentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, row, **kwargs):
        self.items = row.evidence
        judgement = row.judgement
        relied_on = {je.item_id: je for je in judgement.relied_on.all()} if judgement else {}
        if judgement:
            kwargs.setdefault(
                "initial",
                {
                    "outcome": judgement.outcome,
                    "rationale": judgement.rationale,
                    "methods": judgement.methods,
                },
            )
        super().__init__(*args, **kwargs)
        for item in self.items:
            checked = relied_on.get(item.pk)
            self.fields[f"rely-{item.pk}"] = forms.BooleanField(
                label=f"Rely on “{item.title}”",
                required=False,
                initial=checked is not None,
                widget=CHECKBOX,
            )
            for name in VACSR:
                self.fields[f"{name}-{item.pk}"] = forms.BooleanField(
                    label=f"{VACSR_LABELS[name]}: “{item.title}”",
                    required=False,
                    initial=bool(checked and getattr(checked, name)),
                    widget=CHECKBOX,
                )

    def evidence_rows(self):
        """[(item, rely field, [VACSR fields])] for the template's table."""
        return [
            (item, self[f"rely-{item.pk}"], [self[f"{name}-{item.pk}"] for name in VACSR])
            for item in self.items
        ]

    def evidence(self):
        """The items ticked 'rely on', as the service takes them: [(EvidenceItem, checks)]."""
        data = self.cleaned_data
        chosen = [item.pk for item in self.items if data.get(f"rely-{item.pk}")]
        items = EvidenceItem.objects.in_bulk(chosen)
        return [
            (items[pk], {name: data.get(f"{name}-{pk}", False) for name in VACSR})
            for pk in chosen
            if pk in items
        ]


class SignOffForm(forms.Form):
    declaration = forms.BooleanField(label=ASSESSOR_DECLARATION, required=False)


class CountersignForm(forms.Form):
    declaration = forms.BooleanField(label=LEARNER_DECLARATION, required=False)


class ReopenForm(forms.Form):
    reason = text_field(
        UnitSignOff,
        "reopen_reason",
        label="Reason for reopening",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Recorded with the sign-off and shown to the learner, assessor and IQA.",
    )
