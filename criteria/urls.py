from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.qualification_list, name="qualifications"),
    path("search/", views.search, name="search"),
    path("qualifications/<slug:code>/", views.qualification_detail, name="qualification"),
    path("units/<slug:slug>/", views.unit_detail, name="unit"),
]
