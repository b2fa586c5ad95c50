"""Forms for judging and signing. They only collect input: the services hold every rule, so
fields are optional here and a service's refusal is what the person reads."""

from django import forms

from evidence.models import AssessmentMethod, EvidenceItem
from nvq_portfolio.text import text_field

from .judgements import VACSR, UnitDecision
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
        help_text="Not needed for “not yet met” when no evidence is relied on.",
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


class UnitRowForm(forms.Form):
    """One criterion or part on the unit judging page: outcome, rationale, methods and the
    evidence relied on, chosen from the items accepted for it (and any it already relies on).
    One tick confirms all five VACSR checks of every item ticked; the per-criterion page
    records them one by one."""

    outcome = forms.ChoiceField(
        choices=Judgement.Outcome.choices, widget=forms.RadioSelect, required=False
    )
    rationale = text_field(
        Judgement, "rationale", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    methods = forms.MultipleChoiceField(
        choices=AssessmentMethod.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    evidence = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)
    vacsr = forms.BooleanField(required=False, widget=CHECKBOX)

    def __init__(self, *args, row, **kwargs):
        self.row = row
        judgement = row.judgement
        self.standing = {je.item_id: je for je in judgement.relied_on.all()} if judgement else {}
        if judgement:
            kwargs.setdefault(
                "initial",
                {
                    "outcome": judgement.outcome,
                    "rationale": judgement.rationale,
                    "methods": judgement.methods,
                    "evidence": [str(pk) for pk in self.standing],
                    "vacsr": bool(self.standing)
                    and all(je.vacsr_complete for je in self.standing.values()),
                },
            )
        super().__init__(*args, prefix=row.key, **kwargs)
        titles = {item.pk: item.title for item in row.evidence}
        for je in self.standing.values():
            titles.setdefault(je.item_id, je.item.title)
        code = row.code
        self.fields["evidence"].choices = [(str(pk), title) for pk, title in titles.items()]
        self.fields["outcome"].label = f"Outcome of {code}"
        self.fields["rationale"].label = f"Rationale for {code}"
        self.fields["methods"].label = f"Methods for {code}"
        self.fields["evidence"].label = f"Evidence relied on for {code}"
        self.fields["vacsr"].label = f"Each item ticked for {code} passes all five VACSR checks"

    def chosen_item_ids(self):
        return [int(pk) for pk in self.cleaned_data.get("evidence", [])]

    def decision(self, items):
        """The row as the service takes it; `items` are the EvidenceItems by pk."""
        data = self.cleaned_data
        evidence = []
        for pk in self.chosen_item_ids():
            if pk not in items:  # deleted since the page was drawn: the service cannot rely on it
                continue
            standing = self.standing.get(pk)
            if data.get("vacsr"):
                checks = dict.fromkeys(VACSR, True)
            else:
                checks = {name: bool(standing and getattr(standing, name)) for name in VACSR}
            evidence.append((items[pk], checks))
        return UnitDecision(
            key=self.row.key,
            criterion=self.row.criterion,
            part=self.row.part,
            outcome=data.get("outcome", ""),
            rationale=data.get("rationale", ""),
            methods=data.get("methods", []),
            evidence=evidence,
        )

    def place_refusal(self, error):
        """A refusal beside this row's fields: one about the evidence relied on (the service
        names no field for those) goes beside the evidence."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else "evidence", errors)
        else:
            self.add_error("evidence", error)


def unit_row_forms(assessment, data=None):
    return [UnitRowForm(data, row=row) for row in assessment.rows]


def unit_decisions(row_forms):
    """The decisions of the rows changed on the page; an unchanged row is not sent again."""
    changed = [form for form in row_forms if form.has_changed()]
    wanted = {pk for form in changed for pk in form.chosen_item_ids()}
    items = EvidenceItem.objects.in_bulk(wanted)
    return [form.decision(items) for form in changed]
