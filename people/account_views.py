"""A person's own sign-in: password reset (rate-limited, lifting lockouts) and two-factor sign-in.

Each reads: load, authorise, validate, act, render. Every page here is about the signed-in
person themselves, so there is nobody else's record to authorise against.
"""

import base64
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from nvq_portfolio.client_address import client_address

from . import selectors, services, two_factor
from .access import two_factor_required
from .forms import (
    NoticeEmailForm,
    PasswordResetAllowingNewPeopleForm,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
    add_service_errors,
)
from .rate_limits import password_reset_request_allowed


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, serving people who never had a password too, limited per address and account."""

    form_class = PasswordResetAllowingNewPeopleForm

    def form_valid(self, form):
        allowed = password_reset_request_allowed(
            address=client_address(self.request), email=form.cleaned_data["email"]
        )
        if not allowed:
            return render(self.request, "registration/password_reset_limited.html", status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's; a new password set through the emailed link also lifts sign-in lockouts."""

    def form_valid(self, form):
        # The password and its record in the audit trail are one change.
        with transaction.atomic():
            response = super().form_valid(form)
            services.person_sign_in_lockouts_clear(person=form.user)
        return response


def _next_url(request):
    """Where to go once the step is done: the page asked for, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("home")


def _qr_code_data_uri(text):
    """`text` as a QR code: an SVG drawn here, as a data: URI for an <img>, so no script runs."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def two_factor_home(request):
    status = selectors.two_factor_status(request.user)
    return render(
        request,
        "registration/two_factor.html",
        {**status, "required": two_factor_required(request.user)},
    )


@never_cache  # the secret and the recovery codes must not be kept by a browser or proxy
def two_factor_setup(request):
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.two_factor_device_confirm(
                person=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            two_factor.step_done(request, device)
            return render(
                request,
                "registration/two_factor_recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "new_setup": True},
            )
    device = services.two_factor_device_start(person=request.user)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_code": _qr_code_data_uri(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "forced": two_factor.step_pending(request) == two_factor.SET_UP,
            "next": _next_url(request),
        },
    )


@never_cache
def two_factor_verify(request):
    if two_factor.step_pending(request) != two_factor.VERIFY:
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.two_factor_verify(person=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            two_factor.step_done(request, device)
            left = selectors.two_factor_status(request.user)["recovery_codes_left"]
            if isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If you have lost your phone, set up "
                    "the app again and make new recovery codes on Two-factor sign-in.",
                )
            return redirect(_next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@require_POST
def two_factor_recovery_codes(request):
    try:
        codes = services.two_factor_recovery_codes_renew(person=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("two_factor")
    return render(
        request,
        "registration/two_factor_recovery_codes.html",
        {"codes": codes, "next": reverse("two_factor")},
    )


@require_POST
def two_factor_disable(request):
    try:
        services.two_factor_disable(person=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Two-factor sign-in is off: you sign in with your password only.")
    return redirect("two_factor")


def notice_email(request):
    """How the signed-in person hears of their notices: an email each, or a daily digest."""
    current = "on" if request.user.daily_digest else "off"
    form = NoticeEmailForm(request.POST or None, initial={"daily_digest": current})
    if request.method == "POST" and form.is_valid():
        services.person_notice_email_set(
            person=request.user, daily_digest=form.cleaned_data["daily_digest"]
        )
        messages.success(
            request,
            "You will get one email a day listing your notices."
            if request.user.daily_digest
            else "You will get an email for each notice.",
        )
        return redirect("notice_email")
    return render(request, "registration/notice_email.html", {"form": form})
