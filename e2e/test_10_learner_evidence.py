"""Stage 1: Priya, the learner, adds evidence on a desktop browser: three files dropped at once,
a STAR reflective account, each mapped to criteria across outcomes and submitted."""

import datetime
import re

from playwright.sync_api import expect

from .journey import (
    FILES_ITEM,
    FILES_ITEM_CODES,
    STAR_ITEM,
    STAR_ITEM_CODES,
    drop_files,
    evidence_files,
    expect_uploaded,
    picker_row,
    progress_counts,
)

DECLARATION = re.compile(r"I confirm that this evidence is my own work")
progress_before = {}


def open_progress(learner):
    page = learner.page
    learner.goto("/")
    page.get_by_role("link", name="Your progress and gaps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")


def open_item(learner, title):
    page = learner.page
    open_progress(learner)
    page.get_by_role("link", name="All your evidence").click()
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_the_learner_signs_in_and_reads_their_progress(learner):
    page = learner.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Priya")
    learner.check("home")
    open_progress(learner)
    progress_before.update(progress_counts(page))
    assert progress_before["criteria met"] == 10  # 9.1 counts once all its parts are met
    learner.check("progress before")


def test_the_learner_drops_three_files_at_once(learner):
    page = learner.page
    page.get_by_role("link", name="Add evidence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    learner.check("add evidence form")
    page.get_by_label("Title").fill(FILES_ITEM)
    page.get_by_label("Date of the activity").fill(
        (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    )
    page.get_by_label("Evidence type").select_option(label="Annotated procedure")
    page.get_by_label("Assessment method").select_option(label="Examination of work product")
    page.get_by_label("Description").fill(
        "The handover pack I wrote for the post room: the daily log, post volumes by "
        "department and what colleagues said about the service."
    )
    page.get_by_role("button", name="Save draft").click()
    learner.expect_message("Draft saved. Now add files and map it to criteria.")
    expect(page.get_by_role("heading", level=1)).to_have_text(FILES_ITEM)
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()

    files = evidence_files()
    drop_files(page, files)
    expect_uploaded(page, [name for name, _, _ in files])
    expect(page.locator("[data-evidence-file-list] tbody tr")).to_have_count(3)
    learner.check("three files dropped")


def test_the_learner_is_told_what_is_missing_from_a_star_account(learner):
    page = learner.page
    open_progress(learner)
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_role("link", name="Reflective account (STAR)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add evidence: Reflective account (STAR)"
    )
    page.get_by_label("Title").fill(STAR_ITEM)
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    # Each error in the summary links to its field, which says it is invalid and why.
    summary.get_by_role("link", name=re.compile("^Situation")).click()
    situation = page.get_by_label("Situation")
    expect(situation).to_be_focused()
    expect(situation).to_have_attribute("aria-invalid", "true")
    described_by = situation.get_attribute("aria-describedby")
    assert described_by, "the Situation field does not point to its error"
    error_ids = [i for i in described_by.split() if "error" in i]
    assert error_ids, f"the Situation field's aria-describedby ({described_by}) has no error"
    expect(page.locator(f"#{error_ids[0]}")).to_contain_text("This field is required.")
    learner.check("star account errors")


def test_the_learner_fills_a_star_reflective_account(learner):
    page = learner.page
    page.get_by_label("Date of the activity").fill(
        (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    )
    page.get_by_label("Situation").fill(
        "A bag of payslips for HR went to the 3rd floor instead of the 2nd on payday."
    )
    page.get_by_label("Task").fill("Find the payslips and get them to HR before 10:00.")
    page.get_by_label("Action").fill(
        "I traced the bag with the courier log, collected it, apologised to HR and agreed a "
        "new labelling check with my team, which I put in our procedures."
    )
    page.get_by_label("Result").fill(
        "HR had the payslips by 09:40 and told me in writing they were satisfied. I learnt "
        "to check labels against the floor plan every morning."
    )
    page.get_by_role("button", name="Save draft").click()
    learner.expect_message("Draft saved. Now add files and map it to criteria.")
    expect(page.get_by_role("heading", level=1)).to_have_text(STAR_ITEM)
    expect(page.get_by_text("HR had the payslips by 09:40")).to_be_visible()
    learner.check("star account saved")


def map_item(learner, title, codes, step):
    page = learner.page
    open_item(learner, title)
    page.get_by_role("link", name="Map to criteria").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Map “{title}” to criteria")
    for code in codes:
        row = picker_row(page, code)
        row.get_by_role("checkbox").check()
        row.get_by_role("textbox").fill(f"Shows {code} in my own work.")
    learner.check(step)
    page.get_by_role("button", name="Save mappings").click()
    learner.expect_message("Mappings saved.")
    mapped = page.locator("section[aria-labelledby=mappings-heading] .criterion-code")
    expect(mapped).to_have_text(codes)


def test_the_learner_maps_the_files_to_criteria_across_four_outcomes(learner):
    map_item(learner, FILES_ITEM, FILES_ITEM_CODES, "mapping the files")
    learner.check("files mapped")


def test_the_learner_maps_the_star_account_across_five_outcomes(learner):
    map_item(learner, STAR_ITEM, STAR_ITEM_CODES, "mapping the star account")


def test_the_learner_cannot_submit_without_the_declaration(learner):
    page = learner.page
    page.get_by_role("button", name="Submit", exact=True).click()
    # The declaration is a required field: the browser stops the form and says so.
    declaration = page.get_by_label(DECLARATION)
    expect(declaration).to_be_focused()
    assert declaration.evaluate("box => box.validity.valueMissing")
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    learner.check("submit refused")


def submit(learner, title):
    page = learner.page
    open_item(learner, title)
    page.get_by_label(DECLARATION).check()
    page.get_by_role("button", name="Submit", exact=True).click()
    learner.expect_message("Submitted for assessment as version 1.")
    expect(page.get_by_text("Submitted", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Map to criteria")).to_have_count(0)


def test_the_learner_submits_both_items_with_the_declaration(learner):
    submit(learner, STAR_ITEM)
    learner.check("star account submitted")
    submit(learner, FILES_ITEM)
    learner.check("files submitted")


def test_the_learner_sees_their_progress_change(learner):
    page = learner.page
    open_progress(learner)
    after = progress_counts(page)
    # Every criterion now has submitted evidence; before, some had only drafts or none.
    assert after["criteria have evidence"] == 26
    submitted_before = progress_before["criteria have submitted evidence"]
    assert after["criteria have submitted evidence"] == 26 > submitted_before
    assert after["criteria met"] == progress_before["criteria met"]
    expect(page.get_by_text("Every criterion has evidence.")).to_be_visible()
    expect(page.get_by_text("Only draft evidence")).to_have_count(0)
    expect(page.get_by_text("26 of 26 criteria have submitted evidence")).to_be_visible()
    learner.check("progress after submitting")
