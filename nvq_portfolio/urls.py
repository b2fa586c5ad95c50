from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from people.forms import PasswordResetAllowingNewPeopleForm

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("session-check", views.session_check, name="session_check"),
    # New people start with no password; the reset link is how they choose their first one.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetAllowingNewPeopleForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalogue/", include("criteria.urls")),
    path("people/", include("people.urls")),
    path("evidence/", include("evidence.urls")),
    path("assessments/", include("assessments.urls")),
    path("notifications/", include("notifications.urls")),
    path("quality/", include("quality.urls")),
    path("admin/", admin.site.urls),
]
