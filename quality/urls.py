from django.urls import path

from . import other_views, views

app_name = "quality"
urlpatterns = [
    path("", views.home, name="home"),
    # sampling plans and samples
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<id:pk>/", views.plan_detail, name="plan"),
    path("plans/<id:pk>/accept/", views.plan_accept, name="plan_accept"),
    path("plans/<id:pk>/entries/add/", views.entry_add, name="entry_add"),
    path("plans/<id:pk>/report.<str:kind>", views.plan_report, name="plan_report"),
    path("plans/<id:pk>/report/prepare/", views.plan_report_prepare, name="plan_report_prepare"),
    path("samples/<id:pk>/drop/", views.entry_drop, name="entry_drop"),
    path("samples/<id:pk>/", views.entry_review, name="entry"),
    path("reviews/<id:pk>/", views.review_detail, name="review"),
    path("actions/<id:pk>/respond/", views.action_respond, name="action_respond"),
    path("actions/<id:pk>/close/", views.action_close, name="action_close"),
    # assessors' risk and the centre's rates
    path("risk/", views.risk, name="risk"),
    path("policy/", views.policy, name="policy"),
    # standardisation
    path("standardisation/", other_views.standardisation_list, name="standardisation_list"),
    path(
        "standardisation/new/",
        other_views.standardisation_create,
        name="standardisation_create",
    ),
    path(
        "standardisation/<id:pk>/",
        other_views.standardisation_detail,
        name="standardisation",
    ),
    path(
        "standardisation/documents/<id:pk>/",
        other_views.standardisation_document,
        name="standardisation_document",
    ),
    # external quality assurers' access
    path("eqa-access/", other_views.grants, name="grants"),
    path("eqa-access/new/", other_views.grant_create, name="grant_create"),
    path("eqa-access/<id:pk>/", other_views.grant_detail, name="grant"),
    path("eqa-access/<id:pk>/end/", other_views.grant_revoke, name="grant_revoke"),
]
