"""A witness or employer confirms a submitted version by an emailed link, without an account.

alice is the learner, carol her assessor; Janet Reid, alice's line manager, is the witness.
"""

import datetime
import hashlib
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.records import assessor_record_create
from assessments.reports import coverage_report, render_coverage_html, render_coverage_pdf
from assessments.signoff import _version_content_digest
from audit.models import AuditRecord
from confirmations import services
from confirmations.models import Confirmation
from evidence import services as evidence_services
from evidence.models import EvidenceType

from .evidence_factories import EvidenceItemFactory, add_file, submit
from .test_coverage_report import pdf_text
from .test_submitted_once import shown_form

WITNESS = {
    "kind": "witness",
    "witness_name": "Janet Reid",
    "witness_role": "line manager",
    "relationship": "Manages my team",
    "witness_email": "janet.reid@example.org",
}
ANSWER = {
    "how_known": "I manage Alice's team and sat beside her that morning.",
    "outcome": "confirmed",
    "correction": "",
    "signed_name": "Janet Reid",
    "declaration": "on",
}
# The learner's item page: session, user, item with its people, navigation, files, mappings,
# versions, sign-off lock, feedback thread and the requests with their latest version numbers.
ITEM_PAGE_QUERIES = 10
# The witness's page: the request by its token's hash, the item's latest version, its files.
WITNESS_PAGE_QUERIES = 3


@pytest.fixture
def testimony(alice_enrolment):
    """Alice's witness testimony with a file, submitted as version 1."""
    item = EvidenceItemFactory(
        enrolment=alice_enrolment,
        title="Janet's account of the stock query",
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        assessment_method="witness_testimony",
        description="Janet saw me answer the finance team's stock query within the hour.",
    )
    add_file(item, name="statement.pdf")
    submit(item)
    item.refresh_from_db()
    return item


def ask(client, person, item, django_capture_on_commit_callbacks, **fields):
    """`person` asks for a confirmation of `item` through the page; the link emailed."""
    client.force_login(person)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("confirmations:create", args=[item.pk]), {**WITNESS, **fields}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    (message,) = mail.outbox
    return re.search(r"http\S+/confirmations/link/\S+/", message.body).group(0)


def path_of(link):
    return link[link.index("/confirmations/") :]


def token_of(link):
    return link.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def link(client, alice, testimony, django_capture_on_commit_callbacks):
    return ask(client, alice, testimony, django_capture_on_commit_callbacks)


def test_it_emails_the_witness_a_link_whose_token_is_kept_only_as_its_hash(link, testimony):
    (message,) = mail.outbox
    assert message.to == ["janet.reid@example.org"]
    assert "Alice Archer" in message.body and "version 1" in message.body
    token = token_of(link)
    assert len(token) >= 43  # secrets.token_urlsafe(32): 256 bits
    confirmation = Confirmation.objects.get()
    assert confirmation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in Confirmation.objects.values().get().values()]
    assert not any(token in value for value in stored)
    assert confirmation.version == testimony.versions.get()
    days = (confirmation.expires_at - confirmation.sent_at).days
    assert days == 14


def test_it_makes_links_that_last_as_long_as_the_setting_says(
    client, alice, testimony, settings, django_capture_on_commit_callbacks
):
    settings.CONFIRMATION_LINK_DAYS = 3
    ask(client, alice, testimony, django_capture_on_commit_callbacks)
    confirmation = Confirmation.objects.get()
    assert confirmation.expires_at - confirmation.sent_at == datetime.timedelta(days=3)


def test_it_shows_the_witness_the_exact_version_without_an_account(client, link, testimony):
    response = client.get(path_of(link))
    assert response.status_code == 200
    page = response.content.decode()
    version = testimony.versions.get()
    evidence_file = version.files.get()
    assert version.title.replace("'", "&#x27;") in page
    assert "finance team" in page
    assert evidence_file.original_name in page and evidence_file.sha256 in page
    assert "no-store" in response["Cache-Control"]


def test_it_stores_the_versions_digest_the_time_and_the_address_when_signed(
    client, link, testimony, alice, carol
):
    response = client.post(path_of(link), ANSWER, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    assert "Thank you, Janet Reid" in response.content.decode()
    confirmation = Confirmation.objects.get()
    version = testimony.versions.get()
    assert confirmation.content_digest == _version_content_digest(version)
    assert confirmation.files_signed == [[f.original_name, f.sha256] for f in version.files.all()]
    assert confirmation.witness_address == "203.0.113.9"
    assert timezone.now() - confirmation.confirmed_at < datetime.timedelta(minutes=1)
    today = f"{timezone.localdate():%-d %B %Y}"
    line = f"Confirmed by Janet Reid, line manager, on {today}, for version 1"
    for person, page in [
        (alice, testimony.get_absolute_url()),
        (carol, reverse("assessments:review", args=[testimony.pk])),
    ]:
        client.force_login(person)
        assert line in client.get(page).content.decode()


def test_a_correction_is_kept_and_shown_to_the_learner_and_the_assessor(
    client, link, testimony, alice, carol
):
    correction = "It was the afternoon, not the morning."
    client.post(path_of(link), {**ANSWER, "outcome": "corrected", "correction": correction})
    assert Confirmation.objects.get().correction == correction
    for person, page in [
        (alice, testimony.get_absolute_url()),
        (carol, reverse("assessments:review", args=[testimony.pk])),
    ]:
        client.force_login(person)
        assert "It was the afternoon" in client.get(page).content.decode()


def test_asking_and_confirming_are_in_the_audit_trail_and_the_chain_holds(
    client, link, testimony, alice
):
    client.post(path_of(link), ANSWER, REMOTE_ADDR="203.0.113.9")
    records = AuditRecord.objects.filter(enrolment=testimony.enrolment_id).order_by("sequence")
    asked = records.get(kind=AuditRecord.Kind.CONFIRMATION_ASKED)
    given = records.get(kind=AuditRecord.Kind.CONFIRMATION_GIVEN)
    assert asked.actor == alice and given.actor is None  # the witness has no account
    digest = Confirmation.objects.get().content_digest
    assert "for version 1" in given.summary and digest[:12] in given.summary
    assert "Janet" not in asked.summary + given.summary  # names are kept apart from the chain
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue().lower()


def test_it_refuses_a_correction_left_empty_and_an_unticked_declaration(client, link):
    response = client.post(path_of(link), {**ANSWER, "outcome": "corrected", "declaration": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the correction" in page or "This field is required" in page
    assert not Confirmation.objects.filter(confirmed_at__isnull=False).exists()


def test_it_refuses_a_link_used_before(client, link):
    client.post(path_of(link), ANSWER)
    for method in ("get", "post"):
        response = getattr(client, method)(path_of(link), ANSWER)
        assert response.status_code == 410
        assert "already been used" in response.content.decode()


def test_it_refuses_an_expired_link(client, link):
    Confirmation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(path_of(link))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    client.post(path_of(link), ANSWER)
    assert Confirmation.objects.get().confirmed_at is None


def test_it_refuses_a_link_whose_item_was_revised_since(client, link, testimony, alice):
    evidence_services.evidence_revise(item=testimony, by=alice)
    response = client.get(path_of(link))
    assert response.status_code == 410
    assert "changed since this link was sent" in response.content.decode()
    evidence_services.evidence_submit(item=testimony, by=alice, declaration=True)
    response = client.post(path_of(link), ANSWER)
    assert response.status_code == 410
    assert "version 1" in response.content.decode()
    assert Confirmation.objects.get().confirmed_at is None


def test_a_confirmation_of_a_version_later_revised_applies_to_that_version_only(
    client, link, testimony, alice
):
    client.post(path_of(link), ANSWER)
    evidence_services.evidence_revise(item=testimony, by=alice)
    evidence_services.evidence_submit(item=testimony, by=alice, declaration=True)
    client.force_login(alice)
    page = client.get(testimony.get_absolute_url()).content.decode()
    assert "for version 1" in page
    assert "this applies to version 1 only" in page
    version_2 = client.get(reverse("evidence:version", args=[testimony.pk, 2])).content.decode()
    assert "Confirmed by Janet Reid" not in version_2
    version_1 = client.get(reverse("evidence:version", args=[testimony.pk, 1])).content.decode()
    assert "Confirmed by Janet Reid" in version_1


def test_an_unknown_link_gets_the_same_refusal_whatever_it_looks_like(client, link):
    pages = set()
    real = token_of(link)
    # One character changed, the first: the last carries only 4 bits of a 43-character token,
    # so changing it to "Q" gave the real token back whenever it already ended in "Q" (1 in 16).
    other = ("B" if real[0] != "B" else "C") + real[1:]
    for token in ["x" * 43, "not-a-token", "A" * 200, other]:
        response = client.get(reverse("confirmations:respond", args=[token]))
        assert response.status_code == 404
        pages.add(response.content.decode())
    assert len(pages) == 1
    assert "This link does not work" in pages.pop()


def test_the_learner_sees_the_state_and_can_send_again_with_a_new_link(
    client, alice, link, testimony, django_capture_on_commit_callbacks
):
    confirmation = Confirmation.objects.get()
    Confirmation.objects.update(expires_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(alice)
    assert "Expired" in client.get(testimony.get_absolute_url()).content.decode()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("confirmations:resend", args=[confirmation.pk]))
    new_link = re.search(r"http\S+/confirmations/link/\S+/", mail.outbox[0].body).group(0)
    assert new_link != link
    assert "Sent" in client.get(testimony.get_absolute_url()).content.decode()
    client.logout()
    assert client.get(path_of(link)).status_code == 404
    assert client.get(path_of(new_link)).status_code == 200


def test_the_learner_can_withdraw_a_request_and_its_link_dies(client, alice, link):
    confirmation = Confirmation.objects.get()
    client.force_login(alice)
    client.post(reverse("confirmations:cancel", args=[confirmation.pk]))
    client.logout()
    response = client.get(path_of(link))
    assert response.status_code == 410
    assert "withdrew" in response.content.decode()


def test_it_limits_how_often_one_address_may_open_links(client, link, settings):
    settings.CONFIRMATION_LINK_LIMIT_PER_ADDRESS = 3
    for _ in range(3):
        assert client.get(path_of(link)).status_code == 200
    response = client.get(path_of(link))
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.get(path_of(link)).status_code == 200


def test_only_the_owner_asks_and_only_about_a_submitted_version(
    carol, alice, alice_enrolment, testimony
):
    with pytest.raises(PermissionDenied):
        services.confirmation_request(item=testimony, by=carol, **WITNESS)
    draft = EvidenceItemFactory(enrolment=alice_enrolment)
    with pytest.raises(ValidationError, match="Only submitted evidence"):
        services.confirmation_request(item=draft, by=alice, **WITNESS)
    with pytest.raises(ValidationError):
        services.confirmation_request(
            item=testimony, by=alice, **{**WITNESS, "witness_email": alice.email}
        )
    assert not Confirmation.objects.exists()


def test_a_second_signature_on_the_same_link_is_refused(link):
    confirmation = Confirmation.objects.get()
    answer = {**ANSWER, "declaration": True}
    services.confirmation_give(confirmation=confirmation, address="192.0.2.1", **answer)
    with pytest.raises(services.LinkRefused):
        services.confirmation_give(confirmation=confirmation, address="192.0.2.2", **answer)
    assert Confirmation.objects.get().witness_address == "192.0.2.1"


def test_a_line_manager_signs_off_the_assessors_observation_record(
    client, carol, alice_enrolment, unit, django_capture_on_commit_callbacks
):
    criterion = unit.outcomes.get(number=1).criteria.first()
    record = assessor_record_create(
        enrolment=alice_enrolment,
        by=carol,
        kind="observation",
        title="Observation at the service desk",
        activity_date=datetime.date(2026, 11, 2),
        typed_content={
            "place": "Service desk",
            "activities": "Alice logged and answered three internal queries.",
            "criteria_covered": "1.1: she identified her internal customers.",
            "notes": "Calm and clear.",
        },
        targets=[(criterion, None)],
    )
    with pytest.raises(ValidationError):
        services.confirmation_request(item=record, by=carol, **WITNESS)
    link = ask(client, carol, record, django_capture_on_commit_callbacks, kind="employer")
    page = client.get(path_of(link)).content.decode()
    assert "Sign off a record" in page and "three internal queries" in page
    client.post(path_of(link), ANSWER)
    client.force_login(carol)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "Signed off by Janet Reid, line manager" in page


def test_the_learner_may_ask_an_employer_to_sign_off_their_1_to_1_minutes(alice, alice_enrolment):
    minutes = EvidenceItemFactory(
        enrolment=alice_enrolment, evidence_type=EvidenceType.ONE_TO_ONE_MINUTES
    )
    submit(minutes)
    minutes.refresh_from_db()
    confirmation = services.confirmation_request(
        item=minutes, by=alice, **{**WITNESS, "kind": "employer"}
    )
    assert confirmation.kind == Confirmation.Kind.EMPLOYER
    other = EvidenceItemFactory(enrolment=alice_enrolment)
    submit(other)
    other.refresh_from_db()
    with pytest.raises(ValidationError):
        services.confirmation_request(item=other, by=alice, **{**WITNESS, "kind": "employer"})


def test_the_coverage_report_includes_confirmations(
    client, link, testimony, alice_enrolment, tmp_path
):
    client.post(path_of(link), {**ANSWER, "outcome": "corrected", "correction": "At 2pm."})
    report = coverage_report(enrolment=alice_enrolment)
    html = render_coverage_html(report)
    assert "Confirmed by Janet Reid, line manager (Manages my team)" in html
    assert "for version 1" in html and "Correction: At 2pm." in html
    text = pdf_text(render_coverage_pdf(report), tmp_path)
    assert "Confirmed by Janet Reid, line manager (Manages my team)" in text


@pytest.mark.parametrize("requests", [1, 6])
def test_the_item_page_costs_the_same_however_many_requests_it_shows(
    client, alice, testimony, requests, django_assert_num_queries
):
    for number in range(requests):
        services.confirmation_request(
            item=testimony, by=alice, **{**WITNESS, "witness_email": f"w{number}@example.org"}
        )
    client.force_login(alice)
    client.get(testimony.get_absolute_url())  # the session and caches warmed
    with django_assert_num_queries(ITEM_PAGE_QUERIES):
        response = client.get(testimony.get_absolute_url())
    assert response.content.decode().count("Send again") == requests


@pytest.mark.parametrize("files", [1, 5])
def test_the_witness_page_costs_the_same_however_many_files_the_version_has(
    client,
    alice,
    alice_enrolment,
    files,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    item = EvidenceItemFactory(enrolment=alice_enrolment)
    for number in range(files):
        add_file(item, name=f"page-{number}.pdf")
    submit(item)
    item.refresh_from_db()
    link = ask(client, alice, item, django_capture_on_commit_callbacks)
    with django_assert_num_queries(WITNESS_PAGE_QUERIES):
        response = client.get(path_of(link))
    assert response.content.decode().count("SHA-256 <code") == files


def test_a_confirmation_given_can_be_neither_resent_nor_withdrawn(client, alice, link):
    client.post(path_of(link), ANSWER)
    confirmation = Confirmation.objects.get()
    with pytest.raises(ValidationError, match="already been used"):
        services.confirmation_resend(confirmation=confirmation, by=alice)
    with pytest.raises(ValidationError, match="stays on record"):
        services.confirmation_cancel(confirmation=confirmation, by=alice)
    client.force_login(alice)
    page = client.get(Confirmation.objects.get().item.get_absolute_url()).content.decode()
    assert "Send again" not in page and "Withdraw" not in page


def test_the_witness_page_is_the_same_for_someone_signed_in(client, carol, link):
    client.force_login(carol)
    response = client.get(path_of(link))
    assert response.status_code == 200
    assert "Confirm what you saw" in response.content.decode()


def test_the_request_form_sent_twice_saves_one_request_and_one_email(
    client, alice, testimony, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    page = reverse("confirmations:create", args=[testimony.pk])
    data = {**shown_form(client, page, page), **WITNESS}
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        first, copy = client.post(page, data), client.post(page, data)
    assert first["Location"] == copy["Location"] == testimony.get_absolute_url()
    assert Confirmation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_email_is_plain_text_not_html(link):
    (message,) = mail.outbox
    assert "Janet's account of the stock query" in message.body
    assert "as their line manager" in message.body
    assert "&#x27;" not in message.body
