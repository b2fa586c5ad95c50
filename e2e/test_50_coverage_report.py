"""Stage 5: the assessor asks for Priya's PDF coverage report, sees it being prepared by the
worker, downloads it and it reads as it should."""

import re

from playwright.sync_api import expect

from .browser import pdf_text
from .journey import ALL_CODES, FILES_ITEM, STAR_ITEM, UNIT


def test_the_assessor_downloads_the_pdf_report_with_every_criterion(assessor, worker, tmp_path):
    page = assessor.page
    assessor.goto("/")
    page.get_by_role("link", name=re.compile("^Open your caseload")).click()
    page.get_by_role("row").filter(has_text="Priya Shah").get_by_role(
        "link", name=UNIT, exact=True
    ).click()
    page.get_by_role("link", name=re.compile("^Progress of Priya Shah")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress of Priya Shah")
    assessor.check("progress of the learner")
    page.get_by_role("button", name="Prepare PDF report").click()
    # The job's page says so while the worker makes the report, then offers the download.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^(Preparing your coverage report…|Coverage report \(PDF\) ready)$")
    )
    download_link = page.get_by_role("link", name=re.compile(r"^Download .*\.pdf$"))
    expect(download_link).to_be_visible(timeout=60_000)
    assessor.check("report ready")
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    report = tmp_path / download.suggested_filename
    download.save_as(report)
    assert report.read_bytes().startswith(b"%PDF-")

    text = pdf_text(report)
    words = " ".join(text.split())
    assert "Priya Shah" in words
    assert UNIT in words
    for code in ALL_CODES:
        assert re.search(rf"(?<![\d.]){re.escape(code)}(?![\d])", text), f"{code} not in report"
    for title in (FILES_ITEM, STAR_ITEM):
        assert title in words, f"{title} not in the report"
    assert "Sign-off: signed off by Sarah Jones" in words
    assert "not yet countersigned" not in words
    assert "Learner's countersignature Priya Shah" in words
