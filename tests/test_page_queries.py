"""The pages `make bench` measures that no other module pins: each costs the same number of
queries for a few records as for many, and no more than a fixed number (issue 11, point 3b).

The other pages of the bench are pinned beside their own behaviour: the caseload
(test_caseload), the sampling plan and quality dashboard (test_iqa_report), the assessor's
home (test_home), both evidence lists (test_evidence_list), the review page (test_review),
the unit's judgements (test_judgements), the progress page (test_evidence_progress), the
catalogue's unit page (test_catalogue_pages), the people and enrolment lists
(test_people_screens).
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .evidence_factories import EvidenceItemFactory, submit
from .factories import EnrolmentFactory, QualificationFactory


def queries(client, url):
    """Queries of a second request to `url`: what a signed-in page costs once warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def items(enrolment, size):
    """Submitted items on `enrolment` until it has `size` of them."""
    while enrolment.evidence_items.count() < size:
        submit(EvidenceItemFactory(enrolment=enrolment))


def test_the_learner_home_costs_the_same_for_30_items_as_for_2(
    client, alice, alice_enrolment, django_assert_max_num_queries
):
    client.force_login(alice)
    items(alice_enrolment, 2)
    few = queries(client, reverse("home"))
    items(alice_enrolment, 30)
    assert queries(client, reverse("home")) == few
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))


def test_the_iqa_home_costs_the_same_for_30_learners_as_for_2(
    client, erin, qualification, unit, alice_enrolment, bob_enrolment,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(erin)
    few = queries(client, reverse("home"))
    for _ in range(28):
        EnrolmentFactory(iqa=erin, qualification=qualification, units=[unit])
    assert queries(client, reverse("home")) == few
    with django_assert_max_num_queries(9):
        client.get(reverse("home"))


def test_the_matrix_csv_costs_the_same_for_20_items_as_for_2(
    client, alice, alice_enrolment, django_assert_max_num_queries
):
    client.force_login(alice)
    url = reverse("assessments:matrix_csv", args=[alice_enrolment.pk])

    def uncached_and_cached():
        with CaptureQueriesContext(connection) as built:
            client.get(url)  # the first request after a change builds the report
        return len(built), queries(client, url)

    items(alice_enrolment, 2)
    few = uncached_and_cached()
    items(alice_enrolment, 20)  # each submission moves the portfolio's version on
    assert uncached_and_cached() == few
    with django_assert_max_num_queries(3):
        client.get(url)


def test_the_qualification_list_costs_the_same_for_8_qualifications_as_for_2(
    client, alice, catalogue, django_assert_max_num_queries
):
    client.force_login(alice)
    few = queries(client, reverse("criteria:qualifications"))
    QualificationFactory.create_batch(6)
    assert queries(client, reverse("criteria:qualifications")) == few
    with django_assert_max_num_queries(4):
        client.get(reverse("criteria:qualifications"))
