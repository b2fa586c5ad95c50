"""One truth about each criterion: one portfolio with every state a criterion can be in, and
the progress page, its matrix and gap list, the CSV and the PDF all saying the same of each."""

import re

import pytest
from django.urls import reverse

from assessments.criterion_state import LABELS, portfolio_states, states_for_enrolments
from assessments.review import mapping_decide
from assessments.signoff import unit_sign_off
from evidence.models import EvidenceMapping
from people.models import EnrolmentUnit

from .factories import AssessmentCriterionFactory, EnrolmentFactory, UnitFactory, UserFactory
from .test_coverage_report import (
    accept_all,
    add_item,
    enrolled_unit_of,
    judge,
    pdf_text,
    read_csv,
    target,
)

Decision = EvidenceMapping.Decision
POST_ROOM_COMMENT = "The log shows the post room's times, not how you dealt with colleagues."

EXPECTED = {
    "1.1": LABELS["no_evidence"],
    "2.1": LABELS["draft_only"],
    "3.1": LABELS["submitted"],
    "3.2": LABELS["accepted"],
    "3.3": LABELS["rejected"],
    "4.1": LABELS["not_yet_met"],
    "5.1": LABELS["met"],
    "9.1 a": LABELS["rejected"],
    "9.1 b": LABELS["accepted"],
    "9.1 c": LABELS["no_evidence"],
    "9.1": LABELS["no_evidence"],  # where its least advanced part stands
}


def reject(item, code, comment, assessor):
    for mapping in item.mappings.select_related("criterion__outcome", "part"):
        if mapping.code == code:
            mapping_decide(
                mapping=mapping, by=assessor, decision=Decision.REJECTED, comment=comment
            )


def build_every_state(enrolment, unit, qualification):
    """A portfolio whose criteria are in every state, and a second unit signed off."""
    assessor = enrolment.assessor
    add_item(enrolment, "Survey draft", unit, ["2.1"], submit=False)
    add_item(enrolment, "Feedback log", unit, ["3.1"], day=2)
    accepted = add_item(enrolment, "Complaints log", unit, ["3.2", "4.1", "5.1", "9.1 b"], day=3)
    accept_all(accepted, assessor)
    post_room = add_item(enrolment, "Post room log", unit, ["3.3", "9.1 a"], day=4)
    reject(post_room, "3.3", POST_ROOM_COMMENT, assessor)
    reject(post_room, "9.1 a", "Not about referring problems.", assessor)
    enrolled_unit = enrolled_unit_of(enrolment, unit)
    judge(enrolled_unit, unit, "4.1", [accepted], outcome="not_yet")
    judge(enrolled_unit, unit, "5.1", [accepted])

    small = UnitFactory(reference="J/601/0001", title="A small unit")
    AssessmentCriterionFactory(outcome__unit=small, outcome__number=1, number=1)
    signed_unit = EnrolmentUnit.objects.create(enrolment=enrolment, unit=small)
    note = add_item(enrolment, "Meeting note", small, ["1.1"], day=5)
    accept_all(note, assessor)
    judge(signed_unit, small, "1.1", [note])
    unit_sign_off(enrolled_unit=signed_unit, by=assessor, declaration_confirmed=True)
    return small


def progress_matrix(html):
    """{(unit heading, code): state} from the progress page's matrix."""
    found = {}
    for section in html.split('<section class="card mb-4" aria-labelledby="unit-')[1:]:
        reference = re.search(r'aria-label="Criteria by evidence for ([^"]+)"', section)[1]
        for code, state in re.findall(
            r'<span class="criterion-code">([^<]+)</span>.*?</th>\s*<td[^>]*>([^<]+)</td>',
            section,
            flags=re.DOTALL,
        ):
            found[(reference, code)] = state.replace("&#x27;", "'")
    return found


def test_every_page_says_the_same_of_each_criterion(
    client, alice, alice_enrolment, unit, qualification, tmp_path
):
    small = build_every_state(alice_enrolment, unit, qualification)
    client.force_login(alice)

    page = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).text
    matrix = progress_matrix(page)
    csv_rows = read_csv(
        client.get(reverse("assessments:matrix_csv", args=[alice_enrolment.pk])).content
    )
    csv_states = {(row[0], row[1]): row[3] for row in csv_rows[1:]}
    pdf = pdf_text(
        client.get(reverse("assessments:report_pdf", args=[alice_enrolment.pk])).content,
        tmp_path,
    )
    labels = sorted(LABELS.values(), key=len, reverse=True)  # "Met and signed off" before "Met"
    pattern = "|".join(map(re.escape, labels))
    pdf_states = re.findall(rf"Status: ({pattern})\.", pdf)

    expected = {("A/601/2550", code): state for code, state in EXPECTED.items()}
    expected[("J/601/0001", "1.1")] = LABELS["signed_off"]
    for key, state in expected.items():
        assert (key, matrix[key]) == (key, state)
        assert (key, csv_states[key]) == (key, state)
    # Every row, not only those above: the page, the CSV and the PDF list the same states in
    # the same order.
    assert list(matrix) == list(csv_states)
    assert list(matrix.values()) == list(csv_states.values()) == pdf_states
    assert small.title in pdf


def test_the_gap_list_names_each_rejection_with_the_assessors_comment(
    client, alice, alice_enrolment, unit, qualification, tmp_path
):
    build_every_state(alice_enrolment, unit, qualification)
    client.force_login(alice)
    page = client.get(reverse("evidence:progress", args=[alice_enrolment.pk])).text
    sentence = f"3.3: the assessor did not accept “Post room log” for this: {POST_ROOM_COMMENT}"
    assert sentence.replace("'", "&#x27;") in page
    assert "9.1 a: the assessor did not accept “Post room log” for this" in page
    assert "No evidence yet for 1.1," in page
    assert "Only draft evidence, not yet submitted for assessment, for 2.1." in page
    assert "Judged not yet met: 4.1." in page
    # The matrix marks the rejection with its own shape and words, and says what it means.
    assert '<span class="visually-hidden">not accepted by the assessor</span>' in page
    assert "not accepted by the assessor (the reason is in the list above" in page

    pdf = pdf_text(
        client.get(reverse("assessments:report_pdf", args=[alice_enrolment.pk])).content,
        tmp_path,
    )
    assert sentence in pdf
    assert "No evidence yet for 1.1," in pdf


def test_the_learner_sees_each_decision_and_comment_on_the_item_page(
    client, alice, alice_enrolment, unit
):
    post_room = add_item(alice_enrolment, "Post room log", unit, ["3.3", "3.4"])
    reject(post_room, "3.3", POST_ROOM_COMMENT, alice_enrolment.assessor)
    for mapping in post_room.mappings.all():
        if mapping.code == "3.4":
            mapping_decide(
                mapping=mapping,
                by=alice_enrolment.assessor,
                decision=Decision.ACCEPTED,
                comment="Good times kept.",
            )
    client.force_login(alice)
    page = client.get(post_room.get_absolute_url()).text
    assert "Not accepted</span> by Carol Carter" in page
    assert f"The assessor’s comment: {POST_ROOM_COMMENT}".replace("'", "&#x27;") in page
    assert "Accepted</span> by Carol Carter" in page
    assert "The assessor’s comment: Good times kept." in page


def test_a_criterion_with_parts_is_met_only_by_its_own_judgement(alice_enrolment, unit):
    item = add_item(alice_enrolment, "Referrals", unit, ["9.1 a", "9.1 b", "9.1 c"])
    accept_all(item, alice_enrolment.assessor)
    enrolled_unit = enrolled_unit_of(alice_enrolment, unit)
    for code in ("9.1 a", "9.1 b", "9.1 c"):
        judge(enrolled_unit, unit, code, [item])
    [states] = portfolio_states(alice_enrolment).values()
    criterion, _ = target(unit, "9.1")
    assert states.get(criterion.pk).state == "accepted"
    judge(enrolled_unit, unit, "9.1", [item])
    [states] = portfolio_states(alice_enrolment).values()
    assert states.get(criterion.pk).state == "met"


@pytest.mark.parametrize("learners", [2, 20])
def test_it_costs_four_queries_for_any_number_of_learners(
    learners, alice_enrolment, unit, qualification, django_assert_max_num_queries
):
    enrolments = [alice_enrolment]
    for number in range(learners - 1):
        enrolment = EnrolmentFactory(
            learner=UserFactory(username=f"learner{number}"),
            assessor=alice_enrolment.assessor,
            qualification=qualification,
            units=[unit],
        )
        add_item(enrolment, "Log", unit, ["1.1", "9.1 a"])
        enrolments.append(enrolment)
    with django_assert_max_num_queries(4):
        states = states_for_enrolments([e.pk for e in enrolments])
    assert len(states) == learners


def test_a_rejection_stays_in_the_gap_list_until_the_criterion_is_met(alice_enrolment, unit, carol):
    log = add_item(alice_enrolment, "Complaints log", unit, ["3.3"], day=2)
    accept_all(log, carol)
    post_room = add_item(alice_enrolment, "Post room log", unit, ["3.3"], day=3)
    reject(post_room, "3.3", POST_ROOM_COMMENT, carol)
    [states] = portfolio_states(alice_enrolment).values()
    # Other evidence is accepted, so 3.3 is no gap, but the learner still hears why.
    assert "3.3" not in states.codes_in("no_evidence", "rejected")
    assert states.rejection_sentences == [
        f"3.3: the assessor did not accept “Post room log” for this: {POST_ROOM_COMMENT}"
    ]
    judge(enrolled_unit_of(alice_enrolment, unit), unit, "3.3", [log])
    [states] = portfolio_states(alice_enrolment).values()
    assert states.rejection_sentences == []
