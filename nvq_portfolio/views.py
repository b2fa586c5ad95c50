from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from page_cache.pages import cached_page
from people import selectors
from people.context_processors import navigation_facts_of, navigation_waiting_counted
from quality.selectors import grants_in_force

from .todo import todo_for

# The home page shows the first few learners of each role and links to the full lists, so it
# costs the same for an assessor of 1,000 as for one of 10.
HOME_ROWS = 10


@cached_page
def home(request):
    """One front page with a section for each role the person holds."""
    user = request.user
    roles, _, _ = navigation_facts_of(request, count_waiting=not user.is_external_verifier)
    todo = todo_for(user, roles)
    if not user.is_external_verifier:  # an EQA's count is of their grants, listed below
        # The navigation shows the count of what the page lists, counted here once.
        navigation_waiting_counted(request, sum(section.count for section in todo))
    first_page = Paginator(selectors.caseload_for_assessor(user), HOME_ROWS).get_page(1)
    context = {
        "todo": todo,
        "learner_enrolments": selectors.learner_enrolments(user),
        "caseload": first_page,
        "iqa_enrolments": Paginator(selectors.enrolments_for_iqa(user), HOME_ROWS).get_page(1),
        "centre": selectors.centre_counts() if user.is_centre_admin else None,
        "covers": grants_in_force(user) if user.is_external_verifier else [],
    }
    return render(request, "home.html", context)


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 when the database answers a query, 503 when it does not: for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
@never_cache
def session_check(request):
    """A tiny answer to a signed-in person (sign-in is checked by the middleware): the
    benchmark's floor, what every page costs before it does any work of its own."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
