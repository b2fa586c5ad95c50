"""The second step of signing in, wired to Django's sign-in.

When a person signs in with their password (the sign-in page, Django admin's, or a test's
force_login), `step_after_sign_in` notes in their session what is still owed: "verify" a code
if they have an authenticator, or "set_up" one if their roles require it and they have none.
Until it is done, TwoFactorMiddleware opens only that step's page and signing out. Worked out
once at sign-in, so ordinary pages cost no extra query.
"""

import django_otp
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from .access import two_factor_required

STEP_SESSION_KEY = "two_factor_step"
VERIFY = "verify"
SET_UP = "set_up"
STEP_URL_NAMES = {VERIFY: "two_factor_verify", SET_UP: "two_factor_setup"}
ALWAYS_OPEN = {"logout", "admin:logout"}
# A person's own two-factor pages: open to an external quality assurer too, whose read-only
# rule is about the centre's records, not their own sign-in (quality/middleware.py).
OWN_PAGES = {
    "two_factor",
    "two_factor_setup",
    "two_factor_verify",
    "two_factor_recovery_codes",
    "two_factor_disable",
}


def step_after_sign_in(sender, request, user, **kwargs):
    """Receiver of user_logged_in: note the step this person still owes, if any."""
    if request is None or not hasattr(request, "session"):
        return
    if django_otp.user_has_device(user):
        request.session[STEP_SESSION_KEY] = VERIFY
    elif two_factor_required(user):
        request.session[STEP_SESSION_KEY] = SET_UP


def step_pending(request):
    """The step still owed in this session ("verify" or "set_up"), or None."""
    session = getattr(request, "session", None)
    return session.get(STEP_SESSION_KEY) if session is not None else None


def step_done(request, device):
    """The person proved they hold `device`: the session is fully signed in from now on."""
    request.session.cycle_key()  # a new session id for the more trusted session
    request.session.pop(STEP_SESSION_KEY, None)
    django_otp.login(request, device)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Pages open to anyone (sign-in, password reset) stay open; the rest wait for the step.
        if not getattr(view_func, "login_required", True) or not request.user.is_authenticated:
            return None
        step = step_pending(request)
        if step is None:
            return None
        view_name = request.resolver_match.view_name
        if view_name in ALWAYS_OPEN or view_name == STEP_URL_NAMES[step]:
            return None
        return redirect_to_login(request.get_full_path(), reverse(STEP_URL_NAMES[step]))
