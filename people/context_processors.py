from django.conf import settings
from django.urls import reverse

from nvq_portfolio import todo, todo_count

from . import two_factor
from .access import eqa_scope
from .selectors import navigation_facts


def navigation_facts_of(request, *, count_waiting=True):
    """(roles, unread notices, what waits) of the signed-in person, read once per request in
    one query: what waits is counted again only when not counted within the last minute or
    something moved it, and then only the lists of the roles they held when last counted.
    The home page, which counts its lists itself, asks with count_waiting=False."""
    facts = getattr(request, "_navigation_facts", None)
    if facts is not None and (facts[2] is not None or not count_waiting):
        return facts
    user = request.user
    waiting = todo_count.recall(user.pk) if count_waiting else None
    counting = count_waiting and waiting is None
    counts, known = {}, None
    if counting:
        known = todo_count.recall_roles(user.pk)
        counts = todo.count_expressions(user, todo.roles_possible(user) if known is None else known)
    roles, unread, counted = navigation_facts(user, counts)
    if counting:  # the roles are remembered for the next count, read only when counting
        waiting = counted
        todo_count.remember(user.pk, waiting)
        if known != roles:
            todo_count.remember_roles(user.pk, roles)
    request._navigation_facts = (roles, unread, waiting)
    return request._navigation_facts


def navigation_waiting_counted(request, waiting):
    """The home page counted what waits for the person: the navigation shows the same."""
    roles, unread, _ = navigation_facts_of(request, count_waiting=False)
    request._navigation_facts = (roles, unread, waiting)
    todo_count.remember(request.user.pk, waiting)


def navigation(request):
    """Navigation links for the roles the signed-in person holds, and the site name."""
    context = {
        "site_title": settings.SITE_NAME,
        "login_lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    if two_factor.step_pending(request):
        # Halfway through signing in: nothing to offer but finishing or signing out.
        context["two_factor_pending"] = True
        return context
    roles, context["notifications_unread"], waiting = navigation_facts_of(request)
    context["todo_count"] = f"{todo.COUNT_CAP}+" if waiting > todo.COUNT_CAP else waiting
    items = [("Home", reverse("home"))]
    if "assessor" in roles:
        items.append(("Caseload", reverse("assessments:caseload")))
    if user.is_external_verifier and not eqa_scope(user):
        roles = set()  # access ended: every page but home answers 404
    if roles:
        items.append(("Evidence", reverse("evidence:list")))
    if roles or not user.is_external_verifier:
        items.append(("Catalogue", reverse("criteria:qualifications")))
    if roles & {"assessor", "iqa", "centre_admin", "eqa"}:
        items.append(("Enrolments", reverse("people:enrolments")))
    if roles & {"assessor", "iqa", "centre_admin", "eqa"}:
        items.append(("Quality", reverse("quality:home")))
    if "centre_admin" in roles:
        items.append(("People", reverse("people:people")))
        items.append(("Import enrolments", reverse("people:import_enrolments")))
        items.append(("EQA access", reverse("quality:grants")))
    path = request.path
    context["nav_items"] = [
        {
            "label": label,
            "url": url,
            "current": path == url or (url != "/" and path.startswith(url)),
        }
        for label, url in items
    ]
    labels = {
        "learner": "learner",
        "assessor": "assessor",
        "iqa": "IQA",
        "centre_admin": "admin",
        "eqa": "EQA",
    }
    context["nav_roles"] = [labels[role] for role in labels if role in roles]
    return context
