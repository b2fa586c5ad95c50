"""Uploading evidence files: what is stored, what is refused and why, and that refusals leave
nothing behind; the content sniffer; and the upload area the item page includes.

Files are real: written to the temporary MEDIA_ROOT each test gets from conftest.py.
"""

import ast
import hashlib
import io
import os
import re
import struct
import tracemalloc
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from evidence import file_views, sniffing, uploads
from evidence.models import EvidenceFile
from evidence.services import evidence_revise
from evidence.sniffing import sniff
from evidence.uploads import evidence_file_add, evidence_file_remove, safe_file_name

from .evidence_factories import (
    EvidenceItemFactory,
    RecordingTemporaryFileUploadHandler,
    add_file,
    compound_file_bytes,
    csv_bytes,
    docx_bytes,
    large_compound_file,
    looping_compound_file,
    odt_bytes,
    office_bytes,
    opendocument_bytes,
    pdf_bytes,
    png_bytes,
    submit,
    text_bytes,
    upload,
    with_recording_temporary_files,
    zip_bomb,
    zip_bytes,
)

JSON = {"Accept": "application/json"}
GENERATED_NAME = re.compile(r"evidence/\d+/[0-9a-f]{32}")
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"PE\x00\x00"
# The first bytes of an x86-64 executable: class, byte order, version, then type 2 (a program).
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 62, 1) + bytes(40)
# The first page of an Ogg Opus file: page header, one segment, then the OpusHead packet.
OGG_OPUS_PAGE = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x02" + bytes(9)


@pytest.fixture
def item(alice_enrolment):
    return EvidenceItemFactory(enrolment=alice_enrolment, title="Feedback log, October")


def signed_in(client, user):
    client.force_login(user)
    return client


def post_files(client, item, *files, json=True):
    return client.post(
        reverse("evidence:upload", args=[item.pk]),
        {"files": list(files)},
        headers=JSON if json else {},
    )


def stored_files(settings):
    media = Path(settings.MEDIA_ROOT)
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_nothing_left(settings):
    assert EvidenceFile.objects.count() == 0
    assert stored_files(settings) == []


class TestStoring:
    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("witness statement.pdf", pdf_bytes(), "application/pdf"),
            ("photo of the notice board.png", png_bytes(), "image/png"),
            (
                "one-to-one minutes.docx",
                docx_bytes(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("reflective account.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
            ("complaints log.csv", csv_bytes(), "text/csv"),
            ("meeting notes.txt", text_bytes(), "text/plain"),
        ],
    )
    def test_it_stores_a_file_with_its_sniffed_type_hash_and_a_generated_name(
        self, client, alice, item, settings, name, content, content_type
    ):
        # The browser's claim is wrong on purpose: only the bytes count.
        response = post_files(signed_in(client, alice), item, upload(name, content, "text/html"))

        assert response.status_code == 201
        evidence_file = EvidenceFile.objects.get()
        assert evidence_file.item == item
        assert evidence_file.content_type == content_type
        assert evidence_file.sha256 == hashlib.sha256(content).hexdigest()
        assert evidence_file.size == len(content)
        assert evidence_file.original_name == name
        assert evidence_file.uploaded_by == alice
        assert GENERATED_NAME.fullmatch(evidence_file.file.name)
        assert evidence_file.file.name.startswith(f"evidence/{item.enrolment_id}/")
        assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / evidence_file.file.name]
        assert stored_files(settings)[0].read_bytes() == content
        result = response.json()["results"][0]
        assert result["stored"] is True
        assert result["duplicate"] is None
        assert result["file"]["sha256"] == evidence_file.sha256
        assert result["file"]["url"] == reverse("evidence:file", args=[evidence_file.pk])

    def test_it_redirects_to_the_item_with_a_message_when_the_form_posts_without_script(
        self, client, alice, item
    ):
        response = post_files(
            signed_in(client, alice), item, upload("statement.pdf", pdf_bytes()), json=False
        )

        assert response.status_code == 302
        assert response["Location"] == item.get_absolute_url()
        assert messages_of(response) == ["statement.pdf was added."]
        assert EvidenceFile.objects.count() == 1

    def test_it_streams_a_file_larger_than_the_memory_limit_through_a_temporary_file(
        self, client, alice, item, settings
    ):
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
        content = b"".join(b"line %06d of the complaints log\n" % n for n in range(20_000))
        assert len(content) > 8 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE

        response = post_files(signed_in(client, alice), item, upload("log.txt", content))

        assert response.status_code == 201
        evidence_file = EvidenceFile.objects.get()
        assert evidence_file.size == len(content)
        assert evidence_file.sha256 == hashlib.sha256(content).hexdigest()
        assert evidence_file.content_type == "text/plain"
        assert stored_files(settings)[0].read_bytes() == content

    @pytest.mark.parametrize("size", [10 * 1024, 3 * 1024 * 1024 + 7])
    def test_the_handlers_hash_each_file_as_it_arrives(self, settings, size):
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # the small one in memory, the other not
        content = os.urandom(size)
        request = RequestFactory().generic(
            "POST",
            "/",
            TestBrokenRequests().body("scan.pdf", content),
            content_type=f"multipart/form-data; boundary={TestBrokenRequests.BOUNDARY}",
        )

        [received] = request.FILES.getlist("files")

        assert received.received_sha256 == hashlib.sha256(content).hexdigest()
        assert received.size == size
        assert uploads.measure(received) == (size, hashlib.sha256(content).hexdigest())

    def test_the_background_hash_takes_every_chunk_in_order_however_far_behind(self):
        chunks = [os.urandom(256 * 1024 + n) for n in range(12)]
        digest = uploads.BackgroundSha256(ahead=2)  # fewer places than chunks: it must wait
        for chunk in chunks:
            digest.update(chunk)
        assert digest.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()

    def test_a_hash_abandoned_part_way_leaves_no_thread_behind(self):
        digest = uploads.BackgroundSha256()
        digest.update(os.urandom(1024 * 1024))
        threads = set(digest._thread._threads)
        digest.abandon()
        for thread in threads:
            thread.join(timeout=5)
        assert threads and not [thread for thread in threads if thread.is_alive()]

    def test_it_stores_good_files_and_refuses_the_bad_one_sent_with_them(
        self, client, alice, item, settings
    ):
        response = post_files(
            signed_in(client, alice),
            item,
            upload("statement.pdf", pdf_bytes()),
            upload("setup.pdf", WINDOWS_PROGRAM),
            upload("notes.txt", text_bytes()),
            json=False,
        )

        assert response.status_code == 302
        assert messages_of(response) == [
            "statement.pdf was added.",
            "setup.pdf was not added. Its name ends .pdf, but it is really a Windows program: "
            "it looks like a program, not a document.",
            "notes.txt was added.",
        ]
        assert sorted(EvidenceFile.objects.values_list("original_name", flat=True)) == [
            "notes.txt",
            "statement.pdf",
        ]
        assert len(stored_files(settings)) == 2

    def test_it_answers_each_file_of_a_json_request_on_its_own(self, client, alice, item):
        response = post_files(
            signed_in(client, alice),
            item,
            upload("statement.pdf", pdf_bytes()),
            upload("archive.zip", zip_bytes()),
        )

        assert response.status_code == 400
        results = response.json()["results"]
        assert [result["stored"] for result in results] == [True, False]
        assert "archives are not accepted; upload the files inside" in results[1]["error"]
        assert response.json()["error"] == results[1]["error"]


class TestRefusing:
    def refused(self, client, alice, item, name, content):
        response = post_files(signed_in(client, alice), item, upload(name, content))
        assert response.status_code == 400
        return response.json()["error"]

    def test_it_refuses_an_empty_file(self, client, alice, item, settings):
        error = self.refused(client, alice, item, "statement.pdf", b"")
        assert error == "It is empty: there is nothing in the file to upload."
        assert_nothing_left(settings)

    def test_it_refuses_a_file_over_the_limit_and_says_the_limit(
        self, client, alice, item, settings
    ):
        settings.EVIDENCE_MAX_FILE_SIZE = 1024 * 1024
        content = pdf_bytes() + b"%" + b"x" * (1024 * 1024)

        error = self.refused(client, alice, item, "big.pdf", content)

        assert error == "It is larger than the limit of 1 MB a file."
        assert_nothing_left(settings)

    def test_it_refuses_a_file_over_the_limit_in_the_form_without_script(
        self, client, alice, item, settings
    ):
        # big.pdf stopped being taken in at the limit, and is answered in its turn, by name.
        settings.EVIDENCE_MAX_FILE_SIZE = 1024 * 1024
        response = post_files(
            signed_in(client, alice),
            item,
            upload("big.pdf", pdf_bytes() + b"%" + b"x" * (1024 * 1024)),
            upload("small.pdf", pdf_bytes()),
            json=False,
        )

        assert messages_of(response) == [
            "big.pdf was not added. It is larger than the limit of 1 MB a file.",
            "small.pdf was added.",
        ]
        assert EvidenceFile.objects.get().original_name == "small.pdf"

    def test_it_refuses_a_program_renamed_pdf_and_says_what_it_really_is(
        self, client, alice, item, settings
    ):
        error = self.refused(client, alice, item, "certificate.pdf", WINDOWS_PROGRAM)
        assert error == (
            "Its name ends .pdf, but it is really a Windows program: "
            "it looks like a program, not a document."
        )
        assert_nothing_left(settings)

    def test_it_refuses_a_web_page(self, client, alice, item, settings):
        page = b"\xef\xbb\xbf\n  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
        error = self.refused(client, alice, item, "evidence.html", page)
        assert error == (
            "This is a web page (HTML): web pages and SVG can carry scripts; save it as PDF."
        )
        assert_nothing_left(settings)

    def test_it_refuses_a_web_page_named_as_text(self, client, alice, item, settings):
        error = self.refused(client, alice, item, "notes.txt", b"<html><body>Hi</body></html>")
        assert error.startswith("Its name ends .txt, but it is really a web page (HTML)")
        assert_nothing_left(settings)

    def test_it_refuses_an_svg(self, client, alice, item, settings):
        svg = (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(document.cookie)</script></svg>"
        )
        error = self.refused(client, alice, item, "diagram.svg", svg)
        assert error == "This is an SVG image: web pages and SVG can carry scripts; save it as PDF."
        assert_nothing_left(settings)

    def test_it_refuses_a_plain_zip_archive(self, client, alice, item, settings):
        error = self.refused(client, alice, item, "photos.zip", zip_bytes())
        assert error == "This is a ZIP archive: archives are not accepted; upload the files inside."
        assert_nothing_left(settings)

    def test_it_refuses_a_text_file_with_a_name_that_would_run(self, client, alice, item, settings):
        error = self.refused(client, alice, item, "tidy.bat", b"del /q *.*\r\n")
        assert error.startswith("Files whose names end .bat can run programs or scripts")
        assert_nothing_left(settings)

    def test_it_refuses_a_file_on_a_submitted_item(self, client, alice, item, settings):
        submit(item)

        error = self.refused(client, alice, item, "late.pdf", pdf_bytes())

        assert error.startswith("This item is submitted, so it cannot be changed.")
        assert_nothing_left(settings)

    def test_it_answers_a_request_without_a_file_with_a_clear_400(self, client, alice, item):
        response = signed_in(client, alice).post(
            reverse("evidence:upload", args=[item.pk]), {}, headers=JSON
        )
        assert response.status_code == 400
        assert response.json()["error"] == file_views.NO_FILE


class TestBrokenRequests:
    BOUNDARY = "----evidence-boundary"

    def body(self, filename, content):
        return (
            (
                f"--{self.BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{self.BOUNDARY}--\r\n".encode()
        )

    def post_raw(self, client, item, body, content_type=None):
        return client.generic(
            "POST",
            reverse("evidence:upload", args=[item.pk]),
            body,
            content_type=content_type or f"multipart/form-data; boundary={self.BOUNDARY}",
            headers=JSON,
        )

    def test_it_answers_a_truncated_upload_with_a_clear_400_and_keeps_nothing(
        self, client, alice, item, settings
    ):
        body = self.body("statement.pdf", pdf_bytes() * 20)

        response = self.post_raw(signed_in(client, alice), item, body[: len(body) // 2])

        assert response.status_code == 400
        assert response.json()["error"] == file_views.NO_FILE
        assert_nothing_left(settings)

    def test_it_answers_a_garbled_multipart_body_with_a_clear_400(
        self, client, alice, item, settings
    ):
        body = self.body("statement.pdf", pdf_bytes())

        response = self.post_raw(
            signed_in(client, alice), item, body, content_type="multipart/form-data"
        )

        assert response.status_code == 400
        assert response.json()["error"] == file_views.BROKEN_UPLOAD
        assert_nothing_left(settings)

    def test_it_stores_a_path_traversal_name_under_a_generated_name(
        self, client, alice, item, settings, tmp_path
    ):
        body = self.body("../../etc/passwd.pdf", pdf_bytes())

        response = self.post_raw(signed_in(client, alice), item, body)

        assert response.status_code == 201
        evidence_file = EvidenceFile.objects.get()
        assert evidence_file.original_name == "passwd.pdf"
        assert GENERATED_NAME.fullmatch(evidence_file.file.name)
        assert [path.parent for path in stored_files(settings)] == [
            Path(settings.MEDIA_ROOT) / "evidence" / str(item.enrolment_id)
        ]
        assert not (tmp_path / "etc").exists()

    def test_it_shortens_a_long_unicode_name_and_keeps_its_extension(
        self, client, alice, item, settings
    ):
        # "é" written as e + combining accent, as macOS writes file names: stored composed.
        long_name = "Re\u0301flexion sur le service " * 12
        name = long_name[: 300 - len(".pdf")] + ".pdf"
        assert len(name) == 300

        response = self.post_raw(signed_in(client, alice), item, self.body(name, pdf_bytes()))

        assert response.status_code == 201
        evidence_file = EvidenceFile.objects.get()
        assert len(evidence_file.original_name) <= 180
        assert evidence_file.original_name.endswith(".pdf")
        assert evidence_file.original_name.startswith("Réflexion sur le service")
        assert "\u0301" not in evidence_file.original_name
        assert GENERATED_NAME.fullmatch(evidence_file.file.name)

    def test_it_checks_the_csrf_token_although_the_size_limit_comes_first(
        self, alice, item, settings
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)

        response = post_files(client, item, upload("statement.pdf", pdf_bytes()))

        assert response.status_code == 403
        assert_nothing_left(settings)

    def test_it_accepts_the_csrf_token_from_the_form(self, alice, item):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        secret = "uploads" * 4 + "abcd"  # any 32 letters and digits will do for a test
        client.cookies["csrftoken"] = secret

        response = client.post(
            reverse("evidence:upload", args=[item.pk]),
            {"files": upload("statement.pdf", pdf_bytes()), "csrfmiddlewaretoken": secret},
            headers=JSON,
        )

        assert response.status_code == 201


class TestWhoMayUpload:
    def test_it_sends_anonymous_visitors_to_sign_in(self, client, item, settings):
        response = post_files(client, item, upload("statement.pdf", pdf_bytes()))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert_nothing_left(settings)

    def test_it_hides_another_learners_item(self, client, bob, bob_enrolment, item, settings):
        response = post_files(signed_in(client, bob), item, upload("statement.pdf", pdf_bytes()))
        assert response.status_code == 404
        assert_nothing_left(settings)

    @pytest.mark.parametrize("reader", ["carol", "erin", "frank"])
    def test_it_forbids_readers_who_are_not_the_learner(
        self, client, request, item, settings, reader
    ):
        user = request.getfixturevalue(reader)
        response = post_files(signed_in(client, user), item, upload("statement.pdf", pdf_bytes()))
        assert response.status_code == 403
        assert_nothing_left(settings)

    def test_it_refuses_get(self, client, alice, item):
        response = signed_in(client, alice).get(reverse("evidence:upload", args=[item.pk]))
        assert response.status_code == 405


class TestDuplicates:
    def test_it_warns_and_links_the_earlier_item_when_the_same_bytes_come_again(
        self, client, alice, alice_enrolment, item
    ):
        first = add_file(item, "statement.pdf", pdf_bytes("same"))
        other = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaint notes")

        response = post_files(
            signed_in(client, alice), other, upload("copy.pdf", pdf_bytes("same"))
        )

        assert response.status_code == 201
        duplicate = response.json()["results"][0]["duplicate"]
        uploaded_on = f"{timezone.localtime(first.uploaded_at):%-d %B %Y}"
        assert duplicate == {
            "message": f"You uploaded the same file to Feedback log, October on {uploaded_on}.",
            "item_title": "Feedback log, October",
            "item_url": item.get_absolute_url(),
            "file_url": first.get_absolute_url(),
            "uploaded_on": uploaded_on,
        }
        assert EvidenceFile.objects.filter(item=other).count() == 1

    def test_it_links_the_earlier_item_in_the_message_without_script(
        self, client, alice, alice_enrolment, item
    ):
        add_file(item, "statement.pdf", pdf_bytes("same"))
        other = EvidenceItemFactory(enrolment=alice_enrolment, title="Complaint notes")

        response = post_files(
            signed_in(client, alice), other, upload("copy.pdf", pdf_bytes("same")), json=False
        )

        [message] = messages_of(response)
        assert message.startswith("copy.pdf was added, but you uploaded the same file to ")
        assert f'<a href="{item.get_absolute_url()}">Feedback log, October</a>' in message

    def test_it_does_not_warn_about_another_learners_file_or_a_removed_one(
        self, client, alice, bob_enrolment, item
    ):
        add_file(EvidenceItemFactory(enrolment=bob_enrolment), "bobs.pdf", pdf_bytes("same"))
        removed = add_file(item, "old.pdf", pdf_bytes("same"))
        submit(item)
        evidence_revise(item=item, by=alice)
        evidence_file_remove(evidence_file=removed, by=alice)

        response = post_files(signed_in(client, alice), item, upload("new.pdf", pdf_bytes("same")))

        assert response.json()["results"][0]["duplicate"] is None


class TestTheService:
    def test_it_refuses_anyone_but_the_learner(self, carol, item, settings):
        with pytest.raises(ValidationError, match="Only the learner"):
            evidence_file_add(item=item, upload=upload("a.pdf", pdf_bytes()), by=carol)
        assert_nothing_left(settings)

    def test_it_refuses_a_file_over_the_limit_even_without_the_upload_handler(
        self, alice, item, settings
    ):
        settings.EVIDENCE_MAX_FILE_SIZE = 1024 * 1024
        big = upload("big.pdf", pdf_bytes() + b"%" + b"x" * (1024 * 1024))
        with pytest.raises(ValidationError, match="larger than the limit of 1 MB"):
            evidence_file_add(item=item, upload=big, by=alice)
        assert_nothing_left(settings)

    def test_it_leaves_nothing_behind_when_storing_the_bytes_fails(self, alice, item, settings):
        # A file where the enrolment's folder should be: the storage cannot write there.
        folder = Path(settings.MEDIA_ROOT) / "evidence"
        folder.mkdir(parents=True)
        (folder / str(item.enrolment_id)).write_bytes(b"not a folder")

        with pytest.raises(ValidationError, match="could not be stored just now"):
            evidence_file_add(item=item, upload=upload("a.pdf", pdf_bytes()), by=alice)

        assert EvidenceFile.objects.count() == 0
        assert stored_files(settings) == [folder / str(item.enrolment_id)]

    def test_the_size_limit_handler_stops_taking_in_a_file_at_the_limit(self, settings):
        settings.EVIDENCE_MAX_FILE_SIZE = 100 * 1024
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file
        settings.FILE_UPLOAD_HANDLERS = with_recording_temporary_files(settings)
        body = TestBrokenRequests().body("big.pdf", b"x" * 5 * 1024 * 1024)
        request = RequestFactory().generic(
            "POST",
            "/",
            body,
            content_type=f"multipart/form-data; boundary={TestBrokenRequests.BOUNDARY}",
        )

        [dropped] = request.FILES.getlist("files")

        assert isinstance(dropped, uploads.TooLargeUpload)
        assert (dropped.name, dropped.size) == ("big.pdf", 5 * 1024 * 1024)
        assert RecordingTemporaryFileUploadHandler.largest <= 100 * 1024
        assert not Path(RecordingTemporaryFileUploadHandler.last_path).exists()
        with pytest.raises(ValidationError, match="larger than the limit of 100"):
            uploads.upload_check(dropped)

    def test_the_upload_code_never_reads_a_whole_file_at_once(self):
        # .read() with no size would pull a 100 MB upload into memory.
        for module in (uploads, sniffing, file_views):
            tree = ast.parse(Path(module.__file__).read_text())
            whole_reads = [
                node.lineno
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "read"
                and not node.args
            ]
            assert whole_reads == [], f"{module.__name__} reads a whole file at line {whole_reads}"


class TestSafeNames:
    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("../../etc/passwd.pdf", "passwd.pdf"),
            ("C:\\Users\\alice\\Desktop\\log.xlsx", "log.xlsx"),
            ("report\u202efdp.exe", "reportfdp.exe"),
            ("line\nbreak\x00.pdf", "linebreak.pdf"),
            ('my "best" <work>?.pdf', "my _best_ _work__.pdf"),
            ("  .hidden.pdf ", "hidden.pdf"),
            ("...", "file"),
            ("", "file"),
            (".pdf", "file.pdf"),
            ("Cafe\u0301.txt", "Café.txt"),
            ("notes.final version", "notes.final version"),
        ],
    )
    def test_it_makes_a_name_safe(self, name, safe):
        assert safe_file_name(name) == safe

    def test_it_caps_a_name_at_180_characters_keeping_the_extension(self):
        safe = safe_file_name("ü" * 400 + ".docx")
        assert len(safe) == 180
        assert safe == "ü" * 175 + ".docx"


class TestSniffer:
    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("a.pdf", pdf_bytes(), "application/pdf"),
            ("a.pdf", b"\r\n" + pdf_bytes(), "application/pdf"),
            ("a.png", png_bytes(), "image/png"),
            ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100), "image/jpeg"),
            ("a.jpg", png_bytes(), "image/png"),  # a PNG named .jpg is still an image
            ("a.gif", b"GIF89a" + bytes(20), "image/gif"),
            ("a.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20), "image/webp"),
            ("a.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
            ("a.heif", b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1", "image/heif"),
            ("a.doc", compound_file_bytes("WordDocument", "1Table"), "application/msword"),
            ("a.xls", compound_file_bytes("Workbook"), "application/vnd.ms-excel"),
            (
                "a.ppt",
                compound_file_bytes("PowerPoint Document"),
                "application/vnd.ms-powerpoint",
            ),
            (
                "a.doc",  # Word opens a .docx named .doc, so it is not a disguise
                docx_bytes(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                "a.xlsx",
                office_bytes("xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                "a.pptx",
                office_bytes("pptx"),
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            (
                "a.ods",
                opendocument_bytes("spreadsheet"),
                "application/vnd.oasis.opendocument.spreadsheet",
            ),
            (
                "a.odp",
                opendocument_bytes("presentation"),
                "application/vnd.oasis.opendocument.presentation",
            ),
            ("a.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(20), "audio/mpeg"),
            ("a.mp3", b"\xff\xfb\x90\x64" + bytes(20), "audio/mpeg"),
            ("a.aac", b"\xff\xf1\x50\x80" + bytes(20), "audio/aac"),
            ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(20), "audio/wav"),
            ("a.ogg", OGG_OPUS_PAGE, "audio/ogg"),
            ("a.flac", b"fLaC\x00\x00\x00\x22" + bytes(20), "audio/flac"),
            ("a.m4a", b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isom", "audio/mp4"),
            ("a.mp4", b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2", "video/mp4"),
            ("a.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "video/quicktime"),
            ("a.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
            ("a.mkv", b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska", "video/x-matroska"),
            ("a.avi", b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(20), "video/x-msvideo"),
            ("a.txt", "Café £5\n".encode(), "text/plain"),
            ("a.txt", b"\xef\xbb\xbfWith a byte order mark\n", "text/plain"),
            ("a.csv", b'date,"note, with comma"\r\n2026-10-14,ok\r\n', "text/csv"),
            ("a.csv", b'a,"broken"quote\n', "text/plain"),  # not CSV, but harmless text
            ("notes", b"No extension at all\n", "text/plain"),
            ("a.log", b"MZ is how the log starts, in words\n", "text/plain"),
        ],
    )
    def test_it_recognises_an_accepted_type_from_its_bytes(self, name, content, content_type):
        sniffed = sniff(io.BytesIO(content), name)
        assert sniffed.refusal == ""
        assert sniffed.file_type.content_type == content_type

    @pytest.mark.parametrize(
        ("name", "content", "refusal"),
        [
            ("a.pdf", WINDOWS_PROGRAM, "it is really a Windows program"),
            ("run", LINUX_PROGRAM, "This is a Linux program: it looks like"),
            ("app", b"\xcf\xfa\xed\xfe" + bytes(20), "This is a Mac program"),
            ("go.txt", b"#!/bin/sh\nrm -rf ~\n", "really a script: it looks like a program"),
            ("a.docx", office_bytes("docx", macros=True), "an Office document with macros"),
            ("a.doc", compound_file_bytes("WordDocument", "Macros"), "with macros"),
            ("a.docx", compound_file_bytes("EncryptedPackage"), "password-protected"),
            ("setup.msi", compound_file_bytes("SummaryInformation"), "such as an installer"),
            ("tool.jar", zip_bytes({"META-INF/MANIFEST.MF": "Main-Class: x"}), "Java or Android"),
            ("a.rar", b"Rar!\x1a\x07\x01\x00" + bytes(20), "This is a RAR archive: archives"),
            ("a.gz", b"\x1f\x8b\x08\x00" + bytes(20), "a compressed (gzip) file: archives"),
            ("a.docx", b"PK\x03\x04" + bytes(40), "It looks damaged or incomplete"),
            ("a.txt", "UTF-16 text".encode("utf-16"), "text saved as UTF-16"),
            ("a.txt", "Café".encode("latin-1"), "not a type the portfolio accepts (Documents: PDF"),
            ("a.txt", b"text with a \x00 NUL byte", "not a type the portfolio accepts"),
            ("a.rtf", b"{\\rtf1\\ansi Hello}", "This is a rich text (RTF) document"),
            ("a.xml", b"<?xml version='1.0'?><note/>", "This is an XML file: web pages and SVG"),
            ("a.tif", b"II*\x00" + bytes(20), "This is a TIFF image"),
            ("a.pdf", png_bytes(), "Its name ends .pdf, but it is really a PNG image: rename"),
            ("a.docx", pdf_bytes(), "Its name ends .docx, but it is really a PDF document"),
            ("page.html", b"Just text, but a browser would render it\n", "names end .html"),
            ("pic.svg", png_bytes(), "names end .svg"),
        ],
    )
    def test_it_refuses_a_file_and_says_what_it_is(self, name, content, refusal):
        sniffed = sniff(io.BytesIO(content), name)
        assert sniffed.file_type is None
        assert refusal in sniffed.refusal

    def test_it_lists_the_accepted_types_for_the_page(self):
        groups = dict(sniffing.ACCEPTED_GROUPS)
        assert groups["Documents"][:4] == ("PDF", "Word", "Excel", "PowerPoint")
        assert "HEIC" in groups["Images"]
        assert set(groups) == {"Documents", "Images", "Audio", "Video", "Text"}
        assert all(
            not file_type.content_type.startswith(("text/html", "image/svg"))
            for file_type in sniffing.ACCEPTED_TYPES.values()
        )

    def test_it_leaves_the_file_at_its_start_for_whoever_reads_it_next(self):
        stream = io.BytesIO(office_bytes("docx"))
        sniff(stream, "a.docx")
        assert stream.tell() == 0


MB = 1024 * 1024


class TestHostileFiles:
    """Files built to make a reader work without end: each is refused after bounded work."""

    def test_it_refuses_a_word_file_whose_difat_chain_loops_in_little_memory(self, tmp_path):
        looping = looping_compound_file(tmp_path / "minutes.doc", 16 * MB)

        tracemalloc.start()
        try:
            with looping.open("rb") as file:
                sniffed = sniff(file, "minutes.doc")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

        assert sniffed.refusal == sniffing.DAMAGED
        # The hand-written parser kept 127 numbers for every sector: 150 MB for this file.
        assert peak < 4 * MB

    def test_it_refuses_a_word_file_claiming_more_fat_than_the_file_could_hold(self, tmp_path):
        # olefile alone would follow the claim, reading the looping DIFAT 17 million times.
        claiming = looping_compound_file(tmp_path / "minutes.doc", 2 * MB, fat_sectors=2**31)
        with claiming.open("rb") as file:
            assert sniff(file, "minutes.doc").refusal == sniffing.DAMAGED

    def test_it_still_reads_a_large_word_file_whose_fat_needs_a_difat(self, tmp_path):
        document = large_compound_file(tmp_path / "portfolio.doc", 10 * MB)
        with document.open("rb") as file:
            assert sniff(file, "portfolio.doc").file_type.content_type == "application/msword"

    def test_it_refuses_a_zip_bomb_dressed_as_a_word_document_without_unpacking_it(self, tmp_path):
        bomb = zip_bomb(tmp_path / "minutes.docx", members=20, member_size=64 * MB)
        with bomb.open("rb") as file:
            assert sniff(file, "minutes.docx").refusal == sniffing.UNPACKS_TOO_FAR

    def test_it_refuses_a_zip_whose_end_record_claims_a_huge_directory(self):
        archive = bytearray(docx_bytes())
        end = archive.rfind(b"PK\x05\x06")
        archive[end + 8 : end + 12] = struct.pack("<HH", 60_000, 60_000)
        assert sniff(io.BytesIO(bytes(archive)), "minutes.docx").refusal == sniffing.DAMAGED

    @pytest.mark.parametrize(
        ("name", "extension"),
        [
            ("prices.slk", "slk"),
            ("live data.iqy", "iqy"),
            ("office desktop.rdp", "rdp"),
            ("dark.theme", "theme"),
            ("timesheet.appref-ms", "appref-ms"),
            ("tidy.pyw", "pyw"),
            ("widget.cjs", "cjs"),
            ("open me.command", "command"),
            ("format.ps1xml", "ps1xml"),
            ("module.psd1", "psd1"),
            ("report.pdf.exe", "exe"),
            ("REPORT.EXE", "exe"),
            ("report.exe. . .", "exe"),
            ("report.vbs ", "vbs"),
        ],
    )
    def test_it_refuses_a_name_a_computer_would_act_on_whatever_the_file_holds(
        self, name, extension
    ):
        sniffed = sniff(io.BytesIO(text_bytes()), name)
        assert sniffed.refusal.startswith(f"Files whose names end .{extension} can run programs")

    @pytest.mark.parametrize("name", ["report.exe.txt", "minutes v1.2.txt", "notes"])
    def test_it_accepts_a_name_that_only_mentions_such_an_extension(self, name):
        assert sniff(io.BytesIO(text_bytes()), name).file_type.content_type == "text/plain"


class TestUploadArea:
    def render(self, item, user):
        request = RequestFactory().get(item.get_absolute_url())
        request.user = user
        return render_to_string(
            "evidence/includes/upload_area.html", {"item": item, "user": user}, request=request
        )

    def test_it_posts_the_files_to_the_upload_url_without_script(self, alice, item):
        html = self.render(item, alice)
        assert f'action="{reverse("evidence:upload", args=[item.pk])}"' in html
        assert 'enctype="multipart/form-data"' in html
        assert 'type="file" name="files"' in html
        assert " multiple " in html
        assert "csrfmiddlewaretoken" in html
        assert 'aria-live="polite"' in html

    def test_it_shows_the_limit_and_the_accepted_types(self, alice, item, settings):
        settings.EVIDENCE_MAX_FILE_SIZE = 50 * 1024 * 1024
        html = self.render(item, alice)
        assert "Up to 50 MB a file." in html
        assert 'data-max-file-size="52428800"' in html
        assert "documents (PDF, Word, Excel, PowerPoint" in html
        assert "text (plain text, CSV)." in html
