"""To-do lists: what waits for each person, oldest first, at the top of their home page and
counted in the navigation, each entry linking straight to where it is done."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Target
from assessments.records import assessor_record_create
from assessments.review import item_send_back
from assessments.signoff import unit_sign_off
from assessments.targets import target_set
from evidence.services import evidence_revise
from nvq_portfolio import todo
from people.models import Enrolment
from people.selectors import navigation_facts
from quality.models import EqaGrant

from .evidence_factories import EvidenceItemFactory
from .factories import EnrolmentFactory, UserFactory
from .quality_factories import judged_unit, make_entry, make_plan, sign_review
from .test_assessor_records import OBSERVATION, code_target
from .test_evidence_progress import add_evidence
from .test_judgements import fully_met

PLAN_DAY = datetime.date(2026, 12, 5)  # the quality factories' autumn plan ends 31 December


def todo_for(person, today=None):
    """The person's to-do sections for the roles they hold, as their home page asks."""
    roles, _, _ = navigation_facts(person)
    return todo.todo_for(person, roles, today=today)


def lists(sections):
    """{list key: [entry text]} across every section."""
    return {todo.key: [e.text for e in todo.entries] for s in sections for todo in s.lists}


def urls(sections):
    return {todo.key: [e.url for e in todo.entries] for s in sections for todo in s.lists}


def test_a_learner_sees_what_waits_for_them_oldest_first(alice, carol, alice_enrolment, unit):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    sent = add_evidence(alice_enrolment, "Post room log", unit, ["3.2"], submit=True)
    item_send_back(item=sent, by=carol, text="Say what you did with the late post.")
    add_evidence(alice_enrolment, "Older draft", unit, ["3.3"])
    add_evidence(alice_enrolment, "Newer draft", unit, ["3.4"])
    record = assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind="observation",
        title="Observation at the post room",
        activity_date=timezone.localdate(),
        typed_content=OBSERVATION,
        targets=[code_target(unit, "3.2")],
    )
    target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Add the survey results.",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )

    sections = todo_for(alice)

    found = lists(sections)
    assert found["sent_back"] == ["“Post room log”: your assessor asked for more work"]
    assert found["drafts"] == ["“Older draft”", "“Newer draft”"]
    assert found["acknowledge"] == ["Carol Carter’s record “Observation at the post room”"]
    assert found["countersign"][0].endswith("signed off by Carol Carter")
    assert found["targets_due"] == ["Add the survey results."]
    links = urls(sections)
    assert links["acknowledge"] == [record.get_absolute_url() + "#acknowledge"]
    assert links["countersign"] == [
        reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]) + "#sign-off-heading"
    ]


def test_an_assessor_sees_reviews_sign_offs_actions_and_overdue_targets(
    carol, alice_enrolment, bob_enrolment, erin, unit, qualification
):
    fully_met(alice_enrolment, unit)
    waiting = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"], submit=True)
    Enrolment.objects.filter(pk=bob_enrolment.pk).update(assessor=carol)
    bob_enrolment.refresh_from_db()
    entry = make_entry(make_plan(erin, qualification), judged_unit(bob_enrolment, unit))
    sign_review(entry, disagree=("1.1",))

    found = lists(todo_for(carol))

    assert "Alice Archer: “Complaints log”" in found["waiting"]
    assert found["ready_to_sign"] == [
        "Alice Archer: A/601/2550 Deliver, monitor and evaluate customer service to internal "
        "customers"
    ]
    assert found["iqa_actions"] == ["Look again at the evidence."]
    assert reverse("assessments:review", args=[waiting.pk]) in urls(todo_for(carol))["waiting"]


def test_an_iqa_sees_samples_due_and_plans_ending(erin, alice_enrolment, unit, qualification):
    plan = make_plan(erin, qualification)
    make_entry(plan, judged_unit(alice_enrolment, unit))
    found = lists(todo_for(erin, today=PLAN_DAY))
    assert found["samples_due"] == [
        "Interim sample: Alice Archer, A/601/2550 Deliver, monitor and evaluate customer "
        "service to internal customers"
    ]
    assert found["plans_ending"] == ["Autumn term"]


def test_a_centre_admin_sees_people_without_enrolments_and_grants_ending(
    frank, alice_enrolment, db
):
    UserFactory(username="newcomer", first_name="Nia", last_name="Newcomer")
    Enrolment.objects.filter(pk=alice_enrolment.pk).update(iqa=None)
    eqa = UserFactory(username="helen", is_external_verifier=True)
    EqaGrant.objects.create(
        eqa=eqa,
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2026, 12, 31),
        expires_at=timezone.now() + datetime.timedelta(days=3),
        granted_by=frank,
    )
    found = lists(todo_for(frank))
    # erin quality-assured only alice, whose enrolment has lost its IQA; oldest first
    assert found["unenrolled"] == ["Erin Evans", "Nia Newcomer"]
    assert found["unstaffed"][0].startswith("Alice Archer: ")
    assert found["grants_ending"] == ["Helen Tester’s access"]


def test_the_home_page_lists_them_and_the_navigation_counts_them(
    client, alice, alice_enrolment, unit
):
    add_evidence(alice_enrolment, "Older draft", unit, ["3.3"])
    add_evidence(alice_enrolment, "Newer draft", unit, ["3.4"])
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert 'id="todo"' in response.text
    assert "Drafts not yet submitted" in response.text
    assert "To do (2)</a>" in response.text
    # and on every other page too
    assert "To do (2)</a>" in client.get(reverse("evidence:list")).text


def test_someone_with_nothing_waiting_is_told_so(client, db):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get(reverse("home"))
    assert "Nothing is waiting for you." in response.text
    assert "To do (0)</a>" in response.text


HOME_QUERIES = 11  # session, user, navigation, to-do counts, two lists, the rest of the page


@pytest.mark.parametrize("learners", [2, 20])
def test_an_assessors_home_costs_the_same_for_any_caseload(
    learners, client, carol, qualification, unit, django_assert_num_queries
):
    for number in range(learners):
        enrolment = EnrolmentFactory(
            learner=UserFactory(username=f"learner{number}"),
            assessor=carol,
            qualification=qualification,
            units=[unit],
        )
        add_evidence(enrolment, "Complaints log", unit, ["3.2"], submit=True)
        target = target_set(
            enrolment=enrolment,
            by=carol,
            description="Bring the survey.",
            due_date=timezone.localdate(),
        )
        Target.objects.filter(pk=target.pk).update(
            due_date=timezone.localdate() - datetime.timedelta(days=2)
        )
    client.force_login(carol)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert f'Evidence waiting for your review <span class="badge text-bg-primary">{learners}' in (
        response.text
    )
    assert "Targets overdue" in response.text


def test_a_long_list_shows_the_oldest_few_and_says_how_many_more(client, alice, alice_enrolment):
    for number in range(7):
        EvidenceItemFactory(enrolment=alice_enrolment, title=f"Draft {number}")
    [section] = todo_for(alice)
    [drafts] = section.lists
    assert (drafts.count_text, drafts.more) == ("7", "2")
    assert [entry.text for entry in drafts.entries] == [f"“Draft {n}”" for n in range(5)]
    client.force_login(alice)
    assert '2 more: <a href="/evidence/?status=draft">see them all' in client.get("/").text


def test_the_navigation_count_follows_a_notice_and_the_persons_own_change(
    client, alice, carol, alice_enrolment, unit, django_assert_num_queries
):
    client.force_login(alice)
    item = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"], submit=True)
    assert "To do (0)</a>" in client.get(reverse("evidence:list")).text
    # Counted once a minute at most: the next page reads it from the cache, in the same
    # number of queries.
    with django_assert_num_queries(4):
        assert "To do (0)</a>" in client.get(reverse("notifications:list")).text
    item_send_back(item=item, by=carol, text="Say which team.")  # alice is told
    assert "To do (1)</a>" in client.get(reverse("notifications:list")).text
    evidence_revise(item=item, by=alice)  # her own change: a draft now, not sent back
    assert "To do (1)</a>" in client.get(reverse("notifications:list")).text
    assert "Drafts not yet submitted" in client.get(reverse("home")).text
