from django.urls import path

from . import views

app_name = "confirmations"
urlpatterns = [
    path("items/<id:pk>/new/", views.request_create, name="create"),
    path("<id:pk>/resend/", views.resend, name="resend"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
    # The witness's link: no account, the token is the authority.
    path("link/<str:token>/", views.respond, name="respond"),
]
