from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("enrolments/<id:enrolment_pk>/", views.timeline, name="timeline"),
    path("enrolments/<id:enrolment_pk>/csv/", views.timeline_csv, name="timeline_csv"),
    path("settings/", views.centre_settings, name="settings"),
]
