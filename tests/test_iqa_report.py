"""The IQA report (PDF and CSV), the plan page and the dashboard, with their query counts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quality.models import SampleEntry
from quality.services import plan_suggestion, suggested_sample_accept

from .factories import EnrolmentFactory, UserFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_coverage_report import pdf_text


@pytest.fixture
def plan(alice_enrolment, bob_enrolment, unit, erin, qualification):
    plan = make_plan(erin, qualification)
    sign_review(make_entry(plan, judged_unit(alice_enrolment, unit)))
    sign_review(
        make_entry(plan, judged_unit(bob_enrolment, unit, codes=("3.1",))), disagree=("3.1",)
    )
    make_entry(plan, bob_enrolment.enrolled_units.get(), SampleEntry.Stage.SUMMATIVE)
    return plan


def test_the_csv_has_the_fields_verifiers_expect(client, erin, plan):
    client.force_login(erin)
    response = client.get(reverse("quality:plan_report", args=[plan.pk, "csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Learner"], r["Agreed"]) for r in rows] == [
        ("Alice Archer", "Yes"),
        ("Bob Baker", "No"),
    ]
    bob = rows[1]
    assert bob["Unit"].startswith("A/601/2550 Deliver, monitor and evaluate")
    assert bob["Criteria sampled"] == "3.1"
    assert bob["Assessor"] == "Dave Dixon" and bob["Interim or summative"] == "Interim"
    assert bob["Methods"] == "Examination of work product"
    assert bob["Disagreements"] == "3.1: Not sufficient yet."
    assert bob["Actions and deadlines"] == "Look again at the evidence. (due 07/12/2026, open)"
    assert bob["IQA"] == "Erin Evans" and len(bob["Signature digest (SHA-256)"]) == 64
    assert bob["Feedback to assessor"] == "Clear rationales."


def test_the_pdf_is_real_text_with_reviews_signatures_and_what_is_left(
    client, erin, plan, tmp_path
):
    client.force_login(erin)
    response = client.get(reverse("quality:plan_report", args=[plan.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "IQA report: Autumn term",
        "Alice Archer",
        "Bob Baker",
        "Dave Dixon",
        "Interim",
        "Look again at the evidence. (due 07/12/2026, open)",
        "Disagreed: 3.1: Not sufficient yet.",
        "Samples still to review",
        "Summative",
        "Page 1 of",
    ):
        assert expected in text, expected


def test_a_malformed_report_kind_answers_404(client, erin, plan):
    client.force_login(erin)
    assert client.get(reverse("quality:plan_report", args=[plan.pk, "xlsx"])).status_code == 404


def _caseload(erin, qualification, unit, size, start):
    assessor = UserFactory(username=f"assessor{start}")
    for index in range(start, start + size):
        enrolment = EnrolmentFactory(
            learner=UserFactory(username=f"learner{index}"),
            assessor=assessor,
            iqa=erin,
            qualification=qualification,
            units=[unit],
        )
        judged_unit(enrolment, unit, codes=("1.1",))


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_plan_page_and_dashboard_cost_the_same_for_2_learners_as_for_8(
    client, erin, qualification, unit, page_cache_off
):
    client.force_login(erin)
    _caseload(erin, qualification, unit, 2, 0)
    plan = make_plan(erin, qualification)
    suggested_sample_accept(plan=plan, by=erin, keys=[s.key for s in plan_suggestion(plan)])
    for entry in plan.entries.filter(stage="interim"):
        sign_review(entry)
    plan_url = reverse("quality:plan", args=[plan.pk])
    home_url = reverse("quality:home")
    small = (_queries(client, plan_url), _queries(client, home_url))
    _caseload(erin, qualification, unit, 6, 10)
    suggested_sample_accept(plan=plan, by=erin, keys=[s.key for s in plan_suggestion(plan)])
    for entry in plan.entries.filter(stage="interim", review__isnull=True):
        sign_review(entry)
    assert plan.entries.count() > 8
    assert (_queries(client, plan_url), _queries(client, home_url)) == small
    # The plan page: session, user, plan, the entries' triples, policy, what the summary's key
    # reads (the reach's versions, the ratings), then on a miss the reach and its ratings
    # (six), then one page of entries (count, page, criteria), navigation. The dashboard reads
    # one summary too, and no list of every learner.
    assert small == (16, 14)
