from django.contrib import admin
from django.urls import include, path, register_converter

from . import views
from .ids import IdConverter

# Before the apps' URLs are read: they name every object by `<id:pk>`.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("session-check", views.session_check, name="session_check"),
    # Password reset (rate-limited, lifting lockouts) and two-factor sign-in, then Django's own.
    path("accounts/", include("people.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalogue/", include("criteria.urls")),
    path("people/", include("people.urls")),
    path("evidence/", include("evidence.urls")),
    path("assessments/", include("assessments.urls")),
    path("notifications/", include("notifications.urls")),
    path("quality/", include("quality.urls")),
    path("jobs/", include("jobs.urls")),
    path("confirmations/", include("confirmations.urls")),
    path("credentials/", include("credentials.urls")),
    path("portability/", include("portability.urls")),
    path("audit/", include("audit.urls")),
    path("suggestions/", include("suggestions.urls")),
    path("admin/", admin.site.urls),
]
