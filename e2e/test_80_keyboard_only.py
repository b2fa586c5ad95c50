"""Keyboard alone: a learner adds a file with the file picker, maps and submits it, and the
assessor accepts it and judges a criterion, with Tab, Shift+Tab, arrows, Space and Enter and
never the mouse. learner3 (an empty portfolio in the demo) does it, so the journey's own
learner is left as the journey left her. Every focused control must show its focus."""

import datetime
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from .journey import picker_row

TITLE = "Post room keyboard checklist"
FILE = ("checklist.txt", "text/plain", b"Morning post round checklist\n1. Sort by floor.\n")
KEYBOARD_CODES = ["1.1", "2.1"]


@pytest.fixture(scope="module")
def learner3(people):
    return people("learner3", keyboard=True)


def press(person, locator, key):
    person.tab_to(locator)
    person.page.keyboard.press(key)


def follow(person, locator):
    """Tab to a link or button and press Enter; wait for the page it leads to."""
    person.tab_to(locator)
    with person.page.expect_navigation():
        person.page.keyboard.press("Enter")


def test_a_learner_adds_evidence_with_the_keyboard(learner3):
    page = learner3.page
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Welcome, "))
    learner3.focus_start()
    follow(learner3, page.get_by_role("link", name="Add evidence"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add evidence")
    learner3.tab_to(page.get_by_label("Title"))
    page.keyboard.type(TITLE)
    page.keyboard.press("Tab")
    learner3.type_date(page.get_by_label("Date of the activity"), datetime.date.today())
    learner3.tab_to(page.get_by_label("Evidence type"))
    page.keyboard.type("Annotated")
    page.keyboard.press("Tab")
    page.keyboard.type("Examination")
    page.keyboard.press("Tab")
    page.keyboard.type("My checklist for the morning post round.")
    follow(learner3, page.get_by_role("button", name="Save draft"))
    learner3.expect_message("Draft saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Examination of work product")).to_be_visible()


def test_a_learner_uploads_with_the_file_picker_instead_of_dragging(learner3):
    page = learner3.page
    learner3.focus_start()
    picker = page.get_by_label(re.compile("Drag files here, or choose them"))
    learner3.tab_to(picker)
    # Chromium now and then lets a Space pressed just as the page settles go by without opening
    # the chooser (seen once in 57 runs of the suite): press it again, up to three times.
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=5000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    name, kind, data = FILE
    chooser.value.set_files([{"name": name, "mimeType": kind, "buffer": data}])
    expect(page.locator("[data-upload-status]")).to_contain_text("1 file added, 0 not added.")
    file_list = page.locator("[data-evidence-file-list]")
    expect(file_list.get_by_role("link", name=name, exact=True)).to_be_visible()
    learner3.check("keyboard upload")


def test_a_learner_maps_with_the_keyboard(learner3):
    page = learner3.page
    learner3.focus_start()
    follow(learner3, page.get_by_role("link", name="Map to criteria"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Map “{TITLE}” to criteria")
    for code in KEYBOARD_CODES:
        row = picker_row(page, code)
        press(learner3, row.get_by_role("checkbox"), "Space")
        expect(row.get_by_role("checkbox")).to_be_checked()
        page.keyboard.press("Tab")
        page.keyboard.type(f"The checklist shows {code}.")
    learner3.check("keyboard mapping")
    follow(learner3, page.get_by_role("button", name="Save mappings"))
    learner3.expect_message("Mappings saved.")
    mapped = page.locator("section[aria-labelledby=mappings-heading] .criterion-code")
    expect(mapped).to_have_text(KEYBOARD_CODES)


def test_a_learner_submits_with_the_keyboard(learner3):
    page = learner3.page
    learner3.focus_start()
    declaration = page.get_by_role("checkbox", name=re.compile("I confirm that this evidence"))
    press(learner3, declaration, "Space")
    expect(declaration).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    learner3.expect_message("Submitted for assessment as version 1.")
    learner3.check("keyboard submission")


def test_the_assessor_accepts_and_judges_with_the_keyboard(assessor):
    page = assessor.page
    assessor.goto("/assessments/caseload/")
    assessor.focus_start()
    follow(assessor, page.get_by_role("link", name=TITLE, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review: {TITLE}")
    for code in KEYBOARD_CODES:
        group = page.get_by_role("group", name=f"Decision on {code}")
        # Tab goes to the chosen radio button of a group ("Not yet"); arrows choose another.
        assessor.tab_to(group.get_by_label("Not yet", exact=True))
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        expect(group.get_by_label("Accept", exact=True)).to_be_checked()
    follow(assessor, page.get_by_role("button", name="Save decisions"))
    assessor.expect_message(f"Decisions saved: {len(KEYBOARD_CODES)} changed.")
    assessor.focus_start()
    follow(assessor, page.get_by_role("button", name="Accept item"))
    assessor.expect_message("Item accepted. The learner has been told.")

    assessor.focus_start()
    follow(assessor, page.get_by_role("link", name=re.compile("^Progress: ")))
    assessor.focus_start()
    follow(assessor, page.get_by_role("link", name=re.compile("^Judgements and sign-off")))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Judgements: "))
    assessor.focus_start()
    follow(assessor, page.get_by_role("link", name="Judge 1.1", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge 1.1")
    for box in page.locator("table input[type=checkbox]").all():
        press(assessor, box, "Space")
        expect(box).to_be_checked()
    met = page.get_by_label("Met", exact=True)
    press(assessor, met, "Space")
    expect(met).to_be_checked()
    assessor.tab_to(page.get_by_label("Rationale"))
    page.keyboard.type("The checklist shows the post room's internal customers.")
    press(assessor, page.get_by_label("Examination of work product"), "Space")
    assessor.check("keyboard judging")
    follow(assessor, page.get_by_role("button", name="Record judgement"))
    assessor.expect_message("Judgement of 1.1 recorded.")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Judge 1.1"))
    expect(row).to_contain_text("Met")
