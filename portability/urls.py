from django.urls import path

from . import views

app_name = "portability"
urlpatterns = [
    path("enrolments/<id:pk>/export/", views.export_prepare, name="export_prepare"),
    path("enrolments/<id:pk>/portfolio.zip", views.export_zip, name="export_zip"),
    path("people/<id:pk>/subject-access/", views.subject_access_prepare, name="subject_access"),
]
