"""Standardisation records: made by IQAs and centre admins, with documents checked like
evidence; read by assessors, IQAs, centre admins and, within their dates, an EQA."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from quality.models import StandardisationDocument, StandardisationRecord
from quality.services import eqa_grant_create, standardisation_record_create

from .evidence_factories import (
    RecordingTemporaryFileUploadHandler,
    pdf_bytes,
    with_recording_temporary_files,
)
from .factories import UserFactory


def record(by, *, held_on=datetime.date(2026, 11, 2), documents=(), attendees=None):
    return standardisation_record_create(
        by=by,
        kind="meeting",
        held_on=held_on,
        topic="Judging 5.1",
        attendees=attendees if attendees is not None else [by],
        evidence_looked_at="Two complaints logs",
        outcomes="A log meets 5.1 only with the resolution recorded.",
        documents=documents,
    )


def test_an_iqa_records_a_meeting_with_its_documents(erin, alice_enrolment, settings):
    minutes = SimpleUploadedFile("minutes.pdf", pdf_bytes("Minutes"))
    meeting = record(erin, documents=[minutes])
    document = meeting.documents.get()
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    assert document.file.name.startswith("standardisation/")
    assert "minutes" not in document.file.name  # stored under a generated name


def test_a_refused_document_leaves_no_record_and_no_bytes(erin, alice_enrolment, settings):
    good = SimpleUploadedFile("minutes.pdf", pdf_bytes("Minutes"))
    program = SimpleUploadedFile("notes.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError, match="notes.pdf: Its name ends .pdf, but it is really"):
        record(erin, documents=[good, program])
    assert not StandardisationRecord.objects.exists()
    assert not StandardisationDocument.objects.exists()
    stored = settings.MEDIA_ROOT / "standardisation"
    assert not stored.exists() or not any(stored.iterdir())


def test_a_document_with_a_name_a_computer_acts_on_is_refused(erin, alice_enrolment):
    # The same list as evidence: an Excel web query runs when opened, whatever it holds.
    query = SimpleUploadedFile("live figures.iqy", b"WEB\n1\nhttps://example.com/\n")
    with pytest.raises(ValidationError, match="live figures.iqy: Files whose names end .iqy"):
        record(erin, documents=[query])
    assert not StandardisationRecord.objects.exists()


def test_a_meeting_in_the_future_or_without_attendees_is_refused(erin, alice_enrolment):
    with pytest.raises(ValidationError, match="once it has taken place"):
        record(erin, held_on=timezone.localdate() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError, match="Name who took part"):
        record(erin, attendees=[])


def test_only_iqas_and_centre_admins_record_standardisation(carol, alice_enrolment):
    with pytest.raises(ValidationError, match="Only an IQA or a centre admin"):
        record(carol)


def test_the_form_uploads_several_documents(client, erin, carol, alice_enrolment):
    client.force_login(erin)
    response = client.post(
        reverse("quality:standardisation_create"),
        {
            "kind": "exercise",
            "held_on": "2026-11-10",
            "topic": "Blind marking of a reflective account",
            "attendees": [carol.pk, erin.pk],
            "evidence_looked_at": "An anonymised STAR account",
            "outcomes": "All four markers agreed 3.2 was met.",
            "documents": [
                SimpleUploadedFile("exercise.pdf", pdf_bytes("Exercise")),
                SimpleUploadedFile("answers.txt", b"3.2 met: four of four"),
            ],
        },
    )
    meeting = StandardisationRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert sorted(d.original_name for d in meeting.documents.all()) == [
        "answers.txt",
        "exercise.pdf",
    ]
    download = client.get(
        reverse("quality:standardisation_document", args=[meeting.documents.first().pk])
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def test_the_form_refuses_a_document_over_the_limit_without_taking_it_all_in(
    client, erin, carol, alice_enrolment, settings
):
    settings.EVIDENCE_MAX_FILE_SIZE = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file
    settings.FILE_UPLOAD_HANDLERS = with_recording_temporary_files(settings)
    client.force_login(erin)

    response = client.post(
        reverse("quality:standardisation_create"),
        {
            "kind": "meeting",
            "held_on": "2026-11-10",
            "topic": "Judging 5.1",
            "attendees": [carol.pk, erin.pk],
            "evidence_looked_at": "Two complaints logs",
            "outcomes": "A log meets 5.1 only with the resolution recorded.",
            "documents": [
                SimpleUploadedFile("recording.pdf", pdf_bytes() + b"%" * 3 * 1024 * 1024),
                SimpleUploadedFile("minutes.pdf", pdf_bytes("Minutes")),
            ],
        },
    )

    assert response.status_code == 400
    assert "recording.pdf: It is larger than the limit of 1 MB a file." in response.text
    assert RecordingTemporaryFileUploadHandler.largest <= 1024 * 1024
    assert not StandardisationRecord.objects.exists()
    assert not (settings.MEDIA_ROOT / "standardisation").exists()


def test_an_eqa_reads_only_records_within_their_dates(client, erin, frank, alice_enrolment, unit):
    inside = record(erin, held_on=datetime.date(2026, 10, 5))
    outside = record(erin, held_on=datetime.date(2026, 3, 5))
    gina = UserFactory(username="gina", is_external_verifier=True)
    eqa_grant_create(
        by=frank,
        eqa=gina,
        enrolments=[alice_enrolment],
        units=[unit],
        covers_from=datetime.date(2026, 9, 1),
        covers_to=datetime.date(2026, 12, 31),
        expires_at=timezone.now() + datetime.timedelta(days=2),
    )
    client.force_login(gina)
    assert client.get(reverse("quality:standardisation", args=[inside.pk])).status_code == 200
    assert client.get(reverse("quality:standardisation", args=[outside.pk])).status_code == 404
