"""The assessor's caseload: their learners' progress, what waits for review, and a red, amber or
green status worked out by one rule.

Time travel: submitted_at, updated_at (auto_now), Feedback.created_at (auto_now_add) and due
dates in the past cannot be set through the services, so tests set them with queryset updates
to noon UK time a whole number of days before timezone.localdate().
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.caseload import CASELOAD_PAGE_SIZE, WAITING_PAGE_SIZE, rag_status
from assessments.models import Feedback, Judgement, Target
from assessments.records import assessor_record_create
from criteria.models import AssessmentCriterion, CriterionPart, split_code
from evidence.models import EvidenceItem, EvidenceMapping
from evidence.selectors import coverage_for_enrolment
from evidence.services import evidence_mappings_set

from .evidence_factories import EvidenceItemFactory, submit
from .factories import EnrolmentFactory, QualificationFactory, UserFactory

CASELOAD_URL = reverse("assessments:caseload")


def today():
    return timezone.localdate()


def days_ago(days):
    """Noon UK time `days` days before today: whole days, whatever the hour the test runs."""
    day = today() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def code_target(unit, code):
    """(criterion, part or None) for a code such as '3.2' or '9.1 b' in `unit`."""
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    part = CriterionPart.objects.get(criterion=criterion, letter=letter) if letter else None
    return criterion, part


def submitted_item(enrolment, *, waited_days=0, title=None):
    item = EvidenceItemFactory(enrolment=enrolment, **({"title": title} if title else {}))
    submit(item)
    EvidenceItem.objects.filter(pk=item.pk).update(submitted_at=days_ago(waited_days))
    return item


def open_target(enrolment, *, due_in_days):
    # Made directly: the service refuses due dates in the past, which these tests need.
    return Target.objects.create(
        enrolment=enrolment,
        description="Collect feedback from two departments",
        due_date=today() + datetime.timedelta(days=due_in_days),
        set_by=enrolment.assessor,
    )


def judge_met(enrolment, unit, code, by):
    criterion, part = code_target(unit, code)
    return Judgement.objects.create(
        enrolled_unit=enrolment.enrolled_units.get(unit=unit),
        criterion=criterion,
        part=part,
        outcome=Judgement.Outcome.MET,
        rationale="Seen in the complaints log.",
        judged_by=by,
        judged_at=timezone.now(),
    )


def row_for(response, enrolment):
    return next(row for row in response.context["caseload"].rows if row.enrolment == enrolment)


# Who sees what ------------------------------------------------------------------------------


def test_it_lists_only_the_assessors_own_learners(
    client, carol, dave, alice_enrolment, bob_enrolment
):
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    assert response.status_code == 200
    assert "Alice Archer" in response.text and "Bob Baker" not in response.text

    client.force_login(dave)
    response = client.get(CASELOAD_URL)
    assert "Bob Baker" in response.text and "Alice Archer" not in response.text


@pytest.mark.parametrize("person", ["alice", "erin", "frank"])
def test_it_tells_someone_who_assesses_nobody_so(client, request, person, alice_enrolment):
    client.force_login(request.getfixturevalue(person))
    response = client.get(CASELOAD_URL)
    assert response.status_code == 200
    assert "You are not the assessor of any learners" in response.text
    assert response.context["caseload"].rows == []


def test_it_sends_an_anonymous_visitor_to_sign_in(client, alice_enrolment):
    response = client.get(CASELOAD_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_leaves_out_completed_and_withdrawn_learners(client, carol, alice_enrolment):
    alice_enrolment.status = alice_enrolment.Status.WITHDRAWN
    alice_enrolment.save()
    client.force_login(carol)
    assert "Alice Archer" not in client.get(CASELOAD_URL).text


def test_the_navigation_offers_the_caseload_to_assessors_only(
    client, alice, carol, alice_enrolment
):
    client.force_login(carol)
    assert f'href="{CASELOAD_URL}"' in client.get(reverse("home")).text
    client.force_login(alice)
    assert f'href="{CASELOAD_URL}"' not in client.get(reverse("home")).text


# The row -----------------------------------------------------------------------------------


def test_it_counts_criteria_with_evidence_and_met_as_the_progress_page_does(
    client, alice, carol, alice_enrolment, unit
):
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    codes = ["1.1", "2.1", "9.1 a", "9.1 b", "9.1 c", "10.3"]
    evidence_mappings_set(
        item=item, by=alice, targets=[(*code_target(unit, code), "") for code in codes]
    )
    judgements = [judge_met(alice_enrolment, unit, code, carol) for code in ["1.1", "9.1 a"]]
    judgements += [judge_met(alice_enrolment, unit, code, carol) for code in ["9.1 b", "9.1 c"]]
    client.force_login(carol)
    # The parts alone do not make 9.1 met: it needs its own judgement.
    assert row_for(client.get(CASELOAD_URL), alice_enrolment).units[0].met == 1
    judgements.append(judge_met(alice_enrolment, unit, "9.1", carol))

    response = client.get(CASELOAD_URL)

    progress = row_for(response, alice_enrolment).units[0]
    coverage = coverage_for_enrolment(alice_enrolment)[0]
    assert (progress.with_evidence, progress.met, progress.total) == (4, 2, 26)
    assert (coverage.with_evidence, coverage.met, coverage.total) == (4, 2, 26)
    assert "evidence for 4 of 26 criteria, 2 of 26 met" in response.text


def test_it_links_each_learner_to_their_progress_and_each_unit_to_its_judgements(
    client, carol, alice_enrolment, unit
):
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    assert reverse("evidence:progress", args=[alice_enrolment.pk]) in response.text
    assert reverse("assessments:unit", args=[alice_enrolment.pk, unit.slug]) in response.text
    assert reverse("assessments:targets", args=[alice_enrolment.pk]) in response.text
    assert reverse("assessments:record_create", args=[alice_enrolment.pk]) in response.text


def test_it_lists_items_waiting_for_review_oldest_first_with_how_long_in_words(
    client, carol, alice_enrolment, qualification, unit
):
    cathy = EnrolmentFactory(
        learner=UserFactory(username="cathy", first_name="Cathy", last_name="Cole"),
        assessor=carol,
        qualification=qualification,
        units=[unit],
    )
    newer = submitted_item(alice_enrolment, waited_days=2, title="Feedback survey")
    oldest = submitted_item(cathy, waited_days=9, title="Complaints log")
    middle = submitted_item(alice_enrolment, waited_days=5, title="Minutes of a 1:1")
    EvidenceItem.objects.filter(pk=middle.pk).update(status=EvidenceItem.Status.IN_REVIEW)
    EvidenceItemFactory(enrolment=alice_enrolment, title="A draft nobody can review yet")
    client.force_login(carol)

    response = client.get(CASELOAD_URL)

    assert [item.pk for item in response.context["caseload"].waiting] == [
        oldest.pk,
        middle.pk,
        newer.pk,
    ]
    text = response.text
    assert text.index("Complaints log") < text.index("Minutes of a 1:1")
    assert text.index("Minutes of a 1:1") < text.index("Feedback survey")
    assert "Waiting 9 days" in text and "Waiting 2 days" in text
    assert "2 items; oldest waiting 5 days" in text
    assert reverse("assessments:review", args=[oldest.pk]) in text
    assert "A draft nobody can review yet" not in text


def test_it_leaves_the_assessors_own_records_out_of_the_review_queue(
    client, carol, alice_enrolment, unit
):
    assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind="questioning",
        title="Questions on complaint handling",
        activity_date=today(),
        typed_content={"questions": "How do you log a complaint?", "answers": "In the log."},
        targets=[code_target(unit, "1.1")],
    )
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    assert response.context["caseload"].waiting == []
    assert "Nothing is waiting for your review" in response.text


def test_it_shows_the_last_activity_as_the_latest_of_items_feedback_and_judgements(
    client, carol, alice_enrolment, unit
):
    item = submitted_item(alice_enrolment, waited_days=60)
    EvidenceItem.objects.filter(pk=item.pk).update(updated_at=days_ago(60))
    feedback = Feedback.objects.create(item=item, author=carol, text="Add the dates.")
    Feedback.objects.filter(pk=feedback.pk).update(created_at=days_ago(50))
    judgement = judge_met(alice_enrolment, unit, "1.1", carol)
    Judgement.objects.filter(pk=judgement.pk).update(judged_at=days_ago(3))
    client.force_login(carol)

    response = client.get(CASELOAD_URL)

    row = row_for(response, alice_enrolment)
    assert timezone.localdate(row.last_activity) == today() - datetime.timedelta(days=3)
    assert (today() - datetime.timedelta(days=3)).strftime("%-d %B %Y") in response.text


def test_it_shows_the_rule_for_the_status_on_the_page(client, carol, alice_enrolment):
    client.force_login(carol)
    text = client.get(CASELOAD_URL).text
    assert "How the status is worked out" in text
    assert "more than 14 days" in text and "42 days" in text


# The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "level"), [(0, "green"), (7, "green"), (8, "amber"), (14, "amber"), (15, "red")]
)
def test_the_rule_turns_on_how_long_an_item_has_waited(waited, level):
    day = today()
    rag = rag_status(
        today=day, oldest_waiting_since=day - datetime.timedelta(days=waited), last_activity=day
    )
    assert rag.level == level
    if level != "green":
        assert f"an item has waited {waited} days for review" in rag.reason.lower()


@pytest.mark.parametrize(
    ("due_in", "level"), [(-1, "red"), (0, "amber"), (7, "amber"), (8, "green")]
)
def test_the_rule_turns_on_targets_overdue_and_due_within_a_week(due_in, level):
    day = today()
    rag = rag_status(
        today=day, target_due_dates=[day + datetime.timedelta(days=due_in)], last_activity=day
    )
    assert rag.level == level


@pytest.mark.parametrize(
    ("idle", "level"), [(20, "green"), (21, "amber"), (41, "amber"), (42, "red")]
)
def test_the_rule_turns_on_days_without_activity(idle, level):
    day = today()
    rag = rag_status(today=day, last_activity=day - datetime.timedelta(days=idle))
    assert rag.level == level
    if level != "green":
        assert f"No activity for {idle} days" in rag.reason


def test_the_rule_gives_every_red_reason_in_words():
    day = today()
    rag = rag_status(
        today=day,
        oldest_waiting_since=day - datetime.timedelta(days=15),
        target_due_dates=[day - datetime.timedelta(days=1)] * 2,
        last_activity=day - datetime.timedelta(days=42),
    )
    assert (rag.level, rag.label) == ("red", "Red")
    assert rag.reason == (
        "An item has waited 15 days for review, 2 targets are overdue and no activity for 42 days."
    )


@pytest.mark.parametrize(
    ("waited", "label"), [(7, "Green"), (8, "Amber"), (14, "Amber"), (15, "Red")]
)
def test_the_page_shows_the_status_in_words_at_each_waiting_boundary(
    client, carol, alice_enrolment, waited, label
):
    submitted_item(alice_enrolment, waited_days=waited)
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    assert row_for(response, alice_enrolment).rag.label == label
    assert f">{label}</span>" in response.text
    assert f"waiting {waited} days" in response.text


def test_the_page_shows_an_overdue_target_as_red(client, carol, alice_enrolment):
    submitted_item(alice_enrolment)  # activity today, nothing waiting long
    target = open_target(alice_enrolment, due_in_days=3)
    Target.objects.filter(pk=target.pk).update(due_date=today() - datetime.timedelta(days=1))
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    row = row_for(response, alice_enrolment)
    assert (row.rag.label, row.overdue_targets) == ("Red", 1)
    assert "1 target is overdue" in response.text and "1 overdue" in response.text


@pytest.mark.parametrize(("idle", "label"), [(20, "Green"), (21, "Amber"), (42, "Red")])
def test_the_page_shows_inactivity_at_each_boundary(client, carol, alice_enrolment, idle, label):
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    EvidenceItem.objects.filter(pk=item.pk).update(updated_at=days_ago(idle))
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    assert row_for(response, alice_enrolment).rag.label == label


def test_it_counts_inactivity_from_the_start_when_there_has_been_none(
    client, carol, alice_enrolment
):
    alice_enrolment.start_date = today() - datetime.timedelta(days=30)
    alice_enrolment.save()
    client.force_login(carol)
    response = client.get(CASELOAD_URL)
    row = row_for(response, alice_enrolment)
    assert (row.rag.label, row.last_activity) == ("Amber", None)
    assert "None yet" in response.text and "No activity for 30 days" in response.text


# Filters -----------------------------------------------------------------------------------


@pytest.fixture
def mixed_caseload(carol, alice_enrolment, unit):
    """alice is red (an item has waited 20 days); cathy, on another qualification, is green."""
    submitted_item(alice_enrolment, waited_days=20)
    other = QualificationFactory(title="Level 4 NVQ Diploma in Management")
    unit.qualifications.add(other)
    cathy = EnrolmentFactory(
        learner=UserFactory(username="cathy", first_name="Cathy", last_name="Cole"),
        assessor=carol,
        qualification=other,
        units=[unit],
    )
    submitted_item(cathy, waited_days=1)
    return other


def test_it_filters_by_status(client, carol, mixed_caseload):
    client.force_login(carol)
    response = client.get(CASELOAD_URL, {"status": "red"})
    assert "Alice Archer" in response.text and "Cathy Cole" not in response.text
    response = client.get(CASELOAD_URL, {"status": "green"})
    assert "Cathy Cole" in response.text and "Alice Archer" not in response.text


def test_it_filters_by_qualification(client, carol, mixed_caseload):
    client.force_login(carol)
    response = client.get(CASELOAD_URL, {"qualification": mixed_caseload.pk})
    assert "Cathy Cole" in response.text and "Alice Archer" not in response.text
    assert len(response.context["caseload"].waiting) == 1


def test_it_ignores_a_qualification_not_on_the_caseload(client, carol, mixed_caseload):
    client.force_login(carol)
    stranger = QualificationFactory()
    response = client.get(CASELOAD_URL, {"qualification": stranger.pk})
    assert "Check the filters" in response.text
    assert "Alice Archer" in response.text and "Cathy Cole" in response.text


# Cost --------------------------------------------------------------------------------------


def _fill_caseload(assessor, qualification, unit, size):
    """Learners for `assessor` until there are `size`, each with a waiting item, a mapping,
    feedback, a judgement and an open target, so every query of the page has rows to read."""
    criterion, _ = code_target(unit, "1.1")
    while assessor.assessor_enrolments.count() < size:
        enrolment = EnrolmentFactory(assessor=assessor, qualification=qualification, units=[unit])
        item = EvidenceItemFactory(enrolment=enrolment)
        submit(item)
        Feedback.objects.create(item=item, author=assessor, text="Thank you.")
        Judgement.objects.create(
            enrolled_unit=enrolment.enrolled_units.get(),
            criterion=criterion,
            outcome=Judgement.Outcome.MET,
            rationale="Seen.",
            judged_by=assessor,
            judged_at=timezone.now(),
        )
        open_target(enrolment, due_in_days=5)


def test_it_costs_the_same_queries_for_40_learners_as_for_2(
    client, carol, qualification, unit, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(carol)

    def count_for(size):
        _fill_caseload(carol, qualification, unit, size)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CASELOAD_URL)
        assert response.status_code == 200
        caseload = response.context["caseload"]
        assert caseload.total == size and caseload.waiting_page.paginator.count == size
        # One page of each, however many learners: the page does not grow with the centre.
        assert len(caseload.rows) == min(size, CASELOAD_PAGE_SIZE)
        assert len(caseload.waiting) == min(size, WAITING_PAGE_SIZE)
        return len(captured)

    assert count_for(2) == count_for(40)
    assert EvidenceMapping.objects.filter(item__enrolment__assessor=carol).count() == 40
    # session, user; every learner's portfolio version; the status facts of learners whose
    # version is not cached (two queries, none once all are); one page of learners, their
    # units, criteria, mappings, judgements; the review queue's count and page; navigation
    # (roles and unread notices); the filter's qualifications
    with django_assert_max_num_queries(14):
        client.get(CASELOAD_URL)
    with django_assert_num_queries(12):  # every learner's facts cached at their version
        client.get(CASELOAD_URL)
