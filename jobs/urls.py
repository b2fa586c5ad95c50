from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:token>/", views.detail, name="detail"),
    path("<uuid:token>/status/", views.status, name="status"),
    path("<uuid:token>/download/", views.download, name="download"),
    path("<uuid:token>/retry/", views.retry, name="retry"),
]
