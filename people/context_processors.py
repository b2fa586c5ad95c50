from django.conf import settings
from django.urls import reverse

from nvq_portfolio import todo, todo_count

from . import two_factor
from .access import eqa_scope
from .selectors import navigation_facts


def navigation_facts_of(request):
    """`navigation_facts` of the signed-in person, read once per request (the home page asks
    for their roles too)."""
    if not hasattr(request, "_navigation_facts"):
        request._navigation_facts = navigation_facts(request.user)
    return request._navigation_facts


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
    # Their roles and unread notices are read on every page (one query); what waits for them
    # is counted again only when not counted within the last minute or something moved it.
    roles, context["notifications_unread"] = navigation_facts_of(request)
    waiting = todo_count.recall(user.pk)
    if waiting is None:
        waiting = todo.waiting_count(user, roles)
        todo_count.remember(user.pk, waiting)
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
