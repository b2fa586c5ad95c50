"""Judging a unit criterion by criterion, signing it off, countersigning and reopening it.

Each view reads: load, authorise, validate, act, render. The rules are in judgements.py and
signoff.py; a refusal from them is shown as it is worded there.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from nvq_portfolio.errors import errors_to_form, errors_to_messages
from page_cache.pages import cached_page
from people.access import Role
from submissions.once import saved_once

from . import selectors
from .access import LEARNER_ONLY, enrolled_unit_for_user
from .forms import (
    CountersignForm,
    JudgementForm,
    ReopenForm,
    SignOffForm,
    unit_decisions,
    unit_row_forms,
)
from .judgements import (
    SIGNED_OFF,
    UnitJudgementsRefused,
    judgement_record,
    judgements_record_unit,
    unit_url,
)
from .signoff import sign_off_verify, unit_countersign, unit_reopen, unit_sign_off

REOPENERS = {Role.ASSESSOR, Role.IQA}
NOT_SIGNED = "This unit is not signed off at the moment."


def _redirect_with(request, enrolled_unit, error=None, success=""):
    if error:
        errors_to_messages(request, error)
    else:
        messages.success(request, success)
    return redirect(unit_url(enrolled_unit))


@cached_page
def unit_judgements(request, enrolment_pk, unit_slug):
    enrolled_unit = enrolled_unit_for_user(request.user, enrolment_pk, unit_slug)
    sign_off = selectors.standing_sign_off(enrolled_unit)
    intact, differences = sign_off_verify(sign_off) if sign_off else (None, [])
    role = enrolled_unit.viewer_role
    return render(
        request,
        "assessments/unit_judgements.html",
        {
            "enrolled_unit": enrolled_unit,
            "enrolment": enrolled_unit.enrolment,
            "unit": enrolled_unit.unit,
            "assessment": selectors.unit_assessment(enrolled_unit),
            "sign_off": sign_off,
            "intact": intact,
            "differences": differences,
            "is_assessor": role == Role.ASSESSOR,
            "is_learner": role == Role.LEARNER,
            "may_reopen": role in REOPENERS,
            "sign_off_form": SignOffForm(),
            "countersign_form": CountersignForm(),
            "reopen_form": ReopenForm(),
        },
    )


@saved_once
def judge(request, enrolment_pk, unit_slug, key):
    enrolled_unit = enrolled_unit_for_user(request.user, enrolment_pk, unit_slug, change=True)
    row = selectors.unit_assessment(enrolled_unit).row(key)
    if row is None:
        raise Http404("No such criterion or part in this unit.")
    form = JudgementForm(request.POST or None, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            judgement_record(
                enrolled_unit=enrolled_unit,
                by=request.user,
                criterion=row.criterion,
                part=row.part,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
                methods=form.cleaned_data["methods"],
                evidence=form.evidence(),
            )
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, f"Judgement of {row.code} recorded.")
            return redirect(unit_url(enrolled_unit))
    return render(
        request,
        "assessments/judge.html",
        {
            "enrolled_unit": enrolled_unit,
            "enrolment": enrolled_unit.enrolment,
            "unit": enrolled_unit.unit,
            "row": row,
            "form": form,
            "sign_off": selectors.standing_sign_off(enrolled_unit),
        },
    )


@saved_once
def judge_unit(request, enrolment_pk, unit_slug):
    """Every criterion and part of the unit on one page, recorded together or not at all."""
    enrolled_unit = enrolled_unit_for_user(request.user, enrolment_pk, unit_slug, change=True)
    assessment = selectors.unit_assessment(enrolled_unit)
    sign_off = selectors.standing_sign_off(enrolled_unit)
    if request.method == "POST" and sign_off is not None:
        return _redirect_with(request, enrolled_unit, ValidationError(SIGNED_OFF))
    row_forms = unit_row_forms(assessment, request.POST if request.method == "POST" else None)
    refused = None
    if request.method == "POST" and all(form.is_valid() for form in row_forms):
        decisions = unit_decisions(row_forms)
        try:
            changed = judgements_record_unit(
                enrolled_unit=enrolled_unit, by=request.user, decisions=decisions
            )
        except UnitJudgementsRefused as error:
            refused = error.messages[0]
            forms_by_key = {form.row.key: form for form in row_forms}
            for key, row_error in error.by_key.items():
                forms_by_key[key].place_refusal(row_error)
        except ValidationError as error:
            return _redirect_with(request, enrolled_unit, error)
        else:
            count = len(changed)
            success = (
                f"{count} judgement{'s' if count != 1 else ''} recorded."
                if count
                else "Nothing had changed, so nothing was recorded."
            )
            return _redirect_with(request, enrolled_unit, success=success)
    return render(
        request,
        "assessments/judge_unit.html",
        {
            "enrolled_unit": enrolled_unit,
            "enrolment": enrolled_unit.enrolment,
            "unit": enrolled_unit.unit,
            "assessment": assessment,
            "rows": list(zip(assessment.rows, row_forms, strict=True)),
            "row_forms": row_forms,
            "sign_off": sign_off,
            "refused": refused,
        },
        status=400 if any(form.errors for form in row_forms) else 200,
    )


def history(request, enrolment_pk, unit_slug):
    enrolled_unit = enrolled_unit_for_user(request.user, enrolment_pk, unit_slug)
    return render(
        request,
        "assessments/history.html",
        {
            "enrolled_unit": enrolled_unit,
            "enrolment": enrolled_unit.enrolment,
            "unit": enrolled_unit.unit,
            "changes": selectors.history_for_unit(enrolled_unit),
            "sign_offs": selectors.sign_offs_for_unit(enrolled_unit),
        },
    )


@require_POST
@saved_once
def sign_off(request, enrolment_pk, unit_slug):
    enrolled_unit = enrolled_unit_for_user(request.user, enrolment_pk, unit_slug, change=True)
    form = SignOffForm(request.POST)
    form.is_valid()
    try:
        unit_sign_off(
            enrolled_unit=enrolled_unit,
            by=request.user,
            declaration_confirmed=form.cleaned_data.get("declaration", False),
        )
    except ValidationError as error:
        return _redirect_with(request, enrolled_unit, error)
    success = "Unit signed off. The learner has been asked to countersign."
    return _redirect_with(request, enrolled_unit, success=success)


@require_POST
def countersign(request, enrolment_pk, unit_slug):
    enrolled_unit = enrolled_unit_for_user(
        request.user, enrolment_pk, unit_slug, change=True, roles=LEARNER_ONLY
    )
    sign_off = selectors.standing_sign_off(enrolled_unit)
    if sign_off is None:
        return _redirect_with(request, enrolled_unit, ValidationError(NOT_SIGNED))
    form = CountersignForm(request.POST)
    form.is_valid()
    try:
        unit_countersign(
            sign_off=sign_off,
            by=request.user,
            declaration_confirmed=form.cleaned_data.get("declaration", False),
        )
    except ValidationError as error:
        return _redirect_with(request, enrolled_unit, error)
    return _redirect_with(request, enrolled_unit, success="You have countersigned this unit.")


@require_POST
def reopen(request, enrolment_pk, unit_slug):
    enrolled_unit = enrolled_unit_for_user(
        request.user, enrolment_pk, unit_slug, change=True, roles=REOPENERS
    )
    sign_off = selectors.standing_sign_off(enrolled_unit)
    if sign_off is None:
        return _redirect_with(request, enrolled_unit, ValidationError(NOT_SIGNED))
    form = ReopenForm(request.POST)
    form.is_valid()
    try:
        unit_reopen(
            sign_off=sign_off,
            by=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        return _redirect_with(request, enrolled_unit, error)
    return _redirect_with(
        request, enrolled_unit, success="Unit reopened. Its judgements can be changed again."
    )
