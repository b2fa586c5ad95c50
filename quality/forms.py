"""Forms for quality assurance. They collect input; the services in services.py hold the rules,
so a refusal the person reads is worded there."""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from criteria.models import AssessmentCriterion, Qualification, Unit
from nvq_portfolio.ids import ModelMultipleChoiceField
from nvq_portfolio.text import TextFormField, text_field
from people.models import Enrolment, EnrolmentUnit, User

from .models import (
    AssessorRisk,
    EqaGrant,
    QualityAction,
    RiskRating,
    SampleEntry,
    SampleReview,
    SamplingPlan,
    StandardisationRecord,
    Verdict,
)
from .services import REASON_LENGTH, REVIEW_DECLARATION

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PlanForm(forms.Form):
    qualification = forms.ModelChoiceField(queryset=Qualification.objects.none())
    title = text_field(
        SamplingPlan,
        "title",
        required=False,
        help_text="Leave blank for the qualification and dates.",
    )
    period_start = forms.DateField(label="Plan starts", widget=DATE_INPUT)
    period_end = forms.DateField(label="Plan ends", widget=DATE_INPUT)

    def __init__(self, *args, iqa, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = Qualification.objects.filter(
            enrolments__iqa=iqa
        ).distinct()


class EntryForm(forms.Form):
    enrolled_unit = forms.ModelChoiceField(
        label="Learner and unit", queryset=EnrolmentUnit.objects.none()
    )
    stage = forms.ChoiceField(choices=SampleEntry.Stage.choices)
    planned_for = forms.DateField(label="Sample by", widget=DATE_INPUT)
    reason = TextFormField(
        max_length=REASON_LENGTH,
        help_text="Why you are adding it, e.g. a concern raised at a meeting.",
    )
    criteria = ModelMultipleChoiceField(
        queryset=AssessmentCriterion.objects.none(),
        required=False,
        label="Only these criteria",
        help_text="Leave empty to sample the whole unit. Hold Ctrl (or ⌘) to choose several.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enrolled_unit"]
        field.queryset = (
            EnrolmentUnit.objects.filter(
                enrolment__qualification=plan.qualification, enrolment__iqa=plan.iqa
            )
            .select_related("unit", "enrolment__learner")
            .order_by("enrolment__learner__last_name", "enrolment__learner__first_name", "pk")
        )
        field.label_from_instance = lambda eu: (
            f"{eu.enrolment.learner.display_name}: {eu.unit.display_reference} {eu.unit.title}"
        )
        criteria = self.fields["criteria"]
        criteria.queryset = (
            AssessmentCriterion.objects.filter(outcome__unit__qualifications=plan.qualification)
            .select_related("outcome__unit")
            .order_by("outcome__unit__title", "outcome__number", "number")
        )
        criteria.label_from_instance = lambda c: (
            f"{c.outcome.unit.display_reference} {c.code}: {c.text[:70]}"
        )


class VerdictField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[("agree", "Agree"), ("disagree", "Disagree")],
            coerce=lambda value: value == "agree",
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            **kwargs,
        )


class ReviewForm(forms.Form):
    """One agree/disagree and comment per judgement sampled, feedback, up to three actions and
    the declaration. Fields are made per judgement, named by its pk."""

    ACTION_ROWS = 3

    feedback = text_field(
        SampleReview,
        "feedback",
        label="Feedback to the assessor",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    declaration = forms.BooleanField(label=REVIEW_DECLARATION, required=False)

    def __init__(self, *args, judgements, **kwargs):
        super().__init__(*args, **kwargs)
        self.judgements = judgements
        for judgement in judgements:
            self.fields[f"verdict_{judgement.pk}"] = VerdictField(
                label=f"Your verdict on {judgement.code}"
            )
            self.fields[f"comment_{judgement.pk}"] = text_field(
                Verdict,
                "comment",
                label=f"Comment on {judgement.code}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed when you disagree.",
            )
        for number in range(1, self.ACTION_ROWS + 1):
            self.fields[f"action_{number}"] = text_field(
                QualityAction,
                "description",
                label=f"Action {number} for the assessor",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"due_{number}"] = forms.DateField(
                label=f"Action {number} due", required=False, widget=DATE_INPUT
            )

    @staticmethod
    def initial_from(draft):
        """The form as the IQA left it in `draft`."""
        initial = {"feedback": draft.feedback}
        for pk, verdict in draft.verdicts.items():
            agreed = verdict.get("agreed")
            if agreed is not None:
                initial[f"verdict_{pk}"] = "agree" if agreed else "disagree"
            initial[f"comment_{pk}"] = verdict.get("comment", "")
        for number, action in enumerate(draft.actions[: ReviewForm.ACTION_ROWS], start=1):
            initial[f"action_{number}"] = action.get("description", "")
            initial[f"due_{number}"] = action.get("due") or None
        return initial

    def rows(self):
        for judgement in self.judgements:
            yield judgement, self[f"verdict_{judgement.pk}"], self[f"comment_{judgement.pk}"]

    def action_rows(self):
        for number in range(1, self.ACTION_ROWS + 1):
            yield number, self[f"action_{number}"], self[f"due_{number}"]

    def verdicts(self):
        data = self.cleaned_data
        return {
            judgement.pk: (data.get(f"verdict_{judgement.pk}"), data.get(f"comment_{judgement.pk}"))
            for judgement in self.judgements
        }

    def place_errors(self, error):
        """Put the review service's refusals beside the fields they are about: each names a
        criterion code ("5.1: ..."), an action ("Action 2: ...") or the feedback or declaration."""
        by_code = {judgement.code: judgement.pk for judgement in self.judgements}
        for message in error.messages:
            subject, _, rest = message.partition(": ")
            # Beside its field the subject goes without saying: the field's label names it.
            sentence = rest[:1].upper() + rest[1:]
            if subject in by_code:
                kind = "comment" if rest.startswith("say why") else "verdict"
                self.add_error(f"{kind}_{by_code[subject]}", sentence)
            elif subject.startswith("Action ") and subject[7:].isdigit():
                kind = "action" if rest.startswith("say what") else "due"
                self.add_error(f"{kind}_{subject[7:]}", sentence)
            elif message.startswith("Write your feedback"):
                self.add_error("feedback", message)
            elif message.startswith("Confirm the declaration"):
                self.add_error("declaration", message)
            else:
                self.add_error(None, message)

    def actions(self):
        data = self.cleaned_data
        return [
            (data.get(f"action_{number}"), data.get(f"due_{number}"))
            for number in range(1, self.ACTION_ROWS + 1)
        ]


class RespondForm(forms.Form):
    response = text_field(
        QualityAction,
        "response",
        label="Your response",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
    )


class CloseForm(forms.Form):
    note = text_field(
        QualityAction,
        "closing_note",
        label="Closing note",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class RiskForm(forms.Form):
    assessor = forms.ModelChoiceField(queryset=User.objects.none())
    rating = forms.ChoiceField(label="Risk rating", choices=RiskRating.choices)
    reason = text_field(
        AssessorRisk, "reason", help_text="e.g. newly qualified; two years' clean samples."
    )

    def __init__(self, *args, assessor_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = User.objects.filter(pk__in=assessor_ids)


class PolicyForm(forms.Form):
    new_rate = forms.IntegerField(
        label="New or unqualified assessors (%)", min_value=0, max_value=100
    )
    standard_rate = forms.IntegerField(
        label="Standard-risk assessors (%)", min_value=0, max_value=100
    )
    low_rate = forms.IntegerField(label="Low-risk assessors (%)", min_value=0, max_value=100)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class StandardisationForm(forms.Form):
    kind = forms.ChoiceField(choices=StandardisationRecord.Kind.choices)
    held_on = forms.DateField(label="Date", widget=DATE_INPUT)
    topic = text_field(StandardisationRecord, "topic")
    qualification = forms.ModelChoiceField(queryset=Qualification.objects.all(), required=False)
    attendees = ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Assessors and IQAs who took part.",
    )
    other_attendees = text_field(
        StandardisationRecord, "other_attendees", help_text="Anyone else, by name and role."
    )
    evidence_looked_at = text_field(
        StandardisationRecord,
        "evidence_looked_at",
        label="Evidence looked at",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. Priya Shah's complaints log against 5.1 and 5.2.",
    )
    outcomes = text_field(
        StandardisationRecord,
        "outcomes",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What was agreed, and any change to how the criteria are judged.",
    )
    documents = MultipleFileField(
        required=False, help_text="Minutes, the exercise, marked-up evidence: PDF, Office, images."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = User.objects.filter(
            Q(assessor_enrolments__isnull=False) | Q(iqa_enrolments__isnull=False)
        ).distinct()


def _default_expiry():
    return (timezone.localtime() + datetime.timedelta(days=14)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )


class GrantForm(forms.Form):
    eqa = forms.ModelChoiceField(
        label="External quality assurer",
        queryset=User.objects.filter(is_external_verifier=True, is_active=True),
    )
    purpose = text_field(EqaGrant, "purpose", help_text="e.g. EQA visit.")
    enrolments = ModelMultipleChoiceField(
        label="Learners in the sample",
        queryset=Enrolment.objects.select_related("learner", "qualification"),
        widget=forms.CheckboxSelectMultiple,
    )
    units = ModelMultipleChoiceField(
        label="Units in the sample",
        queryset=Unit.objects.filter(enrolled_units__isnull=False).distinct(),
        widget=forms.CheckboxSelectMultiple,
    )
    covers_from = forms.DateField(
        label="IQA records from", widget=DATE_INPUT, help_text="Plans, reviews and meetings from."
    )
    covers_to = forms.DateField(label="IQA records until", widget=DATE_INPUT)
    expires_at = forms.DateTimeField(
        label="Access ends", widget=DATETIME_INPUT, initial=_default_expiry, help_text="UK time."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].label_from_instance = lambda e: (
            f"{e.learner.display_name}: {e.qualification.title}"
        )
        self.fields["units"].label_from_instance = lambda u: f"{u.display_reference} {u.title}"
