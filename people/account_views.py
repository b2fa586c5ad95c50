"""A person's own sign-in: password reset (rate-limited, lifting lockouts)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from nvq_portfolio.client_address import client_address

from . import services
from .forms import PasswordResetAllowingNewPeopleForm
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
        response = super().form_valid(form)
        services.person_sign_in_lockouts_clear(person=form.user)
        return response
