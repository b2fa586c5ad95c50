"""The headers that keep learners' work safe in a shared browser: a Content-Security-Policy
that runs only the site's own files, no caching of anything a signed-in person sees, and a
warning wherever spreadsheet files are listed. tests/test_access_walk.py checks every URL for
the same with every role; these tests pin the details."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quality.services import standardisation_record_create

from .evidence_factories import EvidenceItemFactory, add_file, csv_bytes, submit, text_bytes
from .factories import UserFactory
from .page_checks import assert_page_is_locked_down, inline_code

SITE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
FORMULA_WARNING = "Spreadsheet formulas are not checked."


def directives(policy):
    parts = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value for name, _, value in parts}


@pytest.fixture
def item(alice_enrolment):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Survey results")
    add_file(item, "notes.txt", text_bytes())
    return item


def test_the_checker_finds_each_kind_of_inline_code():
    html = (
        "<script>alert(1)</script><script src='/static/js/site.js'></script>"
        "<style>p{}</style><p onclick='go()' style='color: red'>x</p>"
        "<a href=' JavaScript:go()'>y</a><img src=x onerror=go()>"
    )
    found = inline_code(html)
    assert [entry.split(" at ")[0] for entry in found] == [
        "inline script",
        "style element",
        "onclick= handler",
        "style attribute",
        "javascript: URL",
        "onerror= handler",
    ]


def test_every_page_gets_the_site_policy_even_before_signing_in(client):
    response = client.get(reverse("login"))
    assert directives(response["Content-Security-Policy"]) == SITE_POLICY
    assert_page_is_locked_down(response, signed_in=False)


@pytest.mark.parametrize(
    "page",
    [
        lambda item: reverse("home"),
        lambda item: item.get_absolute_url(),
        lambda item: reverse("evidence:progress", args=[item.enrolment_id]),
        lambda item: reverse("evidence:mappings", args=[item.pk]),
        lambda item: reverse("notifications:list"),
    ],
    ids=["home", "item", "progress", "mappings", "notifications"],
)
def test_a_signed_in_persons_pages_are_never_stored(client, alice, item, page):
    client.force_login(alice)
    response = client.get(page(item))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    assert directives(response["Content-Security-Policy"]) == SITE_POLICY
    assert_page_is_locked_down(response, signed_in=True)


def test_downloads_are_never_stored_either(client, alice, frank, item):
    client.force_login(alice)
    evidence_file = item.files.get()
    file_download = client.get(reverse("evidence:file", args=[evidence_file.pk]))
    matrix = client.get(reverse("assessments:matrix_csv", args=[item.enrolment_id]))
    client.force_login(frank)
    template = client.get(reverse("people:import_template"))

    for response in (file_download, matrix, template):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
    # A file keeps its own stricter policy: it is not a page of the site.
    assert directives(file_download["Content-Security-Policy"])["default-src"] == "'none'"


def test_a_view_that_chose_never_cache_keeps_its_headers(client, alice):
    client.force_login(alice)
    response = client.get(reverse("healthz"))
    assert set(response["Cache-Control"].split(", ")) == {
        "max-age=0",
        "no-cache",
        "no-store",
        "must-revalidate",
        "private",
    }


@pytest.mark.parametrize(
    ("person", "url"),
    [
        ("alice", lambda enrolment: reverse("evidence:create", args=[enrolment.pk])),
        (
            "carol",
            lambda enrolment: (
                reverse("assessments:record_create", args=[enrolment.pk]) + "?kind=questioning"
            ),
        ),
        ("erin", lambda enrolment: reverse("quality:plan_create")),
        ("frank", lambda enrolment: reverse("people:person_add")),
    ],
    ids=["evidence item", "assessor record", "sampling plan", "person"],
)
def test_forms_shown_again_with_their_errors_have_nothing_inline(
    client, request, alice_enrolment, person, url
):
    client.force_login(request.getfixturevalue(person))
    # Something posted, so the form is bound and refuses its empty fields.
    response = client.post(url(alice_enrolment), {"unknown": "1"})
    assert response.status_code in (200, 400)
    assert b"invalid-feedback" in response.content or b"is-invalid" in response.content
    assert_page_is_locked_down(response, signed_in=True)


def test_a_failed_sign_in_has_nothing_inline(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert_page_is_locked_down(response, signed_in=False)


def test_a_submitted_version_warns_that_formulas_are_not_checked(client, carol, item):
    add_file(item, "survey.csv", csv_bytes([("score", '=HYPERLINK("x")')]))
    submit(item)
    client.force_login(carol)

    response = client.get(reverse("evidence:version", args=[item.pk, 1]))

    assert FORMULA_WARNING in response.text
    assert_page_is_locked_down(response, signed_in=True)


def test_a_version_without_spreadsheets_has_no_formula_warning(client, carol, item):
    submit(item)
    client.force_login(carol)
    response = client.get(reverse("evidence:version", args=[item.pk, 1]))
    assert FORMULA_WARNING not in response.text


def test_a_standardisation_record_with_a_spreadsheet_warns_too(client, erin, alice_enrolment):
    meeting = standardisation_record_create(
        by=erin,
        kind="meeting",
        held_on=datetime.date(2026, 11, 2),
        topic="Judging 5.1",
        attendees=[erin],
        evidence_looked_at="Complaints logs",
        outcomes="Agreed what 5.1 needs.",
        documents=[SimpleUploadedFile("marks.csv", csv_bytes([("learner", "+44 7700")]))],
    )
    client.force_login(erin)
    response = client.get(meeting.get_absolute_url())
    assert FORMULA_WARNING in response.text


def test_the_admin_site_has_nothing_inline_either(client, alice_enrolment):
    admin = UserFactory(username="mark", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        reverse("admin:index"),
        reverse("admin:people_enrolment_changelist"),
        reverse("admin:people_enrolment_change", args=[alice_enrolment.pk]),
        reverse("admin:criteria_unit_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_is_locked_down(response, signed_in=True)
