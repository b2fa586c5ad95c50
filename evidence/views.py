"""The learner's evidence workflow: create, edit, map, submit, revise; and reading items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from nvq_portfolio.errors import errors_to_form, errors_to_messages
from people.access import Role, enrolment_for_user, enrolment_role
from submissions.once import saved_once

from . import services
from .access import MAPPING_CHANGES, evidence_item_for_user
from .forms import AssessorMappingForm, EvidenceItemForm, SubmitForm, TypedEvidenceForm
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


def item_detail(request, pk):
    item = evidence_item_for_user(request.user, pk)
    context = {
        "item": item,
        "template": typed_template(item.template),
        "files": item.files.filter(removed_at__isnull=True).select_related("uploaded_by"),
        "mappings": item.mappings.select_related("criterion__outcome__unit", "part", "added_by"),
        "versions": item.versions.select_related("declared_by"),
        "is_learner": item.viewer_role == Role.LEARNER,
        "is_assessor": item.viewer_role == Role.ASSESSOR,
        "submit_form": SubmitForm(),
    }
    if context["is_assessor"]:
        context["assessor_form"] = AssessorMappingForm(targets=assessor_target_choices(item))
    return render(request, "evidence/item_detail.html", context)


def item_edit(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True)
    if not item.is_draft:
        messages.error(
            request, "Submitted evidence cannot be edited. Revise it to start a new version."
        )
        return redirect(item)
    template = typed_template(item.template)
    form = EvidenceItemForm(request.POST or None, instance=item)
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
    item = evidence_item_for_user(request.user, pk, change=True)
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
    item = evidence_item_for_user(request.user, pk, change=True)
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
    elif not item.is_draft:
        messages.error(request, "Submitted evidence cannot be re-mapped. Revise it first.")
        return redirect(item)
    return render(
        request, "evidence/item_mappings.html", {"item": item, "groups": picker_groups(item)}
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
    item = evidence_item_for_user(request.user, pk, change=True)
    form = SubmitForm(request.POST)
    try:
        version = services.evidence_submit(
            item=item,
            by=request.user,
            declaration=form.is_valid() and form.cleaned_data["declaration"],
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, f"Submitted for assessment as version {version.number}.")
    return redirect(item)


@require_POST
def item_revise(request, pk):
    item = evidence_item_for_user(request.user, pk, change=True)
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
        item.versions.select_related("declared_by").prefetch_related("files"), number=number
    )
    return render(
        request,
        "evidence/version_detail.html",
        {"item": item, "version": version, "template": typed_template(version.template)},
    )
