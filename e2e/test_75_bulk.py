"""Stage 7½: everyday work in bulk. Sarah judges learner3's unit on one page (a refused row
saves nothing and says why, beside the row and at the top), then David reviews those
decisions: he saves his review as a draft, comes back to it, agrees with everything he had not
yet decided and signs. Screenshots of the new pages at 1280 and 375 px.

learner3 starts with an empty portfolio in the demo, so this stage makes its own evidence
through the services and runs the same alone or after the stages before it. It keeps to 3.1,
3.2 and 4.1: the keyboard stage (test_80) maps learner3's evidence to 1.1 and 2.1 later."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Judgement
from criteria.models import AssessmentCriterion
from people.models import Enrolment
from quality.models import SampleReview, SamplingPlan
from quality.services import sample_entry_add
from tests.test_judgements import evidence_for

from .journey import UNIT, UNIT_SLUG

SHOTS = Path("/tmp/shots-bulk")
PHONE = 375
ITEM = "Internal customer complaints log, learner3"


def shoot(person, name):
    """A screenshot kept for people to look at, beside the journey's own."""
    SHOTS.mkdir(exist_ok=True)
    person.page.screenshot(path=SHOTS / f"{name}-{person.width}.png", full_page=True)


@pytest.fixture(scope="module")
def enrolment(database):
    enrolment = Enrolment.objects.select_related("assessor", "iqa").get(
        learner__username="learner3"
    )
    criteria = AssessmentCriterion.objects.filter(outcome__unit__slug=UNIT_SLUG)
    c31 = criteria.get(outcome__number=3, number=1)
    c32 = criteria.get(outcome__number=3, number=2)
    evidence_for(enrolment, [(c31, None), (c32, None)], title=ITEM)
    return enrolment


def url(enrolment):
    return f"/assessments/enrolments/{enrolment.pk}/units/{UNIT_SLUG}/judge/"


def row_group(page, name):
    return page.get_by_role("group", name=name, exact=True)


def test_the_assessor_judges_a_unit_on_one_page(people, enrolment):
    assessor = people("assessor")
    page = assessor.page
    assessor.goto(f"/evidence/enrolments/{enrolment.pk}/progress/")
    page.get_by_role("link", name=re.compile("^Judge the unit on one page")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Judge the unit on one page")
    assessor.check("unit judged on one page")
    shoot(assessor, "judge-unit")

    row_group(page, "Outcome of 3.1").get_by_label("Met", exact=True).check()
    page.get_by_label("Rationale for 3.1").fill(
        "The log shows every complaint answered in 4 hours."
    )
    row_group(page, "Methods for 3.1").get_by_label("Examination of work product").check()
    row_group(page, "Evidence relied on for 3.1").get_by_label(ITEM).check()
    page.get_by_label("Each item ticked for 3.1 passes all five VACSR checks").check()
    # "Not yet met" relying on nothing needs no method.
    row_group(page, "Outcome of 3.2").get_by_label("Not yet met", exact=True).check()
    page.get_by_label("Rationale for 3.2").fill("The log does not yet show who was told.")
    # 4.1 has no evidence at all: met is refused, and so nothing is saved.
    row_group(page, "Outcome of 4.1").get_by_label("Met", exact=True).check()
    page.get_by_label("Rationale for 4.1").fill("Seen at work.")
    row_group(page, "Methods for 4.1").get_by_label("Observation").check()
    page.get_by_role("button", name="Record the judgements").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.get_by_text("1 row could not be recorded, so nothing was saved.")).to_be_visible()
    assert not Judgement.objects.filter(enrolled_unit__enrolment=enrolment).exists()
    assessor.check("a refused row")
    shoot(assessor, "judge-unit-refused")
    summary.get_by_role("link", name="Evidence relied on for 4.1").click()
    expect(page.locator("#row-" + _key(enrolment, 4, 1))).to_contain_text(
        "rely on at least one item of accepted evidence"
    )

    row_group(page, "Outcome of 4.1").get_by_label("Not yet met", exact=True).check()
    page.get_by_role("button", name="Record the judgements").click()
    assessor.expect_message("3 judgements recorded.")
    judged = {
        j.code: j.outcome for j in Judgement.objects.filter(enrolled_unit__enrolment=enrolment)
    }
    assert judged == {"3.1": "met", "3.2": "not_yet", "4.1": "not_yet"}
    expect(page.get_by_role("heading", level=1)).to_contain_text("Judgements:")


def _key(enrolment, outcome, number):
    criterion = AssessmentCriterion.objects.get(
        outcome__unit__slug=UNIT_SLUG, outcome__number=outcome, number=number
    )
    return f"c{criterion.pk}"


def test_the_one_page_judging_at_phone_width(people, enrolment):
    phone = people("assessor", width=PHONE, height=812)
    phone.goto(url(enrolment))
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Judge the unit on one page")
    phone.check("unit judged on one page")
    shoot(phone, "judge-unit")


def test_the_iqa_saves_a_review_as_a_draft_and_finishes_it_later(people, enrolment):
    plan = SamplingPlan.objects.filter(
        iqa=enrolment.iqa,
        period_start__lte=timezone.localdate(),
        period_end__gte=timezone.localdate(),
    ).first()
    entry = sample_entry_add(
        plan=plan,
        enrolled_unit=enrolment.enrolled_units.get(unit__slug=UNIT_SLUG),
        by=enrolment.iqa,
        stage="interim",
        planned_for=timezone.localdate(),
        reason="First decisions of a new portfolio",
    )
    iqa = people("iqa")
    page = iqa.page
    iqa.goto(f"/quality/samples/{entry.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Interim sample")
    page.get_by_role("radio", name="Disagree with 3.2", exact=True).check()
    page.get_by_label("Comment on 3.2").fill("Say which colleague was told, and when.")
    page.get_by_role("button", name="Save as a draft to finish later").click()
    iqa.expect_message("Draft saved.")
    assert not SampleReview.objects.filter(entry=entry).exists()

    # Later: the draft is as he left it.
    iqa.goto("/")
    iqa.goto(f"/quality/samples/{entry.pk}/")
    expect(page.get_by_text(re.compile("You saved this review as a draft on"))).to_be_visible()
    expect(page.get_by_role("radio", name="Disagree with 3.2", exact=True)).to_be_checked()
    expect(page.get_by_label("Comment on 3.2")).to_have_value(
        "Say which colleague was told, and when."
    )
    iqa.check("review draft kept")
    shoot(iqa, "review-draft")
    phone = people("iqa", width=PHONE, height=812)
    phone.goto(f"/quality/samples/{entry.pk}/")
    expect(phone.page.get_by_role("radio", name="Disagree with 3.2", exact=True)).to_be_checked()
    phone.check("review draft kept")
    shoot(phone, "review-draft")

    # Signing is refused while a decision has no verdict.
    page.get_by_label("Feedback to the assessor").fill("Clear rationales; 3.2 needs a name.")
    page.get_by_label(re.compile("^I confirm that I have sampled")).check()
    page.get_by_role("button", name="Sign the review").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The review is signed only when it is complete"
    )

    page.get_by_role("button", name="Agree with everything not yet decided").click()
    iqa.expect_message("is now marked agreed")
    expect(page.get_by_role("radio", name="Agree with 3.1", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Agree with 4.1", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Disagree with 3.2", exact=True)).to_be_checked()
    page.get_by_label("Action 1 for the assessor").fill("Add who was told to the 3.2 rationale.")
    due = page.get_by_label("Action 1 due")
    due.focus()
    iqa.type_date(due, timezone.localdate() + datetime.timedelta(days=14))
    page.get_by_label(re.compile("^I confirm that I have sampled")).check()
    page.get_by_role("button", name="Sign the review").click()
    iqa.expect_message("Review signed.")
    review = SampleReview.objects.get(entry=entry)
    assert not review.agreed and review.verdicts.count() == 3
    iqa.check("review signed after its draft")


def test_the_new_pages_at_phone_and_desktop_width(people, enrolment):
    """The evidence list's filters fold behind one button on a phone; the matrix and the VACSR
    table become cards. Looked at in /tmp/shots-bulk."""
    for width in (1280, PHONE):
        assessor = people("assessor", width=width, height=900 if width > PHONE else 812)
        page = assessor.page
        assessor.goto("/evidence/")
        toggle = page.get_by_role("button", name="Show or hide the filters")
        if width == PHONE:
            expect(page.get_by_label("Search", exact=True)).to_be_hidden()
            shoot(assessor, "evidence-list-filters-folded")
            # From the keyboard: a pointer left over the button would be caught mid-fade by axe.
            toggle.press("Enter")
            expect(page.get_by_label("Search", exact=True)).to_be_visible()
        else:
            expect(toggle).to_be_hidden()
            expect(page.get_by_label("Search", exact=True)).to_be_visible()
        assessor.check("evidence list filters")
        shoot(assessor, "evidence-list")
        assessor.goto(f"/evidence/enrolments/{enrolment.pk}/progress/")
        assessor.check("progress matrix")
        shoot(assessor, "progress-matrix")
        assessor.goto(url(enrolment) + f"{_key(enrolment, 3, 1)}/")
        assessor.check("judge with VACSR")
        shoot(assessor, "judge-vacsr")
    assert UNIT
