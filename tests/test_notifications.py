"""A person's notifications: their own only, newest first, marked read one by one or all at
once, counted in the navigation; and the notice an assessor gets when evidence is submitted."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify

from .evidence_factories import EvidenceItemFactory, submit

LIST_URL = reverse("notifications:list")
Kind = Notification.Kind


def notice(recipient, message="Carol Carter commented on “Complaints log”", url="/evidence/1/"):
    return notify(recipient=recipient, kind=Kind.FEEDBACK, message=message, url=url)


def read_url(notification):
    return reverse("notifications:read", args=[notification.pk])


def test_it_lists_only_the_persons_own_newest_first(client, alice, bob):
    notice(alice, "Older notice for alice")
    notice(bob, "A notice for bob")
    notice(alice, "Newer notice for alice")
    client.force_login(alice)
    page = client.get(LIST_URL).text
    assert "A notice for bob" not in page
    assert page.index("Newer notice for alice") < page.index("Older notice for alice")


def test_it_says_which_are_unread_in_words(client, alice):
    notice(alice, "Unread one")
    Notification.objects.filter(pk=notice(alice, "Read one").pk).update(read_at=timezone.now())
    client.force_login(alice)
    page = client.get(LIST_URL).text
    assert page.count("<strong>Unread</strong>") == 1
    assert "Notifications (1 unread)" in page


def test_marking_one_read_opens_what_it_is_about(client, alice):
    notification = notice(alice, url="/evidence/7/")
    client.force_login(alice)
    response = client.post(read_url(notification))
    assert response.status_code == 302 and response["Location"] == "/evidence/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notice_pointing_off_the_site_goes_back_to_the_list(client, alice):
    notification = notice(alice, url="https://elsewhere.example/")
    client.force_login(alice)
    assert client.post(read_url(notification))["Location"] == LIST_URL


def test_marking_someone_elses_notice_read_is_404(client, alice, bob):
    notification = notice(bob)
    client.force_login(alice)
    assert client.post(read_url(notification)).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get(read_url(notice(alice))).status_code == 405


def test_mark_all_as_read_marks_only_the_persons_own(client, alice, bob):
    notice(alice)
    notice(alice)
    others = notice(bob)
    client.force_login(alice)
    response = client.post(LIST_URL, follow=True)
    assert "Marked 2 notifications as read." in response.text
    assert "Notifications (0 unread)" in response.text
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    others.refresh_from_db()
    assert others.read_at is None


def test_it_shows_50_a_page(client, alice):
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Kind.FEEDBACK, message=f"Notice {n:02}")
        for n in range(51)
    )
    client.force_login(alice)
    first = client.get(LIST_URL)
    assert len(first.context["page"]) == 50
    second = client.get(LIST_URL, {"page": 2})
    assert len(second.context["page"]) == 1
    assert "page 2 of 2" in second.text


def test_it_costs_the_same_queries_for_120_notices_as_for_2(
    client, alice, django_assert_num_queries
):
    client.force_login(alice)

    def count_for(size):
        Notification.objects.bulk_create(
            Notification(recipient=alice, kind=Kind.FEEDBACK, message="A notice")
            for _ in range(size - Notification.objects.count())
        )
        with CaptureQueriesContext(connection) as captured:
            client.get(LIST_URL)
        return len(captured)

    assert count_for(2) == count_for(120)
    # session, user, count and page, navigation roles, unread count
    with django_assert_num_queries(5):
        client.get(LIST_URL)


def test_signing_in_comes_first(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navigation_counts_unread_notices(client, alice, bob):
    notice(alice)
    notice(alice)
    notice(bob)
    client.force_login(alice)
    assert "Notifications (2 unread)" in client.get(reverse("home")).text


def test_the_navigation_stops_counting_at_99_and_says_so(client, alice):
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind="feedback", message=f"Notice {n}") for n in range(150)
    )
    client.force_login(alice)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("home")).text
    assert "Notifications (99+ unread)" in page
    # The count reads no more than 100 rows: a LIMIT inside the navigation's one query.
    navigation = [q["sql"] for q in captured if "notifications_notification" in q["sql"]]
    assert len(navigation) == 1 and "LIMIT 100" in navigation[0]


def test_submitting_evidence_tells_the_assessor(
    alice, carol, alice_enrolment, django_capture_on_commit_callbacks
):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Feedback survey, November")
    with django_capture_on_commit_callbacks(execute=True):
        submit(item)
    notification = Notification.objects.get()
    assert notification.recipient == carol
    assert notification.kind == Kind.ITEM_SUBMITTED
    assert notification.message == "Alice Archer submitted “Feedback survey, November”"
    assert notification.url == item.get_absolute_url()
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]
    assert item.get_absolute_url() in mail.outbox[0].body


def test_someone_without_an_email_address_still_gets_the_notice(
    alice, carol, alice_enrolment, django_capture_on_commit_callbacks
):
    carol.email = ""
    carol.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit(EvidenceItemFactory(enrolment=alice_enrolment))
    assert Notification.objects.filter(recipient=carol).count() == 1
    assert mail.outbox == []
