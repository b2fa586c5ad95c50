"""Criteria suggested from what the learner wrote and uploaded (issue 15, point 3): the mapping
page proposes criteria best first with the phrase that matched, the learner accepts (mapped
through the mapping service) or dismisses (never proposed again for that item), nothing is
mapped by itself, files are read within bounds, and `manage.py suggest_criteria` prints the
codes for a text, PDF or Word file so the model can be scored from outside."""

import io
import re
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from weasyprint import HTML

from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import EvidenceMapping
from submissions.once import ALREADY_SAVED
from suggestions import extract
from suggestions.engine import index_for, targets_from_criteria
from suggestions.extract import ExtractionError, extract_text
from suggestions.models import DismissedSuggestion, ExtractedText
from suggestions.scoring import labelled_set, precision_recall
from suggestions.selectors import suggestions_for_item

from .evidence_factories import EvidenceItemFactory, add_file, submit
from .test_malformed_input import PageParser

COMPLAINT = (
    "Complaints log entry. The warehouse supervisor complained that three purchase orders had "
    "the wrong delivery address. I logged the complaint the same morning and acknowledged it "
    "within the 4 hour target in our procedure. I corrected all three orders and reissued them "
    "by 2pm, so the complaint was resolved the same day."
)
SURVEY = (
    "I designed a feedback survey for the five departments we support and sent it to 40 "
    "colleagues. I recorded every response in the feedback log. I analysed the results: 87% "
    "rated the service good but several said room bookings were confirmed too late. I changed "
    "the process so every booking is confirmed within one working day."
)


def docx_with(paragraphs):
    """A Word .docx built with zipfile: the parts Word needs, one paragraph per string."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return out.getvalue()


def pdf_with(paragraphs):
    """A real PDF made by WeasyPrint, one paragraph per string."""
    return HTML(string="".join(f"<p>{text}</p>" for text in paragraphs)).write_pdf()


def suggested_codes(capsys, path):
    call_command("suggest_criteria", "--unit", "A/601/2550", str(path))
    lines = capsys.readouterr().out.strip().splitlines()
    return [line.split("\t")[0] for line in lines], lines


@pytest.fixture
def draft(alice_enrolment):
    return EvidenceItemFactory(
        enrolment=alice_enrolment, title="Purchase order complaint", description=COMPLAINT
    )


def queries(client, url):
    """Queries of a second request to `url`: what the page costs once warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def mapping_page(client, item):
    return client.get(reverse("evidence:mappings", args=[item.pk]))


# The command ------------------------------------------------------------------------------


def test_it_prints_codes_best_first_with_the_matched_phrase_for_a_text_file(
    catalogue, tmp_path, capsys
):
    path = tmp_path / "complaint.txt"
    path.write_text(COMPLAINT)
    codes, lines = suggested_codes(capsys, path)
    assert set(codes[:2]) == {"9.1 a", "9.1 b"}
    assert len(codes) == 5
    code, phrase = lines[0].split("\t")
    assert phrase in COMPLAINT


def test_it_reads_a_real_pdf(catalogue, tmp_path, capsys):
    path = tmp_path / "survey.pdf"
    path.write_bytes(pdf_with(SURVEY.split(". ")))
    codes, _ = suggested_codes(capsys, path)
    assert {"10.1", "10.2", "10.3"} <= set(codes[:4])


def test_it_reads_a_word_document(catalogue, tmp_path, capsys):
    path = tmp_path / "survey.docx"
    path.write_bytes(docx_with(SURVEY.split(". ")))
    codes, lines = suggested_codes(capsys, path)
    assert {"10.1", "10.2", "10.3"} <= set(codes[:4])
    assert all(line.split("\t")[1] for line in lines)


def test_it_refuses_a_garbage_pdf_with_a_clear_message(catalogue, tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 400)
    with pytest.raises(CommandError, match="could not be read as a PDF"):
        call_command("suggest_criteria", "--unit", "A/601/2550", str(path))


def test_it_refuses_an_unknown_unit(catalogue, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(COMPLAINT)
    with pytest.raises(CommandError, match="No unit"):
        call_command("suggest_criteria", "--unit", "Z/999/9999", str(path))


# Bounded reading --------------------------------------------------------------------------


def test_it_refuses_a_file_over_the_size_bound_before_reading_it():
    huge = io.BytesIO(b"%PDF-1.7\n" + b"0" * extract.MAX_FILE_BYTES)
    with pytest.raises(ExtractionError, match="too large to read"):
        extract_text(huge, "huge.pdf")


def test_it_reads_only_the_start_of_a_word_zip_bomb_quickly():
    # 200 MB of one repeated paragraph, a few hundred KB zipped: read up to the XML bound only.
    paragraph = "<w:p><w:r><w:t>I logged the complaint.</w:t></w:r></w:p>"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        member.write(
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            b'main"><w:body>'
        )
        chunk = paragraph.encode() * 10_000
        for _ in range(200 * 1024 * 1024 // len(chunk)):
            member.write(chunk)
    started = time.monotonic()
    text = extract_text(io.BytesIO(out.getvalue()), "bomb.docx")
    assert time.monotonic() - started < 10
    assert text.startswith("I logged the complaint.")
    assert len(text) <= extract.MAX_CHARS


def test_it_reads_only_the_first_pages_of_a_long_pdf():
    pages = [f"<p style='break-after: page'>Page {n} complaint logged.</p>" for n in range(30)]
    text = extract_text(io.BytesIO(HTML(string="".join(pages)).write_pdf()), "long.pdf")
    assert "Page 9 " in text
    assert "Page 10 " not in text


def test_it_says_a_binary_file_is_not_text():
    with pytest.raises(ExtractionError, match="not plain text"):
        extract_text(io.BytesIO(b"\x00\x01\x02" * 100), "photo.bin")


# The labelled set -------------------------------------------------------------------------


def test_the_labelled_set_has_at_least_40_items_showing_only_real_criteria(catalogue):
    rows = labelled_set()
    assert len(rows) >= 40
    real = {c.code for c in AssessmentCriterion.objects.select_related("outcome")}
    real |= {p.code for p in CriterionPart.objects.select_related("criterion__outcome")}
    real -= {"9.1"}  # 9.1 is judged by its parts a, b and c
    for row in rows:
        assert row["criteria"], row["id"]
        assert set(row["criteria"]) <= real, row["id"]
        assert len(row["text"].split()) >= 30, row["id"]


def test_precision_at_3_over_the_labelled_set_is_at_least_0_7(catalogue):
    criteria = (
        AssessmentCriterion.objects.filter(outcome__unit=catalogue)
        .select_related("outcome__unit")
        .prefetch_related("parts")
    )
    index = index_for(targets_from_criteria(criteria))
    precision, recall = precision_recall(index, labelled_set())
    assert precision >= 0.7
    assert recall >= 0.8
    # The third never looked at while the cue words and weights were tuned does as well.
    held_out_precision, _ = precision_recall(index, labelled_set(split="heldout"))
    assert held_out_precision >= 0.7


# The mapping page -------------------------------------------------------------------------


def test_it_shows_suggestions_best_first_with_the_phrase_marked_and_maps_nothing(
    client, alice, draft
):
    client.force_login(alice)
    response = mapping_page(client, draft)
    page = response.content.decode()
    assert "Suggested criteria" in page
    section = page[page.index('id="suggested-criteria"') :]
    codes = re.findall(r'<span class="criterion-code">([^<]+)</span>', section)
    assert set(codes[:2]) == {"9.1 a", "9.1 b"}
    assert "<mark>" in section
    assert "Follow procedures, within agreed timescale, to process problems and complaints" in page
    assert not draft.mappings.exists()


def test_accepting_a_suggestion_maps_the_item_through_the_mapping_service(client, alice, draft):
    client.force_login(alice)
    part = CriterionPart.objects.get(criterion__outcome__number=9, letter="a")
    response = client.post(
        reverse("suggestions:accept", args=[draft.pk]), {"target": f"p{part.pk}"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#suggested-criteria")
    mapping = EvidenceMapping.objects.get(item=draft)
    assert (mapping.part, mapping.added_by, mapping.added_by_assessor) == (part, alice, False)
    page = mapping_page(client, draft).content.decode()
    section = page[page.index('id="suggested-criteria"') : page.index("Filter criteria")]
    assert "9.1 a</span>" not in section  # mapped, so no longer suggested


def test_an_accept_sent_twice_maps_once_and_says_so(client, alice, draft):
    client.force_login(alice)
    url = reverse("evidence:mappings", args=[draft.pk])
    parser = PageParser(url)
    parser.feed(mapping_page(client, draft).content.decode())
    accepts = [form.data() for form in parser.forms if "/accept/" in form.action]
    assert accepts and all(data.get("submission_token") for data in accepts)
    accept_url = reverse("suggestions:accept", args=[draft.pk])
    client.post(accept_url, accepts[0])
    response = client.post(accept_url, accepts[0], follow=True)
    assert ALREADY_SAVED in response.content.decode()
    assert draft.mappings.count() == 1


def test_dismissing_a_suggestion_is_remembered_for_the_item(client, alice, draft):
    client.force_login(alice)
    part = CriterionPart.objects.get(criterion__outcome__number=9, letter="b")
    response = client.post(
        reverse("suggestions:dismiss", args=[draft.pk]), {"target": f"p{part.pk}"}
    )
    assert response.status_code == 302
    client.post(reverse("suggestions:dismiss", args=[draft.pk]), {"target": f"p{part.pk}"})
    assert DismissedSuggestion.objects.filter(item=draft, part=part).count() == 1
    page = mapping_page(client, draft).content.decode()
    section = page[page.index('id="suggested-criteria"') : page.index("Filter criteria")]
    assert "9.1 b</span>" not in section
    assert "9.1 a</span>" in section
    assert not draft.mappings.exists()


def test_only_the_learner_who_may_map_can_accept_or_dismiss(client, carol, bob, alice, draft):
    criterion = AssessmentCriterion.objects.get(outcome__number=8, number=2)
    data = {"target": f"c{criterion.pk}"}
    client.force_login(carol)
    assert client.post(reverse("suggestions:accept", args=[draft.pk]), data).status_code == 403
    client.force_login(bob)
    assert client.post(reverse("suggestions:dismiss", args=[draft.pk]), data).status_code == 404
    assert not draft.mappings.exists()
    assert not DismissedSuggestion.objects.exists()
    submit(draft)  # no longer a draft: neither the page nor the service lets it be mapped
    client.force_login(alice)
    response = client.post(reverse("suggestions:dismiss", args=[draft.pk]), data, follow=True)
    assert "cannot be changed" in response.content.decode()
    assert not DismissedSuggestion.objects.exists()


def test_it_refuses_a_criterion_outside_the_learners_units(client, alice, draft):
    client.force_login(alice)
    response = client.post(
        reverse("suggestions:accept", args=[draft.pk]), {"target": "c99999999"}, follow=True
    )
    assert "Choose a criterion" in response.content.decode()
    assert not draft.mappings.exists()


def test_it_reads_uploaded_pdf_and_word_files_once(client, alice, alice_enrolment):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Survey", description="")
    add_file(item, "survey.pdf", pdf_with(SURVEY.split(". ")))
    add_file(item, "minutes.docx", docx_with([COMPLAINT]))
    client.force_login(alice)
    page = mapping_page(client, item).content.decode()
    section = page[page.index('id="suggested-criteria"') : page.index("Filter criteria")]
    assert "survey.pdf, minutes.docx" in section
    assert "10.1</span>" in section and "9.1 a</span>" in section
    assert ExtractedText.objects.filter(file__item=item).count() == 2
    mapping_page(client, item)
    assert ExtractedText.objects.filter(file__item=item).count() == 2


def test_it_reads_the_typed_account(alice_enrolment):
    item = EvidenceItemFactory(
        enrolment=alice_enrolment,
        title="Account",
        description="",
        template="star",
        typed_content={
            "situation": "Colleagues in five departments use our room booking service.",
            "task": "Find out what they think of it.",
            "action": "I sent a feedback survey to 40 colleagues and recorded every response in "
            "the feedback log, then analysed the results in a spreadsheet.",
            "result": "I changed the process so every booking is confirmed within one day.",
        },
    )
    codes = [s.code for s in suggestions_for_item(item).suggestions]
    assert {"10.1", "10.2", "10.3"} <= set(codes[:4])


def test_a_damaged_upload_shows_a_clear_message_not_a_server_error(client, alice, alice_enrolment):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Log", description=COMPLAINT)
    evidence_file = add_file(item, "log.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 200)
    client.force_login(alice)
    response = mapping_page(client, item)
    assert response.status_code == 200
    assert "“log.pdf” could not be read as a PDF" in response.content.decode()
    assert ExtractedText.objects.get(file=evidence_file).problem


def test_the_mapping_page_costs_the_same_with_many_files_dismissals_and_mappings(
    client, alice, alice_enrolment, django_assert_num_queries
):
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Survey", description=SURVEY)
    client.force_login(alice)
    url = reverse("evidence:mappings", args=[item.pk])
    few = queries(client, url)
    for number in range(4):
        add_file(item, f"notes-{number}.docx", docx_with([COMPLAINT]))
    for criterion in AssessmentCriterion.objects.filter(outcome__number__in=[1, 2, 3]):
        client.post(reverse("suggestions:dismiss", args=[item.pk]), {"target": f"c{criterion.pk}"})
    for criterion in AssessmentCriterion.objects.filter(outcome__number__in=[4, 5]):
        client.post(reverse("suggestions:accept", args=[item.pk]), {"target": f"c{criterion.pk}"})
    assert queries(client, url) == few  # the first visit read the new files' words
    with django_assert_num_queries(few):
        response = client.get(url)
    assert "notes-3.docx" in response.content.decode()
