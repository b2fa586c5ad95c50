"""Notices people read: each kind named for what happened, and a daily digest by email for
those who choose it instead of an email per notice."""

import datetime

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.records import assessor_record_acknowledge
from assessments.review import feedback_add, item_accept, mapping_decide
from assessments.signoff import unit_countersign, unit_reopen, unit_sign_off
from assessments.targets import target_close, target_set
from evidence.models import EvidenceMapping
from notifications.models import Notification
from notifications.services import digests_send, notify

from .test_assessor_records import observation  # noqa: F401  (a fixture)
from .test_evidence_progress import add_evidence
from .test_judgements import fully_met


def kinds_of(person):
    return [notice.get_kind_display() for notice in Notification.objects.filter(recipient=person)]


def test_a_target_set_and_closed_are_named_so(alice, carol, alice_enrolment):
    target = target_set(
        enrolment=alice_enrolment,
        by=carol,
        description="Bring the survey.",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    target_close(target=target, by=carol, status="done")
    assert kinds_of(alice) == ["Target closed", "Target set"]


def test_a_learners_reply_is_named_so(alice, carol, alice_enrolment, unit):
    item = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"], submit=True)
    feedback_add(item=item, by=carol, text="Which team is this?")
    feedback_add(item=item, by=alice, text="The finance team.")
    assert kinds_of(alice) == ["Feedback given"]
    assert kinds_of(carol)[0] == "Reply to feedback"


def test_accepted_evidence_is_named_so(alice, carol, alice_enrolment, unit):
    item = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"], submit=True)
    for mapping in item.mappings.all():
        mapping_decide(mapping=mapping, by=carol, decision=EvidenceMapping.Decision.ACCEPTED)
    item_accept(item=item, by=carol)
    assert kinds_of(alice) == ["Evidence accepted"]


def test_an_assessors_record_and_its_acknowledgement_are_named_so(
    alice,
    carol,
    observation,  # noqa: F811
):
    assert kinds_of(alice) == ["Record to acknowledge"]
    assessor_record_acknowledge(item=observation, by=alice)
    assert kinds_of(carol) == ["Record acknowledged"]


def test_a_countersignature_and_a_reopening_are_named_so(alice, carol, erin, alice_enrolment, unit):
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    sign_off = unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    unit_countersign(sign_off=sign_off, by=alice, declaration_confirmed=True)
    assert kinds_of(carol)[0] == "Unit countersigned"
    unit_reopen(sign_off=sign_off, by=erin, reason="Sampled: 5.2 needs more detail.")
    assert kinds_of(alice)[0] == kinds_of(carol)[0] == "Unit reopened"


def test_someone_with_the_digest_gets_no_email_per_notice(
    django_capture_on_commit_callbacks, alice
):
    alice.daily_digest = True
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, kind=Notification.Kind.FEEDBACK, message="A comment")
    assert mail.outbox == []


def test_the_daily_digest_sends_one_email_each_with_the_notices_not_yet_sent(
    django_capture_on_commit_callbacks, alice, bob, carol
):
    for person in (alice, bob):
        person.daily_digest = True
        person.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, kind=Notification.Kind.FEEDBACK, message="First", url="/a/")
        notify(recipient=alice, kind=Notification.Kind.TARGET_SET, message="Second")
        notify(recipient=bob, kind=Notification.Kind.FEEDBACK, message="For Bob")
        notify(recipient=carol, kind=Notification.Kind.FEEDBACK, message="For Carol")
    assert [message.to for message in mail.outbox] == [["carol@example.org"]]  # no digest
    mail.outbox.clear()

    call_command("send_daily_digest", verbosity=0)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]
    [to_alice] = [message for message in mail.outbox if message.to == ["alice@example.org"]]
    assert "2 notices" in to_alice.subject
    assert "Feedback given: First" in to_alice.body and "Target set: Second" in to_alice.body
    assert "/a/\n" in to_alice.body  # each notice's link
    assert not Notification.objects.filter(recipient__in=[alice, bob], emailed_at=None).exists()
    # Run again the same day: nothing new, nothing sent.
    mail.outbox.clear()
    assert digests_send() == 0 and mail.outbox == []


def test_the_digest_is_chosen_on_the_account_page(client, alice):
    client.force_login(alice)
    url = reverse("notice_email")
    assert "As each one arrives" in client.get(url).text
    response = client.post(url, {"daily_digest": "on"}, follow=True)
    assert "You will get one email a day listing your notices." in response.text
    alice.refresh_from_db()
    assert alice.daily_digest
    client.post(url, {"daily_digest": "off"})
    alice.refresh_from_db()
    assert not alice.daily_digest
    # Nonsense changes nothing and says what to choose.
    assert client.post(url, {"daily_digest": "sometimes"}).status_code == 200
