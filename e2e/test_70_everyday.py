"""Stage 7: everyday work from the home page. Priya sees an item sent back with the mapping
her assessor did not accept and why, on the item and in her gap list; each person's to-do list
takes them straight to what waits for them: Sarah to a review, Priya to acknowledge a record,
Tom to countersign his unit again after it was reopened. Each home page with its to-do list is
photographed at desktop and phone widths."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.criterion_state import portfolio_states
from assessments.judgements import judgement_record
from assessments.models import Judgement
from assessments.records import assessor_record_create
from assessments.review import item_send_back, mapping_decide
from assessments.selectors import standing_sign_off
from assessments.signoff import LEARNER_DECLARATION, unit_reopen, unit_sign_off
from criteria.models import AssessmentCriterion, CriterionPart
from evidence.models import AssessmentMethod, EvidenceMapping, EvidenceType
from evidence.services import evidence_item_create, evidence_mappings_set, evidence_submit
from people.models import Enrolment, EnrolmentUnit, User
from quality.models import SamplingPlan

SHOTS = Path("/tmp/shots-truth")
REJECTED_TITLE = "Post room opening times"
REJECTION = "This shows the post room's hours, not how you dealt with a colleague's problem."
RECORD_TITLE = "Observation: the post room handover"


def enrolment_of(username):
    return Enrolment.objects.select_related("learner", "assessor").get(learner__username=username)


def target_of(leaf):
    """(criterion, part or None) of a criterion state, to map evidence to it."""
    criterion = AssessmentCriterion.objects.get(pk=leaf.criterion_id)
    return criterion, CriterionPart.objects.get(pk=leaf.part_id) if leaf.part_id else None


def open_codes(enrolment):
    """Two codes of the enrolment's first unit not yet met, with their criterion and part.

    After the journey's stage 3 every criterion of Priya's unit is met and signed off: the
    assessor then reopens the unit and finds the last two criteria not yet met, as after an
    IQA's disagreement, so there is open work to send back and to acknowledge."""
    leaves = _open_leaves(enrolment)
    if len(leaves) < 2:
        _reopen_two_criteria(enrolment)
        leaves = _open_leaves(enrolment)
    return leaves[:2]


def _open_leaves(enrolment):
    states = next(iter(portfolio_states(enrolment).values()))
    return [leaf for leaf in states.leaves() if leaf.state not in ("met", "signed_off")]


def _reopen_two_criteria(enrolment):
    enrolled_unit = EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")[0]
    sign_off = standing_sign_off(enrolled_unit)
    if sign_off is not None:
        unit_reopen(
            sign_off=sign_off, by=enrolment.assessor, reason="The IQA asked for more on 10.2."
        )
    states = next(iter(portfolio_states(enrolment).values()))
    for leaf in [row for row in states.rows if not row.parts][-2:]:
        criterion, part = target_of(leaf)
        judgement_record(
            enrolled_unit=enrolled_unit,
            by=enrolment.assessor,
            criterion=criterion,
            part=part,
            outcome=Judgement.Outcome.NOT_YET,
            rationale="The evidence does not yet show this in Priya's own work.",
            methods=[],
        )


@pytest.fixture(scope="module")
def sent_back(database):
    """An item of Priya's submitted, one mapping turned down with the reason, and sent back."""
    enrolment = enrolment_of("learner")
    learner, assessor = enrolment.learner, enrolment.assessor
    leaves = open_codes(enrolment)
    item = evidence_item_create(
        enrolment=enrolment,
        by=learner,
        title=REJECTED_TITLE,
        activity_date=timezone.localdate() - datetime.timedelta(days=2),
        evidence_type=EvidenceType.MONITORING_RECORD,
        assessment_method=AssessmentMethod.WORK_PRODUCT,
        description="The post room's opening times for the autumn, as I posted them.",
    )
    evidence_mappings_set(
        item=item, by=learner, targets=[(*target_of(leaf), "") for leaf in leaves]
    )
    evidence_submit(item=item, by=learner, declaration=True)
    rejected = item.mappings.select_related("criterion__outcome", "part").order_by("pk")[0]
    mapping_decide(
        mapping=rejected,
        by=assessor,
        decision=EvidenceMapping.Decision.REJECTED,
        comment=REJECTION,
    )
    item_send_back(item=item, by=assessor, text="Please map it only where it shows your work.")
    return item, rejected.code


def test_the_learner_sees_the_rejection_and_why_from_their_to_do_list(learner, sent_back):
    item, code = sent_back
    page = learner.page
    learner.goto("/")
    todo = page.locator("#todo")
    expect(
        todo.get_by_role("heading", name=re.compile("^Evidence sent back to you"))
    ).to_be_visible()
    todo.get_by_role(
        "link", name=re.compile(f"^Read the feedback and revise.*“{REJECTED_TITLE}”")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REJECTED_TITLE)
    mappings = page.locator("#mappings-heading").locator("xpath=..")
    expect(mappings.locator(".badge", has_text="Not accepted")).to_be_visible()
    expect(mappings.get_by_text(f"The assessor’s comment: {REJECTION}")).to_be_visible()
    learner.check("item with a rejected mapping")

    learner.goto(f"/evidence/enrolments/{item.enrolment_id}/progress/")
    sentence = f"{code}: the assessor did not accept “{REJECTED_TITLE}” for this: {REJECTION}"
    expect(page.get_by_text(sentence)).to_be_visible()
    expect(
        page.get_by_text("not accepted by the assessor (the reason is in the list")
    ).to_be_visible()
    learner.check("gap list with the rejection")


def test_the_assessor_goes_from_the_to_do_list_to_a_review(assessor, database):
    enrolment = enrolment_of("learner")
    item = evidence_item_create(
        enrolment=enrolment,
        by=enrolment.learner,
        title="Survey of the finance team",
        activity_date=timezone.localdate(),
        evidence_type=EvidenceType.FEEDBACK_LOG,
        assessment_method=AssessmentMethod.WORK_PRODUCT,
        description="What the finance team said about the post room this month.",
    )
    leaf = open_codes(enrolment)[0]
    evidence_mappings_set(item=item, by=enrolment.learner, targets=[(*target_of(leaf), "")])
    evidence_submit(item=item, by=enrolment.learner, declaration=True)

    page = assessor.page
    assessor.goto("/")
    todo = page.locator("#todo")
    expect(
        todo.get_by_role("heading", name=re.compile("^Evidence waiting for your review"))
    ).to_be_visible()
    assessor.check("home with the to-do list")
    review = todo.get_by_role("link", name=re.compile("^Review.*Priya Shah: “"))
    expect(review.first).to_be_visible()
    review.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Review: "))
    assessor.check("review reached from the to-do list")


def test_the_learner_acknowledges_a_record_from_their_to_do_list(learner, database):
    enrolment = enrolment_of("learner")
    leaf = open_codes(enrolment)[0]
    assessor_record_create(
        enrolment=enrolment,
        by=enrolment.assessor,
        kind="observation",
        title=RECORD_TITLE,
        activity_date=timezone.localdate(),
        typed_content={
            "place": "Post room, head office",
            "activities": "Priya handed the post room over to the afternoon shift.",
            "criteria_covered": "She explained the open queries clearly.",
            "notes": "Calm and thorough.",
        },
        targets=[target_of(leaf)],
    )
    page = learner.page
    learner.goto("/")
    todo = page.locator("#todo")
    todo.get_by_role("link", name=re.compile(f"^Read and acknowledge.*“{RECORD_TITLE}”")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RECORD_TITLE)
    page.get_by_role("button", name=re.compile("^Acknowledge version 1")).click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_be_visible()
    learner.goto("/")
    expect(page.locator("#todo").get_by_text(RECORD_TITLE)).to_have_count(0)


def test_the_learner_countersigns_from_their_to_do_list(people, database):
    enrolment = enrolment_of("learner2")
    enrolled_unit = EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")[0]
    sign_off = standing_sign_off(enrolled_unit)
    if sign_off is not None:
        unit_reopen(sign_off=sign_off, by=enrolment.assessor, reason="A date on the log was wrong.")
    unit_sign_off(enrolled_unit=enrolled_unit, by=enrolment.assessor, declaration_confirmed=True)

    tom = people("learner2")
    page = tom.page
    tom.goto("/")
    tom.check("home with a unit to countersign")
    page.locator("#todo").get_by_role(
        "link", name=re.compile("^Countersign.*signed off by")
    ).click()
    page.get_by_label(LEARNER_DECLARATION).check()
    page.get_by_role("button", name="Countersign the unit").click()
    tom.expect_message("You have countersigned this unit.")
    tom.check("unit countersigned")


def test_the_iqa_opens_a_plan_ending_soon_from_their_to_do_list(people, database):
    plan = SamplingPlan.objects.filter(iqa__username="iqa").order_by("period_end").first()
    today = timezone.localdate()
    if not today <= plan.period_end <= today + datetime.timedelta(days=30):
        # The demo's plan ends within the month; keep it so whatever day the journey runs.
        SamplingPlan.objects.filter(pk=plan.pk).update(
            period_end=max(plan.period_start, today + datetime.timedelta(days=14))
        )
    iqa = people("iqa")
    page = iqa.page
    iqa.goto("/")
    page.locator("#todo").get_by_role(
        "link", name=re.compile(f"^Open the plan.*{plan.title}")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(plan.title)
    iqa.check("plan reached from the to-do list")


def test_the_centre_admin_opens_someone_without_an_enrolment(people, database):
    User.objects.create_user(
        username="newstarter", first_name="Nia", last_name="Newstart", email="nia@example.org"
    )
    admin = people("admin")
    page = admin.page
    admin.goto("/")
    todo = page.locator("#todo")
    todo.get_by_role("link", name=re.compile("^Open their record.*Nia Newstart")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nia Newstart")
    admin.check("person reached from the to-do list")


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("username", ["learner", "assessor", "iqa", "eqa", "admin"])
def test_each_home_page_starts_with_its_to_do_list(people, username, width):
    person = people(username, width=width)
    person.goto("/")
    expect(person.page.locator("#todo")).to_be_visible()
    person.check(f"home to-do list at {width}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    person.page.screenshot(path=SHOTS / f"home-{username}-{width}.png", full_page=True)
