"""The learner's evidence workflow: create, edit, map, submit, revise; and reading items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from confirmations.selectors import confirmation_context, confirmations_for_item
from nvq_portfolio.errors import errors_to_form, errors_to_messages
from people.access import Role, enrolment_for_user, enrolment_role
from submissions.once import saved_once
from suggestions.selectors import suggestions_for_item
from suggestions.services import file_texts_read

from . import rules, services
from .access import (
    MAPPING_CHANGES,
    OWNER,
    evidence_item_for_user,
    last_submitted_version,
    reads_working_copy,
)
from .forms import (
    AssessorMappingForm,
    EvidenceItemForm,
    RecordDetailsForm,
    SubmitForm,
    TypedEvidenceForm,
)
from .mapping import assessor_target_choices, picker_groups, target_from_key, targets_from_post
from .typed import TEMPLATES, typed_template


@saved_once
def item_create(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    if enrolment_role(request.user, enrolment) != Role.LEARNER:
        raise PermissionDenied("Only the learner adds evidence to their portfolio.")
    template = typed_template(request.GET.get("template") or request.POST.get("template"))
    initial = (
        {"evidence_type": template.evidence_type, "assessment_method": template.assessment_method}
        if template
        else {}
    )
    form = EvidenceItemForm(request.POST or None, initial=initial)
    typed_form = TypedEvidenceForm(request.POST or None, template=template) if template else None
    if (
        request.method == "POST"
        and form.is_valid()
        and (typed_form is None or typed_form.is_valid())
    ):
        try:
            item = services.evidence_item_create(
                enrolment=enrolment,
                by=request.user,
                template=template.key if template else "",
                typed_content=typed_form.cleaned_data if typed_form else {},
                **form.cleaned_data,
            )
        except ValidationError as error:
            errors_to_form(
                typed_form if typed_form and hasattr(error, "error_dict") else form, error
            )
        else:
            messages.success(request, "Draft saved. Now add files and map it to criteria.")
            return redirect(item)
    return render(
        request,
        "evidence/item_form.html",
        {
            "enrolment": enrolment,
            "form": form,
            "typed_form": typed_form,
            "template": template,
            "templates": [t for t in TEMPLATES.values() if t.author == "learner"],
        },
    )


def _refused(request, item, action):
    """Back to the item with the reason, when the page for `action` would only be refused."""
    refusal = rules.item_refusal(item, request.user, action)
    if refusal:
        messages.error(request, refusal)
        return redirect(item)
    return None


def item_detail(request, pk):
    item = evidence_item_for_user(request.user, pk)
    if not reads_working_copy(item):
        return redirect(last_submitted_version(item))
    actions = rules.item_actions(item, request.user)
    mappings = list(
        item.mappings.select_related("criterion__outcome__unit", "part", "added_by", "decided_by")
    )
    context = {
        "item": item,
        "actions": actions,
        "template": typed_template(item.template),
        "files": item.files.filter(removed_at__isnull=True).select_related("uploaded_by"),
        "mappings": mappings,
        "removable": {
            m.pk
            for m in mappings
            if not rules.mapping_remove_refusal(m, request.user, lock=actions.lock)
        },
        "versions": list(item.versions.select_related("declared_by", "acknowledged_by")),
        "is_learner": item.viewer_role == Role.LEARNER,
        "is_assessor": item.viewer_role == Role.ASSESSOR,
        "submit_form": SubmitForm(item=item),
        **confirmation_context(item, request.user),
    }
    if context["is_assessor"] and (not item.is_assessor_record or item.is_draft):
        context["assessor_form"] = AssessorMappingForm(targets=assessor_target_choices(item))
    return render(request, "evidence/item_detail.html", context)


def item_edit(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    if refused := _refused(request, item, rules.EDIT):
        return refused
    template = typed_template(item.template)
    # An assessor's record keeps the kind its template gives it; only its words change.
    details_form = RecordDetailsForm if item.is_assessor_record else EvidenceItemForm
    form = details_form(request.POST or None, instance=item)
    typed_form = (
        TypedEvidenceForm(request.POST or None, template=template, initial=item.typed_content)
        if template
        else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (typed_form is None or typed_form.is_valid())
    ):
        try:
            services.evidence_item_update(
                item=item,
                by=request.user,
                typed_content=typed_form.cleaned_data if typed_form else {},
                **form.cleaned_data,
            )
        except ValidationError as error:
            errors_to_form(
                typed_form if typed_form and hasattr(error, "error_dict") else form, error
            )
        else:
            messages.success(request, "Changes saved.")
            return redirect(item)
    return render(
        request,
        "evidence/item_form.html",
        {
            "enrolment": item.enrolment,
            "item": item,
            "form": form,
            "typed_form": typed_form,
            "template": template,
        },
    )


def item_delete(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    if refused := _refused(request, item, rules.DELETE):
        return refused
    if request.method == "POST":
        try:
            services.evidence_item_delete(item=item, by=request.user)
        except ValidationError as error:
            errors_to_messages(request, error)
            return redirect(item)
        messages.success(request, f"Deleted the draft “{item.title}”.")
        return redirect("evidence:progress", item.enrolment_id)
    return render(request, "evidence/item_confirm_delete.html", {"item": item})


def item_mappings(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    if refused := _refused(request, item, rules.MAP):
        return refused
    if request.method == "POST":
        try:
            services.evidence_mappings_set(
                item=item, by=request.user, targets=targets_from_post(request.POST)
            )
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, "Mappings saved.")
            return redirect(item)
    file_texts_read(item=item)
    return render(
        request,
        "evidence/item_mappings.html",
        {"item": item, "groups": picker_groups(item), "suggested": suggestions_for_item(item)},
    )


@require_POST
@saved_once
def assessor_mapping_add(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles={Role.ASSESSOR})
    form = AssessorMappingForm(request.POST, targets=assessor_target_choices(item))
    if form.is_valid():
        try:
            criterion, part = target_from_key(form.cleaned_data["target"])
            services.evidence_mapping_add(
                item=item,
                by=request.user,
                criterion=criterion,
                part=part,
                note=form.cleaned_data["note"],
                as_assessor=True,
            )
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, "Mapping added, marked as the assessor's.")
    else:
        messages.error(request, "Choose a criterion or sub-part from the list.")
    return redirect(item)


@require_POST
def mapping_remove(request, pk, mapping_pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=MAPPING_CHANGES)
    mapping = get_object_or_404(item.mappings, pk=mapping_pk)
    try:
        services.evidence_mapping_remove(mapping=mapping, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, f"Removed the mapping to {mapping.code}.")
    return redirect(item)


@require_POST
@saved_once
def item_submit(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    form = SubmitForm(request.POST, item=item)
    try:
        version = services.evidence_submit(
            item=item,
            by=request.user,
            declaration=form.is_valid() and form.cleaned_data["declaration"],
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            f"Saved as version {version.number}. {item.enrolment.learner.display_name} has been "
            "asked to acknowledge it."
            if item.is_assessor_record
            else f"Submitted for assessment as version {version.number}.",
        )
    return redirect(item)


@require_POST
def item_revise(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True, roles=OWNER)
    try:
        services.evidence_revise(item=item, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            "The item is a draft again. Earlier versions stay as they were submitted.",
        )
    return redirect(item)


def version_detail(request, pk, number):
    item = evidence_item_for_user(request.user, pk)
    version = get_object_or_404(
        item.versions.select_related("declared_by", "acknowledged_by").prefetch_related("files"),
        number=number,
    )
    return render(
        request,
        "evidence/version_detail.html",
        {
            "item": item,
            "version": version,
            "template": typed_template(version.template),
            "reads_working_copy": reads_working_copy(item),
            "confirmations": confirmations_for_item(item, version=version),
        },
    )
