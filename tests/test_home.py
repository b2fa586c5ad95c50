"""The home page has a section for each role the person holds, and nothing of anyone else's."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import EnrolmentFactory, UserFactory


def test_a_learner_sees_their_qualification_and_units(
    client, alice, alice_enrolment, bob_enrolment
):
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert "Your learning" in response.text
    assert "A/601/2550 Deliver, monitor and evaluate customer service" in response.text
    assert "Assessor: Carol Carter" in response.text
    assert "Bob Baker" not in response.text
    assert "Your caseload" not in response.text


def test_an_assessor_sees_only_their_own_caseload(client, carol, alice_enrolment, bob_enrolment):
    client.force_login(carol)
    response = client.get(reverse("home"))
    assert "Your caseload" in response.text
    assert "Alice Archer" in response.text
    assert "Bob Baker" not in response.text
    assert "Your learning" not in response.text


def test_an_iqa_sees_the_learners_they_quality_assure(client, erin, alice_enrolment, bob_enrolment):
    client.force_login(erin)
    response = client.get(reverse("home"))
    assert "Learners you quality-assure" in response.text
    assert "Alice Archer" in response.text and "Bob Baker" in response.text


def test_a_centre_admin_sees_people_and_enrolment_counts(
    client, frank, alice_enrolment, bob_enrolment
):
    client.force_login(frank)
    response = client.get(reverse("home"))
    assert "Your centre" in response.text
    assert "2: 2 active" in response.text
    assert 'href="/people/"' in response.text


def test_someone_with_two_roles_sees_both_sections(
    client, carol, alice_enrolment, qualification, unit
):
    # carol assesses alice and is herself a learner on the same qualification
    EnrolmentFactory(learner=carol, assessor=UserFactory(), iqa=None, qualification=qualification)
    client.force_login(carol)
    response = client.get(reverse("home"))
    assert "Your learning" in response.text and "Your caseload" in response.text
    assert "(learner, assessor)" in response.text


def test_someone_with_no_role_is_told_what_to_expect(client, db):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get(reverse("home"))
    assert "You have no enrolments yet" in response.text


def test_the_home_page_costs_the_same_for_a_big_caseload(
    client, carol, qualification, unit, page_cache_off
):
    def count_for(caseload_size):
        while carol.assessor_enrolments.count() < caseload_size:
            EnrolmentFactory(assessor=carol, qualification=qualification, units=[unit])
        client.force_login(carol)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    assert count_for(2) == count_for(40)


def test_it_shows_the_first_ten_learners_and_links_to_the_rest(
    client, carol, qualification, unit, django_assert_num_queries
):
    for _ in range(12):
        EnrolmentFactory(assessor=carol, qualification=qualification, units=[unit])
    client.force_login(carol)
    response = client.get(reverse("home"))
    assert len(response.context["caseload"].object_list) == 10
    assert "The first 10 of 12 learners you assess" in response.text
    assert reverse("assessments:caseload") in response.text
