"""Stage 4: David, the IQA, opens next term's sampling plan, accepts the suggested sample
whose reasons he reads, samples Priya's signed-off unit summatively and records his agreement,
then asks for the IQA report, which the worker makes, and downloads it."""

import csv
import io
import re

from playwright.sync_api import expect

from .browser import pdf_text
from .journey import UNIT

WINTER = "Winter term 2026-27"


def test_the_iqa_reads_the_suggested_sample_and_its_reasons(people):
    iqa = people("iqa")
    page = iqa.page
    iqa.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quality").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality assurance")
    iqa.check("quality dashboard")
    page.get_by_role("link", name=WINTER, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WINTER)
    suggestion = page.get_by_role("region", name="Suggested sample")
    expect(suggestion).to_contain_text("Sarah Jones is a standard assessor: 50 %")
    expect(suggestion).to_contain_text("every learner is sampled summatively at least once")
    expect(
        suggestion.get_by_role("checkbox", name=re.compile(r"^Priya Shah, A\/601\/2550: summative"))
    ).to_be_checked()
    expect(page.get_by_text("Nothing is in the sample yet.")).to_be_visible()
    iqa.check("suggested sample with reasons")


def test_the_iqa_accepts_the_suggested_sample(people):
    iqa = people("iqa")
    page = iqa.page
    page.get_by_role("button", name="Add the ticked samples to the plan").click()
    iqa.expect_message("sample(s) added to the plan")
    sample = page.get_by_role("table", name=re.compile("^Learners' units in the plan"))
    expect(sample.get_by_role("row").filter(has_text="Priya Shah").first).to_be_visible()
    expect(page.get_by_text("Nothing to suggest")).to_be_visible()
    iqa.check("plan with its sample")


def test_the_iqa_samples_the_signed_unit_and_records_agreement(people):
    iqa = people("iqa")
    page = iqa.page
    page.get_by_role("link", name="Review Priya Shah, summative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summative sample: Priya Shah")
    expect(page.get_by_text("Not signed off yet.")).to_have_count(0)
    iqa.check("summative sample to review")
    # Signing with nothing filled in is refused, with every problem named.
    page.get_by_role("button", name="Sign the review").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(
        "Feedback to the assessor: Write your feedback to the assessor."
    )
    expect(summary).to_contain_text(
        "Your verdict on 1.1: Say whether you agree with the judgement."
    )
    summary.get_by_role("link", name="Your verdict on 1.1", exact=True).click()
    expect(page.get_by_role("radio", name="Agree with 1.1", exact=True)).to_be_focused()
    iqa.check("review refused")
    agrees = page.locator("input[type=radio][value=agree]")
    assert agrees.count() == 29  # every criterion and part of the unit was judged
    for radio in agrees.all():
        radio.check()
    page.get_by_label("Feedback to the assessor").fill(
        "Every decision is supported by accepted evidence with VACSR recorded. No actions."
    )
    page.get_by_role("checkbox", name=re.compile("^I confirm that I have sampled")).check()
    page.get_by_role("button", name="Sign the review").click()
    iqa.expect_message("Review signed. The assessor has been told.")
    expect(page.get_by_text("Agreed with every decision sampled.")).to_be_visible()
    expect(page.get_by_text("intact", exact=True)).to_be_visible()
    iqa.check("signed review")


def test_the_iqa_downloads_the_iqa_report(people, worker, tmp_path):
    iqa = people("iqa")
    page = iqa.page
    page.get_by_role("link", name=WINTER).click()
    plan_url = page.url
    # The PDF is made by the worker; its page offers the download when it is ready.
    page.get_by_role("button", name="Prepare IQA report (PDF)").click()
    download_link = page.get_by_role("link", name=re.compile(r"^Download .*\.pdf$"))
    expect(download_link).to_be_visible(timeout=60_000)
    iqa.check("iqa report ready")
    with page.expect_download() as download_info:
        download_link.click()
    report = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(report)
    words = " ".join(pdf_text(report).split())
    assert f"IQA report: {WINTER}" in words
    assert "Priya Shah" in words and UNIT in words
    assert "Summative" in words and "David Okafor" in words and "Yes" in words
    iqa.goto(plan_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="IQA report (CSV)").click()
    table = download_info.value.path().read_text(encoding="utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(table)))
    assert row["Learner"] == "Priya Shah" and row["Agreed"] == "Yes"
    assert row["Interim or summative"] == "Summative"
    assert row["Feedback to assessor"].startswith(
        "Every decision is supported by accepted evidence"
    )
