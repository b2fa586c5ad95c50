"""The assessor's caseload, the action plan (targets) and the assessor's own records.

Each view reads: load, authorise, validate, act, render. The rules are in assessments.targets
and assessments.records; the reads in assessments.caseload.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from criteria.models import Qualification
from evidence.access import evidence_item_for_user
from evidence.forms import TypedEvidenceForm
from evidence.models import EvidenceItem
from nvq_portfolio.errors import errors_to_form
from nvq_portfolio.text import text_field
from page_cache.pages import cached_page
from people.access import Role, enrolment_for_user, enrolment_role
from submissions.once import saved_once

from . import caseload as selectors
from .access import target_for_user
from .models import Target, TargetReopening
from .records import ASSESSOR_TEMPLATES, assessor_record_acknowledge, assessor_record_create
from .targets import target_close as close_target
from .targets import target_reopen as reopen_target
from .targets import target_set, target_url

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(
        label="Learner",
        required=False,
        max_length=100,
        help_text="Part of a name, username or email.",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *selectors.RAG_LEVELS]
    )
    qualification = forms.ModelChoiceField(
        label="Qualification",
        required=False,
        queryset=Qualification.objects.none(),
        empty_label="Any qualification",
    )

    def __init__(self, *args, assessor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["qualification"].queryset = selectors.caseload_qualifications(assessor)


class CriteriaForm(forms.Form):
    """A form with grouped checkboxes of the criteria and parts of an enrolment's units."""

    criteria = forms.MultipleChoiceField(
        label="Criteria and parts", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices, self.lookup = choices

    def chosen(self):
        """[(criterion, part or None)] for the ticked boxes."""
        return [self.lookup[key] for key in self.cleaned_data["criteria"]]


class TargetForm(CriteriaForm):
    description = text_field(
        Target,
        "description",
        label="What the learner should do",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label="Due date", widget=DATE_INPUT)
    field_order = ["description", "due_date", "criteria"]


class RecordForm(CriteriaForm):
    title = text_field(EvidenceItem, "title", label="Title")
    activity_date = forms.DateField(label="Date", widget=DATE_INPUT)
    field_order = ["title", "activity_date", "criteria"]


def _show_errors(forms_by_field, error):
    """Show a service's ValidationError on the form holding each field it names."""
    first = forms_by_field[0]
    if not hasattr(error, "error_dict"):
        first.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form = next((f for f in forms_by_field if f is not None and name in f.fields), first)
        form.add_error(name if name in form.fields else None, errors)


@cached_page
def caseload(request):
    form = CaseloadFilterForm(request.GET or None, assessor=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    caseload = selectors.caseload_for(
        request.user,
        qualification=filters.get("qualification"),
        status=filters.get("status", ""),
        query=filters.get("q", "").strip(),
        page=request.GET.get("page"),
        waiting_page=request.GET.get("waiting_page"),
    )
    return render(
        request,
        "assessments/caseload.html",
        {
            "form": form,
            "caseload": caseload,
            "filtered": any(filters.values()),
            "rag_rules": selectors.RAG_RULES,
            "record_kinds": ASSESSOR_TEMPLATES.values(),
        },
    )


@saved_once
def targets(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    is_assessor = enrolment_role(request.user, enrolment) == Role.ASSESSOR
    if request.method == "POST" and not is_assessor:
        raise PermissionDenied("Only the learner's assessor sets targets.")
    form = None
    if is_assessor:
        choices = selectors.criteria_choices(enrolment)
        form = TargetForm(request.POST or None, choices=choices)
        if request.method == "POST" and form.is_valid():
            chosen = form.chosen()
            try:
                target_set(
                    enrolment=enrolment,
                    by=request.user,
                    description=form.cleaned_data["description"],
                    due_date=form.cleaned_data["due_date"],
                    criteria=[criterion for criterion, part in chosen if part is None],
                    parts=[part for _, part in chosen if part is not None],
                )
            except ValidationError as error:
                _show_errors([form], error)
            else:
                messages.success(request, "Target set. The learner has been told.")
                return redirect("assessments:targets", enrolment.pk)
    return render(
        request,
        "assessments/targets.html",
        {
            "enrolment": enrolment,
            "targets": selectors.targets_for_enrolment(enrolment),
            "form": form,
            "is_assessor": is_assessor,
            "record_kinds": ASSESSOR_TEMPLATES.values(),
        },
    )


CLOSING = {"done": "Mark the target done", "withdrawn": "Withdraw the target"}


class TargetReopenForm(forms.Form):
    reason = text_field(
        TargetReopening,
        "reason",
        label="Why is the target reopened?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Kept in the target's history and sent to the learner.",
    )


def target_close(request, pk):
    """GET: what marking the target done or withdrawn will do; POST: do it."""
    target = target_for_user(request.user, pk, change=True)
    if request.method != "POST":
        status = request.GET.get("status", "")
        if status not in CLOSING or target.status != Target.Status.OPEN:
            return redirect("assessments:targets", target.enrolment_id)
        return render(
            request,
            "confirm.html",
            {
                "heading": CLOSING[status],
                "consequences": [
                    f"“{target.description}” will be marked {status}, and "
                    f"{target.enrolment.learner.display_name} will be told.",
                    "It leaves the learner's open targets. You can reopen it later, with a "
                    "reason, if it turns out not to be finished.",
                ],
                "action": request.path,
                "hidden": {"status": status},
                "button": CLOSING[status],
                "cancel_url": target_url(target),
            },
        )
    try:
        target = close_target(target=target, by=request.user, status=request.POST.get("status"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Target marked {target.get_status_display().lower()}.")
    return redirect("assessments:targets", target.enrolment_id)


def target_reopen(request, pk):
    """A target marked done or withdrawn, opened again with a reason."""
    target = target_for_user(request.user, pk, change=True)
    if target.status == Target.Status.OPEN:
        return redirect("assessments:targets", target.enrolment_id)
    form = TargetReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reopen_target(target=target, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Target reopened. The learner has been told why.")
            return redirect("assessments:targets", target.enrolment_id)
    return render(
        request,
        "confirm.html",
        {
            "heading": "Reopen the target",
            "consequences": [
                f"“{target.description}” is {target.get_status_display().lower()}; it will be "
                "open again, with its due date as it was.",
                "Your reason is kept in the target's history and "
                f"{target.enrolment.learner.display_name} is told.",
            ],
            "form": form,
            "action": request.path,
            "button": "Reopen the target",
            "cancel_url": target_url(target),
        },
        status=400 if form.errors else 200,
    )


@saved_once
def record_create(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    if enrolment_role(request.user, enrolment) != Role.ASSESSOR:
        raise PermissionDenied("Only the learner's assessor writes an assessor's record.")
    template = ASSESSOR_TEMPLATES.get(request.GET.get("kind", ""))
    context = {"enrolment": enrolment, "template": template, "kinds": ASSESSOR_TEMPLATES.values()}
    if template is None:  # no kind chosen yet: the page offers the three
        return render(request, "assessments/record_form.html", context)
    data = request.POST or None
    form = RecordForm(data, choices=selectors.criteria_choices(enrolment))
    typed_form = TypedEvidenceForm(data, template=template)
    if request.method == "POST" and form.is_valid() and typed_form.is_valid():
        try:
            item = assessor_record_create(
                enrolment=enrolment,
                by=request.user,
                kind=template.key,
                title=form.cleaned_data["title"],
                activity_date=form.cleaned_data["activity_date"],
                typed_content=typed_form.cleaned_data,
                targets=form.chosen(),
            )
        except ValidationError as error:
            _show_errors([form, typed_form], error)
        else:
            messages.success(
                request,
                f"Record saved and accepted against its criteria. "
                f"{enrolment.learner.display_name} has been asked to acknowledge it.",
            )
            return redirect(item)
    context.update(form=form, typed_form=typed_form)
    return render(request, "assessments/record_form.html", context)


@require_POST
def record_acknowledge(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles={Role.LEARNER})
    try:
        assessor_record_acknowledge(item=item, by=request.user, comment=request.POST.get("comment"))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "Thank you: your acknowledgement is recorded with the record.")
    return redirect(item)
