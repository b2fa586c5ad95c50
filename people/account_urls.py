"""A person's own sign-in pages under /accounts/, ahead of django.contrib.auth's."""

from django.urls import path

from . import account_views

urlpatterns = [
    # New people start with no password; the reset link is how they choose their first one.
    path("password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("two-factor/", account_views.two_factor_home, name="two_factor"),
    path("two-factor/set-up/", account_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        account_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("two-factor/turn-off/", account_views.two_factor_disable, name="two_factor_disable"),
    path("notices/", account_views.notice_email, name="notice_email"),
]
