"""Exporting unit specifications, and the round trip back through the import."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Unit
from criteria.services import unit_export, unit_import, unit_spec_validate

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "fixtures" / "units"
OUTLINE_SLUG = "plan-organise-control-customer-service-operations"
SHIPPED = {
    "a-601-2550": SPECS / "a-601-2550.json",
    OUTLINE_SLUG: SPECS / f"{OUTLINE_SLUG}.json",
}
FORMAT_DOC = ROOT / "docs" / "unit-spec-format.md"


def run_export(ref, output):
    stdout = io.StringIO()
    call_command("export_unit", ref, "-o", str(output), stdout=stdout)
    return stdout.getvalue()


def run_import(path):
    stdout = io.StringIO()
    call_command("import_unit", str(path), stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def catalogue_snapshot():
    """Every catalogue row with its id and wording: equal snapshots mean nothing changed."""
    return {
        "units": list(Unit.objects.order_by("pk").values()),
        "qualifications": sorted(Unit.qualifications.through.objects.values_list()),
        "outcomes": list(LearningOutcome.objects.order_by("pk").values()),
        "criteria": list(AssessmentCriterion.objects.order_by("pk").values()),
        "parts": list(CriterionPart.objects.order_by("pk").values()),
    }


def test_it_writes_every_field_in_the_documented_order(catalogue):
    spec = unit_export(unit=catalogue)

    assert list(spec) == [
        "format",
        "version",
        "slug",
        "reference",
        "title",
        "awarding_body_unit_number",
        "sector_unit_number",
        "level",
        "credit_value",
        "guided_learning_hours",
        "aim",
        "evidence_requirements",
        "assessment_methods",
        "assessment_notes",
        "criteria_complete",
        "qualifications",
        "outcomes",
    ]
    assert list(spec["outcomes"][0]) == ["number", "text", "kind", "criteria"]
    assert list(spec["outcomes"][0]["criteria"][0]) == ["code", "text", "parts"]
    assert [c["code"] for o in spec["outcomes"] for c in o["criteria"]][-4:] == [
        "9.1",
        "10.1",
        "10.2",
        "10.3",
    ]
    assert spec["outcomes"][8]["criteria"][0]["parts"] == [
        {"letter": "a", "text": "process problems and complaints"},
        {"letter": "b", "text": "resolve problems and complaints"},
        {"letter": "c", "text": "refer problems and complaints, where necessary"},
    ]


def test_it_writes_indented_utf8_json_ending_with_a_newline(catalogue, tmp_path):
    criterion = AssessmentCriterion.objects.get(outcome__unit=catalogue, outcome__number=1)
    criterion.text = "Describe what is meant by internal customers’ £ budgets"
    criterion.save()
    path = tmp_path / "unit.json"

    stdout = run_export("A/601/2550", path)

    text = path.read_text(encoding="utf-8")
    assert stdout == f"Wrote unit a-601-2550 to {path}.\n"
    assert text.startswith('{\n  "format": "nvq-portfolio/unit",\n  "version": 1,\n')
    assert "internal customers’ £ budgets" in text
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert json.loads(text) == unit_export(unit=catalogue)


def test_it_writes_to_standard_output_for_a_dash(catalogue):
    stdout = run_export("a-601-2550", "-")

    assert stdout == SHIPPED["a-601-2550"].read_text(encoding="utf-8")


def test_it_finds_a_unit_by_its_slug_when_it_has_no_reference(catalogue):
    stdout = run_export(OUTLINE_SLUG, "-")

    assert json.loads(stdout)["slug"] == OUTLINE_SLUG


@pytest.mark.parametrize("ref", ["X/000/0000", "no-such-unit", ""])
def test_it_rejects_an_unknown_unit(catalogue, tmp_path, ref):
    # "" matters: the outline's reference is blank, and must not be found by a blank REF.
    path = tmp_path / "unit.json"

    with pytest.raises(
        CommandError, match=re.escape(f'No unit has the reference or slug "{ref}".')
    ):
        run_export(ref, path)

    assert not path.exists()


def test_it_reports_a_file_it_cannot_write(catalogue, tmp_path):
    with pytest.raises(CommandError, match="cannot be written"):
        run_export("A/601/2550", tmp_path / "no-such-folder" / "unit.json")


def test_it_recreates_a_deleted_unit_exactly_from_its_export(catalogue, tmp_path):
    path = tmp_path / "a-601-2550.json"
    run_export("A/601/2550", path)
    first = path.read_bytes()
    catalogue.delete()

    stdout = run_import(path)
    run_export("A/601/2550", path)

    assert stdout.startswith("Created unit a-601-2550 (A/601/2550)")
    assert path.read_bytes() == first


def test_it_restores_reworded_criteria_and_changes_nothing_else(catalogue, tmp_path):
    path = tmp_path / "a-601-2550.json"
    run_export("A/601/2550", path)
    before = catalogue_snapshot()
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=catalogue, outcome__number=5, number=2
    )
    criterion.text = "Made-up wording someone typed in the admin"
    criterion.save()

    stdout = run_import(path)

    assert catalogue_snapshot() == before
    assert "Criteria: 0 added, 1 reworded (5.2), 0 removed." in stdout
    assert "Outcomes: 0 added, 0 reworded, 0 removed." in stdout
    assert "Sub-parts: 0 added, 0 reworded, 0 removed." in stdout


@pytest.mark.parametrize("slug", SHIPPED)
def test_it_ships_specs_that_match_the_units_fixture(catalogue, slug):
    shipped = SHIPPED[slug].read_text(encoding="utf-8")

    assert shipped == run_export(slug, "-")


@pytest.mark.parametrize("slug", SHIPPED)
def test_importing_a_shipped_spec_changes_nothing(catalogue, slug):
    before = catalogue_snapshot()

    stdout = run_import(SHIPPED[slug])

    assert catalogue_snapshot() == before
    assert "already matches the file: nothing to change." in stdout


def format_doc_examples():
    return re.findall(r"```json\n(.*?)```", FORMAT_DOC.read_text(encoding="utf-8"), re.S)


def test_the_format_documents_examples_are_valid(catalogue):
    minimal, whole = format_doc_examples()

    assert unit_spec_validate(json.loads(minimal)) == []
    assert whole == SHIPPED["a-601-2550"].read_text(encoding="utf-8")


def test_the_minimal_example_gives_the_outline_its_shipped_kinds(catalogue):
    minimal, _ = format_doc_examples()

    result = unit_import(spec=json.loads(minimal))

    assert result.outcomes.reworded == []
    assert result.details_changed == ["assessment_notes"]
