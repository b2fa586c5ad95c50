"""Downloading and removing evidence files: who may, the headers that keep a file from running
in the browser, files kept for submitted versions, and the file list the item page includes.
"""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.urls import reverse

from evidence.models import EvidenceFile
from evidence.services import evidence_revise
from evidence.sniffing import ACCEPTED_TYPES, SPREADSHEET_TYPES
from evidence.uploads import evidence_file_remove

from .evidence_factories import (
    EvidenceItemFactory,
    add_file,
    compound_file_bytes,
    csv_bytes,
    docx_bytes,
    office_bytes,
    opendocument_bytes,
    pdf_bytes,
    png_bytes,
    submit,
    text_bytes,
)

SANDBOXED = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; media-src 'self'; sandbox"
)


@pytest.fixture
def item(alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Feedback log, October")


@pytest.fixture
def statement(item):
    return add_file(item, "witness statement.pdf", pdf_bytes())


def download(client, user, evidence_file, **params):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("evidence:file", args=[evidence_file.pk]), params)


def body(response):
    return b"".join(response.streaming_content)


def path_of(evidence_file, settings):
    return Path(settings.MEDIA_ROOT) / evidence_file.file.name


class TestWhoMayDownload:
    @pytest.mark.parametrize("reader", ["alice", "carol", "erin", "frank"])
    def test_it_sends_the_file_to_everyone_with_a_role_on_the_enrolment(
        self, client, request, statement, reader
    ):
        response = download(client, request.getfixturevalue(reader), statement)
        assert response.status_code == 200
        assert body(response) == pdf_bytes()

    @pytest.mark.parametrize("outsider", ["bob", "dave"])
    def test_it_hides_the_file_from_outsiders(self, client, request, statement, outsider):
        response = download(client, request.getfixturevalue(outsider), statement)
        assert response.status_code == 404

    def test_it_sends_anonymous_visitors_to_sign_in(self, client, statement):
        response = download(client, None, statement)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_media_is_not_served_at_its_storage_path(self, client, alice, statement):
        client.force_login(alice)
        assert client.get(f"/media/{statement.file.name}").status_code == 404


class TestHeaders:
    def test_it_shows_a_pdf_inline_with_safe_headers(self, client, alice, statement):
        response = download(client, alice, statement)

        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="witness statement.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Length"] == str(len(pdf_bytes()))
        assert "private" in response["Cache-Control"]
        policy = response["Content-Security-Policy"]
        assert policy.startswith("default-src 'none';")
        assert "script-src" not in policy

    def test_it_sends_a_pdf_as_an_attachment_when_asked_to(self, client, alice, statement):
        response = download(client, alice, statement, download="1")
        assert response["Content-Disposition"] == 'attachment; filename="witness statement.pdf"'
        assert response["Content-Security-Policy"] == SANDBOXED

    def test_it_shows_an_image_inline_in_a_sandbox(self, client, alice, item):
        photo = add_file(item, "notice board.png", png_bytes())
        response = download(client, alice, photo)
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["Content-Security-Policy"] == SANDBOXED

    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("log.csv", csv_bytes(), "text/csv; charset=utf-8"),
            ("notes.txt", text_bytes(), "text/plain; charset=utf-8"),
            (
                "minutes.docx",
                docx_bytes(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ],
    )
    def test_it_sends_documents_and_text_as_attachments(
        self, client, alice, item, name, content, content_type
    ):
        evidence_file = add_file(item, name, content)
        response = download(client, alice, evidence_file)
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response["Content-Security-Policy"] == SANDBOXED
        assert response["X-Content-Type-Options"] == "nosniff"

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("formulas.csv", csv_bytes([("total", "=SUM(A1:A9)"), ("@cmd", "+1"), ("-2", "x")])),
            ("log.xlsx", office_bytes("xlsx")),
            ("log.xls", compound_file_bytes("Workbook")),
            ("log.ods", opendocument_bytes("spreadsheet")),
        ],
    )
    def test_it_never_lets_the_browser_open_a_spreadsheet(self, client, alice, item, name, content):
        evidence_file = add_file(item, name, content)
        assert evidence_file.content_type in SPREADSHEET_TYPES

        response = download(client, alice, evidence_file, download="0")

        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == SANDBOXED
        assert "no-store" in response["Cache-Control"]
        # Kept byte for byte: the file's digest is part of what an assessor signs.
        assert body(response) == content

    def test_no_spreadsheet_or_text_type_is_ever_shown_in_the_browser(self):
        never_shown = SPREADSHEET_TYPES | {"text/plain", "text/csv"}
        assert never_shown <= ACCEPTED_TYPES.keys()
        assert not [t for t in never_shown if ACCEPTED_TYPES[t].preview]

    def test_it_never_sends_a_type_that_could_run_script(self, client, alice, statement):
        # Rows are written only by the upload service, but a download must not trust them.
        EvidenceFile.objects.filter(pk=statement.pk).update(content_type="text/html")

        response = download(client, alice, statement)

        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Security-Policy"] == SANDBOXED

    def test_it_encodes_a_unicode_name_for_the_header(self, client, alice, item):
        evidence_file = add_file(item, "Überprüfung – café.pdf", pdf_bytes())
        response = download(client, alice, evidence_file)
        assert response["Content-Disposition"] == (
            "inline; filename*=utf-8''%C3%9Cberpr%C3%BCfung%20%E2%80%93%20caf%C3%A9.pdf"
        )

    def test_it_keeps_quotes_out_of_the_header(self, client, alice, item):
        evidence_file = add_file(item, 'my "best" work.pdf', pdf_bytes())
        response = download(client, alice, evidence_file)
        assert response["Content-Disposition"] == 'inline; filename="my _best_ work.pdf"'


class TestRanges:
    def test_it_sends_the_part_of_a_file_a_player_asks_for(self, client, alice, statement):
        client.force_login(alice)
        url = reverse("evidence:file", args=[statement.pk])
        size = len(pdf_bytes())

        response = client.get(url, headers={"Range": "bytes=0-7"})

        assert response.status_code == 206
        assert body(response) == b"%PDF-1.4"
        assert response["Content-Range"] == f"bytes 0-7/{size}"
        assert response["Content-Length"] == "8"
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_it_sends_the_end_of_a_file(self, client, alice, statement):
        client.force_login(alice)
        response = client.get(
            reverse("evidence:file", args=[statement.pk]), headers={"Range": "bytes=-6"}
        )
        assert response.status_code == 206
        assert body(response) == pdf_bytes()[-6:]

    def test_it_answers_a_range_past_the_end_with_416(self, client, alice, statement):
        client.force_login(alice)
        response = client.get(
            reverse("evidence:file", args=[statement.pk]), headers={"Range": "bytes=999999-"}
        )
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(pdf_bytes())}"

    def test_it_sends_the_whole_file_for_several_ranges(self, client, alice, statement):
        client.force_login(alice)
        response = client.get(
            reverse("evidence:file", args=[statement.pk]), headers={"Range": "bytes=0-1,4-5"}
        )
        assert response.status_code == 200
        assert body(response) == pdf_bytes()


class TestRemoving:
    def remove(self, client, user, evidence_file):
        client.force_login(user)
        return client.post(reverse("evidence:file_remove", args=[evidence_file.pk]))

    def test_it_deletes_a_file_never_submitted_with_its_bytes(
        self, client, alice, item, statement, settings, django_capture_on_commit_callbacks
    ):
        stored = path_of(statement, settings)
        assert stored.exists()

        with django_capture_on_commit_callbacks(execute=True):
            response = self.remove(client, alice, statement)

        assert response.status_code == 302
        assert response["Location"] == item.get_absolute_url()
        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            "witness statement.pdf was taken out of this item."
        ]
        assert not EvidenceFile.objects.filter(pk=statement.pk).exists()
        assert not stored.exists()

    def test_it_keeps_a_submitted_file_for_its_version_but_takes_it_out_of_the_working_copy(
        self, client, alice, carol, item, statement, settings, django_capture_on_commit_callbacks
    ):
        version = submit(item)
        evidence_revise(item=item, by=alice)

        with django_capture_on_commit_callbacks(execute=True):
            self.remove(client, alice, statement)

        statement.refresh_from_db()
        assert statement.removed_at is not None
        assert list(version.files.all()) == [statement]
        assert not item.files.filter(removed_at__isnull=True).exists()
        assert path_of(statement, settings).read_bytes() == pdf_bytes()
        response = download(client, carol, statement)
        assert response.status_code == 200
        assert body(response) == pdf_bytes()

    def test_it_refuses_to_remove_a_file_of_a_submitted_item(
        self, client, alice, item, statement, settings
    ):
        submit(item)

        response = self.remove(client, alice, statement)

        assert response.status_code == 302
        [message] = [str(m) for m in get_messages(response.wsgi_request)]
        assert message.startswith("This item is submitted, so it cannot be changed.")
        statement.refresh_from_db()
        assert statement.removed_at is None
        assert path_of(statement, settings).exists()

    @pytest.mark.parametrize(("user", "status"), [("carol", 403), ("frank", 403), ("bob", 404)])
    def test_only_the_learner_may_remove_a_file(self, client, request, statement, user, status):
        response = self.remove(client, request.getfixturevalue(user), statement)
        assert response.status_code == status
        assert EvidenceFile.objects.filter(pk=statement.pk, removed_at__isnull=True).exists()

    def test_get_asks_first_and_removes_nothing(self, client, alice, statement):
        client.force_login(alice)
        response = client.get(reverse("evidence:file_remove", args=[statement.pk]))
        assert response.status_code == 200
        assert "Remove witness statement.pdf?" in response.text
        assert "This cannot be undone" in response.text
        assert EvidenceFile.objects.filter(pk=statement.pk, removed_at__isnull=True).exists()


class TestFileList:
    def render(self, item, user, **context):
        # No request, so no context processors: only what the include itself costs is counted.
        return render_to_string(
            "evidence/includes/file_list.html",
            {"item": item, "user": user, "csrf_token": "a-token", **context},
        )

    def test_it_lists_each_file_with_size_type_fingerprint_and_preview(
        self, alice, item, statement
    ):
        html = self.render(item, alice)
        assert "witness statement.pdf" in html
        assert "PDF document" in html
        assert f"{len(pdf_bytes())}\xa0bytes" in html
        assert f'<code title="{statement.sha256}">{statement.sha256[:12]}</code>' in html
        assert f'href="{statement.get_absolute_url()}" target="_blank"' in html
        assert reverse("evidence:file_remove", args=[statement.pk]) in html

    def test_it_offers_no_preview_of_a_document_the_browser_cannot_show(self, alice, item):
        minutes = add_file(item, "minutes.docx", docx_bytes())
        html = self.render(item, alice)
        assert "Word document" in html
        assert f'href="{minutes.get_absolute_url()}?download=1"' in html
        assert f'href="{minutes.get_absolute_url()}" target="_blank"' not in html

    def test_it_warns_that_formulas_in_a_spreadsheet_are_not_checked(self, alice, item):
        add_file(item, "survey.csv", csv_bytes([("score", "=1+1")]))
        html = self.render(item, alice)
        assert "Spreadsheet formulas are not checked." in html
        assert "starts with =, +, - or @" in html

    def test_it_gives_no_formula_warning_without_a_spreadsheet(self, alice, item, statement):
        add_file(item, "minutes.docx", docx_bytes())
        assert "formulas" not in self.render(item, alice)

    def test_it_offers_removal_only_to_the_learner_of_a_draft(self, alice, carol, item, statement):
        remove_url = reverse("evidence:file_remove", args=[statement.pk])
        assert remove_url not in self.render(item, carol)
        submit(item)
        item.refresh_from_db()
        assert remove_url not in self.render(item, alice)

    def test_it_leaves_out_files_taken_out_of_the_working_copy(
        self, alice, item, statement, django_capture_on_commit_callbacks
    ):
        submit(item)
        evidence_revise(item=item, by=alice)
        item.refresh_from_db()
        evidence_file_remove(evidence_file=statement, by=alice)

        html = self.render(item, alice)

        assert "witness statement.pdf" not in html
        assert "No files yet." in html

    def test_it_uses_the_files_the_page_already_fetched(
        self, alice, item, statement, django_assert_num_queries
    ):
        files = list(item.files.all())
        with django_assert_num_queries(0):
            html = self.render(item, alice, files=files)
        assert "witness statement.pdf" in html
