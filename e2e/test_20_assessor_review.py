"""Stage 2: Sarah, the assessor, works through what Priya submitted: she sends one item back
with what is missing and accepts the two new ones, mapping by mapping."""

import re

from playwright.sync_api import expect

from .journey import FILES_ITEM, FILES_ITEM_CODES, SENT_BACK_ITEM, STAR_ITEM, STAR_ITEM_CODES

SEND_BACK_TEXT = "Attach the finance manager's email that says Finance were satisfied (8.3)."


def open_review(assessor, title):
    page = assessor.page
    assessor.goto("/assessments/caseload/")
    waiting = page.get_by_role("link", name=title, exact=True)
    expect(waiting).to_be_visible()
    waiting.click()  # the caseload links each waiting item to its review
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {title}")


def test_the_assessor_sees_the_new_items_waiting_on_the_caseload(assessor):
    page = assessor.page
    page.get_by_role("link", name=re.compile("^Open your caseload")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("caseload")
    priya = page.get_by_role("row").filter(has_text="Priya Shah").first
    expect(priya).to_be_visible()
    for title in (FILES_ITEM, STAR_ITEM, SENT_BACK_ITEM):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    assessor.check("caseload")


def test_the_assessor_sends_an_item_back_with_what_is_missing(assessor):
    page = assessor.page
    open_review(assessor, SENT_BACK_ITEM)
    assessor.check("review before sending back")
    page.get_by_label("What is missing").fill(SEND_BACK_TEXT)
    page.get_by_role("button", name="Send back: needs more work").click()
    assessor.expect_message("Sent back to the learner: needs more work.")
    expect(page.locator("#feedback")).to_contain_text(SEND_BACK_TEXT)
    expect(page.get_by_text("Needs more work", exact=True).first).to_be_visible()
    assessor.check("item sent back")


def accept_item(assessor, title, codes):
    page = assessor.page
    open_review(assessor, title)
    for code in codes:
        decision = page.get_by_role("group", name=f"Decision on {code}")
        decision.get_by_label("Accept", exact=True).check()
    page.get_by_label(f"Comment on {codes[0]}").fill("Clear and dated: this shows it well.")
    assessor.check(f"deciding {title}")
    page.get_by_role("button", name="Save decisions").click()
    assessor.expect_message(f"Decisions saved: {len(codes)} changed.")
    page.get_by_label("Comment (optional)").fill("Accepted: a good piece of work.")
    page.get_by_role("button", name="Accept item").click()
    assessor.expect_message("Item accepted. The learner has been told.")
    expect(page.get_by_text("Current decision: Accepted", exact=False)).to_have_count(len(codes))


def test_the_assessor_accepts_the_files_mapping_by_mapping(assessor):
    accept_item(assessor, FILES_ITEM, FILES_ITEM_CODES)
    assessor.check("files accepted")


def test_the_assessor_accepts_the_star_account(assessor):
    accept_item(assessor, STAR_ITEM, STAR_ITEM_CODES)
    assessor.check("star account accepted")


def test_the_learner_reads_the_feedback_on_the_item_sent_back(learner):
    page = learner.page
    learner.goto("/notifications/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notifications")
    expect(page.locator("main")).to_contain_text(SENT_BACK_ITEM)
    learner.check("notifications")
    learner.goto("/evidence/")
    page.get_by_role("link", name=SENT_BACK_ITEM, exact=True).click()
    expect(page.get_by_text("Needs more work", exact=True).first).to_be_visible()
    expect(page.locator("#feedback")).to_contain_text(SEND_BACK_TEXT)
    expect(page.get_by_role("button", name=re.compile("^Revise"))).to_be_visible()
    learner.check("item sent back, as the learner sees it")
