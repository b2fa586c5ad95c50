"""Stage 3: the assessor judges every criterion still open, signs unit A/601/2550 off, and
Priya countersigns it."""

import re

from playwright.sync_api import expect

from .journey import FILES_ITEM_CODES, MET_IN_DEMO, ROWS_IN_UNIT, STAR_ITEM_CODES, UNIT

# What the demo left open, parts before the criterion they belong to.
STILL_OPEN = [*FILES_ITEM_CODES, *STAR_ITEM_CODES, "9.1"]


def open_unit(person):
    """From the home page to the unit's judgements: the learner through their progress page,
    the assessor through the caseload."""
    page = person.page
    person.goto("/")
    if person.username == "assessor":
        page.get_by_role("link", name=re.compile("^Open your caseload")).click()
        row = page.get_by_role("row").filter(has_text="Priya Shah")
        row.get_by_role("link", name=UNIT, exact=True).click()
    else:
        page.get_by_role("link", name="Your progress and gaps").click()
        page.get_by_role("link", name=re.compile("^Judgements and sign-off")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Judgements: "))


def judge_met(assessor, code, *, screenshot=False):
    page = assessor.page
    page.get_by_role("link", name=f"Judge {code}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Judge {code}")
    evidence = page.locator("table input[type=checkbox]")
    assert evidence.count() >= 6, f"no accepted evidence offered for {code}"
    for box in evidence.all():
        box.check()
    page.get_by_label("Met", exact=True).check()
    page.get_by_label("Rationale").fill(
        f"The accepted evidence shows {code} clearly, in real work."
    )
    page.get_by_label("Examination of work product").check()
    if screenshot:
        assessor.check(f"judging {code}")
    page.get_by_role("button", name="Record judgement").click()
    assessor.expect_message(f"Judgement of {code} recorded.")


def test_the_assessor_reads_what_is_left_to_judge(assessor):
    page = assessor.page
    open_unit(assessor)
    expect(
        page.get_by_text(f"{MET_IN_DEMO} of {ROWS_IN_UNIT} criteria and parts met")
    ).to_be_visible()
    expect(page.get_by_text("Not signed off.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign off the unit")).to_have_count(0)
    assessor.check("unit before judging")


def test_a_judgement_without_the_checks_is_refused_and_says_why(assessor):
    page = assessor.page
    page.get_by_role("link", name="Judge 1.1", exact=True).click()
    page.get_by_label("Met", exact=True).check()
    page.get_by_label("Rationale").fill("Shown in the handover pack.")
    page.get_by_role("button", name="Record judgement").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge 1.1")
    assessor.check("judgement refused")
    page.get_by_role("link", name="Cancel").click()


def test_the_assessor_judges_every_open_criterion_met(assessor):
    page = assessor.page
    for number, code in enumerate(STILL_OPEN):
        judge_met(assessor, code, screenshot=number == 0)
    expect(
        page.get_by_text(f"{ROWS_IN_UNIT} of {ROWS_IN_UNIT} criteria and parts met")
    ).to_be_visible()
    expect(page.get_by_text("Every criterion and part is met.")).to_be_visible()
    assessor.check("unit fully judged")


def test_the_assessor_signs_the_unit_off(assessor):
    page = assessor.page
    page.get_by_label(re.compile("I confirm that the evidence is valid, authentic")).check()
    page.get_by_role("button", name="Sign off the unit").click()
    assessor.expect_message("Unit signed off. The learner has been asked to countersign.")
    expect(page.get_by_text("Not yet countersigned")).to_be_visible()
    expect(page.get_by_text("intact", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Judge "))).to_have_count(0)
    assessor.check("unit signed off")


def test_the_learner_countersigns(learner):
    page = learner.page
    learner.goto("/notifications/")
    expect(page.locator("main")).to_contain_text(UNIT)
    open_unit(learner)
    expect(page.get_by_text("Signed off", exact=True)).to_be_visible()
    learner.check("asked to countersign")
    page.get_by_label(
        re.compile("I confirm that the evidence is my own work and that I agree")
    ).check()
    page.get_by_role("button", name="Countersign the unit").click()
    learner.expect_message("You have countersigned this unit.")
    expect(page.get_by_text("Countersigned", exact=True)).to_be_visible()
    expect(page.get_by_text("Priya Shah on", exact=False)).to_be_visible()
    learner.check("unit countersigned")
