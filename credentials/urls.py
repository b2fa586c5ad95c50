from django.urls import path

from . import views

app_name = "credentials"
urlpatterns = [
    path("issuer", views.issuer, name="issuer"),
    path("verify", views.verify, name="verify"),
    path("<uuid:public_id>/status", views.status, name="status"),
    path("<uuid:public_id>/verify", views.verify_stored, name="verify_stored"),
    path("<uuid:public_id>/download", views.download, name="download"),
]
