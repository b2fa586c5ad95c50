from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from nvq_portfolio.text import NUL
from page_cache.pages import cached_page

from . import selectors
from .models import Qualification

SEARCH_LIMIT = 100


@cached_page
def qualification_list(request):
    return render(
        request,
        "criteria/qualification_list.html",
        {"qualifications": selectors.qualifications_with_unit_counts()},
    )


def qualification_detail(request, code):
    qualification = get_object_or_404(Qualification, code=code)
    units = selectors.units_with_criterion_counts(qualification)
    return render(
        request,
        "criteria/qualification_detail.html",
        {"qualification": qualification, "units": units},
    )


@cached_page
def unit_detail(request, slug):
    unit = selectors.unit_with_structure(slug).first()
    if unit is None:
        raise Http404("No such unit.")
    return render(request, "criteria/unit_detail.html", {"unit": unit})


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    if NUL in query:
        messages.error(request, "Take the NUL character out of the search and try again.")
        query = ""
    results = list(selectors.criteria_matching(query, limit=SEARCH_LIMIT + 1)) if query else []
    return render(
        request,
        "criteria/search.html",
        {
            "query": query,
            "results": results[:SEARCH_LIMIT],
            "truncated": len(results) > SEARCH_LIMIT,
            "limit": SEARCH_LIMIT,
        },
    )
