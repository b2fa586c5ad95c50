from django.urls import path

from . import file_views, progress_views, views

app_name = "evidence"
urlpatterns = [
    path("", progress_views.item_list, name="list"),
    path("enrolments/<int:enrolment_pk>/progress/", progress_views.progress, name="progress"),
    path("enrolments/<int:enrolment_pk>/new/", views.item_create, name="create"),
    path("<int:pk>/", views.item_detail, name="item"),
    path("<int:pk>/edit/", views.item_edit, name="edit"),
    path("<int:pk>/delete/", views.item_delete, name="delete"),
    path("<int:pk>/mappings/", views.item_mappings, name="mappings"),
    path("<int:pk>/mappings/assessor/", views.assessor_mapping_add, name="assessor_mapping_add"),
    path("<int:pk>/mappings/<int:mapping_pk>/remove/", views.mapping_remove, name="mapping_remove"),
    path("<int:pk>/submit/", views.item_submit, name="submit"),
    path("<int:pk>/revise/", views.item_revise, name="revise"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/files/", file_views.upload, name="upload"),
    path("files/<int:pk>/", file_views.download, name="file"),
    path("files/<int:pk>/remove/", file_views.remove, name="file_remove"),
]
