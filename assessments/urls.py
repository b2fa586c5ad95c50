from django.urls import path

from . import caseload_views, judgement_views, report_views, review_views

app_name = "assessments"
E = "enrolments/<id:enrolment_pk>"
U = f"{E}/units/<slug:unit_slug>"
urlpatterns = [
    # caseload, action plan and the assessor's own records
    path("caseload/", caseload_views.caseload, name="caseload"),
    path(f"{E}/targets/", caseload_views.targets, name="targets"),
    path("targets/<id:pk>/close/", caseload_views.target_close, name="target_close"),
    path("targets/<id:pk>/reopen/", caseload_views.target_reopen, name="target_reopen"),
    path(f"{E}/records/new/", caseload_views.record_create, name="record_create"),
    path(
        "records/<id:pk>/acknowledge/",
        caseload_views.record_acknowledge,
        name="record_acknowledge",
    ),
    # reviewing evidence and the feedback thread
    path("items/<id:pk>/review/", review_views.review, name="review"),
    path("items/<id:pk>/feedback/", review_views.feedback, name="feedback"),
    path("items/<id:pk>/send-back/", review_views.send_back, name="send_back"),
    path("items/<id:pk>/accept/", review_views.accept, name="accept"),
    # judgements and sign-off
    path(f"{U}/", judgement_views.unit_judgements, name="unit"),
    path(f"{U}/judge/", judgement_views.judge_unit, name="judge_unit"),
    path(f"{U}/judge/<str:key>/", judgement_views.judge, name="judge"),
    path(f"{U}/history/", judgement_views.history, name="history"),
    path(f"{U}/sign-off/", judgement_views.sign_off, name="sign_off"),
    path(f"{U}/countersign/", judgement_views.countersign, name="countersign"),
    path(f"{U}/reopen/", judgement_views.reopen, name="reopen"),
    # reports
    path(f"{E}/report.pdf", report_views.coverage_pdf, name="report_pdf"),
    path(f"{E}/report/prepare/", report_views.coverage_pdf_prepare, name="report_prepare"),
    path(f"{E}/matrix.csv", report_views.matrix_csv, name="matrix_csv"),
]
