"""The IQA report of a sampling plan, as PDF (WeasyPrint) and CSV, with the fields external
verifiers look for: learner, unit and criteria, assessor, interim or summative, methods,
agreed or not, feedback, actions and deadlines, and the IQA's signature and date."""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_text_list

from assessments.reports import spreadsheet_cell
from assessments.selectors import method_labels

from . import selectors

STYLESHEET = Path(__file__).parent / "templates" / "quality" / "report" / "iqa.css"


@dataclass
class ReviewRow:
    review: object
    learner: str
    unit: str
    criteria: str
    assessor: str
    stage: str
    methods: str
    agreed: str
    disagreements: str
    feedback: str
    actions: list  # (description, due date, status)
    iqa: str
    signed: str

    @property
    def actions_text(self):
        return "; ".join(
            f"{description} (due {due:%d/%m/%Y}, {status.lower()})"
            for description, due, status in self.actions
        )


@dataclass
class IqaReport:
    plan: object
    page: object
    rows: list
    generated_at: object
    site_name: str

    def filename(self, kind):
        day = timezone.localtime(self.generated_at).date().isoformat()
        name = f"iqa-report-{self.plan.qualification.code}-{self.plan.pk}-{day}.{kind}"
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


def _row(review):
    entry = review.entry
    enrolled_unit = entry.enrolled_unit
    verdicts = list(review.verdicts.all())
    codes = [verdict.judgement.code for verdict in verdicts]
    methods = sorted({m for verdict in verdicts for m in verdict.judgement.methods})
    disagreed = [v for v in verdicts if not v.agreed]
    return ReviewRow(
        review=review,
        learner=enrolled_unit.enrolment.learner.display_name,
        unit=f"{enrolled_unit.unit.display_reference} {enrolled_unit.unit.title}",
        criteria=", ".join(codes),
        assessor=review.assessor.display_name,
        stage=entry.get_stage_display(),
        methods=get_text_list(method_labels(methods), "and"),
        agreed="Yes" if review.agreed else "No",
        disagreements="; ".join(f"{v.judgement.code}: {v.comment}" for v in disagreed),
        feedback=review.feedback,
        actions=[(a.description, a.due_date, a.get_status_display()) for a in review.actions.all()],
        iqa=review.iqa.display_name,
        signed=f"{timezone.localtime(review.signed_at):%d/%m/%Y %H:%M}",
    )


def iqa_report(plan, user, *, now=None):
    reviews = selectors.reviews_for_report(plan, user)
    return IqaReport(
        plan=plan,
        page=selectors.plan_page(plan, user),
        rows=[_row(review) for review in reviews],
        generated_at=now or timezone.now(),
        site_name=settings.SITE_NAME,
    )


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"The IQA report does not load {url}.")


def render_iqa_pdf(report):
    from weasyprint import CSS, HTML  # imported here: WeasyPrint is slow to import

    html = HTML(
        string=render_to_string("quality/report/iqa.html", {"report": report}),
        base_url=str(STYLESHEET.parent),
        url_fetcher=_refuse_fetch,
    )
    return html.write_pdf(
        stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"))], pdf_tags=True
    )


CSV_HEADER = [
    "Learner",
    "Unit",
    "Criteria sampled",
    "Assessor",
    "Interim or summative",
    "Methods",
    "Agreed",
    "Disagreements",
    "Feedback to assessor",
    "Actions and deadlines",
    "IQA",
    "Signed (UK time)",
    "Signature digest (SHA-256)",
]


def render_iqa_csv(report):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in report.rows:
        cells = [
            row.learner,
            row.unit,
            row.criteria,
            row.assessor,
            row.stage,
            row.methods,
            row.agreed,
            row.disagreements,
            row.feedback,
            row.actions_text,
            row.iqa,
            row.signed,
            row.review.digest,
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
