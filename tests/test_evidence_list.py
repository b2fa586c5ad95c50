"""The evidence list: what each person may see, the filters, pages, and a fixed query count."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from criteria.models import AssessmentCriterion, CriterionPart, split_code
from evidence.models import (
    AssessmentMethod,
    EvidenceFile,
    EvidenceItem,
    EvidenceMapping,
    EvidenceType,
)
from evidence.selectors import evidence_items_for_list
from evidence.services import evidence_item_create, evidence_mappings_set, evidence_submit
from nvq_portfolio import todo_count
from nvq_portfolio.pagination import CappedPaginator
from people.models import EnrolmentUnit

from .evidence_factories import EvidenceItemFactory
from .factories import AssessmentCriterionFactory, LearningOutcomeFactory, UnitFactory

LIST_URL = reverse("evidence:list")


def target(unit, code):
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    if letter:
        return criterion, CriterionPart.objects.get(criterion=criterion, letter=letter)
    return criterion, None


def add_evidence(enrolment, title, mapped_to=(), *, submit=False, **fields):
    """An item made as the learner makes it; `mapped_to` is [(unit, code)]."""
    learner = enrolment.learner
    values = {
        "activity_date": datetime.date(2026, 10, 1),
        "evidence_type": EvidenceType.MONITORING_RECORD,
        "assessment_method": AssessmentMethod.WORK_PRODUCT,
        "description": "What I did and what happened.",
        **fields,
    }
    item = evidence_item_create(enrolment=enrolment, by=learner, title=title, **values)
    targets = [(*target(unit, code), "") for unit, code in mapped_to]
    if targets:
        evidence_mappings_set(item=item, by=learner, targets=targets)
    if submit:
        evidence_submit(item=item, by=learner, declaration=True)
    return item


def star(**answers):
    """Answers to the STAR reflective-account template, with `answers` in place of the usual."""
    return {
        "situation": "A colleague asked for help.",
        "task": "Reply within the day.",
        "action": "I replied.",
        "result": "They thanked me.",
        **answers,
    }


def titles(response):
    return {item.title for item in response.context["page"]}


@pytest.fixture
def second_unit(alice_enrolment):
    """A second unit on alice's enrolment, with criterion 1.1 of its own."""
    second = UnitFactory(title="Manage a budget")
    AssessmentCriterionFactory(outcome=LearningOutcomeFactory(unit=second, number=1), number=1)
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=second)
    return second


@pytest.fixture
def portfolio(alice_enrolment, unit, second_unit):
    """alice's items, each different from the rest in one way a filter can find."""
    add_evidence(
        alice_enrolment,
        "Complaints log",
        [(unit, "3.2")],
        submit=True,
        activity_date=datetime.date(2026, 9, 14),
        evidence_type=EvidenceType.COMPLAINTS_LOG,
    )
    add_evidence(
        alice_enrolment,
        "Referral email",
        [(unit, "9.1 b")],
        activity_date=datetime.date(2026, 10, 2),
        assessment_method=AssessmentMethod.WITNESS_TESTIMONY,
    )
    add_evidence(
        alice_enrolment,
        "Reflective account",
        [(unit, "3.2"), (unit, "9.1 a")],
        activity_date=datetime.date(2026, 11, 3),
        description="I kept a log over the month.",
        template="star",
        typed_content=star(situation="The payroll team missed the 4-hour response standard"),
    )
    add_evidence(
        alice_enrolment,
        "Budget review",
        [(second_unit, "1.1")],
        activity_date=datetime.date(2026, 11, 20),
    )
    add_evidence(alice_enrolment, "Unmapped notes", activity_date=datetime.date(2026, 8, 1))


@pytest.fixture
def bobs_item(bob_enrolment, unit):
    return add_evidence(bob_enrolment, "Bob's monitoring record", [(unit, "3.2")], submit=True)


# Who sees what ------------------------------------------------------------------------------


ALICES = {
    "Complaints log",
    "Referral email",
    "Reflective account",
    "Budget review",
    "Unmapped notes",
}


def test_it_shows_a_learner_only_their_own_evidence(client, alice, portfolio, bobs_item):
    client.force_login(alice)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert titles(response) == ALICES
    assert "Bob&#x27;s monitoring record" not in response.text
    assert '<th scope="col">Learner</th>' not in response.text


def test_it_shows_an_assessor_only_their_caseloads_evidence(client, carol, portfolio, bobs_item):
    client.force_login(carol)
    response = client.get(LIST_URL)
    assert titles(response) == ALICES
    assert '<th scope="col">Learner</th>' in response.text
    assert "<td>Alice Archer</td>" in response.text


@pytest.mark.parametrize("person", ["erin", "frank"])
def test_it_shows_the_iqa_and_centre_admin_every_learners_evidence(
    client, request, person, portfolio, bobs_item
):
    client.force_login(request.getfixturevalue(person))
    assert titles(client.get(LIST_URL)) == {*ALICES, "Bob's monitoring record"}


def test_it_shows_nothing_to_someone_with_no_role(client, portfolio, django_user_model):
    client.force_login(django_user_model.objects.create_user("mallory"))
    response = client.get(LIST_URL)
    assert titles(response) == set()
    assert "There is no evidence to show yet." in response.text


def test_it_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# What each row says -------------------------------------------------------------------------


def test_it_shows_each_items_date_type_method_status_and_counts(client, alice, portfolio):
    reflective = EvidenceItem.objects.get(title="Reflective account")
    client.force_login(alice)
    response = client.get(LIST_URL)
    assert f'<a href="{reflective.get_absolute_url()}">Reflective account</a>' in response.text
    assert '<time datetime="2026-11-03">03/11/2026</time>' in response.text
    assert "Internal customer complaints log" in response.text
    assert "Witness testimony" in response.text
    assert 'text-bg-primary">Submitted</span>' in response.text
    assert 'text-bg-secondary">Draft</span>' in response.text
    row = next(item for item in response.context["page"] if item.title == "Reflective account")
    assert (row.mapping_count, row.file_count) == (2, 0)


def test_it_counts_only_the_files_still_in_the_working_copy(alice, alice_enrolment, portfolio):
    # No upload service yet: the rows are written as it will write them.
    item = EvidenceItem.objects.get(title="Unmapped notes")
    for name, removed_at in [("kept.pdf", None), ("removed.pdf", timezone.now())]:
        EvidenceFile.objects.create(
            item=item,
            file=ContentFile(b"%PDF-1.4", name=name),
            original_name=name,
            size=8,
            sha256="0" * 64,
            content_type="application/pdf",
            uploaded_by=alice,
            removed_at=removed_at,
        )
    [listed] = [row for row in evidence_items_for_list(alice) if row.pk == item.pk]
    assert listed.file_count == 1


def test_it_lists_the_newest_activity_first(client, alice, portfolio):
    client.force_login(alice)
    response = client.get(LIST_URL)
    assert [item.title for item in response.context["page"]] == [
        "Budget review",
        "Reflective account",
        "Referral email",
        "Complaints log",
        "Unmapped notes",
    ]


# Filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"criterion": "3.2"}, {"Complaints log", "Reflective account"}),
        ({"criterion": "9.1"}, {"Referral email", "Reflective account"}),
        ({"criterion": "9.1 b"}, {"Referral email"}),
        ({"criterion": "9.1B"}, {"Referral email"}),
        ({"evidence_type": "complaints_log"}, {"Complaints log"}),
        ({"assessment_method": "witness_testimony"}, {"Referral email"}),
        ({"status": "submitted"}, {"Complaints log"}),
        (
            {"status": "draft", "date_from": "01/10/2026"},
            {"Referral email", "Reflective account", "Budget review"},
        ),
        (
            {"date_from": "02/10/2026", "date_to": "2026-11-03"},
            {"Referral email", "Reflective account"},
        ),
        ({"q": "log"}, {"Complaints log", "Reflective account"}),
        ({"q": "PAYROLL"}, {"Reflective account"}),
        ({"q": "payroll missed"}, {"Reflective account"}),
        ({"q": "payroll budget"}, set()),
    ],
)
def test_it_narrows_the_list_by_each_filter(client, alice, portfolio, query, expected):
    client.force_login(alice)
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    assert titles(response) == expected


def test_it_keeps_only_items_mapped_to_the_chosen_unit(client, alice, portfolio, unit):
    client.force_login(alice)
    assert titles(client.get(LIST_URL, {"unit": unit.pk})) == {
        "Complaints log",
        "Referral email",
        "Reflective account",
    }


def test_it_reads_a_criterion_code_within_the_chosen_unit(client, alice, portfolio, second_unit):
    client.force_login(alice)
    assert titles(client.get(LIST_URL, {"criterion": "1.1"})) == {"Budget review"}
    assert titles(client.get(LIST_URL, {"unit": second_unit.pk, "criterion": "1.1"})) == {
        "Budget review"
    }
    assert titles(client.get(LIST_URL, {"unit": second_unit.pk, "criterion": "3.2"})) == set()


def test_it_finds_words_in_typed_evidence_written_with_accents(client, alice, alice_enrolment):
    add_evidence(
        alice_enrolment,
        "Café rota",
        template="star",
        typed_content=star(action="Met the café manager and agreed a “quick wins” list"),
    )
    client.force_login(alice)
    assert titles(client.get(LIST_URL, {"q": "café"})) == {"Café rota"}
    assert titles(client.get(LIST_URL, {"q": "“quick"})) == {"Café rota"}


def test_it_searches_typed_answers_but_not_the_names_of_their_sections(client, alice, portfolio):
    client.force_login(alice)
    assert titles(client.get(LIST_URL, {"q": "standard"})) == {"Reflective account"}
    assert titles(client.get(LIST_URL, {"q": "situation"})) == set()


def test_it_offers_only_units_the_person_may_see(client, bob, portfolio, bob_enrolment):
    client.force_login(bob)
    choices = [label for _, label in client.get(LIST_URL).context["form"].fields["unit"].choices]
    assert choices == [
        "Any unit",
        "A/601/2550 Deliver, monitor and evaluate customer service to internal customers",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "31/02/2026"}, "Enter a real date in the form 23/11/2026."),
        ({"date_to": "yesterday"}, "Enter a real date in the form 23/11/2026."),
        ({"status": "lost"}, "Choose one of the statuses in the list."),
        ({"evidence_type": "poem"}, "Choose one of the types of evidence in the list."),
        ({"assessment_method": "guess"}, "Choose one of the assessment methods in the list."),
        ({"unit": "999999"}, "Choose one of the units in the list."),
        ({"unit": "a-601-2550"}, "Choose one of the units in the list."),
        ({"criterion": "three"}, "Enter a criterion code such as 3.2, or 9.1 b for a part"),
        (
            {"date_from": "03/11/2026", "date_to": "01/11/2026"},
            "The ‘to’ date must be on or after the ‘from’ date.",
        ),
    ],
)
def test_it_explains_bad_filter_input_instead_of_failing(client, alice, portfolio, query, message):
    client.force_login(alice)
    response = client.get(LIST_URL, query)
    assert response.status_code == 200
    assert message in response.text
    assert "Check the filters marked below." in response.text
    assert "<table" not in response.text
    assert "is-invalid" in response.text


def test_it_offers_a_link_that_clears_the_filters(client, alice, portfolio):
    client.force_login(alice)
    response = client.get(LIST_URL, {"status": "draft"})
    assert f'<a href="{LIST_URL}">Clear filters</a>' in response.text


def test_someone_who_sees_several_learners_filters_by_learner_name(
    client, erin, portfolio, bobs_item
):
    client.force_login(erin)
    response = client.get(LIST_URL, {"learner": "baker"})
    assert titles(response) == {"Bob's monitoring record"}
    assert 'for="id_learner"' in response.text


def test_a_learner_is_offered_no_learner_filter(client, alice, portfolio):
    client.force_login(alice)
    assert 'for="id_learner"' not in client.get(LIST_URL).text


def test_it_labels_every_filter(client, alice, alice_enrolment):
    client.force_login(alice)
    response = client.get(LIST_URL)
    for name in ["q", "unit", "criterion", "evidence_type", "assessment_method", "status"]:
        assert f'for="id_{name}"' in response.text
    assert 'for="id_date_from"' in response.text and 'for="id_date_to"' in response.text


# Empty states -------------------------------------------------------------------------------


def test_it_tells_a_learner_with_no_evidence_how_to_add_some(client, alice, alice_enrolment):
    client.force_login(alice)
    response = client.get(LIST_URL)
    assert "You have no evidence yet. Use ‘Add evidence’ above" in response.text
    assert reverse("evidence:create", args=[alice_enrolment.pk]) in response.text


def test_it_suggests_clearing_filters_that_match_nothing(client, alice, portfolio):
    client.force_login(alice)
    response = client.get(LIST_URL, {"q": "nothing-like-this"})
    assert "No evidence matches these filters." in response.text


# Pages and query counts ---------------------------------------------------------------------


def _fill(enrolment, unit, size):
    """Make items up to `size` through the service; map each to 3.2 and 9.1 a in bulk."""
    learner = enrolment.learner
    targets = [target(unit, "3.2"), target(unit, "9.1 a")]
    items = [
        evidence_item_create(
            enrolment=enrolment,
            by=learner,
            title=f"Feedback survey {number:03}",
            activity_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
            evidence_type=EvidenceType.FEEDBACK_LOG,
            assessment_method=AssessmentMethod.WORK_PRODUCT,
            description="Survey results.",
        )
        for number in range(enrolment.evidence_items.count(), size)
    ]
    EvidenceMapping.objects.bulk_create(
        EvidenceMapping(item=item, criterion=criterion, part=part, added_by=learner)
        for item in items
        for criterion, part in targets
    )


def test_it_shows_25_items_a_page_and_links_pages_keeping_the_filters(
    client, alice, alice_enrolment, unit
):
    _fill(alice_enrolment, unit, 30)
    client.force_login(alice)
    first = client.get(LIST_URL, {"status": "draft"})
    assert len(first.context["page"]) == 25
    assert "Items 1 to 25 of 30" in first.text
    assert 'href="?status=draft&amp;page=2"' in first.text
    second = client.get(LIST_URL, {"status": "draft", "page": 2})
    assert len(second.context["page"]) == 5
    assert 'href="?status=draft&amp;page=1"' in second.text
    assert "Feedback survey 000" in second.text


def test_it_shows_the_last_page_for_a_page_number_out_of_range(
    client, alice, alice_enrolment, unit
):
    _fill(alice_enrolment, unit, 30)
    client.force_login(alice)
    response = client.get(LIST_URL, {"page": "99"})
    assert response.status_code == 200
    assert response.context["page"].number == 2


@pytest.mark.parametrize("person", ["alice", "carol"])
def test_it_costs_the_same_queries_for_200_items_as_for_2(
    client, request, person, alice_enrolment, unit, django_assert_num_queries
):
    viewer = request.getfixturevalue(person)
    client.force_login(viewer)

    def count_for(size):
        _fill(alice_enrolment, unit, size)
        todo_count.forget(viewer.pk)  # both counted afresh, as once a minute
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST_URL, {"q": "survey", "status": "draft"})
        assert len(response.context["page"]) == min(size, 25)
        return len(captured)

    assert count_for(2) == count_for(200)
    # session, user, navigation roles, own enrolments and their units (alice only),
    # learner column, unit choices, count, page
    with django_assert_num_queries(9 if person == "alice" else 8):
        client.get(LIST_URL, {"q": "survey", "status": "draft"})


def test_the_count_stops_at_1000_and_says_there_are_more(client, carol, alice_enrolment):
    EvidenceItem.objects.bulk_create(
        EvidenceItem(
            enrolment=alice_enrolment,
            title=f"Feedback survey {number:04}",
            activity_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=number),
            evidence_type=EvidenceType.FEEDBACK_LOG,
            assessment_method=AssessmentMethod.WORK_PRODUCT,
            status=EvidenceItem.Status.SUBMITTED,
            created_by=alice_enrolment.learner,
        )
        for number in range(1010)
    )
    client.force_login(carol)

    first = client.get(LIST_URL)
    last = client.get(LIST_URL, {"page": 99})

    assert "Items 1 to 25 of more than 1000 (filter the list to reach the rest)" in first.text
    assert first.context["page"].paginator.num_pages == 40
    assert [item.title for item in last.context["page"]][-1] == "Feedback survey 0010"
    narrowed = client.get(LIST_URL, {"q": "survey 0009"})
    assert "Items 1 to 1 of 1," in narrowed.text


def test_capped_paginator_counts_exactly_below_its_cap(alice_enrolment):
    for _ in range(3):
        EvidenceItemFactory(enrolment=alice_enrolment)
    paginator = CappedPaginator(EvidenceItem.objects.order_by("pk"), 2, cap=3)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)
    assert CappedPaginator(EvidenceItem.objects.all(), 2, cap=2).capped
