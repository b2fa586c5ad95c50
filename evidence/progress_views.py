"""The learner's progress dashboard and the evidence list. Each reads: load, authorise, render."""

from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from nvq_portfolio.pagination import CappedPaginator
from page_cache.pages import cached_page
from people import selectors as people_selectors
from people.access import Role, enrolment_for_user, enrolment_role, units_in_scope

from . import selectors
from .forms_filters import EvidenceFilterForm

PAGE_SIZE = 25
COUNT_CAP = 1000  # items counted for the list's pages: 40 pages, then the filters narrow it


@cached_page
def progress(request, enrolment_pk):
    enrolment = enrolment_for_user(request.user, enrolment_pk)
    role = enrolment_role(request.user, enrolment)
    only_unit_ids = units_in_scope(request.user, role, enrolment.pk)

    def units():
        # Read only when the template's cached fragment (keyed by the portfolio's version)
        # has to be rendered again.
        return selectors.coverage_for_enrolment(
            enrolment,
            only_unit_ids=only_unit_ids,
            submitted_only=role == Role.EQA,
        )

    return render(
        request,
        "evidence/progress.html",
        {
            "enrolment": enrolment,
            "is_learner": role == Role.LEARNER,
            "is_assessor": role == Role.ASSESSOR,
            "units": SimpleLazyObject(units),
            "scope": "all" if only_unit_ids is None else sorted(only_unit_ids),
        },
    )


@cached_page
def item_list(request):
    form = EvidenceFilterForm(request.GET, user=request.user)
    page = page_range = None
    if form.is_valid():
        items = selectors.evidence_items_for_list(request.user, form.filters())
        paginator = CappedPaginator(items, PAGE_SIZE, cap=COUNT_CAP)
        page = paginator.get_page(request.GET.get("page"))
        page_range = page.paginator.get_elided_page_range(page.number)
    return render(
        request,
        "evidence/item_list.html",
        {
            "form": form,
            "page": page,
            "page_range": page_range,
            "show_learner": selectors.sees_other_learners(request.user),
            "own_enrolments": people_selectors.learner_enrolments(request.user),
        },
    )
