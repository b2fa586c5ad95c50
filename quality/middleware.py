"""External quality assurers read, and only read; every page they open is logged.

For a person marked as an external quality assurer: every request that is not a read (GET or
HEAD) is refused, bar signing out and their own two-factor sign-in pages; with no grant in
force, every page but the home page answers 404; and every request, allowed or not, is written
to the EQA access log with the time and the object it names, by its title.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.defaults import page_not_found, permission_denied

from people.access import eqa_scope
from people.two_factor import OWN_PAGES as TWO_FACTOR_PAGES

from .access_log import object_named
from .models import EqaAccessLog

READS = {"GET", "HEAD"}
ALWAYS_OPEN = {"logout", *TWO_FACTOR_PAGES}
OPEN_WITHOUT_GRANT = {"home", "logout", "login", *TWO_FACTOR_PAGES}
ENDED = "Your access as external quality assurer has ended."
READ_ONLY = (
    "External quality assurers have read-only access: nothing can be changed from this account."
)


class EqaReadOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_external_verifier:
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        name = match.view_name if match else ""
        if request.method not in READS and name not in ALWAYS_OPEN:
            response = permission_denied(request, PermissionDenied(READ_ONLY))
        elif not eqa_scope(user) and name not in OPEN_WITHOUT_GRANT:
            response = page_not_found(request, Http404(ENDED))
        else:
            response = self.get_response(request)
        EqaAccessLog.objects.create(
            eqa=user,
            at=timezone.now(),
            method=request.method[:10],
            path=request.get_full_path()[:500],
            view_name=name[:100],
            object_ref=object_named(match)[:300],
            status_code=response.status_code,
        )
        return response
