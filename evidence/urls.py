from django.urls import path

from . import file_views, leap2a_views, progress_views, views

app_name = "evidence"
urlpatterns = [
    path("", progress_views.item_list, name="list"),
    path("enrolments/<id:enrolment_pk>/progress/", progress_views.progress, name="progress"),
    path("enrolments/<id:enrolment_pk>/new/", views.item_create, name="create"),
    path("enrolments/<id:enrolment_pk>/leap2a.xml", leap2a_views.leap2a, name="leap2a"),
    path("<id:pk>/", views.item_detail, name="item"),
    path("<id:pk>/edit/", views.item_edit, name="edit"),
    path("<id:pk>/delete/", views.item_delete, name="delete"),
    path("<id:pk>/mappings/", views.item_mappings, name="mappings"),
    path("<id:pk>/mappings/assessor/", views.assessor_mapping_add, name="assessor_mapping_add"),
    path("<id:pk>/mappings/<id:mapping_pk>/remove/", views.mapping_remove, name="mapping_remove"),
    path("<id:pk>/submit/", views.item_submit, name="submit"),
    path("<id:pk>/revise/", views.item_revise, name="revise"),
    path("<id:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<id:pk>/files/", file_views.upload, name="upload"),
    path("files/<id:pk>/", file_views.download, name="file"),
    path("files/<id:pk>/remove/", file_views.remove, name="file_remove"),
]
