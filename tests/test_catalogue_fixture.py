"""The `units` fixture carries the awarding body's exact wording, checked against the source."""

from pathlib import Path

import pytest
from django.core.management import call_command

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Unit

SOURCE = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "sources"
    / "A-601-2550-ocr-unit-specification.txt"
)
# Page furniture that the PDF-to-text conversion repeats through the table of criteria.
PAGE_FURNITURE = [
    "Learning Outcomes Assessment Criteria Teaching Content",
    "The Learner will:",
    "The Learner can:",
]


def squash(text):
    return " ".join(text.split())


def criteria_table_from_source():
    """The outcomes-and-criteria table of the specification, as one line of words."""
    text = squash(SOURCE.read_text(encoding="utf-8"))
    for furniture in PAGE_FURNITURE:
        text = text.replace(furniture, " ")
    text = squash(text)
    return text[text.index("1. Understand the meaning") : text.index(" Assessment This unit")]


def criteria_table_from_database(unit):
    words = []
    for outcome in unit.outcomes.order_by("number"):
        words.append(f"{outcome.number}. {outcome.text}")
        for criterion in outcome.criteria.order_by("number"):
            words.append(f"{criterion.code} {criterion.text}")
            words.extend(f"{part.letter}) {part.text}" for part in criterion.parts.all())
    return " ".join(words)


def test_it_carries_every_outcome_and_criterion_word_for_word(catalogue):
    assert criteria_table_from_database(catalogue) == criteria_table_from_source()


def test_it_has_ten_outcomes_and_twenty_six_criteria(catalogue):
    assert catalogue.outcomes.count() == 10
    criteria = AssessmentCriterion.objects.filter(outcome__unit=catalogue).select_related("outcome")
    codes = [criterion.code for criterion in criteria]
    assert len(codes) == 26
    assert codes[0] == "1.1" and codes[-1] == "10.3"
    assert list(
        CriterionPart.objects.filter(criterion__outcome__unit=catalogue).values_list(
            "letter", flat=True
        )
    ) == ["a", "b", "c"]


def test_it_orders_criteria_numerically_so_ten_comes_after_nine(catalogue):
    codes = [
        c.code
        for c in AssessmentCriterion.objects.select_related("outcome").filter(
            outcome__unit=catalogue
        )
    ]
    assert codes.index("10.1") == codes.index("9.1") + 1


def test_it_records_the_unit_details_from_the_specification(catalogue):
    assert catalogue.reference == "A/601/2550"
    assert catalogue.awarding_body_number == "34"
    assert catalogue.sector_number == "BAC121"
    assert (catalogue.level, catalogue.credit_value, catalogue.guided_learning_hours) == (3, 3, 12)
    assert catalogue.title == "Deliver, monitor and evaluate customer service to internal customers"
    assert len(catalogue.evidence_requirements) == 13
    assert "minutes of 1 to 1 meetings" in catalogue.evidence_requirements
    assert "use of others (witness testimony)" in catalogue.assessment_methods
    assert len(catalogue.assessment_methods) == 7
    source = squash(SOURCE.read_text(encoding="utf-8"))
    for line in catalogue.evidence_requirements + catalogue.assessment_methods:
        assert line in source


def test_it_marks_knowledge_and_competence_outcomes(catalogue):
    kinds = dict(catalogue.outcomes.values_list("number", "kind"))
    assert {kinds[n] for n in range(1, 7)} == {LearningOutcome.Kind.KNOWLEDGE}
    assert {kinds[n] for n in range(7, 11)} == {LearningOutcome.Kind.COMPETENCE}


def test_it_ships_the_level_four_unit_as_an_outline_without_criteria(catalogue):
    outline = Unit.objects.get(slug="plan-organise-control-customer-service-operations")
    assert outline.criteria_complete is False
    assert outline.reference == ""
    assert outline.level == 4
    assert outline.outcomes.count() == 4
    assert not AssessmentCriterion.objects.filter(outcome__unit=outline).exists()


@pytest.mark.django_db
def test_loading_the_fixture_twice_changes_nothing():
    call_command("loaddata", "units", verbosity=0)
    before = [
        (m.__name__, m.objects.count())
        for m in (Unit, LearningOutcome, AssessmentCriterion, CriterionPart)
    ]
    call_command("loaddata", "units", verbosity=0)
    after = [
        (m.__name__, m.objects.count())
        for m in (Unit, LearningOutcome, AssessmentCriterion, CriterionPart)
    ]
    assert (
        before
        == after
        == [
            ("Unit", 2),
            ("LearningOutcome", 14),
            ("AssessmentCriterion", 26),
            ("CriterionPart", 3),
        ]
    )
