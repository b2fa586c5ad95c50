"""After a failed POST every form page opens with one error summary: role=alert, 'There is a
problem', a link to each field in error whose target is on the page, the field's own error
beside it, and the script that moves the focus there."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessments.targets import target_close, target_set

from .quality_factories import judged_unit, make_entry, make_plan


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.alerts, self.summary_links = set(), 0, []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if attributes.get("role") == "alert":
            self.alerts += 1
        if "data-error-summary" in attributes:
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(attributes.get("href", ""))

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1


def assert_summary(response, *fields):
    html = response.content.decode()
    page = _Page()
    page.feed(html)
    assert page.alerts == 1, "one alert: the summary"
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'role="alert"' in html.split('id="error-summary"')[0].rsplit("<div", 1)[1]
    assert "There is a problem" in summary
    assert page.summary_links, "each error links to its field"
    for href in page.summary_links:
        assert href.startswith("#") and href[1:] in page.ids, f"{href} leads nowhere"
    for field in fields:
        assert f'href="#{field}"' in summary
    assert '<script src="/static/js/error-summary.js"></script>' in html
    return html


@pytest.fixture
def target(alice_enrolment, carol):
    import datetime

    from django.utils import timezone

    return target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Add October's entries to the log.",
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )


def test_the_learners_evidence_form(client, alice, alice_enrolment):
    client.force_login(alice)
    response = client.post(reverse("evidence:create", args=[alice_enrolment.pk]), {"title": ""})
    assert response.status_code in (200, 400)
    html = assert_summary(response, "id_title")
    assert 'aria-invalid="true"' in html  # and the error is beside the field


def test_the_assessors_target_form(client, carol, alice_enrolment):
    client.force_login(carol)
    response = client.post(
        reverse("assessments:targets", args=[alice_enrolment.pk]), {"description": ""}
    )
    assert_summary(response, "id_description", "id_due_date")


def test_the_centre_admins_person_form(client, frank):
    client.force_login(frank)
    response = client.post(reverse("people:person_add"), {"username": "", "email": "not-email"})
    assert_summary(response, "id_username")


def test_the_iqas_plan_form(client, erin, alice_enrolment):
    client.force_login(erin)
    assert_summary(client.post(reverse("quality:plan_create"), {"title": ""}), "id_period_end")


def test_the_iqas_review_form_and_its_radio_groups(client, erin, alice_enrolment, unit):
    entry = make_entry(
        make_plan(erin, alice_enrolment.qualification), judged_unit(alice_enrolment, unit)
    )
    client.force_login(erin)
    response = client.post(reverse("quality:entry", args=[entry.pk]), {"step": "sign"})
    html = assert_summary(response, "id_feedback", "id_declaration")
    assert re.search(r'href="#div_id_verdict_\d+"', html)


def test_the_judge_page(client, carol, alice_enrolment, unit):
    client.force_login(carol)
    key = f"c{unit.outcomes.get(number=2).criteria.get(number=1).pk}"
    response = client.post(
        reverse("assessments:judge", args=[alice_enrolment.pk, unit.slug, key]),
        {"outcome": "met", "rationale": ""},
    )
    assert_summary(response, "id_rationale")


def test_the_reopen_target_form(client, carol, target):
    target_close(target=target, by=carol, status="done")
    client.force_login(carol)
    response = client.post(reverse("assessments:target_reopen", args=[target.pk]), {})
    assert_summary(response, "id_reason")


def test_a_page_without_errors_has_no_summary(client, carol, alice_enrolment):
    client.force_login(carol)
    html = client.get(reverse("assessments:targets", args=[alice_enrolment.pk])).content.decode()
    assert "There is a problem" not in html and "data-error-summary" not in html
