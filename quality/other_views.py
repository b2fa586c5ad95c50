"""Standardisation records and EQA grants: who recorded and granted what, and what the
external quality assurer opened."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from evidence.file_views import FILE_POLICY
from nvq_portfolio.errors import errors_to_form, errors_to_messages
from nvq_portfolio.stored_files import open_for_download
from people.access import require_centre_admin
from submissions.once import saved_once

from . import access, services
from .forms import GrantForm, StandardisationForm
from .models import EqaAccessLog, EqaGrant

LOG_ROWS = 200


@require_safe
def standardisation_list(request):
    if not access.may_see_standardisation(request.user):
        raise Http404("No standardisation records for you.")
    records = (
        access.standardisation_visible_to(request.user)
        .select_related("qualification", "recorded_by")
        .prefetch_related("attendees", "documents")
    )
    may_record = request.user.is_centre_admin or services.is_iqa(request.user)
    return render(
        request,
        "quality/standardisation_list.html",
        {"records": records, "may_record": may_record},
    )


@saved_once
def standardisation_create(request):
    if not (request.user.is_centre_admin or services.is_iqa(request.user)):
        raise Http404("Only IQAs and centre admins record standardisation.")
    form = StandardisationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.standardisation_record_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Standardisation recorded.")
            return redirect(record)
    return render(
        request,
        "quality/standardisation_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_safe
def standardisation_detail(request, pk):
    record = access.standardisation_for_user(request.user, pk)
    return render(request, "quality/standardisation.html", {"record": record})


@require_safe
def standardisation_document(request, pk):
    document = access.document_for_user(request.user, pk)
    response = FileResponse(
        open_for_download(document.file),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def grants(request):
    require_centre_admin(request.user)
    rows = list(
        EqaGrant.objects.select_related("eqa", "granted_by", "revoked_by").prefetch_related(
            "enrolments__learner", "units"
        )
    )
    now = timezone.now()
    for grant in rows:
        grant.state = (
            "Ended early"
            if grant.revoked_at
            else "Expired"
            if grant.expires_at <= now
            else "In force"
        )
    return render(request, "quality/grants.html", {"grants": rows})


@saved_once
def grant_create(request):
    require_centre_admin(request.user)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.eqa_grant_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"{grant.eqa.display_name} has read-only access.")
            return redirect(grant)
    return render(
        request, "quality/grant_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_safe
def grant_detail(request, pk):
    require_centre_admin(request.user)
    grant = get_object_or_404(
        EqaGrant.objects.select_related("eqa", "granted_by", "revoked_by").prefetch_related(
            "enrolments__learner", "units"
        ),
        pk=pk,
    )
    log = EqaAccessLog.objects.filter(
        eqa=grant.eqa, at__gte=grant.granted_at, at__lte=grant.revoked_at or grant.expires_at
    )
    return render(
        request,
        "quality/grant.html",
        {"grant": grant, "log": log[:LOG_ROWS], "log_total": log.count(), "rows": LOG_ROWS},
    )


def grant_revoke(request, pk):
    """GET: what ending the access will do; POST: end it."""
    require_centre_admin(request.user)
    grant = get_object_or_404(EqaGrant.objects.select_related("eqa"), pk=pk)
    if request.method != "POST":
        if grant.revoked_at is not None:
            return redirect(grant)
        return render(
            request,
            "confirm.html",
            {
                "heading": f"End {grant.eqa.display_name}'s access now?",
                "consequences": [
                    f"{grant.eqa.display_name} will no longer be able to open the portfolios and "
                    f"IQA records this access covers; it would have ended on "
                    f"{timezone.localtime(grant.expires_at):%d %B %Y}.",
                    "This cannot be undone: to let them back in, grant access again.",
                ],
                "action": request.path,
                "button": "End this access now",
                "danger": True,
                "cancel_url": grant.get_absolute_url(),
            },
        )
    try:
        services.eqa_grant_revoke(grant=grant, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Access ended.")
    return redirect(grant)
