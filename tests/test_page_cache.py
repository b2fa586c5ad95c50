"""Cached pages: served again while nothing they read has changed, never after.

A page marked @cached_page records the tables its statements read and their versions; every
committed write to a table moves its version on (page_cache/tables.py). These tests change
records in each way a centre does (a service in a transaction, a plain save, an update, a
delete, a rollback) and check the page that read them is built again, and that what is not a
change (a rolled-back write, a sign-in) leaves the cached copy in use.
"""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.models import EvidenceItem
from notifications.services import notify
from page_cache.models import TableVersion
from page_cache.tables import versions

from .test_evidence_progress import add_evidence

TOKEN = re.compile(r'name="submission_token" value="([^"]+)"')


@pytest.fixture
def alice_client(client, alice, alice_enrolment):
    client.force_login(alice)
    client.get(reverse("home"))  # the CSRF cookie a cached page's forms are keyed by
    return client


def served_from_cache(client, url):
    """Whether asking for `url` again was answered without building the page: a cached answer
    reads the session, the person, the navigation's facts and the table versions, nothing else."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries) == 4, response


def test_a_committed_write_moves_its_tables_version_on_and_a_rollback_does_not(
    transactional_db, alice_enrolment
):
    before = versions().get("evidence_evidenceitem", 0)
    with transaction.atomic():
        add_evidence(alice_enrolment, "Complaints log", alice_enrolment.units.get(), ["3.2"])
    assert versions()["evidence_evidenceitem"] == before + 1  # one transaction, one move
    with pytest.raises(RuntimeError), transaction.atomic():
        EvidenceItem.objects.update(title="Renamed")
        raise RuntimeError("the service failed")
    assert versions()["evidence_evidenceitem"] == before + 1
    assert not EvidenceItem.objects.filter(title="Renamed").exists()


def test_the_evidence_list_is_served_again_until_an_item_changes(
    alice_client, alice_enrolment, unit
):
    item = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"])
    url = reverse("evidence:list")
    assert "Complaints log" in alice_client.get(url).text
    cached, response = served_from_cache(alice_client, url)
    assert cached and "Complaints log" in response.text

    EvidenceItem.objects.filter(pk=item.pk).update(title="Log of complaints")  # an UPDATE
    cached, response = served_from_cache(alice_client, url)
    assert not cached and "Log of complaints" in response.text

    add_evidence(alice_enrolment, "Survey of the sales team", unit, ["4.1"])  # an INSERT
    cached, response = served_from_cache(alice_client, url)
    assert not cached and "Survey of the sales team" in response.text

    EvidenceItem.objects.filter(title="Survey of the sales team").delete()  # a DELETE
    cached, response = served_from_cache(alice_client, url)
    assert not cached and "Survey of the sales team" not in response.text


def test_a_change_to_a_table_the_page_did_not_read_leaves_it_cached(
    alice_client, bob, alice_enrolment, unit
):
    url = reverse("criteria:unit", args=[unit.slug])
    alice_client.get(url)
    notify(recipient=bob, kind="evidence_sent_back", message="Your assessor wrote.")
    cached, _ = served_from_cache(alice_client, url)
    assert cached


def test_the_navigation_shown_on_a_cached_page_is_never_out_of_date(
    alice_client, alice, alice_enrolment, unit
):
    url = reverse("criteria:unit", args=[unit.slug])
    assert "Notifications (0 unread)" in alice_client.get(url).text
    notify(recipient=alice, kind="evidence_sent_back", message="Your assessor wrote.")
    response = alice_client.get(url)
    assert "Notifications (1 unread)" in response.text


def test_someone_else_never_gets_anothers_cached_page(client, alice, bob, alice_enrolment, unit):
    add_evidence(alice_enrolment, "Alice's own log", unit, ["3.2"])
    client.force_login(alice)
    client.get(reverse("home"))
    assert "Alice&#x27;s own log" in client.get(reverse("evidence:list")).text
    client.force_login(bob)
    client.get(reverse("home"))
    assert "Alice&#x27;s own log" not in client.get(reverse("evidence:list")).text


def test_each_serving_of_a_cached_form_carries_a_new_submission_token(
    client, carol, alice_enrolment, unit
):
    item = add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"], submit=True)
    client.force_login(carol)
    client.get(reverse("home"))
    url = reverse("assessments:review", args=[item.pk])
    first = TOKEN.findall(client.get(url).text)
    cached, response = served_from_cache(client, url)
    second = TOKEN.findall(response.text)
    assert cached and first and len(first) == len(second)
    assert not set(first) & set(second)  # two copies of the page are two submissions
    assert "submission-token-served-fresh" not in response.text


def test_a_page_with_a_message_to_show_is_built_and_shows_it(alice_client, alice_enrolment):
    url = reverse("evidence:list")
    alice_client.get(url)
    response = alice_client.post(reverse("notifications:list"))  # "Marked 0 notifications"
    response = alice_client.get(url)
    assert "Marked 0 notifications as read." in response.text


def test_versions_are_kept_in_the_database_for_every_process_to_see(alice_enrolment, unit):
    add_evidence(alice_enrolment, "Complaints log", unit, ["3.2"])
    assert TableVersion.objects.get(name="evidence_evidenceitem").version >= 1
