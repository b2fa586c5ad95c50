"""A create form saves once, however often it is sent: a double click, the form sent again, or
four copies at the same moment make one row, one notice and one email, and every copy is sent
where the first went. A form changed after going back, or put right after a refusal, is new."""

import datetime
import threading
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from assessments.models import Feedback, Target
from evidence import services as evidence_services
from evidence.models import EvidenceItem
from notifications.models import Notification
from submissions.models import Submission
from submissions.once import ALREADY_SAVED

from .evidence_factories import EvidenceItemFactory, add_file
from .test_access_walk import objects, quality_objects  # noqa: F401
from .test_malformed_input import PageParser
from .test_review import criterion

COPIES = 4


def shown_form(client, page, action):
    """The form on `page` that posts to `action`, as the browser would send it unchanged."""
    parser = PageParser(page)
    parser.feed(client.get(page).content.decode())
    return next(form for form in parser.forms if urlsplit(form.action).path == action).data()


def send_copies(client, url, data):
    """COPIES identical POSTs: at the same moment on PostgreSQL, one after another on SQLite
    (which lets one writer in at a time, so copies queue there anyway)."""
    if connection.vendor != "postgresql":
        return [client.post(url, data) for _ in range(COPIES)]
    start, responses = threading.Barrier(COPIES), [None] * COPIES

    def send(number):
        copy = Client()
        copy.cookies = client.cookies
        start.wait()
        try:
            responses[number] = copy.post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def item(alice, alice_enrolment, unit):
    """Alice's item mapped to 5.1, submitted to carol."""
    draft = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaints log, October")
    add_file(draft)
    evidence_services.evidence_mapping_add(item=draft, by=alice, criterion=criterion(unit, "5.1"))
    evidence_services.evidence_submit(item=draft, by=alice, declaration=True)
    return draft


def feedback_case(alice, carol, alice_enrolment, item, unit):
    page, action = item.get_absolute_url(), reverse("assessments:feedback", args=[item.pk])
    rows = Feedback.objects.filter(item=item)
    return alice, page, action, {"text": "The dates are in column C."}, rows, carol


def item_case(alice, carol, alice_enrolment, item, unit):
    page = action = reverse("evidence:create", args=[alice_enrolment.pk])
    fields = {
        "title": "Feedback survey",
        "activity_date": "2026-11-02",
        "evidence_type": "feedback_log",
        "assessment_method": "work_product",
    }
    rows = EvidenceItem.objects.filter(title="Feedback survey")
    return alice, page, action, fields, rows, None


def target_case(alice, carol, alice_enrolment, item, unit):
    page = action = reverse("assessments:targets", args=[alice_enrolment.pk])
    due = timezone.localdate() + datetime.timedelta(days=14)
    fields = {
        "description": "Collect feedback from two teams",
        "due_date": due.isoformat(),
        "criteria": [f"c{criterion(unit, '3.2').pk}"],
    }
    return carol, page, action, fields, Target.objects.all(), alice


CASES = {"feedback": feedback_case, "new item": item_case, "target": target_case}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", CASES)
def test_four_copies_sent_at_once_save_once(
    client, alice, carol, alice_enrolment, item, unit, case
):
    person, page, action, fields, rows, told = CASES[case](
        alice, carol, alice_enrolment, item, unit
    )
    client.force_login(person)
    data = {**shown_form(client, page, action), **fields}
    notices, mail.outbox = Notification.objects.count(), []
    responses = send_copies(client, action, data)
    assert rows.count() == 1
    assert {response.status_code for response in responses} == {302}
    assert len({response["Location"] for response in responses}) == 1
    assert Notification.objects.count() - notices == (1 if told else 0)
    assert [message.to for message in mail.outbox] == ([[told.email]] if told else [])


def test_a_copy_is_told_it_was_already_saved_and_sent_where_the_first_went(client, alice, item):
    client.force_login(alice)
    action = reverse("assessments:feedback", args=[item.pk])
    data = {**shown_form(client, item.get_absolute_url(), action), "text": "Column C."}
    first = client.post(action, data)
    copy = client.post(action, data, follow=True)
    assert copy.redirect_chain[0][0] == first["Location"]
    assert ALREADY_SAVED in [str(message) for message in copy.context["messages"]]
    assert Feedback.objects.count() == 1


def test_a_form_changed_after_going_back_is_a_new_message(client, alice, item):
    client.force_login(alice)
    action = reverse("assessments:feedback", args=[item.pk])
    data = shown_form(client, item.get_absolute_url(), action)
    client.post(action, {**data, "text": "The dates are in column C."})
    client.post(action, {**data, "text": "And the totals in column D."})
    assert Feedback.objects.count() == 2


def test_a_refused_form_put_right_is_saved_with_the_same_token(client, alice, item):
    client.force_login(alice)
    action = reverse("assessments:feedback", args=[item.pk])
    data = shown_form(client, item.get_absolute_url(), action)
    client.post(action, {**data, "text": "  "})  # refused: "Write a message before sending it."
    assert not Submission.objects.exists()
    client.post(action, {**data, "text": "The dates are in column C."})
    assert Feedback.objects.count() == 1


def test_a_form_refused_with_its_errors_shown_again_claims_nothing(client, alice, alice_enrolment):
    client.force_login(alice)
    page = reverse("evidence:create", args=[alice_enrolment.pk])
    response = client.post(page, {**shown_form(client, page, page), "title": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Submission.objects.exists()


def test_a_post_without_a_token_is_handled_as_it_always_was(client, alice, item):
    client.force_login(alice)
    action = reverse("assessments:feedback", args=[item.pk])
    client.post(action, {"text": "Column C."})
    client.post(action, {"text": "Column C."})
    assert Feedback.objects.count() == 2


def test_claims_older_than_two_days_are_pruned_as_new_ones_are_made(
    client, alice, item, django_capture_on_commit_callbacks
):
    old = Submission.objects.create(
        key="0" * 64,
        user=alice,
        result_url="/",
        claimed_at=timezone.now() - datetime.timedelta(days=2, minutes=1),
    )
    recent = Submission.objects.create(
        key="1" * 64,
        user=alice,
        result_url="/",
        claimed_at=timezone.now() - datetime.timedelta(days=1),
    )
    client.force_login(alice)
    action = reverse("assessments:feedback", args=[item.pk])
    data = {**shown_form(client, item.get_absolute_url(), action), "text": "Column C."}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action, data)
    assert not Submission.objects.filter(pk=old.pk).exists()
    assert Submission.objects.filter(pk=recent.pk).exists()
    assert Submission.objects.count() == 2


def views_saved_once(resolver=None, namespace=""):
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace != "admin":
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= views_saved_once(pattern, inner)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "saved_once", False):
            names.add(namespace + pattern.name)
    return names


# (who, the page showing the form, the view it posts to, its arguments), from the access walk.
CREATE_FORMS = [
    ("alice", lambda o: reverse("evidence:create", args=[o["enrolment"].pk]), "evidence:create"),
    ("alice", lambda o: o["draft"].get_absolute_url(), "evidence:submit"),
    ("carol", lambda o: o["draft"].get_absolute_url(), "evidence:assessor_mapping_add"),
    (
        "alice",
        lambda o: reverse("confirmations:create", args=[o["submitted"].pk]),
        "confirmations:create",
    ),
    ("alice", lambda o: o["submitted"].get_absolute_url(), "assessments:feedback"),
    (
        "carol",
        lambda o: reverse("assessments:review", args=[o["submitted"].pk]),
        "assessments:review",
    ),
    (
        "carol",
        lambda o: reverse("assessments:review", args=[o["submitted"].pk]),
        "assessments:send_back",
    ),
    (
        "carol",
        lambda o: reverse("assessments:review", args=[o["submitted"].pk]),
        "assessments:accept",
    ),
    (
        "carol",
        lambda o: reverse("assessments:targets", args=[o["enrolment"].pk]),
        "assessments:targets",
    ),
    (
        "carol",
        lambda o: (
            reverse("assessments:record_create", args=[o["enrolment"].pk]) + "?kind=questioning"
        ),
        "assessments:record_create",
    ),
    (
        "carol",
        lambda o: reverse("assessments:judge", args=[o["enrolment"].pk, o["unit"].slug, o["key"]]),
        "assessments:judge",
    ),
    (
        "carol",
        lambda o: reverse("assessments:judge_unit", args=[o["enrolment"].pk, o["unit"].slug]),
        "assessments:judge_unit",
    ),
    ("erin", lambda o: reverse("quality:plan_create"), "quality:plan_create"),
    ("erin", lambda o: o["plan"].get_absolute_url() + "?add=1", "quality:entry_add"),
    ("erin", lambda o: reverse("quality:entry", args=[o["entry"].pk]), "quality:entry"),
    ("erin", lambda o: reverse("quality:risk"), "quality:risk"),
    ("erin", lambda o: reverse("quality:standardisation_create"), "quality:standardisation_create"),
    ("frank", lambda o: reverse("quality:grant_create"), "quality:grant_create"),
    (
        "frank",
        lambda o: reverse("people:enrolment_add") + f"?qualification={o['qualification'].code}",
        "people:enrolment_add",
    ),
    ("frank", lambda o: reverse("people:person_add"), "people:person_add"),
    ("frank", lambda o: reverse("people:import_enrolments"), "people:import_enrolments"),
    (
        "alice",
        lambda o: reverse("evidence:progress", args=[o["enrolment"].pk]),
        "assessments:report_prepare",
    ),
    ("erin", lambda o: o["plan"].get_absolute_url(), "quality:plan_report_prepare"),
    (
        "alice",
        lambda o: reverse("evidence:progress", args=[o["enrolment"].pk]),
        "portability:export_prepare",
    ),
    (
        "frank",
        lambda o: reverse("people:person_edit", args=[o["enrolment"].learner_id]),
        "portability:subject_access",
    ),
]
# Offered only when every criterion is met or the plan has suggestions, or under a clean dry
# run of an import (tests/test_import_one_pass.py), or when the item's words suggest a
# criterion (tests/test_suggestions.py; the walk's draft says only "Something I did.");
# same template tag.
NOT_SHOWN_IN_THE_WALK = {
    "assessments:sign_off",
    "quality:plan_accept",
    "people:import_confirm",
    "jobs:retry",  # offered only on a failed job's page (tests/test_faults.py)
    "suggestions:accept",
}


def test_every_form_of_a_view_that_saves_once_carries_a_token(
    client,
    request,
    objects,  # noqa: F811
    quality_objects,  # noqa: F811
):
    records = {**objects, **quality_objects}
    assert views_saved_once() == {view for *_, view in CREATE_FORMS} | NOT_SHOWN_IN_THE_WALK
    for person, page, view in CREATE_FORMS:
        client.force_login(request.getfixturevalue(person))
        parser = PageParser(page(records))
        parser.feed(client.get(page(records)).content.decode())
        posting = [
            form.data()
            for form in parser.forms
            if form.method == "post" and resolve(urlsplit(form.action).path).view_name == view
        ]
        # The review screen's other forms start the review and record decisions: no new rows.
        creating = [
            data for data in posting if data.get("action", ["add_mapping"]) == ["add_mapping"]
        ]
        assert creating, f"{view}: no form on {page(records)}"
        assert all(data.get("submission_token") for data in creating), view
