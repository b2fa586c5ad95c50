from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("enrolments/", views.enrolment_list, name="enrolments"),
    path("enrolments/new/", views.enrolment_add, name="enrolment_add"),
    path("enrolments/<id:pk>/", views.enrolment_detail, name="enrolment"),
    path("enrolments/<id:pk>/edit/", views.enrolment_edit, name="enrolment_edit"),
    path("", views.people_list, name="people"),
    path("new/", views.person_add, name="person_add"),
    path("<id:pk>/", views.person_edit, name="person_edit"),
    path("<id:pk>/password-link/", views.person_password_link, name="person_password_link"),
    path("import/", views.import_enrolments, name="import_enrolments"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.csv", views.import_template, name="import_template"),
]
