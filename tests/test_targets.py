"""The action plan: the assessor sets targets against criteria, closes them, and reminders go
out as they fall due.

Time travel: overdue targets are made by setting due_date with a queryset update, because the
service rightly refuses a due date in the past.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Target
from assessments.targets import target_close, target_set, target_url
from criteria.models import AssessmentCriterion, CriterionPart, split_code
from notifications.models import Notification

from .factories import AssessmentCriterionFactory


def today():
    return timezone.localdate()


def in_days(days):
    return today() + datetime.timedelta(days=days)


def code_target(unit, code):
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    part = CriterionPart.objects.get(criterion=criterion, letter=letter) if letter else None
    return criterion, part


def targets_url(enrolment):
    return reverse("assessments:targets", args=[enrolment.pk])


def set_target(enrolment, *, due_in_days=14, description="Collect feedback from two teams"):
    return target_set(
        enrolment=enrolment,
        by=enrolment.assessor,
        description=description,
        due_date=in_days(due_in_days),
    )


def make_overdue(target, days):
    Target.objects.filter(pk=target.pk).update(due_date=in_days(-days))


# Setting targets ---------------------------------------------------------------------------


def test_it_lets_the_assessor_set_a_target_against_criteria_and_parts(
    alice, carol, alice_enrolment, unit
):
    criterion, _ = code_target(unit, "3.2")
    _, part = code_target(unit, "9.1 a")

    target = target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="  Log every complaint for a month  ",
        due_date=in_days(10),
        criteria=[criterion],
        parts=[part],
    )

    assert target.description == "Log every complaint for a month"
    assert (target.status, target.set_by) == (Target.Status.OPEN, carol)
    assert list(target.criteria.all()) == [criterion] and list(target.parts.all()) == [part]
    notice = Notification.objects.get(recipient=alice)
    assert notice.kind == Notification.Kind.TARGET_SET
    assert notice.get_kind_display() == "Target set"  # not "Feedback given"
    assert in_days(10).strftime("%d/%m/%Y") in notice.message
    assert notice.url == target_url(target)


@pytest.mark.parametrize("person", ["alice", "dave", "erin", "frank"])
def test_it_lets_no_one_but_the_assessor_set_a_target(request, person, alice_enrolment):
    with pytest.raises(ValidationError, match="Only the learner's assessor"):
        target_set(
            enrolment=alice_enrolment,
            by=request.getfixturevalue(person),
            description="Do more",
            due_date=in_days(5),
        )
    assert not Target.objects.exists()


def test_it_refuses_a_due_date_in_the_past(carol, alice_enrolment):
    with pytest.raises(ValidationError) as raised:
        target_set(enrolment=alice_enrolment, by=carol, description="Do more", due_date=in_days(-1))
    assert raised.value.message_dict == {"due_date": ["The due date cannot be in the past."]}


def test_it_accepts_a_target_due_today(carol, alice_enrolment):
    assert set_target(alice_enrolment, due_in_days=0).due_date == today()


def test_it_refuses_a_criterion_outside_the_enrolment(carol, alice_enrolment):
    elsewhere = AssessmentCriterionFactory()
    with pytest.raises(ValidationError) as raised:
        target_set(
            enrolment=alice_enrolment,
            by=carol,
            description="Do more",
            due_date=in_days(3),
            criteria=[elsewhere],
        )
    assert "not in a unit of this enrolment" in raised.value.message_dict["criteria"][0]
    assert not Target.objects.exists()


# The targets page --------------------------------------------------------------------------


def test_the_assessor_sets_a_target_on_the_page(client, alice, carol, alice_enrolment, unit):
    criterion, _ = code_target(unit, "3.2")
    _, part = code_target(unit, "9.1 a")
    client.force_login(carol)
    page = client.get(targets_url(alice_enrolment))
    assert f'value="c{criterion.pk}"' in page.text and f'value="p{part.pk}"' in page.text
    assert f'value="c{part.criterion_id}"' not in page.text  # 9.1 is offered part by part

    response = client.post(
        targets_url(alice_enrolment),
        {
            "description": "Record two complaints with AIRR",
            "due_date": in_days(21).isoformat(),
            "criteria": [f"c{criterion.pk}", f"p{part.pk}"],
        },
        follow=True,
    )

    target = Target.objects.get()
    assert (list(target.criteria.all()), list(target.parts.all())) == ([criterion], [part])
    assert "Target set" in response.text
    assert "3.2, 9.1 a" in response.text
    assert in_days(21).strftime("%d/%m/%Y") in response.text


def test_the_page_refuses_a_past_due_date_with_a_message(client, carol, alice_enrolment):
    client.force_login(carol)
    response = client.post(
        targets_url(alice_enrolment),
        {"description": "Do more", "due_date": in_days(-2).isoformat()},
    )
    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.text
    assert not Target.objects.exists()


def test_it_says_overdue_in_words(client, carol, alice_enrolment):
    make_overdue(set_target(alice_enrolment), 3)
    set_target(alice_enrolment, description="Write a reflective account", due_in_days=4)
    client.force_login(carol)
    text = client.get(targets_url(alice_enrolment)).text
    assert "Overdue by 3 days" in text
    assert "Due in 4 days" in text


@pytest.mark.parametrize("person", ["alice", "erin", "frank"])
def test_readers_see_the_targets_but_no_form(client, request, person, alice_enrolment):
    set_target(alice_enrolment)
    client.force_login(request.getfixturevalue(person))
    response = client.get(targets_url(alice_enrolment))
    assert response.status_code == 200
    assert "Collect feedback from two teams" in response.text
    assert "Set a target" not in response.text and "Mark done" not in response.text


@pytest.mark.parametrize(("person", "status"), [("alice", 403), ("erin", 403), ("frank", 403)])
def test_readers_may_not_set_a_target(client, request, person, status, alice_enrolment):
    client.force_login(request.getfixturevalue(person))
    response = client.post(
        targets_url(alice_enrolment), {"description": "Do more", "due_date": in_days(3)}
    )
    assert response.status_code == status
    assert not Target.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("person", ["bob", "dave"])
def test_outsiders_get_404(client, request, person, method, alice_enrolment):
    client.force_login(request.getfixturevalue(person))
    response = getattr(client, method)(targets_url(alice_enrolment))
    assert response.status_code == 404


def test_it_sends_an_anonymous_visitor_to_sign_in(client, alice_enrolment):
    response = client.get(targets_url(alice_enrolment))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_learner_sees_open_targets_on_their_progress_page(client, alice, alice_enrolment):
    make_overdue(set_target(alice_enrolment, description="Survey the post room"), 2)
    set_target(alice_enrolment, description="Minutes of a 1:1 meeting", due_in_days=9)
    closed = set_target(alice_enrolment, description="Withdrawn long ago")
    target_close(target=closed, by=alice_enrolment.assessor, status=Target.Status.WITHDRAWN)
    client.force_login(alice)

    text = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).text

    assert "Survey the post room" in text and "Minutes of a 1:1 meeting" in text
    assert "Withdrawn long ago" not in text
    assert f"due {in_days(-2):%d/%m/%Y} <strong" in text and ">Overdue</strong>" in text
    assert text.count(">Overdue</strong>") == 1
    assert "No open targets" not in text


def test_the_progress_page_says_when_there_are_no_open_targets(client, alice, alice_enrolment):
    done = set_target(alice_enrolment)
    target_close(target=done, by=alice_enrolment.assessor, status=Target.Status.DONE)
    client.force_login(alice)
    text = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).text
    assert "No open targets." in text


def test_the_targets_page_costs_the_same_for_20_targets_as_for_2(
    client, carol, alice_enrolment, unit
):
    client.force_login(carol)
    criterion, _ = code_target(unit, "3.2")
    _, part = code_target(unit, "9.1 b")

    def count_for(size):
        while Target.objects.count() < size:
            target_set(
                enrolment=alice_enrolment,
                by=carol,
                description="Another target",
                due_date=in_days(5),
                criteria=[criterion],
                parts=[part],
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(targets_url(alice_enrolment))
        assert response.text.count("3.2, 9.1 b") == size
        return len(captured)

    assert count_for(2) == count_for(20)


# Closing -----------------------------------------------------------------------------------


def close_url(target):
    return reverse("assessments:target_close", args=[target.pk])


@pytest.mark.parametrize("status", [Target.Status.DONE, Target.Status.WITHDRAWN])
def test_the_assessor_closes_a_target(client, carol, alice_enrolment, status):
    target = set_target(alice_enrolment)
    client.force_login(carol)
    response = client.post(close_url(target), {"status": status}, follow=True)
    target.refresh_from_db()
    assert (target.status, target.closed_by) == (status, carol)
    assert target.closed_at is not None
    assert f"Target marked {target.get_status_display().lower()}" in response.text


def test_it_refuses_to_close_a_target_twice(client, carol, alice_enrolment):
    target = set_target(alice_enrolment)
    client.force_login(carol)
    client.post(close_url(target), {"status": "done"})
    response = client.post(close_url(target), {"status": "withdrawn"}, follow=True)
    target.refresh_from_db()
    assert target.status == Target.Status.DONE
    assert "This target is already done." in response.text


def test_the_learner_cannot_close_their_own_target(alice, alice_enrolment):
    target = set_target(alice_enrolment)
    with pytest.raises(ValidationError, match="Only the learner's assessor can close targets"):
        target_close(target=target, by=alice, status=Target.Status.DONE)


@pytest.mark.parametrize(
    ("person", "status"), [("alice", 403), ("erin", 403), ("frank", 403), ("bob", 404)]
)
def test_only_the_assessor_may_post_a_close(client, request, person, status, alice_enrolment):
    target = set_target(alice_enrolment)
    client.force_login(request.getfixturevalue(person))
    assert client.post(close_url(target), {"status": "done"}).status_code == status
    target.refresh_from_db()
    assert target.status == Target.Status.OPEN


def test_closing_asks_first_and_changes_nothing_until_confirmed(client, carol, alice_enrolment):
    target = set_target(alice_enrolment)
    client.force_login(carol)
    page = client.get(close_url(target) + "?status=done")
    assert page.status_code == 200
    assert "will be marked done, and Alice Archer will be told" in page.text
    assert 'name="status" value="done"' in page.text
    # The targets page links to this question; it no longer closes on one click.
    targets_page = client.get(reverse("assessments:targets", args=[alice_enrolment.pk])).text
    assert f'href="{close_url(target)}?status=done"' in targets_page
    assert f'action="{close_url(target)}"' not in targets_page
    # Anything but done or withdrawn goes back to the list.
    assert client.get(close_url(target) + "?status=open").status_code == 302
    target.refresh_from_db()
    assert target.status == Target.Status.OPEN


# Reopening ----------------------------------------------------------------------------------


def reopen_url(target):
    return reverse("assessments:target_reopen", args=[target.pk])


def test_a_target_marked_done_is_reopened_with_a_reason_kept_and_sent(
    client, carol, alice, alice_enrolment
):
    target = set_target(alice_enrolment)
    target_close(target=target, by=carol, status=Target.Status.DONE)
    client.force_login(carol)

    refused = client.post(reopen_url(target), {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why the target is reopened" in refused.text

    response = client.post(reopen_url(target), {"reason": "The log stops in October."})
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.closed_at, target.closed_by) == ("open", None, None)
    reopening = target.reopenings.get()
    assert (reopening.was_status, reopening.was_closed_by) == ("done", carol)
    assert reopening.reason == "The log stops in October."
    notice = Notification.objects.filter(recipient=alice).latest("pk")
    assert "reopened your target" in notice.message
    assert "The log stops in October." in notice.message
    page = client.get(reverse("assessments:targets", args=[alice_enrolment.pk])).text
    assert "reopened by Carol Carter on" in page and "The log stops in October." in page


def test_only_the_assessor_reopens_and_only_a_closed_target(alice, carol, alice_enrolment):
    from assessments.targets import target_reopen

    target = set_target(alice_enrolment)
    with pytest.raises(ValidationError, match="open already"):
        target_reopen(target=target, by=carol, reason="Why not")
    target_close(target=target, by=carol, status=Target.Status.DONE)
    with pytest.raises(ValidationError, match="Only the learner's assessor can reopen targets"):
        target_reopen(target=target, by=alice, reason="Not finished")


# Reminders ---------------------------------------------------------------------------------


def test_it_reminds_learner_and_assessor_once_a_day(alice, carol, alice_enrolment, bob_enrolment):
    overdue = set_target(alice_enrolment, description="Overdue one")
    make_overdue(overdue, 1)
    due_soon = set_target(alice_enrolment, description="Due in two days", due_in_days=2)
    set_target(alice_enrolment, description="Due in three days", due_in_days=3)
    closed = set_target(alice_enrolment, description="Closed", due_in_days=1)
    target_close(target=closed, by=carol, status=Target.Status.DONE)
    bob_target = set_target(bob_enrolment, description="Bob's", due_in_days=0)
    reminders = Notification.objects.filter(kind=Notification.Kind.TARGET_DUE)

    call_command("send_target_reminders", verbosity=0)
    call_command("send_target_reminders", verbosity=0)

    sent = sorted(reminders.values_list("recipient__username", "url"))
    assert sent == sorted(
        [
            ("alice", target_url(overdue)),
            ("carol", target_url(overdue)),
            ("alice", target_url(due_soon)),
            ("carol", target_url(due_soon)),
            ("bob", target_url(bob_target)),
            ("dave", target_url(bob_target)),
        ]
    )
    learner_notice = reminders.get(recipient=alice, url=target_url(overdue))
    assert "Overdue by 1 day" in learner_notice.message
    assert (
        "Alice Archer's target" in reminders.get(recipient=carol, url=target_url(due_soon)).message
    )


def test_it_reminds_again_the_next_day(alice, alice_enrolment):
    target = set_target(alice_enrolment, due_in_days=1)
    call_command("send_target_reminders", verbosity=0)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Notification.objects.filter(kind=Notification.Kind.TARGET_DUE).update(created_at=yesterday)

    call_command("send_target_reminders", verbosity=0)

    reminders = Notification.objects.filter(kind=Notification.Kind.TARGET_DUE, recipient=alice)
    assert reminders.filter(url=target_url(target)).count() == 2


def test_it_does_not_remind_learners_who_are_not_in_active_learning(alice_enrolment):
    set_target(alice_enrolment, due_in_days=1)
    alice_enrolment.status = alice_enrolment.Status.ON_BREAK
    alice_enrolment.save()
    call_command("send_target_reminders", verbosity=0)
    assert not Notification.objects.filter(kind=Notification.Kind.TARGET_DUE).exists()
