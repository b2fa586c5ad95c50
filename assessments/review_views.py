"""The assessor's review of one evidence item, and the feedback thread it shares with the learner.

The assessor acts; the IQA and centre admin read the same page with no forms; the learner has
their own item page, where the thread is included; outsiders get 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from confirmations.selectors import confirmations_for_item
from evidence import rules
from evidence.access import evidence_item_for_user, last_submitted_version, reads_working_copy
from evidence.forms import AssessorMappingForm
from evidence.mapping import assessor_target_choices, target_from_key
from evidence.models import EvidenceMapping
from evidence.typed import typed_template
from nvq_portfolio.errors import errors_to_messages
from nvq_portfolio.redirects import redirect_back
from nvq_portfolio.text import text_field
from page_cache.pages import cached_page
from people.access import Role
from submissions.once import saved_once

from . import review as services
from .access import ASSESSOR_ONLY
from .models import Feedback

THREAD_WRITERS = {Role.LEARNER, Role.ASSESSOR}
Decision = EvidenceMapping.Decision


class MappingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (Decision.ACCEPTED, "Accept"),
            (Decision.REJECTED, "Reject"),
            (Decision.PENDING, "Not yet"),
        ],
        widget=forms.RadioSelect,
    )
    comment = text_field(
        EvidenceMapping,
        "decision_comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you reject: say why, so the learner knows what to change.",
    )

    def __init__(self, *args, mapping, **kwargs):
        initial = {"decision": mapping.decision, "comment": mapping.decision_comment}
        super().__init__(*args, prefix=f"mapping-{mapping.pk}", initial=initial, **kwargs)
        self.mapping = mapping
        self.fields["decision"].label = f"Decision on {mapping.code}"
        self.fields["comment"].label = f"Comment on {mapping.code}"


class ReviewMappingForm(AssessorMappingForm):
    accept = forms.BooleanField(label="Accept this mapping now", required=False)


class SendBackForm(forms.Form):
    # Not required here: the service refuses a blank one with the words the assessor needs.
    text = text_field(
        Feedback,
        "text",
        label="What is missing",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
        help_text="Say what the learner needs to add or change.",
    )


class AcceptForm(forms.Form):
    comment = text_field(
        Feedback,
        "text",
        label="Comment (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _mappings(item):
    return item.mappings.select_related(
        "criterion__outcome__unit", "part__criterion__outcome", "added_by", "decided_by"
    )


def _can_act(item):
    return (
        item.viewer_role == Role.ASSESSOR
        and item.status in services.REVIEWABLE
        and not item.is_assessor_record
    )


def _decidable(mappings, lock):
    """Mappings the assessor may decide on now: not those a standing sign-off relies on."""
    return [m for m in mappings if not lock.covers(m.criterion_id, m.part_id)]


def _review_page(request, item, *, decision_forms=None, send_back_form=None):
    """The page, read-only unless the item's assessor may act on it now."""
    can_act = _can_act(item)
    mappings = list(_mappings(item))
    lock = rules.sign_off_lock(item)
    if can_act and decision_forms is None:
        decision_forms = [MappingDecisionForm(mapping=m) for m in _decidable(mappings, lock)]
    forms_by_mapping = {form.mapping.pk: form for form in decision_forms or []}
    rows = [(mapping, forms_by_mapping.get(mapping.pk)) for mapping in mappings]
    context = {
        "item": item,
        "template": typed_template(item.template),
        "files": item.files.filter(removed_at__isnull=True).select_related("uploaded_by"),
        "versions": item.versions.select_related("declared_by"),
        "rows": rows,
        "can_act": can_act,
        "can_decide": bool(forms_by_mapping),
        "lock": lock,
        "is_assessor": item.viewer_role == Role.ASSESSOR,
        # Which testimony a witness or employer has confirmed, and for which version.
        "confirmations": confirmations_for_item(item),
    }
    if can_act:
        context["mapping_form"] = ReviewMappingForm(targets=assessor_target_choices(item))
        context["send_back_form"] = send_back_form or SendBackForm()
        context["accept_form"] = AcceptForm()
    return render(request, "assessments/review.html", context)


@cached_page
@saved_once
def review(request, pk):
    # Readers may look; only the assessor may post. Learners use their own item page.
    item = evidence_item_for_user(
        request.user, pk, change=request.method == "POST", roles=ASSESSOR_ONLY
    )
    if item.viewer_role == Role.LEARNER:
        raise PermissionDenied("Your assessor reviews this item; you can read it on its page.")
    if not reads_working_copy(item):
        return redirect(last_submitted_version(item))
    if request.method != "POST":
        return _review_page(request, item)
    action = request.POST.get("action")
    if action == "decide":
        return _decide(request, item)
    if action == "add_mapping":
        return _add_mapping(request, item)
    try:
        services.review_start(item=item, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Review started. The learner sees the item is in review.")
    return redirect("assessments:review", item.pk)


def _decide(request, item):
    decidable = _decidable(_mappings(item), rules.sign_off_lock(item))
    decision_forms = [MappingDecisionForm(request.POST, mapping=m) for m in decidable]
    if not all(form.is_valid() for form in decision_forms):
        return _review_page(request, item, decision_forms=decision_forms)
    decisions = [
        (form.mapping, form.cleaned_data["decision"], form.cleaned_data["comment"])
        for form in decision_forms
    ]
    try:
        changed = services.mappings_decide(item=item, by=request.user, decisions=decisions)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            errors_to_messages(request, error)
            return redirect("assessments:review", item.pk)
        for form in decision_forms:
            for message in error.error_dict.get(str(form.mapping.pk), []):
                form.add_error("comment", message)
        return _review_page(request, item, decision_forms=decision_forms)
    messages.success(request, f"Decisions saved: {changed} changed.")
    return redirect("assessments:review", item.pk)


def _add_mapping(request, item):
    form = ReviewMappingForm(request.POST, targets=assessor_target_choices(item))
    if not form.is_valid():
        messages.error(request, "Choose a criterion or sub-part from the list.")
        return redirect("assessments:review", item.pk)
    try:
        criterion, part = target_from_key(form.cleaned_data["target"])
        mapping = services.review_mapping_add(
            item=item,
            by=request.user,
            criterion=criterion,
            part=part,
            note=form.cleaned_data["note"],
            accept=form.cleaned_data["accept"],
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, f"Mapping to {mapping.code} added, marked as the assessor's.")
    return redirect("assessments:review", item.pk)


@require_POST
@saved_once
def feedback(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=THREAD_WRITERS)
    try:
        services.feedback_add(item=item, by=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Message added to the feedback thread.")
    # Back where the message was written from: the item page or the review screen.
    return redirect_back(request, item.get_absolute_url())


@require_POST
@saved_once
def send_back(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=ASSESSOR_ONLY)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.item_send_back(item=item, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                errors_to_messages(request, error)
                return redirect("assessments:review", item.pk)
            form.add_error("text", error.error_dict["text"])
        else:
            messages.success(request, "Sent back to the learner: needs more work.")
            return redirect("assessments:review", item.pk)
    return _review_page(request, item, send_back_form=form)


@require_POST
@saved_once
def accept(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=ASSESSOR_ONLY)
    try:
        services.item_accept(item=item, by=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Item accepted. The learner has been told.")
    return redirect("assessments:review", item.pk)
