"""The learner's progress: coverage of each unit's criteria, and the dashboard that shows it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Judgement
from criteria.models import AssessmentCriterion, CriterionPart, Unit, split_code
from evidence.models import AssessmentMethod, EvidenceItem, EvidenceMapping, EvidenceType
from evidence.selectors import coverage_for_enrolment
from evidence.services import evidence_item_create, evidence_mappings_set, evidence_submit
from people.models import EnrolmentUnit

from .factories import AssessmentCriterionFactory, LearningOutcomeFactory, UnitFactory

OUTLINE = "plan-organise-control-customer-service-operations"
ALL_CODES = [
    "1.1", "2.1", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3",
    "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "8.1", "8.2", "8.3", "9.1", "10.1",
    "10.2", "10.3",
]  # fmt: skip


def target(unit, code):
    """The criterion or part a code such as '3.2' or '9.1 b' names in `unit`."""
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    if letter:
        return criterion, CriterionPart.objects.get(criterion=criterion, letter=letter)
    return criterion, None


def add_evidence(enrolment, title, unit, codes, *, submit=False, day=1):
    learner = enrolment.learner
    item = evidence_item_create(
        enrolment=enrolment,
        by=learner,
        title=title,
        activity_date=datetime.date(2026, 10, day),
        evidence_type=EvidenceType.MONITORING_RECORD,
        assessment_method=AssessmentMethod.WORK_PRODUCT,
        description="What I did and what happened.",
    )
    targets = [(*target(unit, code), "") for code in codes]
    evidence_mappings_set(item=item, by=learner, targets=targets)
    if submit:
        evidence_submit(item=item, by=learner, declaration=True)
    return item


@pytest.fixture
def portfolio(alice_enrolment, unit):
    """alice's evidence: two submitted items and a draft, 9.1 covered in parts a and c only."""
    return [
        add_evidence(alice_enrolment, "Complaints log", unit, ["1.1", "2.1", "3.1"], submit=True),
        add_evidence(alice_enrolment, "Draft survey", unit, ["3.3", "9.1 a", "9.1 c"], day=3),
        add_evidence(alice_enrolment, "Evaluation", unit, ["10.1", "9.1 a"], submit=True, day=2),
    ]


@pytest.fixture
def outline(alice_enrolment, catalogue):
    outline = Unit.objects.get(slug=OUTLINE)
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=outline)
    return outline


def test_it_lists_every_criterion_in_numeric_order(alice_enrolment):
    [coverage] = coverage_for_enrolment(alice_enrolment)
    assert [criterion.code for criterion in coverage.criteria] == ALL_CODES
    codes = [row.code for row in coverage.matrix_rows]
    assert codes[codes.index("9.1") :] == ["9.1", "9.1 a", "9.1 b", "9.1 c", "10.1", "10.2", "10.3"]


def test_it_counts_criteria_with_evidence_submitted_or_not(alice_enrolment, portfolio):
    [coverage] = coverage_for_enrolment(alice_enrolment)
    assert coverage.total == 26
    # 1.1, 2.1, 3.1, 3.3 and 10.1; 9.1 still lacks part b so it does not count
    assert coverage.with_evidence == 5
    # 3.3 has only a draft
    assert coverage.with_submitted_evidence == 4
    assert coverage.met == 0


def test_it_lists_the_gaps_with_only_the_missing_parts_of_a_criterion(alice_enrolment, portfolio):
    [coverage] = coverage_for_enrolment(alice_enrolment)
    covered = {"1.1", "2.1", "3.1", "3.3", "10.1"}
    expected = [code if code != "9.1" else "9.1 b" for code in ALL_CODES if code not in covered]
    assert coverage.gaps == expected
    assert coverage.gap_sentences[0].endswith("8.3, 9.1 b, 10.2 and 10.3.")
    assert coverage.drafts_only == ["3.3", "9.1 c"]


def test_it_counts_a_criterion_with_parts_once_every_part_has_evidence(
    alice_enrolment, unit, portfolio
):
    add_evidence(alice_enrolment, "Referral email", unit, ["9.1 b"], day=4)
    [coverage] = coverage_for_enrolment(alice_enrolment)
    assert coverage.with_evidence == 6
    assert "9.1" not in " ".join(coverage.gaps)
    assert coverage.with_submitted_evidence == 4  # parts b and c have only drafts
    assert coverage.drafts_only == ["3.3", "9.1 b", "9.1 c"]


def test_it_shows_which_items_are_mapped_to_each_criterion_and_part(alice_enrolment, portfolio):
    log, draft, evaluation = portfolio
    [coverage] = coverage_for_enrolment(alice_enrolment)
    by_code = {criterion.code: criterion for criterion in coverage.criteria}
    assert [item.title for item in by_code["1.1"].items] == ["Complaints log"]
    assert by_code["1.1"].items[0].get_status_display() == "Submitted"
    part_a = by_code["9.1"].parts[0]
    assert part_a.code == "9.1 a"
    assert {item.pk for item in part_a.items} == {draft.pk, evaluation.pk}
    # columns in the order the work happened
    assert [item.pk for item in coverage.items] == [log.pk, evaluation.pk, draft.pk]
    row = next(row for row in coverage.matrix_rows if row.code == "9.1 a")
    assert [cell.item.pk if cell else None for cell in row.cells] == [
        None,
        evaluation.pk,
        draft.pk,
    ]


def test_it_counts_what_the_judgements_say_is_met(alice_enrolment, unit, portfolio):
    criterion, _ = target(unit, "1.1")
    enrolled_unit = EnrolmentUnit.objects.get(enrolment=alice_enrolment, unit=unit)
    judged = {"judged_by": alice_enrolment.assessor, "judged_at": timezone.now()}
    Judgement.objects.create(
        enrolled_unit=enrolled_unit, criterion=criterion, outcome="met", rationale="Seen.", **judged
    )
    for part in CriterionPart.objects.filter(criterion__outcome__unit=unit):
        Judgement.objects.create(
            enrolled_unit=enrolled_unit,
            criterion=part.criterion,
            part=part,
            outcome="met",
            rationale="Seen.",
            **judged,
        )
    [coverage] = coverage_for_enrolment(alice_enrolment)
    # 9.1's parts are met, but 9.1 itself waits for its own judgement.
    assert coverage.met == 1
    assert [c.code for c in coverage.criteria if c.is_done] == ["1.1"]
    assert [p.code for c in coverage.criteria for p in c.parts if p.is_done] == [
        "9.1 a",
        "9.1 b",
        "9.1 c",
    ]


def test_it_ignores_another_learners_evidence(alice_enrolment, bob_enrolment, unit, portfolio):
    add_evidence(bob_enrolment, "Bob's log", unit, ["3.2"], submit=True)
    [coverage] = coverage_for_enrolment(alice_enrolment)
    assert "3.2" in coverage.gaps
    assert "Bob's log" not in [item.title for item in coverage.items]


def test_it_treats_an_outline_unit_as_criteria_not_yet_loaded(alice_enrolment, outline):
    coverages = coverage_for_enrolment(alice_enrolment)
    [outline_coverage] = [c for c in coverages if c.unit == outline]
    assert not outline_coverage.criteria_loaded
    assert (outline_coverage.total, outline_coverage.with_evidence, outline_coverage.met) == (
        0,
        0,
        0,
    )
    assert outline_coverage.gaps == []


def test_it_counts_nothing_in_an_outline_even_if_some_criteria_are_stored(alice_enrolment):
    draft_unit = UnitFactory(criteria_complete=False)
    AssessmentCriterionFactory(outcome=LearningOutcomeFactory(unit=draft_unit, number=1))
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=draft_unit)
    [draft_coverage] = [c for c in coverage_for_enrolment(alice_enrolment) if c.unit == draft_unit]
    assert (draft_coverage.total, draft_coverage.gaps, draft_coverage.matrix_rows) == (0, [], [])


# The progress page --------------------------------------------------------------------------


def progress_url(enrolment):
    return reverse("evidence:progress", args=[enrolment.pk])


def test_it_shows_the_learner_their_progress_in_words(client, alice, alice_enrolment, portfolio):
    client.force_login(alice)
    response = client.get(progress_url(alice_enrolment))
    assert response.status_code == 200
    assert response.text.count("<h1") == 1
    assert "5 of 26 criteria have evidence" in response.text
    assert "4 of 26 criteria have submitted evidence" in response.text
    assert "0 of 26 criteria met" in response.text
    assert '<progress class="progress-meter" value="5" max="26"' in response.text
    assert "No evidence yet for 3.2, 3.4, 4.1," in response.text
    assert "8.3, 9.1 b, 10.2 and 10.3." in response.text
    assert "Only draft evidence, not yet submitted for assessment, for 3.3 and 9.1 c." in (
        response.text
    )


def test_it_shows_a_matrix_that_scrolls_inside_its_own_region(
    client, alice, alice_enrolment, portfolio
):
    client.force_login(alice)
    response = client.get(progress_url(alice_enrolment))
    assert 'role="region" aria-label="Criteria by evidence for A/601/2550" tabindex="0"' in (
        response.text
    )
    # positioned, so its visually hidden texts cannot widen the page beyond 375 px
    assert 'class="table-responsive position-relative" role="region"' in response.text
    assert "<caption>" in response.text and 'scope="row"' in response.text
    assert (
        '<span class="visually-hidden">mapped, waiting for the assessor&#x27;s decision</span>'
        in response.text
    )
    assert '<span class="visually-hidden">mapped, draft not yet submitted</span>' in response.text
    # a mark in each of the 8 mapped cells, and the 4 of the key above the matrix
    assert response.text.count('<span class="matrix-mark') == 8 + 4


def test_it_links_each_unit_to_the_catalogue(client, alice, alice_enrolment, unit):
    client.force_login(alice)
    response = client.get(progress_url(alice_enrolment))
    assert f'href="{unit.get_absolute_url()}"' in response.text


def test_it_offers_the_learner_and_only_the_learner_a_way_to_add_evidence(
    client, alice, carol, alice_enrolment
):
    add_url = reverse("evidence:create", args=[alice_enrolment.pk])
    client.force_login(alice)
    assert f'href="{add_url}">Add evidence' in client.get(progress_url(alice_enrolment)).text
    client.force_login(carol)
    assert add_url not in client.get(progress_url(alice_enrolment)).text


def test_it_shows_an_outline_unit_as_criteria_not_yet_loaded(
    client, alice, alice_enrolment, outline, portfolio
):
    client.force_login(alice)
    response = client.get(progress_url(alice_enrolment))
    assert response.status_code == 200
    assert "Criteria not yet loaded." in response.text
    assert "Plan, organise and control customer service operations" in response.text
    assert "5 of 26 criteria have evidence" in response.text


def test_it_tells_a_learner_with_no_evidence_what_to_do(client, alice, alice_enrolment):
    client.force_login(alice)
    response = client.get(progress_url(alice_enrolment))
    assert "No evidence is mapped to this unit yet. Add an item of evidence" in response.text
    assert "0 of 26 criteria have evidence" in response.text


def test_it_answers_404_to_another_learner(client, bob, alice_enrolment, bob_enrolment):
    client.force_login(bob)
    assert client.get(progress_url(alice_enrolment)).status_code == 404


@pytest.mark.parametrize("person", ["carol", "erin", "frank"])
def test_it_shows_the_progress_to_the_assessor_iqa_and_centre_admin(
    client, request, person, alice_enrolment, portfolio
):
    client.force_login(request.getfixturevalue(person))
    response = client.get(progress_url(alice_enrolment))
    assert response.status_code == 200
    assert "Progress of Alice Archer" in response.text
    assert "5 of 26 criteria have evidence" in response.text


def test_it_sends_an_anonymous_visitor_to_sign_in(client, alice_enrolment):
    response = client.get(progress_url(alice_enrolment))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _fill_portfolio(enrolment, unit, size):
    """Make `size` items, each mapped to three criteria and one part, the mappings in bulk."""
    learner = enrolment.learner
    targets = [target(unit, code) for code in ("1.1", "3.2", "10.3", "9.1 b")]
    have = enrolment.evidence_items.count()
    items = [
        evidence_item_create(
            enrolment=enrolment,
            by=learner,
            title=f"Item {number}",
            activity_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 300),
            evidence_type=EvidenceType.FEEDBACK_LOG,
            assessment_method=AssessmentMethod.WORK_PRODUCT,
            description="Feedback collected.",
        )
        for number in range(have, size)
    ]
    EvidenceMapping.objects.bulk_create(
        EvidenceMapping(item=item, criterion=criterion, part=part, added_by=learner)
        for item in items
        for criterion, part in targets
    )
    EvidenceItem.objects.filter(pk__in=[item.pk for item in items[::2]]).update(
        status=EvidenceItem.Status.SUBMITTED  # stands in for evidence_submit, for speed
    )


def test_it_costs_the_same_queries_for_200_items_as_for_2(
    client, alice, alice_enrolment, unit, outline, django_assert_num_queries
):
    """Uncached (every count below follows a change) and cached, at two sizes."""
    client.force_login(alice)

    def count_for(size):
        _fill_portfolio(alice_enrolment, unit, size)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(progress_url(alice_enrolment))
        assert response.status_code == 200
        assert response.text.count('visually-hidden">mapped, ') == size * 4
        return len(captured)

    assert count_for(2) == count_for(200) == 9
    # Rendered again at the same version: session, user, navigation, enrolment and targets
    # panel; the units come from the cache. (Uncached, as above: five for coverage, namely
    # units, outcomes, criteria, parts and mappings, and the met judgements.)
    with django_assert_num_queries(5):
        client.get(progress_url(alice_enrolment))


# The cached matrix ---------------------------------------------------------------------------


def test_the_cached_matrix_changes_with_every_kind_of_record(
    client, alice, carol, alice_enrolment, unit
):
    """The progress page's units are cached by the portfolio's version: each service that
    changes evidence, files, mappings, review, judgements or sign-off moves it on, so the page
    never shows a stale copy."""
    from assessments.review import item_accept, mappings_decide
    from assessments.signoff import unit_sign_off

    from .evidence_factories import add_file
    from .test_judgements import enrolled, evidence_for_everything, judge_all_met

    client.force_login(alice)
    url = progress_url(alice_enrolment)

    def page_after(change):
        before = client.get(url).text
        version = alice_enrolment.portfolio_version
        change()
        alice_enrolment.refresh_from_db()
        assert alice_enrolment.portfolio_version > version
        after = client.get(url).text
        return before, after

    item = None

    def new_item():
        nonlocal item
        item = add_evidence(alice_enrolment, "Team survey", unit, ["1.1"])

    before, after = page_after(new_item)
    assert "Team survey" not in before and "Team survey" in after

    def remap():
        evidence_mappings_set(item=item, by=alice, targets=[(*target(unit, "2.1"), "")])

    before, after = page_after(remap)
    assert before != after  # the tick moved from 1.1 to 2.1

    before, after = page_after(lambda: add_file(item))
    before, after = page_after(lambda: evidence_submit(item=item, by=alice, declaration=True))
    assert "Submitted" in after and before != after

    def accept():
        mappings = list(item.mappings.all())
        mappings_decide(item=item, by=carol, decisions=[(m, "accepted", "") for m in mappings])
        item_accept(item=item, by=carol)

    before, after = page_after(accept)
    assert "Accepted" in after and before != after

    enrolled_unit = enrolled(alice_enrolment, unit)
    everything = evidence_for_everything(enrolled_unit)
    before, after = page_after(lambda: judge_all_met(enrolled_unit, everything))
    met = '<td data-label="Evidence so far">Met</td>'
    assert after.count(met) > before.count(met)

    page_after(
        lambda: unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    )
