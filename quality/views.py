"""The IQA's pages: dashboard, sampling plans and their suggested samples, sample reviews and
their actions, risk ratings and the centre's rates. Each view reads: load, authorise,
validate, act, render; the rules are in services.py.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from assessments.selectors import standing_sign_off, unit_assessment
from jobs.models import Job
from jobs.services import job_start
from nvq_portfolio.errors import errors_to_form, errors_to_messages
from page_cache.pages import cached_page
from people.access import require_centre_admin
from submissions.once import saved_once

from . import access, reports, selectors, services
from .forms import CloseForm, EntryForm, PlanForm, PolicyForm, RespondForm, ReviewForm, RiskForm
from .sampling import sampling_policy


@cached_page
def home(request):
    """The quality dashboard: what the person does in quality assurance, by role."""
    user = request.user
    is_iqa = services.is_iqa(user)
    standing = access.standing_grants(user)
    actions = selectors.actions_for(user)
    if not (is_iqa or user.is_centre_admin or standing or actions or services.is_assessor(user)):
        raise Http404("You have no quality assurance records.")
    plans = list(selectors.plans_for_user(user))
    chosen = None
    if plans:
        wanted = request.GET.get("plan")
        chosen = next((p for p in plans if str(p.pk) == wanted), plans[0])
    page = selectors.plan_summary(chosen, user) if chosen else None
    assessor_ids = selectors.assessors_of_iqa(user) if is_iqa or user.is_centre_admin else set()
    return render(
        request,
        "quality/home.html",
        {
            "is_iqa": is_iqa,
            "covers": selectors.grants_in_force(user) if standing else [],
            "plans": plans,
            "chosen": chosen,
            "page": page,
            "actions": actions,
            "risk_history": selectors.risk_history(assessor_ids) if assessor_ids else {},
            "policy": sampling_policy(),
        },
    )


@saved_once
def plan_create(request):
    if not services.is_iqa(request.user):
        raise Http404("Only an IQA makes sampling plans.")
    form = PlanForm(request.POST or None, iqa=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.sampling_plan_create(iqa=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Plan made. Look at the suggested sample below.")
            return redirect(plan)
    return render(request, "quality/plan_form.html", {"form": form})


def _plan_context(request, plan, *, entry_form=None):
    """The plan page: one page of its sample and of the suggestion, the coverage summarised;
    the form to add a learner's unit (a list of every one) only when asked for."""
    is_iqa = plan.viewer_role == access.IQA
    summary = selectors.plan_summary(plan, request.user)
    if is_iqa and entry_form is None and request.GET.get("add"):
        entry_form = EntryForm(plan=plan)
    return {
        "plan": plan,
        "page": summary,
        "entries": selectors.entries_page(plan, request.user, request.GET.get("page")),
        "suggestions": Paginator(summary.suggestions, selectors.PLAN_PAGE_SIZE).get_page(
            request.GET.get("suggestions_page")
        ),
        "is_iqa": is_iqa,
        "entry_form": entry_form,
    }


@cached_page
@require_safe
def plan_detail(request, pk):
    plan = access.plan_for_user(request.user, pk)
    return render(request, "quality/plan.html", _plan_context(request, plan))


@require_POST
@saved_once
def plan_accept(request, pk):
    plan = access.plan_for_user(request.user, pk, change=True)
    keys = request.POST.getlist("accept")
    if request.POST.get("every"):
        keys = [suggestion.key for suggestion in services.plan_suggestion(plan)]
    try:
        entries = services.suggested_sample_accept(plan=plan, by=request.user, keys=keys)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, f"{len(entries)} suggested sample(s) added to the plan.")
    return redirect(plan)


@require_POST
@saved_once
def entry_add(request, pk):
    plan = access.plan_for_user(request.user, pk, change=True)
    form = EntryForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.sample_entry_add(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Added to the plan.")
            return redirect(plan)
    context = _plan_context(request, plan, entry_form=form)
    return render(request, "quality/plan.html", context, status=400)


def entry_drop(request, pk):
    """GET: what taking the sample out of the plan will do; POST: take it out."""
    entry = access.entry_for_user(request.user, pk, change=True)
    if request.method != "POST":
        if hasattr(entry, "review"):
            return redirect(entry.plan)
        learner = entry.enrolled_unit.enrolment.learner.display_name
        consequences = [
            f"The {entry.get_stage_display().lower()} sample of {learner}'s unit "
            f"{entry.enrolled_unit.unit.display_reference} leaves “{entry.plan.title}”; you can "
            "add it again."
        ]
        if services.sample_review_draft_for(entry, request.user):
            consequences.append("Your draft review of it is deleted: it cannot be brought back.")
        return render(
            request,
            "confirm.html",
            {
                "heading": "Take the sample out of the plan?",
                "consequences": consequences,
                "action": request.path,
                "button": "Take it out",
                "danger": True,
                "cancel_url": entry.plan.get_absolute_url(),
            },
        )
    try:
        services.sample_entry_drop(entry=entry, by=request.user)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Taken out of the plan.")
    return redirect(entry.plan)


DRAFT_STEPS = {
    "draft": "Draft saved. Nothing is signed; the assessor does not see it until you sign.",
    "agree": (
        "Every decision you had not yet given a verdict on is now marked agreed. Read them, "
        "then sign the review: nothing is signed yet."
    ),
}


@saved_once
def entry_review(request, pk):
    """The sample: what the assessor saw and decided, and the IQA's review form."""
    entry = access.entry_for_user(request.user, pk, change=request.method == "POST")
    if hasattr(entry, "review"):
        return redirect(entry.review)
    judgements = services.judgements_sampled(entry)
    is_iqa = entry.viewer_role == access.IQA
    # A draft is the IQA's own: nobody else is shown it, nor told it exists.
    draft = services.sample_review_draft_for(entry, request.user) if is_iqa else None
    initial = ReviewForm.initial_from(draft) if draft else None
    form = ReviewForm(request.POST or None, judgements=judgements, initial=initial)
    step = request.POST.get("step", "sign")
    if request.method == "POST" and step in DRAFT_STEPS and form.is_valid():
        try:
            services.sample_review_draft_save(
                entry=entry,
                by=request.user,
                verdicts=form.verdicts(),
                feedback=form.cleaned_data["feedback"],
                actions=form.actions(),
                agree_undecided=step == "agree",
            )
        except ValidationError as error:
            form.place_errors(error)
        else:
            messages.success(request, DRAFT_STEPS[step])
            return redirect("quality:entry", entry.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            review = services.sample_review_sign(
                entry=entry,
                by=request.user,
                verdicts=form.verdicts(),
                feedback=form.cleaned_data["feedback"],
                actions=form.actions(),
                declaration_confirmed=form.cleaned_data["declaration"],
            )
        except ValidationError as error:
            form.place_errors(error)
        else:
            messages.success(request, "Review signed. The assessor has been told.")
            return redirect(review)
    enrolled_unit = entry.enrolled_unit
    return render(
        request,
        "quality/entry_review.html",
        {
            "entry": entry,
            "enrolment": enrolled_unit.enrolment,
            "unit": enrolled_unit.unit,
            "assessment": unit_assessment(enrolled_unit),
            "signed_off": standing_sign_off(enrolled_unit) is not None,
            "form": form,
            "is_iqa": is_iqa,
            "draft": draft,
        },
        status=400 if form.errors else 200,
    )


@require_safe
def review_detail(request, pk):
    review = access.review_for_user(request.user, pk)
    verdicts, actions = selectors.review_page(review)
    intact, _ = services.sample_review_verify(review)
    return render(
        request,
        "quality/review.html",
        {
            "review": review,
            "entry": review.entry,
            "verdicts": verdicts,
            "actions": actions,
            "intact": intact,
            "is_assessor": review.viewer_role == access.ASSESSOR,
            "is_iqa": review.viewer_role == access.IQA,
        },
    )


@require_POST
def action_respond(request, pk):
    action = access.action_for_user(request.user, pk, change=True, roles={access.ASSESSOR})
    form = RespondForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Say what you have done about the action.")
        services.quality_action_respond(
            action=action, by=request.user, response=form.cleaned_data["response"]
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Response sent to the IQA.")
    return redirect(action.review)


@require_POST
def action_close(request, pk):
    action = access.action_for_user(request.user, pk, change=True, roles={access.IQA})
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.quality_action_close(
            action=action, by=request.user, note=form.cleaned_data.get("note", "")
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, "Action closed.")
    return redirect(action.review)


@require_POST
@saved_once
def plan_report_prepare(request, pk):
    """The plan's IQA report as a PDF, made by a worker; its page shows it being prepared."""
    plan = access.plan_for_user(request.user, pk)
    return redirect(job_start(kind=Job.Kind.IQA_PDF, by=request.user, plan=plan))


@require_safe
def plan_report(request, pk, kind):
    if kind not in ("pdf", "csv"):
        raise Http404("The IQA report comes as PDF or CSV.")
    plan = access.plan_for_user(request.user, pk)
    report = reports.iqa_report(plan, request.user)
    if kind == "pdf":
        body, content_type = reports.render_iqa_pdf(report), "application/pdf"
    else:
        body, content_type = reports.render_iqa_csv(report), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=report.filename(kind)
    )
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


@saved_once
def risk(request):
    """Assessors' risk ratings over time; IQAs and centre admins set them."""
    user = request.user
    if not (user.is_centre_admin or services.is_iqa(user)):
        raise Http404("Only IQAs and centre admins rate assessors.")
    assessor_ids = selectors.assessors_of_iqa(user)
    form = RiskForm(request.POST or None, assessor_ids=assessor_ids)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessor_risk_set(by=user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Risk rating recorded.")
            return redirect("quality:risk")
    return render(
        request,
        "quality/risk.html",
        {
            "form": form,
            "history": selectors.risk_history(assessor_ids),
            "policy": sampling_policy(),
        },
        status=400 if form.errors else 200,
    )


def policy(request):
    require_centre_admin(request.user)
    current = sampling_policy()
    form = PolicyForm(
        request.POST or None,
        initial={
            "new_rate": current.new_rate,
            "standard_rate": current.standard_rate,
            "low_rate": current.low_rate,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sampling_policy_update(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_to_form(form, error)
        else:
            messages.success(request, "Sampling rates saved.")
            return redirect("quality:policy")
    return render(
        request, "quality/policy.html", {"form": form}, status=400 if form.errors else 200
    )
