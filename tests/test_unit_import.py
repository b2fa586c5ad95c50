"""Importing unit specifications: every problem reported at once, and all or nothing."""

import copy
import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Qualification, Unit
from criteria.services import (
    Problem,
    UnitSpecInvalid,
    references_to,
    unit_export,
    unit_import,
    unit_spec_from_json,
    unit_spec_validate,
)
from evidence import services as evidence_services

from .conftest import L3_QUALIFICATION

SPECS = Path(__file__).resolve().parent.parent / "fixtures" / "units"
L3_SPEC = SPECS / "a-601-2550.json"
OUTLINE_SLUG = "plan-organise-control-customer-service-operations"
OUTLINE_SPEC = SPECS / f"{OUTLINE_SLUG}.json"
MISSING = object()


def shipped_spec(path=L3_SPEC):
    return json.loads(path.read_text(encoding="utf-8"))


def edited(spec, edits):
    """A copy of `spec` with each (location, value) applied; MISSING deletes the key.

    Locations are written as the import reports them, `outcomes[2].criteria[1].code`, so a
    test reads the same way as the problem it expects.
    """
    spec = copy.deepcopy(spec)
    for location, value in edits:
        steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", location)]
        container = spec
        for step in steps[:-1]:
            container = container[step]
        if value is MISSING:
            del container[steps[-1]]
        else:
            container[steps[-1]] = value
    return spec


def catalogue_snapshot():
    """Row counts and every unit's full content: equal snapshots mean nothing was written."""
    models = (Unit, LearningOutcome, AssessmentCriterion, CriterionPart)
    return {
        "rows": {model.__name__: model.objects.count() for model in models},
        "units": [unit_export(unit=unit) for unit in Unit.objects.order_by("slug")],
    }


def write_spec(tmp_path, spec, name="unit.json"):
    path = tmp_path / name
    path.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def run_import(path, *options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_unit", str(path), *options, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_failing_import(path, *options):
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_unit", str(path), *options, stdout=stdout, stderr=stderr)
    return str(raised.value), stderr.getvalue().splitlines()


# Each case: edits to the shipped spec of A/601/2550, then the problems expected as
# (location, words in the message). The shipped spec itself is valid, so these are all.
BAD_INPUT = [
    pytest.param(
        [("format", MISSING)],
        [("format", 'Missing: a unit specification says "nvq-portfolio/unit".')],
        id="format missing",
    ),
    pytest.param(
        [("format", "nvq-portfolio/qualification")],
        [("format", 'Should be "nvq-portfolio/unit", not the string "nvq-portfolio/qualif')],
        id="format wrong",
    ),
    pytest.param(
        [("version", 2)],
        [("version", "Only version 1 is understood, not the number 2.")],
        id="version unknown",
    ),
    pytest.param(
        [("title", MISSING)],
        [("title", "Missing: every unit needs a title.")],
        id="title missing",
    ),
    pytest.param([("title", "  ")], [("title", "Blank: give the wording.")], id="title blank"),
    pytest.param(
        [("title", 42)], [("title", "Should be a string, not the number 42.")], id="title a number"
    ),
    pytest.param(
        [("title", "x" * 256)],
        [("title", "Too long: at most 255 characters, not 256.")],
        id="title too long",
    ),
    pytest.param(
        [("titel", "Deliver customer service")],
        [("titel", 'Not a field of a unit specification: did you mean "title"?')],
        id="unknown field",
    ),
    pytest.param([("level", 9)], [("level", "Level 9 is outside 1 to 8.")], id="level 9"),
    pytest.param([("level", 0)], [("level", "Level 0 is outside 1 to 8.")], id="level 0"),
    pytest.param(
        [("level", "3")],
        [("level", 'Should be a whole number from 1 to 8, not the string "3".')],
        id="level a string",
    ),
    pytest.param(
        [("level", True)],
        [("level", "Should be a whole number from 1 to 8, not true.")],
        id="level true",
    ),
    pytest.param(
        [("level", MISSING)],
        [("level", "Missing: give the unit's level, 1 to 8.")],
        id="level missing",
    ),
    pytest.param(
        [("reference", "A601/2550")],
        [("reference", '"A601/2550" is not a unit reference: it should look like A/601/2550')],
        id="reference malformed",
    ),
    pytest.param(
        [("reference", "a/601/2550")],
        [("reference", '"a/601/2550" is not a unit reference')],
        id="reference lower-case",
    ),
    pytest.param(
        [("reference", "A/601/2550\n")],
        [("reference", "is not a unit reference")],
        id="reference with a newline",
    ),
    pytest.param(
        [("slug", "A 601")],
        [("slug", '"A 601" is not a slug: use lower-case letters, digits and single hyphens')],
        id="slug malformed",
    ),
    pytest.param(
        [("slug", MISSING), ("reference", "")],
        [("slug", "Missing: a unit without a reference needs a slug to name it.")],
        id="slug missing without a reference",
    ),
    pytest.param(
        [("credit_value", "three")],
        [("credit_value", "Should be a whole number, or null when not yet known, not the string")],
        id="credit value a string",
    ),
    pytest.param(
        [("guided_learning_hours", -1)],
        [("guided_learning_hours", "Should be a whole number, or null when not yet known")],
        id="guided learning hours negative",
    ),
    pytest.param(
        [("evidence_requirements", "records of complaints")],
        [("evidence_requirements", "Should be a list of strings, not the string")],
        id="evidence requirements not a list",
    ),
    pytest.param(
        [("assessment_methods[1]", "")],
        [("assessment_methods[1]", "Blank: leave it out instead.")],
        id="assessment method blank",
    ),
    pytest.param(
        [("criteria_complete", "yes")],
        [("criteria_complete", 'Should be true or false, not the string "yes".')],
        id="criteria complete not a boolean",
    ),
    pytest.param(
        [("qualifications", ["ocr-l9-made-up"])],
        [
            (
                "qualifications[0]",
                'No qualification has the code "ocr-l9-made-up"; add the qualification first.',
            )
        ],
        id="unknown qualification",
    ),
    pytest.param(
        [("qualifications", [L3_QUALIFICATION, L3_QUALIFICATION])],
        [("qualifications[1]", f'Qualification "{L3_QUALIFICATION}" is listed twice.')],
        id="qualification twice",
    ),
    pytest.param(
        [("outcomes", MISSING)],
        [("outcomes", "Missing: a unit needs its learning outcomes.")],
        id="outcomes missing",
    ),
    pytest.param(
        [("outcomes", []), ("criteria_complete", False)],
        [("outcomes", "Empty: a unit needs at least one learning outcome.")],
        id="no outcomes",
    ),
    pytest.param(
        [("outcomes[2]", "Understand how to deliver customer service")],
        [("outcomes[2]", "Should be an object {...}, not the string")],
        id="outcome not an object",
    ),
    pytest.param(
        [("outcomes[9].number", 11)],
        [
            (
                "outcomes[9].number",
                "This is the 10th outcome in the list, but it is numbered 11: outcomes are "
                "numbered 1, 2, 3 ... in order, so it should be 10.",
            )
        ],
        id="outcome numbered out of order",
    ),
    pytest.param(
        [("outcomes[2].number", 2)],
        [("outcomes[2].number", "Outcome 2 appears twice (also at outcomes[1].number).")],
        id="outcome number twice",
    ),
    pytest.param(
        [("outcomes[1].number", "2")],
        [("outcomes[1].number", 'Should be a whole number, not the string "2".')],
        id="outcome number a string",
    ),
    pytest.param(
        [("outcomes[0].text", MISSING)],
        [("outcomes[0].text", "Missing: every learning outcome needs its wording.")],
        id="outcome text missing",
    ),
    pytest.param(
        [("outcomes[0].text", " ")],
        [("outcomes[0].text", "Blank: give the wording.")],
        id="outcome text blank",
    ),
    pytest.param(
        [("outcomes[0].kind", "skill")],
        [("outcomes[0].kind", '"skill" is not a kind of outcome: use "knowledge" or "competence"')],
        id="outcome kind unknown",
    ),
    pytest.param(
        [("outcomes[0].criterion", [])],
        [("outcomes[0].criterion", 'Not a field of a learning outcome: did you mean "criteria"?')],
        id="unknown outcome field",
    ),
    pytest.param(
        [("outcomes[2].criteria[1].code", "4.2")],
        [
            (
                "outcomes[2].criteria[1].code",
                'Criterion 4.2 is listed under outcome 3: its code should start "3.".',
            )
        ],
        id="criterion code for another outcome",
    ),
    pytest.param(
        [("outcomes[2].criteria[1].code", "3.3")],
        [
            (
                "outcomes[2].criteria[1].code",
                "This is the 2nd criterion of outcome 3, but it is numbered 3.3: criteria are "
                "numbered 3.1, 3.2 ... in order, so it should be 3.2.",
            ),
            (
                "outcomes[2].criteria[2].code",
                "Criterion 3.3 appears twice (also at outcomes[2].criteria[1].code).",
            ),
        ],
        id="criterion numbered out of order",
    ),
    pytest.param(
        [("outcomes[2].criteria[2].code", "3.2")],
        [
            (
                "outcomes[2].criteria[2].code",
                "Criterion 3.2 appears twice (also at outcomes[2].criteria[1].code).",
            )
        ],
        id="criterion code twice",
    ),
    pytest.param(
        [("outcomes[2].criteria[0].code", 3.1)],
        [("outcomes[2].criteria[0].code", 'Write the code as a string in quotes, such as "3.2"')],
        id="criterion code a number",
    ),
    pytest.param(
        [("outcomes[2].criteria[0].code", "3-1")],
        [("outcomes[2].criteria[0].code", '"3-1" is not a criterion code such as "3.2".')],
        id="criterion code malformed",
    ),
    pytest.param(
        [("outcomes[2].criteria[0].code", "3.01")],
        [("outcomes[2].criteria[0].code", 'Write the code as "3.1"')],
        id="criterion code with a leading zero",
    ),
    pytest.param(
        [("outcomes[2].criteria[0].code", MISSING)],
        [("outcomes[2].criteria[0].code", "Missing: every criterion needs its code")],
        id="criterion code missing",
    ),
    pytest.param(
        [("outcomes[2].criteria[0].text", "")],
        [("outcomes[2].criteria[0].text", "Blank: give the wording.")],
        id="criterion text blank",
    ),
    pytest.param(
        [("outcomes[8].criteria[0].parts[1].letter", "c")],
        [
            (
                "outcomes[8].criteria[0].parts[1].letter",
                'This is the 2nd sub-part, but it is lettered "c": sub-parts are lettered '
                'a, b, c ... in order, so it should be "b".',
            ),
            (
                "outcomes[8].criteria[0].parts[2].letter",
                'Sub-part "c" appears twice (also at outcomes[8].criteria[0].parts[1].letter).',
            ),
        ],
        id="part letters out of order",
    ),
    pytest.param(
        [("outcomes[8].criteria[0].parts[2].letter", "b")],
        [
            (
                "outcomes[8].criteria[0].parts[2].letter",
                'Sub-part "b" appears twice (also at outcomes[8].criteria[0].parts[1].letter).',
            )
        ],
        id="part letter twice",
    ),
    pytest.param(
        [("outcomes[8].criteria[0].parts[0].letter", "A")],
        [
            (
                "outcomes[8].criteria[0].parts[0].letter",
                '"A" is not a sub-part letter: use one of a to z.',
            )
        ],
        id="part letter upper-case",
    ),
    pytest.param(
        [("outcomes[8].criteria[0].parts[0].text", "  ")],
        [("outcomes[8].criteria[0].parts[0].text", "Blank: give the wording.")],
        id="part text blank",
    ),
    pytest.param(
        [("outcomes[0].criteria", [])],
        [
            (
                "outcomes[0].criteria",
                "Outcome 1 has no assessment criteria, but criteria_complete is true.",
            )
        ],
        id="outcome without criteria in a complete unit",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), BAD_INPUT)
def test_it_reports_bad_input_with_its_location_and_writes_nothing(catalogue, edits, expected):
    spec = edited(shipped_spec(), edits)
    before = catalogue_snapshot()

    with pytest.raises(UnitSpecInvalid) as raised:
        unit_import(spec=spec)

    problems = raised.value.problems
    assert [problem.location for problem in problems] == [location for location, _ in expected]
    for problem, (_, words) in zip(problems, expected, strict=True):
        assert words in problem.message
    assert catalogue_snapshot() == before


def test_it_reports_every_problem_with_its_location(catalogue, tmp_path):
    spec = edited(
        shipped_spec(),
        [
            ("level", 9),
            ("qualifications", ["ocr-l9-made-up"]),
            ("outcomes[0].text", ""),
            ("outcomes[2].criteria[1].code", "4.2"),
            ("outcomes[8].criteria[0].parts[2].letter", "d"),
        ],
    )
    path = write_spec(tmp_path, spec)
    before = catalogue_snapshot()

    error, lines = run_failing_import(path)

    assert lines == [
        f"{path}: level: Level 9 is outside 1 to 8.",
        f'{path}: qualifications[0]: No qualification has the code "ocr-l9-made-up"; '
        "add the qualification first.",
        f"{path}: outcomes[0].text: Blank: give the wording.",
        f"{path}: outcomes[2].criteria[1].code: Criterion 4.2 is listed under outcome 3: "
        'its code should start "3.".',
        f"{path}: outcomes[8].criteria[0].parts[2].letter: This is the 3rd sub-part, but it is "
        'lettered "d": sub-parts are lettered a, b, c ... in order, so it should be "c".',
    ]
    assert error == f"{path}: 5 problems; nothing was written."
    assert catalogue_snapshot() == before


def test_it_reports_a_spec_that_is_not_an_object(db):
    assert unit_spec_validate(["a-601-2550"]) == [
        Problem("spec", "Should be a JSON object {...}, not a list.")
    ]


def test_it_refuses_criteria_complete_when_there_are_no_criteria(catalogue):
    spec = edited(shipped_spec(OUTLINE_SPEC), [("criteria_complete", True)])
    before = catalogue_snapshot()

    with pytest.raises(UnitSpecInvalid) as raised:
        unit_import(spec=spec)

    assert raised.value.problems == [
        Problem(
            "criteria_complete",
            "True, but no outcome has any assessment criteria: set it to false "
            "(or leave it out) for an outline.",
        )
    ]
    assert catalogue_snapshot() == before


def test_it_reports_bad_json_with_its_line_and_column(catalogue, tmp_path):
    path = tmp_path / "unit.json"
    path.write_text('{\n  "format": "nvq-portfolio/unit"\n  "version": 1\n}\n', encoding="utf-8")
    before = catalogue_snapshot()

    error, lines = run_failing_import(path)

    assert lines == [f"{path}: line 3, column 3: Not valid JSON: Expecting ',' delimiter."]
    assert error == f"{path}: 1 problem; nothing was written."
    assert catalogue_snapshot() == before


def test_it_reports_a_key_given_twice(db):
    with pytest.raises(UnitSpecInvalid) as raised:
        unit_spec_from_json('{"title": "One", "level": 3, "title": "Two"}')

    assert raised.value.problems == [
        Problem("spec", 'The key "title" appears twice in the same object.')
    ]


def test_it_reports_a_missing_file(catalogue, tmp_path):
    path = tmp_path / "no-such-unit.json"

    with pytest.raises(CommandError, match=re.escape(f"{path}: no such file.")):
        run_import(path)


def test_it_reports_a_file_that_is_not_utf8(catalogue, tmp_path):
    path = tmp_path / "unit.json"
    path.write_bytes('{"title": "Caf\u00e9"}'.encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8 text"):
        run_import(path)


def test_it_reads_a_file_that_starts_with_a_byte_order_mark(catalogue, tmp_path):
    path = tmp_path / "unit.json"
    path.write_text(L3_SPEC.read_text(encoding="utf-8"), encoding="utf-8-sig")

    stdout, _ = run_import(path)

    assert "already matches the file" in stdout


# Creating and updating ---------------------------------------------------------------------


def minimal_spec(**fields):
    spec = {
        "format": "nvq-portfolio/unit",
        "version": 1,
        "reference": "Z/999/9999",
        "title": "Made-up unit for tests",
        "level": 2,
        "outcomes": [
            {
                "number": 1,
                "text": "Understand the made-up subject",
                "criteria": [{"code": "1.1", "text": "Describe the made-up subject"}],
            },
            {
                "number": 2,
                "text": "Be able to practise the made-up subject",
                "criteria": [
                    {
                        "code": "2.1",
                        "text": "Practise it to",
                        "parts": [
                            {"letter": "a", "text": "a first made-up standard"},
                            {"letter": "b", "text": "a second made-up standard"},
                        ],
                    }
                ],
            },
        ],
    }
    spec.update(fields)
    return spec


def test_it_creates_a_unit_with_defaults_for_the_fields_left_out(db):
    result = unit_import(spec=minimal_spec())

    unit = Unit.objects.get(reference="Z/999/9999")
    assert result.created and result.unit == unit
    assert unit.slug == "z-999-9999"
    assert (unit.credit_value, unit.guided_learning_hours, unit.aim) == (None, None, "")
    assert unit.evidence_requirements == [] and unit.assessment_methods == []
    assert unit.criteria_complete is True
    assert list(unit.outcomes.values_list("number", "kind")) == [
        (1, LearningOutcome.Kind.KNOWLEDGE),
        (2, LearningOutcome.Kind.COMPETENCE),
    ]
    assert result.summary_lines() == [
        "Created unit z-999-9999 (Z/999/9999): Made-up unit for tests.",
        "Outcomes: 2 added (1, 2), 0 reworded, 0 removed.",
        "Criteria: 2 added (1.1, 2.1), 0 reworded, 0 removed.",
        "Sub-parts: 2 added (2.1 a, 2.1 b), 0 reworded, 0 removed.",
    ]


def test_it_marks_a_unit_without_criteria_as_an_outline_by_default(db):
    spec = minimal_spec(
        outcomes=[{"number": 1, "text": "Understand the made-up subject"}],
    )

    unit_import(spec=spec)

    assert Unit.objects.get(slug="z-999-9999").criteria_complete is False


def test_it_links_the_unit_to_exactly_the_qualifications_listed(catalogue):
    level_four = "ocr-l4-nvq-diploma-business-admin"
    spec = edited(shipped_spec(), [("qualifications", [level_four])])

    result = unit_import(spec=spec)

    assert list(catalogue.qualifications.values_list("code", flat=True)) == [level_four]
    assert result.details_changed == ["qualifications"]


def test_it_updates_wording_in_place_keeping_each_row(catalogue):
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=catalogue, outcome__number=3, number=2
    )
    part = CriterionPart.objects.get(criterion__outcome__unit=catalogue, letter="b")
    spec = edited(
        shipped_spec(),
        [
            ("aim", "A made-up aim for this test."),
            ("outcomes[2].criteria[1].text", "Made-up wording for 3.2"),
            ("outcomes[8].criteria[0].parts[1].text", "made-up wording for 9.1 b"),
            ("outcomes[6].kind", "knowledge"),
        ],
    )

    result = unit_import(spec=spec)

    criterion.refresh_from_db()
    part.refresh_from_db()
    assert criterion.text == "Made-up wording for 3.2"
    assert part.text == "made-up wording for 9.1 b"
    assert catalogue.outcomes.get(number=7).kind == LearningOutcome.Kind.KNOWLEDGE
    assert result.summary_lines() == [
        "Updated unit a-601-2550 (A/601/2550): changed aim.",
        "Outcomes: 0 added, 1 reworded (7), 0 removed.",
        "Criteria: 0 added, 1 reworded (3.2), 0 removed.",
        "Sub-parts: 0 added, 1 reworded (9.1 b), 0 removed.",
    ]


def test_it_adds_outcomes_criteria_and_parts_new_to_the_unit(catalogue):
    spec = shipped_spec()
    spec["outcomes"][9]["criteria"].append({"code": "10.4", "text": "A made-up criterion"})
    spec["outcomes"][8]["criteria"][0]["parts"].append({"letter": "d", "text": "a made-up part"})
    spec["outcomes"].append(
        {
            "number": 11,
            "text": "Be able to do a made-up thing",
            "criteria": [{"code": "11.1", "text": "Do the made-up thing"}],
        }
    )

    result = unit_import(spec=spec)

    assert (result.outcomes.added, result.criteria.added, result.parts.added) == (
        ["11"],
        ["10.4", "11.1"],
        ["9.1 d"],
    )
    assert AssessmentCriterion.objects.filter(outcome__unit=catalogue).count() == 28
    assert catalogue.outcomes.get(number=11).kind == LearningOutcome.Kind.COMPETENCE


def test_it_removes_a_criterion_that_nothing_refers_to(catalogue):
    spec = shipped_spec()
    del spec["outcomes"][2]["criteria"][3]

    result = unit_import(spec=spec)

    assert result.criteria.removed == ["3.4"]
    assert not AssessmentCriterion.objects.filter(
        outcome__unit=catalogue, outcome__number=3, number=4
    ).exists()
    assert AssessmentCriterion.objects.filter(outcome__unit=catalogue).count() == 25


def test_it_removes_an_outcome_with_its_criteria_and_parts(catalogue):
    spec = shipped_spec()
    del spec["outcomes"][9]
    spec["outcomes"][8]["criteria"][0]["parts"] = []

    result = unit_import(spec=spec)

    assert result.outcomes.removed == ["10"]
    assert result.criteria.removed == ["10.1", "10.2", "10.3"]
    assert result.parts.removed == ["9.1 a", "9.1 b", "9.1 c"]
    assert catalogue.outcomes.count() == 9
    assert not CriterionPart.objects.filter(criterion__outcome__unit=catalogue).exists()


def test_it_finds_nothing_referring_to_an_unreferenced_criterion(catalogue):
    criterion = AssessmentCriterion.objects.get(outcome__unit=catalogue, outcome__number=9)

    assert references_to(criterion) == {}
    assert references_to(criterion.parts.get(letter="a")) == {}


def test_it_does_not_count_an_outcomes_own_criteria_as_references_to_it(catalogue):
    assert references_to(catalogue.outcomes.get(number=9)) == {}


def test_it_finds_rows_in_other_apps_that_refer_to_a_catalogue_row(alice_enrolment, unit):
    # Enrolments are the only rows that refer to the catalogue so far; they point at units, so
    # they show the generic check sees other apps' models, through a foreign key and an M2M.
    assert references_to(unit) == {"enrolment": 1, "enrolment unit": 1}


def test_it_completes_the_outline_unit_and_marks_its_criteria_complete(catalogue):
    # Test data only: made-up reference and criteria, never shipped as the real unit's.
    outline = Unit.objects.get(slug=OUTLINE_SLUG)
    spec = shipped_spec(OUTLINE_SPEC)
    spec.pop("criteria_complete")
    spec["reference"] = "Z/999/9999"
    spec["credit_value"] = 5
    for outcome in spec["outcomes"]:
        number = outcome["number"]
        outcome["criteria"] = [
            {"code": f"{number}.{n}", "text": f"Made-up test criterion {number}.{n}"}
            for n in (1, 2)
        ]

    result = unit_import(spec=spec)

    outline.refresh_from_db()
    assert not result.created and result.unit == outline
    assert outline.criteria_complete is True
    assert outline.reference == "Z/999/9999"
    assert outline.credit_value == 5
    assert [c.code for c in AssessmentCriterion.objects.filter(outcome__unit=outline)] == [
        "1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2",
    ]  # fmt: skip
    assert result.details_changed == ["reference", "credit_value", "criteria_complete"]
    assert result.outcomes.reworded == []


def test_it_matches_a_unit_by_reference_when_the_file_gives_no_slug(catalogue):
    catalogue.slug = "deliver-customer-service-internal"
    catalogue.save()
    spec = edited(shipped_spec(), [("slug", MISSING), ("title", "A made-up new title")])

    result = unit_import(spec=spec)

    catalogue.refresh_from_db()
    assert result.slug == "deliver-customer-service-internal"
    assert catalogue.title == "A made-up new title"
    assert Unit.objects.count() == 2


def test_it_refuses_a_reference_that_belongs_to_another_unit(catalogue):
    spec = edited(shipped_spec(OUTLINE_SPEC), [("reference", "A/601/2550")])
    before = catalogue_snapshot()

    with pytest.raises(UnitSpecInvalid) as raised:
        unit_import(spec=spec)

    assert raised.value.problems == [
        Problem(
            "reference",
            f"A/601/2550 belongs to the unit a-601-2550, not to {OUTLINE_SLUG}: "
            "one of the two is wrong.",
        )
    ]
    assert catalogue_snapshot() == before


def test_it_refuses_to_rename_a_unit(catalogue):
    spec = edited(shipped_spec(), [("slug", "deliver-customer-service-internal")])
    before = catalogue_snapshot()

    with pytest.raises(UnitSpecInvalid) as raised:
        unit_import(spec=spec)

    assert [problem.location for problem in raised.value.problems] == ["slug"]
    assert "an import cannot rename a unit" in raised.value.problems[0].message
    assert catalogue_snapshot() == before


# The command ---------------------------------------------------------------------------------


def test_it_prints_a_summary_of_what_it_changed(catalogue, tmp_path):
    spec = edited(shipped_spec(), [("outcomes[2].criteria[1].text", "Made-up wording")])

    stdout, stderr = run_import(write_spec(tmp_path, spec))

    assert stdout.splitlines() == [
        "Updated unit a-601-2550 (A/601/2550): details unchanged.",
        "Outcomes: 0 added, 0 reworded, 0 removed.",
        "Criteria: 0 added, 1 reworded (3.2), 0 removed.",
        "Sub-parts: 0 added, 0 reworded, 0 removed.",
    ]
    assert stderr == ""


def test_it_writes_nothing_on_a_dry_run_but_reports_the_same_changes(catalogue, tmp_path):
    spec = edited(shipped_spec(), [("outcomes[2].criteria[1].text", "Made-up wording")])
    del spec["outcomes"][9]["criteria"][2]
    path = write_spec(tmp_path, spec)
    before = catalogue_snapshot()

    dry_run, _ = run_import(path, "--dry-run")

    assert catalogue_snapshot() == before
    real, _ = run_import(path)
    assert dry_run.splitlines() == [*real.splitlines(), "(dry run: nothing written)"]
    assert "1 removed (10.3)" in real


def test_it_creates_nothing_on_a_dry_run_of_a_new_unit(db, tmp_path):
    Qualification.objects.create(code="made-up-qualification", title="Made up", level=2)

    stdout, _ = run_import(
        write_spec(tmp_path, minimal_spec(qualifications=["made-up-qualification"])), "--dry-run"
    )

    assert stdout.startswith("Created unit z-999-9999 (Z/999/9999)")
    assert stdout.endswith("(dry run: nothing written)\n")
    assert not Unit.objects.exists()
    assert not LearningOutcome.objects.exists()


def test_it_refuses_to_remove_a_criterion_that_evidence_is_mapped_to(alice, alice_enrolment, unit):
    item = evidence_services.evidence_item_create(
        enrolment=alice_enrolment,
        by=alice,
        title="Log",
        activity_date=datetime.date(2026, 11, 2),
        evidence_type="other",
        assessment_method="work_product",
    )
    mapped = unit.outcomes.get(number=3).criteria.get(number=4)
    evidence_services.evidence_mapping_add(item=item, by=alice, criterion=mapped)
    spec = unit_export(unit=unit)
    del spec["outcomes"][2]["criteria"][3]
    with pytest.raises(UnitSpecInvalid) as refused:
        unit_import(spec=spec)
    [problem] = refused.value.problems
    assert problem.location == "outcomes[2].criteria"
    assert "Criterion 3.4 is not in the file, but it cannot be removed" in problem.message
    assert "1 evidence mapping refers to it" in problem.message
    assert AssessmentCriterion.objects.filter(pk=mapped.pk).exists()


def test_it_refuses_to_take_a_unit_out_of_a_qualification_learners_take_it_on(
    alice_enrolment, unit
):
    spec = unit_export(unit=unit)
    spec["qualifications"] = []
    with pytest.raises(UnitSpecInvalid) as refused:
        unit_import(spec=spec)
    [problem] = refused.value.problems
    assert problem.location == "qualifications"
    assert "1 enrolment on it includes this unit" in problem.message
    assert unit.qualifications.filter(code=L3_QUALIFICATION).exists()
