"""Screens for enrolments and people. Each reads: load, authorise, validate, act, render."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jobs.models import Job
from jobs.services import job_start
from page_cache.pages import cached_page
from submissions.once import saved_once

from . import import_jobs, imports, selectors, services
from .access import (
    enrolment_for_user,
    enrolment_role,
    person_change_refusal,
    person_for_admin,
    person_locked_fields,
    require_centre_admin,
)
from .forms import (
    EnrolmentCreateForm,
    EnrolmentFilterForm,
    EnrolmentForm,
    EnrolmentImportForm,
    ImportConfirmForm,
    PeopleFilterForm,
    PersonForm,
    QualificationChoiceForm,
    add_service_errors,
    enrolment_initial,
    person_initial,
)

PAGE_SIZE = 50


@cached_page
def enrolment_list(request):
    form = EnrolmentFilterForm(request.GET, user=request.user)
    enrolments = selectors.enrolments_matching(request.user, **form.filters())
    page = Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/enrolment_list.html", {"form": form, "page": page})


def enrolment_detail(request, pk):
    enrolment = enrolment_for_user(request.user, pk)
    return render(
        request,
        "people/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "units": selectors.units_of_enrolment(request.user, enrolment),
            "role": enrolment_role(request.user, enrolment),
        },
    )


@saved_once
def enrolment_add(request):
    require_centre_admin(request.user)
    # Step one picks the qualification, so step two can offer exactly its units.
    choice = QualificationChoiceForm(request.GET if "qualification" in request.GET else None)
    if not choice.is_valid():
        return render(request, "people/enrolment_choose_qualification.html", {"form": choice})
    qualification = choice.cleaned_data["qualification"]
    form = EnrolmentCreateForm(
        request.POST or None,
        qualification=qualification,
        initial={"learner": request.GET.get("learner")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_create(qualification=qualification, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Enrolled {enrolment.learner} on {qualification}.")
            return redirect(enrolment)
    return render(
        request, "people/enrolment_form.html", {"form": form, "qualification": qualification}
    )


def enrolment_edit(request, pk):
    enrolment = enrolment_for_user(request.user, pk, change=True)
    form = EnrolmentForm(
        request.POST or None,
        qualification=enrolment.qualification,
        enrolment=enrolment,
        initial=enrolment_initial(enrolment),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_update(enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Saved the enrolment.")
            return redirect(enrolment)
    return render(
        request,
        "people/enrolment_form.html",
        {"form": form, "enrolment": enrolment, "qualification": enrolment.qualification},
    )


@cached_page
def people_list(request):
    require_centre_admin(request.user)
    form = PeopleFilterForm(request.GET)
    people = selectors.people_for_list(**form.filters())
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/people_list.html", {"form": form, "page": page})


@saved_once
def person_add(request):
    require_centre_admin(request.user)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Added {person}. They have no password yet: email them a link to choose one "
                "with the button below.",
            )
            return redirect("people:person_edit", person.pk)
    return render(request, "people/person_form.html", {"form": form})


def person_edit(request, pk):
    person = person_for_admin(request.user, pk)
    # What the service would refuse this admin is shown read-only, never offered.
    locked = person_locked_fields(request.user, person, [*PersonForm.base_fields, "password"])
    form = PersonForm(request.POST or None, initial=person_initial(person), locked=locked)
    read_only = all(form.fields[name].disabled for name in form.fields)
    if request.method == "POST" and read_only:
        raise PermissionDenied(person_change_refusal(request.user, person, locked))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved {person}.")
            return redirect("people:person_edit", person.pk)
    enrolments = selectors.enrolments_of_person(person)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "person": person,
            "enrolments": enrolments,
            "read_only": read_only,
            "refusal": person_change_refusal(request.user, person, locked),
            "may_send_password_link": "password" not in locked,
        },
    )


@require_POST
def person_password_link(request, pk):
    person = person_for_admin(request.user, pk)
    try:
        person = services.person_password_link_send(
            person=person, by=request.user, site_url=request.build_absolute_uri("/").rstrip("/")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except OSError:  # the mail server refused or did not answer (SMTPException is an OSError)
        messages.error(request, "The email could not be sent; try again later.")
    else:
        messages.success(request, f"Emailed {person.email} a link to choose a password.")
    return redirect("people:person_edit", person.pk)


@saved_once
def import_enrolments(request):
    require_centre_admin(request.user)
    form = EnrolmentImportForm(request.POST or None, request.FILES or None)
    result, held = None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = imports.enrolments_import(upload, dry_run=form.cleaned_data["dry_run"])
        if result.ok and not result.dry_run:
            failed = import_jobs.invitations_send(
                [row.learner for row in result.new_people.values()]
            )
            messages.success(request, result.summary)
            if failed:
                messages.warning(request, f"{failed} invitation email(s) could not be sent.")
            return redirect("people:enrolments")
        if result.ok:
            upload.seek(0)
            held = import_jobs.import_file_hold(upload.read(), by=request.user)
    return render(
        request,
        "people/import.html",
        {
            "form": form,
            "result": result,
            "confirm_form": ImportConfirmForm(initial={"held": held}) if held else None,
            "max_rows": f"{imports.MAX_ROWS:,}",
        },
    )


@require_POST
@saved_once
def import_confirm(request):
    """Import exactly the file a clean dry run showed, as a job; its page says how it went."""
    require_centre_admin(request.user)
    form = ImportConfirmForm(request.POST)
    if form.is_valid():
        try:
            import_jobs.held_file_read(form.cleaned_data["held"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("people:import_enrolments")
        job = job_start(
            kind=Job.Kind.ENROLMENT_IMPORT,
            by=request.user,
            params={"held": form.cleaned_data["held"]},
        )
        return redirect(job)
    messages.error(request, "Upload the file again to check it.")
    return redirect("people:import_enrolments")


def import_template(request):
    """A CSV with the header row and one example row, to fill in a spreadsheet."""
    require_centre_admin(request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="enrolments-template.csv"'
    writer = csv.writer(response)
    writer.writerow(imports.COLUMNS)
    writer.writerow(imports.EXAMPLE_ROW)
    return response
