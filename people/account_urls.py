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
]
