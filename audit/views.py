"""A learner's audit timeline (page and CSV), and the centre's audit and retention page."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from assessments.reports import spreadsheet_cell
from nvq_portfolio.errors import errors_to_form
from people.access import Role, enrolment_for_user, enrolment_role, require_centre_admin

from . import selectors, services
from .forms import CentreSettingsForm, TimelineFilterForm
from .models import CentreSettings

PAGE_SIZE = 50
CSV_CHUNK = 500


@require_safe
def timeline(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    role = enrolment_role(request.user, enrolment)
    form = TimelineFilterForm(request.GET)
    page = page_range = None
    if form.is_valid():
        records = selectors.timeline_for(request.user, role, enrolment, **form.filters())
        page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
        page_range = page.paginator.get_elided_page_range(page.number)
    return render(
        request,
        "audit/timeline.html",
        {
            "enrolment": enrolment,
            "form": form,
            "page": page,
            "page_range": page_range,
            "is_learner": role == Role.LEARNER,
            "shows_addresses": role == Role.CENTRE_ADMIN,
            "query": request.GET.urlencode(),
        },
        status=200 if form.is_valid() else 400,
    )


class _Echo:
    def write(self, value):
        return value


def _who(record):
    if record.actor_id is None:
        return "The system" if not record.personal.actor_name else record.personal.actor_name
    return record.personal.actor_name or "Someone whose name was removed"


@require_safe
def timeline_csv(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    role = enrolment_role(request.user, enrolment)
    form = TimelineFilterForm(request.GET)
    if not form.is_valid():
        return redirect("audit:timeline", enrolment.pk)
    records = selectors.timeline_for(request.user, role, enrolment, **form.filters())
    shows_addresses = role == Role.CENTRE_ADMIN
    header = ["Sequence", "When", "What", "Object", "Summary", "Who", "Record hash"]
    if shows_addresses:
        header.append("Address")

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for record in records.iterator(chunk_size=CSV_CHUNK):
            row = [
                record.sequence,
                timezone.localtime(record.at).strftime("%-d %B %Y %H:%M:%S"),
                record.get_kind_display(),
                record.object_label,
                record.summary,
                _who(record),
                record.record_hash,
            ]
            if shows_addresses:
                row.append(record.personal.client_address or "")
            yield writer.writerow([spreadsheet_cell(value) for value in row])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"audit-timeline-enrolment-{enrolment.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def centre_settings(request):
    require_centre_admin(request.user)
    current = CentreSettings.current()
    form = CentreSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.centre_settings_update(
                by=request.user, retention_years=form.cleaned_data["retention_years"]
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Centre settings saved.")
            return redirect("audit:settings")
    sequence, head_hash = services.audit_head()
    return render(
        request,
        "audit/settings.html",
        {"form": form, "head_sequence": sequence, "head_hash": head_hash},
        status=400 if form.errors else 200,
    )
