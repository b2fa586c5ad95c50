from django.urls import path

from . import views

app_name = "suggestions"
urlpatterns = [
    path("items/<id:pk>/accept/", views.accept, name="accept"),
    path("items/<id:pk>/dismiss/", views.dismiss, name="dismiss"),
]
