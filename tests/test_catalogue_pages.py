"""Catalogue pages: any signed-in person reads them; they cost a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from criteria.models import AssessmentCriterion

from .factories import AssessmentCriterionFactory, LearningOutcomeFactory, UnitFactory

OUTLINE = "plan-organise-control-customer-service-operations"


@pytest.fixture
def signed_in(client, alice, catalogue):
    client.force_login(alice)
    return client


def test_it_lists_the_qualifications(signed_in):
    response = signed_in.get(reverse("criteria:qualifications"))
    assert response.status_code == 200
    assert "OCR Level 3 NVQ Diploma in Business and Administration (QCF)" in response.text
    assert "1 with criteria not yet loaded" in response.text


def test_it_lists_a_qualifications_units(signed_in):
    url = reverse("criteria:qualification", args=["ocr-l3-nvq-diploma-business-admin"])
    response = signed_in.get(url)
    assert "A/601/2550" in response.text
    assert "26 in 10 outcomes" in response.text


def test_it_shows_every_criterion_and_sub_part_of_the_unit(signed_in, unit):
    response = signed_in.get(reverse("criteria:unit", args=[unit.slug]))
    assert response.status_code == 200
    for criterion in AssessmentCriterion.objects.filter(outcome__unit=unit).select_related(
        "outcome"
    ):
        assert f'id="criterion-{criterion.code}"' in response.text
        assert criterion.text in response.text
    assert "refer problems and complaints, where necessary" in response.text
    assert "internal customer feedback logs/surveys" in response.text
    assert "observation of performance in the work environment" in response.text
    assert "BAC121" in response.text


def test_it_shows_an_outline_unit_as_criteria_not_yet_loaded(signed_in):
    response = signed_in.get(reverse("criteria:unit", args=[OUTLINE]))
    assert response.status_code == 200
    assert "Criteria not yet loaded" in response.text
    assert "reference not yet known" in response.text
    assert "Supervise customer service operations" in response.text


def test_it_answers_404_for_an_unknown_unit(signed_in):
    assert signed_in.get(reverse("criteria:unit", args=["no-such-unit"])).status_code == 404


def test_it_finds_criteria_by_words_of_their_text(signed_in):
    response = signed_in.get(reverse("criteria:search"), {"q": "feedback internal"})
    assert (
        "10.1" in response.text and "Obtain and record internal customer feedback" in response.text
    )
    assert "Identify internal customers" not in response.text


def test_it_finds_a_criterion_by_its_sub_parts_text(signed_in):
    response = signed_in.get(reverse("criteria:search"), {"q": "refer problems"})
    assert "Follow procedures, within agreed timescale, to" in response.text


def test_it_finds_a_criterion_by_its_code(signed_in):
    response = signed_in.get(reverse("criteria:search"), {"q": "3.2"})
    assert "Explain why customer service must meet or exceed" in response.text


def test_it_says_so_when_nothing_matches(signed_in):
    response = signed_in.get(reverse("criteria:search"), {"q": "zebra"})
    assert "No criteria match “zebra”" in response.text


def test_it_escapes_what_was_searched_for(signed_in):
    response = signed_in.get(reverse("criteria:search"), {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_the_unit_page_costs_the_same_queries_for_a_bigger_unit(signed_in, unit, page_cache_off):
    big = UnitFactory(slug="big-unit")
    for outcome_number in range(1, 13):
        outcome = LearningOutcomeFactory(unit=big, number=outcome_number)
        for number in range(1, 6):
            AssessmentCriterionFactory(outcome=outcome, number=number)

    def queries_for(slug):
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.get(reverse("criteria:unit", args=[slug]))
        assert response.status_code == 200
        return len(captured)

    assert queries_for("big-unit") == queries_for(unit.slug) <= 9


def test_the_search_costs_a_fixed_number_of_queries(signed_in, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        signed_in.get(reverse("criteria:search"), {"q": "customer"})
