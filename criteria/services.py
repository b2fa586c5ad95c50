"""Changes to the catalogue: importing and exporting unit specifications.

A unit specification is a JSON document (see docs/unit-spec-format.md) that describes one unit
whole: its details, learning outcomes, assessment criteria and sub-parts. Importing it creates
the unit or brings an existing one into line with it; exporting writes the same shape back out,
so export followed by import changes nothing.
"""

import difflib
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from .models import (
    SLUG_VALIDATOR,
    UNIT_REFERENCE_VALIDATOR,
    AssessmentCriterion,
    CriterionPart,
    LearningOutcome,
    Qualification,
    Unit,
    split_code,
)
from .selectors import unit_with_structure

SPEC_FORMAT = "nvq-portfolio/unit"
SPEC_VERSION = 1

# Field name in the file -> field on Unit, in the order the file lists them.
UNIT_DETAIL_FIELDS = {
    "reference": "reference",
    "title": "title",
    "awarding_body_unit_number": "awarding_body_number",
    "sector_unit_number": "sector_number",
    "level": "level",
    "credit_value": "credit_value",
    "guided_learning_hours": "guided_learning_hours",
    "aim": "aim",
    "evidence_requirements": "evidence_requirements",
    "assessment_methods": "assessment_methods",
    "assessment_notes": "assessment_notes",
    "criteria_complete": "criteria_complete",
}
UNIT_KEYS = (
    "format",
    "version",
    "slug",
    *UNIT_DETAIL_FIELDS,
    "qualifications",
    "outcomes",
)
OUTCOME_KEYS = ("number", "text", "kind", "criteria")
CRITERION_KEYS = ("code", "text", "parts")
PART_KEYS = ("letter", "text")

# The catalogue's own parent links: rows hanging from these go with their parent, so they do
# not count as "something else refers to it" when an outcome or criterion is removed.
CATALOGUE_CHILD_FIELDS = {
    LearningOutcome._meta.get_field("unit"),
    AssessmentCriterion._meta.get_field("outcome"),
    CriterionPart._meta.get_field("criterion"),
}


@dataclass(frozen=True)
class Problem:
    """Something wrong with a specification: where (`outcomes[2].criteria[1].code`) and what."""

    location: str
    message: str

    def __str__(self):
        return f"{self.location}: {self.message}"


class UnitSpecInvalid(ValidationError):
    """Raised with every problem found; nothing has been written when it is raised."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__([str(problem) for problem in self.problems])


@dataclass
class Changes:
    """What an import did to one level of the unit: outcome numbers, criterion codes, parts."""

    added: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self, name):
        counts = [
            _counted("added", self.added),
            _counted("reworded", self.reworded),
            _counted("removed", self.removed),
        ]
        return f"{name}: {', '.join(counts)}."


def _counted(verb, names):
    """'2 added (3.1, 3.2)', or '0 added' when there are none to name."""
    return f"{len(names)} {verb} ({', '.join(names)})" if names else f"0 {verb}"


@dataclass
class ImportResult:
    slug: str
    reference: str
    title: str
    created: bool
    dry_run: bool
    unit: Unit | None = None  # None after a dry run, when nothing was kept
    details_changed: list[str] = field(default_factory=list)
    outcomes: Changes = field(default_factory=Changes)
    criteria: Changes = field(default_factory=Changes)
    parts: Changes = field(default_factory=Changes)

    @property
    def changed_anything(self):
        levels = (self.outcomes, self.criteria, self.parts)
        return (
            self.created
            or bool(self.details_changed)
            or any(level.added or level.reworded or level.removed for level in levels)
        )

    def summary_lines(self):
        label = f"{self.slug} ({self.reference})" if self.reference else self.slug
        if self.created:
            first = f"Created unit {label}: {self.title}."
        elif not self.changed_anything:
            first = f"Unit {label} already matches the file: nothing to change."
        elif self.details_changed:
            first = f"Updated unit {label}: changed {', '.join(self.details_changed)}."
        else:
            first = f"Updated unit {label}: details unchanged."
        lines = [
            first,
            self.outcomes.summary("Outcomes"),
            self.criteria.summary("Criteria"),
            self.parts.summary("Sub-parts"),
        ]
        if self.dry_run:
            lines.append("(dry run: nothing written)")
        return lines


# Reading and writing the file ------------------------------------------------------------------


def unit_spec_from_json(text):
    """Parse the text of a specification file; bad JSON raises UnitSpecInvalid with line/column."""
    duplicates = []

    def object_without_duplicate_keys(pairs):
        # json.loads would silently keep the last of two equal keys; a spec must say things once.
        seen = set()
        for key, _value in pairs:
            if key in seen:
                duplicates.append(key)
            seen.add(key)
        return dict(pairs)

    try:
        spec = json.loads(text, object_pairs_hook=object_without_duplicate_keys)
    except json.JSONDecodeError as error:
        location = f"line {error.lineno}, column {error.colno}"
        raise UnitSpecInvalid([Problem(location, f"Not valid JSON: {error.msg}.")]) from error
    if duplicates:
        raise UnitSpecInvalid(
            Problem("spec", f'The key "{key}" appears twice in the same object.')
            for key in duplicates
        )
    return spec


def unit_spec_to_json(spec):
    """The text of a specification file: indented, UTF-8 as written, ending with a newline."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


# Validation ------------------------------------------------------------------------------------


def unit_spec_validate(spec):
    """Every problem with `spec`, each with its location; an empty list means it can be imported.

    Writes nothing. It reads the database only to check that the qualifications exist.
    """
    if not isinstance(spec, dict):
        return [Problem("spec", f"Should be a JSON object {{...}}, not {_json_type(spec)}.")]
    problems = []
    _check_keys(spec, "", "unit specification", UNIT_KEYS, problems)
    _check_format_and_version(spec, problems)
    _check_slug_and_reference(spec, problems)
    _check_details(spec, problems)
    _check_qualifications(spec, problems)
    _check_outcomes(spec, problems)
    return problems


def _check_keys(item, location, what, allowed, problems):
    for key in item:
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f'did you mean "{close[0]}"?' if close else f"the fields are {', '.join(allowed)}."
        problems.append(Problem(_at(location, key), f"Not a field of a {what}: {hint}"))


def _check_format_and_version(spec, problems):
    if "format" not in spec:
        problems.append(Problem("format", f'Missing: a unit specification says "{SPEC_FORMAT}".'))
    elif spec["format"] != SPEC_FORMAT:
        problems.append(
            Problem(
                "format",
                f'Should be "{SPEC_FORMAT}", not {_json_type(spec["format"])}: '
                "this does not look like a unit specification.",
            )
        )
    if "version" not in spec:
        problems.append(Problem("version", f"Missing: give the format version, {SPEC_VERSION}."))
    elif not _is_whole_number(spec["version"]) or spec["version"] != SPEC_VERSION:
        problems.append(
            Problem(
                "version",
                f"Only version {SPEC_VERSION} is understood, not {_json_type(spec['version'])}.",
            )
        )


def _check_slug_and_reference(spec, problems):
    reference = spec.get("reference", "")
    if not isinstance(reference, str):
        problems.append(_wrong_type("reference", "a string such as A/601/2550", reference))
        reference = ""
    elif reference and not _matches(UNIT_REFERENCE_VALIDATOR, reference):
        problems.append(
            Problem(
                "reference",
                f'"{reference}" is not a unit reference: it should look like A/601/2550 '
                "(a capital letter, three digits and four digits, separated by slashes).",
            )
        )
    if "slug" not in spec:
        if not reference:
            problems.append(
                Problem("slug", "Missing: a unit without a reference needs a slug to name it.")
            )
        return
    slug = spec["slug"]
    max_length = Unit._meta.get_field("slug").max_length
    if not isinstance(slug, str):
        problems.append(_wrong_type("slug", "a string", slug))
    elif not _matches(SLUG_VALIDATOR, slug):
        problems.append(
            Problem(
                "slug",
                f'"{slug}" is not a slug: use lower-case letters, digits and single hyphens, '
                "such as a-601-2550.",
            )
        )
    elif len(slug) > max_length:
        problems.append(_too_long("slug", slug, max_length))


def _matches(validator, value):
    # fullmatch, because the models' patterns end in $, which lets a trailing newline through.
    return re.fullmatch(validator.regex.pattern, value) is not None


def _check_details(spec, problems):
    if "title" not in spec:
        problems.append(Problem("title", "Missing: every unit needs a title."))
    for key in ("title", "awarding_body_unit_number", "sector_unit_number"):
        if key in spec:
            max_length = Unit._meta.get_field(UNIT_DETAIL_FIELDS[key]).max_length
            _check_text(spec, key, key, problems, blank_ok=key != "title", max_length=max_length)
    for key in ("aim", "assessment_notes"):
        if key in spec:
            _check_text(spec, key, key, problems, blank_ok=True)

    if "level" not in spec:
        problems.append(Problem("level", "Missing: give the unit's level, 1 to 8."))
    elif not _is_whole_number(spec["level"]):
        problems.append(_wrong_type("level", "a whole number from 1 to 8", spec["level"]))
    elif not 1 <= spec["level"] <= 8:
        problems.append(Problem("level", f"Level {spec['level']} is outside 1 to 8."))

    for key in ("credit_value", "guided_learning_hours"):
        value = spec.get(key)
        if value is not None and not (_is_whole_number(value) and 0 <= value <= 32767):
            problems.append(_wrong_type(key, "a whole number, or null when not yet known", value))

    for key in ("evidence_requirements", "assessment_methods"):
        if key in spec:
            _check_list_of_texts(spec[key], key, problems)

    complete = spec.get("criteria_complete")
    if complete is not None and not isinstance(complete, bool):
        problems.append(_wrong_type("criteria_complete", "true or false", complete))


def _check_list_of_texts(items, location, problems):
    if not isinstance(items, list):
        problems.append(_wrong_type(location, "a list of strings", items))
        return
    for index, item in enumerate(items):
        if not isinstance(item, str):
            problems.append(_wrong_type(f"{location}[{index}]", "a string", item))
        elif not item.strip():
            problems.append(Problem(f"{location}[{index}]", "Blank: leave it out instead."))


def _check_qualifications(spec, problems):
    codes = spec.get("qualifications", [])
    if not isinstance(codes, list):
        problems.append(_wrong_type("qualifications", "a list of qualification codes", codes))
        return
    known = set(
        Qualification.objects.filter(
            code__in=[code for code in codes if isinstance(code, str)]
        ).values_list("code", flat=True)
    )
    seen = set()
    for index, code in enumerate(codes):
        location = f"qualifications[{index}]"
        if not isinstance(code, str):
            problems.append(_wrong_type(location, "a qualification code (a string)", code))
        elif code in seen:
            problems.append(Problem(location, f'Qualification "{code}" is listed twice.'))
        elif code not in known:
            problems.append(
                Problem(
                    location,
                    f'No qualification has the code "{code}"; add the qualification first.',
                )
            )
        seen.add(code)


def _check_outcomes(spec, problems):
    if "outcomes" not in spec:
        problems.append(Problem("outcomes", "Missing: a unit needs its learning outcomes."))
        return
    outcomes = spec["outcomes"]
    if not isinstance(outcomes, list):
        problems.append(_wrong_type("outcomes", "a list of learning outcomes", outcomes))
        return
    if not outcomes:
        problems.append(Problem("outcomes", "Empty: a unit needs at least one learning outcome."))

    numbers_seen = {}
    codes_seen = {}
    criteria_count = 0
    outcomes_without_criteria = []
    for index, outcome in enumerate(outcomes):
        location = f"outcomes[{index}]"
        if not isinstance(outcome, dict):
            problems.append(_wrong_type(location, "an object {...}", outcome))
            continue
        _check_keys(outcome, location, "learning outcome", OUTCOME_KEYS, problems)
        # Outcomes must be numbered by position, so criteria are checked against the position:
        # an outcome misnumbered 11 for 10 is one problem, not one more for each criterion.
        number = index + 1
        _check_outcome_number(outcome, location, number, numbers_seen, problems)
        _check_required_text(outcome, location, "learning outcome", problems)
        kind = outcome.get("kind")
        if kind is not None and kind not in LearningOutcome.Kind.values:
            problems.append(
                Problem(
                    f"{location}.kind",
                    f'"{kind}" is not a kind of outcome: use "knowledge" or "competence", '
                    "or leave it out to have it worked out from the wording.",
                )
            )
        criteria = outcome.get("criteria", [])
        if not isinstance(criteria, list):
            problems.append(_wrong_type(f"{location}.criteria", "a list of criteria", criteria))
            continue
        if not criteria:
            outcomes_without_criteria.append((location, number))
        criteria_count += len(criteria)
        for criterion_index, criterion in enumerate(criteria):
            _check_criterion(
                criterion,
                f"{location}.criteria[{criterion_index}]",
                number,
                criterion_index + 1,
                codes_seen,
                problems,
            )

    if spec.get("criteria_complete") is True:
        if not criteria_count:
            problems.append(
                Problem(
                    "criteria_complete",
                    "True, but no outcome has any assessment criteria: set it to false "
                    "(or leave it out) for an outline.",
                )
            )
        else:
            for location, number in outcomes_without_criteria:
                problems.append(
                    Problem(
                        f"{location}.criteria",
                        f"Outcome {number} has no assessment criteria, "
                        "but criteria_complete is true.",
                    )
                )


def _check_outcome_number(outcome, location, expected, seen, problems):
    location = f"{location}.number"
    if "number" not in outcome:
        problems.append(Problem(location, "Missing: every learning outcome needs its number."))
        return
    number = outcome["number"]
    if not _is_whole_number(number):
        problems.append(_wrong_type(location, "a whole number", number))
        return
    if number in seen:
        problems.append(
            Problem(location, f"Outcome {number} appears twice (also at {seen[number]}).")
        )
    elif number != expected:
        problems.append(
            Problem(
                location,
                f"This is the {_ordinal(expected)} outcome in the list, but it is numbered "
                f"{number}: outcomes are numbered 1, 2, 3 ... in order, "
                f"so it should be {expected}.",
            )
        )
    seen.setdefault(number, location)


def _check_criterion(criterion, location, outcome_number, expected, codes_seen, problems):
    if not isinstance(criterion, dict):
        problems.append(_wrong_type(location, "an object {...}", criterion))
        return
    _check_keys(criterion, location, "criterion", CRITERION_KEYS, problems)
    _check_required_text(criterion, location, "criterion", problems)
    _check_code(criterion, location, outcome_number, expected, codes_seen, problems)
    parts = criterion.get("parts", [])
    if not isinstance(parts, list):
        problems.append(_wrong_type(f"{location}.parts", "a list of sub-parts", parts))
        return
    letters_seen = {}
    for part_index, part in enumerate(parts):
        _check_part(part, f"{location}.parts[{part_index}]", part_index, letters_seen, problems)


def _check_code(criterion, location, outcome_number, expected, codes_seen, problems):
    location = f"{location}.code"
    if "code" not in criterion:
        problems.append(
            Problem(location, 'Missing: every criterion needs its code, such as "3.2".')
        )
        return
    code = criterion["code"]
    if not isinstance(code, str):
        problems.append(
            Problem(
                location,
                f'Write the code as a string in quotes, such as "3.2", not {_json_type(code)}: '
                "as a bare number 3.10 would read as 3.1.",
            )
        )
        return
    try:
        code_outcome, number = split_code(code)
    except ValueError:
        problems.append(Problem(location, f'"{code}" is not a criterion code such as "3.2".'))
        return
    canonical = f"{code_outcome}.{number}"
    if code_outcome != outcome_number:
        problems.append(
            Problem(
                location,
                f"Criterion {canonical} is listed under outcome {outcome_number}: "
                f'its code should start "{outcome_number}.".',
            )
        )
        # Not noted as seen: it would clash with the real criterion of that code, wrongly.
        return
    if canonical in codes_seen:
        problems.append(
            Problem(
                location, f"Criterion {canonical} appears twice (also at {codes_seen[canonical]})."
            )
        )
    elif number != expected:
        problems.append(
            Problem(
                location,
                f"This is the {_ordinal(expected)} criterion of outcome {code_outcome}, but it is "
                f"numbered {canonical}: criteria are numbered {code_outcome}.1, {code_outcome}.2 "
                f"... in order, so it should be {code_outcome}.{expected}.",
            )
        )
    elif code != canonical:
        problems.append(
            Problem(location, f'Write the code as "{canonical}", without spaces or leading zeros.')
        )
    codes_seen.setdefault(canonical, location)


def _check_part(part, location, index, letters_seen, problems):
    if not isinstance(part, dict):
        problems.append(_wrong_type(location, "an object {...}", part))
        return
    _check_keys(part, location, "sub-part", PART_KEYS, problems)
    _check_required_text(part, location, "sub-part", problems)
    location = f"{location}.letter"
    if "letter" not in part:
        problems.append(Problem(location, 'Missing: every sub-part needs its letter, such as "a".'))
        return
    letter = part["letter"]
    if not (isinstance(letter, str) and re.fullmatch(r"[a-z]", letter)):
        problems.append(
            Problem(location, f"{_show(letter)} is not a sub-part letter: use one of a to z.")
        )
        return
    expected = chr(ord("a") + index) if index < 26 else None
    if letter in letters_seen:
        problems.append(
            Problem(
                location, f'Sub-part "{letter}" appears twice (also at {letters_seen[letter]}).'
            )
        )
    elif expected is None:
        problems.append(Problem(location, "A criterion can have at most 26 sub-parts, a to z."))
    elif letter != expected:
        problems.append(
            Problem(
                location,
                f'This is the {_ordinal(index + 1)} sub-part, but it is lettered "{letter}": '
                f'sub-parts are lettered a, b, c ... in order, so it should be "{expected}".',
            )
        )
    letters_seen.setdefault(letter, location)


def _check_required_text(item, location, what, problems):
    if "text" not in item:
        problems.append(Problem(f"{location}.text", f"Missing: every {what} needs its wording."))
    else:
        _check_text(item, "text", f"{location}.text", problems, blank_ok=False)


def _check_text(item, key, location, problems, *, blank_ok, max_length=None):
    value = item[key]
    if not isinstance(value, str):
        problems.append(_wrong_type(location, "a string", value))
    elif not blank_ok and not value.strip():
        problems.append(Problem(location, "Blank: give the wording."))
    elif max_length is not None and len(value) > max_length:
        problems.append(_too_long(location, value, max_length))


def _wrong_type(location, expected, value):
    return Problem(location, f"Should be {expected}, not {_json_type(value)}.")


def _too_long(location, value, max_length):
    return Problem(location, f"Too long: at most {max_length} characters, not {len(value)}.")


def _is_whole_number(value):
    # JSON true/false arrive as Python bools, which are ints; a level of true is not a level.
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{json.dumps(value)}"
    if isinstance(value, int | float):
        return f"the number {json.dumps(value)}"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, list):
        return "a list"
    return "an object"


def _show(value):
    return f'"{value}"' if isinstance(value, str) else _json_type(value)


def _ordinal(number):
    suffix = (
        "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _at(location, key):
    return f"{location}.{key}" if location else key


# Import ----------------------------------------------------------------------------------------


@transaction.atomic
def unit_import(*, spec, dry_run=False):
    """Create or update the unit `spec` describes, all or nothing.

    Raises UnitSpecInvalid with every problem and writes nothing when the spec is invalid, names
    a unit ambiguously, or would remove an outcome, criterion or sub-part that something else
    refers to. A dry run does all the work inside the transaction and then rolls it back, so its
    summary is exactly what a real import would do.
    """
    problems = unit_spec_validate(spec)
    if problems:
        raise UnitSpecInvalid(problems)
    unit, problems = _unit_to_update(spec)
    if problems:
        raise UnitSpecInvalid(problems)
    removals = _removals(unit, spec) if unit else _Removals()
    problems = _removals_in_use(removals, spec)
    if unit:
        problems += _qualifications_in_use(unit, spec)
    if problems:
        raise UnitSpecInvalid(problems)

    result = ImportResult(
        slug=unit.slug if unit else _spec_slug(spec),
        reference=spec.get("reference", ""),
        title=spec["title"],
        created=unit is None,
        dry_run=dry_run,
    )
    unit = _save_unit(unit, spec, result)
    _save_outcomes(unit, spec["outcomes"], result)
    _delete(removals, result)

    if dry_run:
        transaction.set_rollback(True)
    else:
        result.unit = unit
    return result


def _spec_slug(spec):
    """The spec's own slug, or one made from its reference: A/601/2550 -> a-601-2550."""
    return spec.get("slug") or spec["reference"].lower().replace("/", "-")


def _unit_to_update(spec):
    """The existing unit the spec describes (by slug, else by reference), or None for a new one."""
    slug = _spec_slug(spec)
    reference = spec.get("reference", "")
    by_slug = Unit.objects.filter(slug=slug).first()
    by_reference = Unit.objects.filter(reference=reference).first() if reference else None
    if by_slug and by_reference and by_slug != by_reference:
        return None, [
            Problem(
                "reference",
                f"{reference} belongs to the unit {by_reference.slug}, not to {slug}: "
                "one of the two is wrong.",
            )
        ]
    if by_reference and "slug" in spec and by_reference.slug != slug:
        return None, [
            Problem(
                "slug",
                f"The unit with reference {reference} has the slug {by_reference.slug}; "
                "an import cannot rename a unit, so use that slug or leave it out.",
            )
        ]
    return by_slug or by_reference, []


@dataclass
class _Removals:
    """Rows the spec no longer lists, with everything under them, in the order to delete them."""

    parts: list[CriterionPart] = field(default_factory=list)
    criteria: list[AssessmentCriterion] = field(default_factory=list)
    outcomes: list[LearningOutcome] = field(default_factory=list)


def _removals(unit, spec):
    wanted_outcomes, wanted_criteria, wanted_parts = set(), set(), set()
    for outcome in spec["outcomes"]:
        wanted_outcomes.add(outcome["number"])
        for criterion in outcome.get("criteria", []):
            code = criterion["code"]
            wanted_criteria.add(code)
            wanted_parts.update((code, part["letter"]) for part in criterion.get("parts", []))

    removals = _Removals()
    removals.outcomes = [o for o in unit.outcomes.all() if o.number not in wanted_outcomes]
    criteria = AssessmentCriterion.objects.filter(outcome__unit=unit).select_related("outcome")
    removals.criteria = [c for c in criteria if c.code not in wanted_criteria]
    parts = CriterionPart.objects.filter(criterion__outcome__unit=unit).select_related(
        "criterion__outcome"
    )
    removals.parts = [p for p in parts if (p.criterion.code, p.letter) not in wanted_parts]
    return removals


def _removals_in_use(removals, spec):
    """A problem for each row the import would remove while something else refers to it."""
    outcome_index = {o["number"]: i for i, o in enumerate(spec["outcomes"])}
    criterion_index = {
        c["code"]: (i, j)
        for i, o in enumerate(spec["outcomes"])
        for j, c in enumerate(o.get("criteria", []))
    }

    def parent_location(outcome_number, code=None):
        # The removed row is not in the file, so point at the list it has gone missing from.
        if code in criterion_index:
            i, j = criterion_index[code]
            return f"outcomes[{i}].criteria[{j}].parts"
        if outcome_number in outcome_index:
            return f"outcomes[{outcome_index[outcome_number]}].criteria"
        return "outcomes"

    problems = []
    for outcome in removals.outcomes:
        _refuse_if_referenced(outcome, f"Outcome {outcome.number}", "outcomes", problems)
    for criterion in removals.criteria:
        location = parent_location(criterion.outcome.number)
        _refuse_if_referenced(criterion, f"Criterion {criterion.code}", location, problems)
    for part in removals.parts:
        location = parent_location(part.criterion.outcome.number, part.criterion.code)
        _refuse_if_referenced(part, f"Sub-part {part.code}", location, problems)
    return problems


def _qualifications_in_use(unit, spec):
    """A problem for each qualification the file drops while learners take the unit on it."""
    dropped = set(unit.qualifications.values_list("code", flat=True)) - set(
        spec.get("qualifications", [])
    )
    problems = []
    for code in sorted(dropped):
        # Reverse relations, so the catalogue does not import the people app.
        enrolled = unit.enrolled_units.filter(enrolment__qualification__code=code).count()
        if enrolled:
            problems.append(
                Problem(
                    "qualifications",
                    f"{code} is not in the file, but {enrolled} enrolment"
                    f"{'s' if enrolled != 1 else ''} on it include{'' if enrolled != 1 else 's'} "
                    "this unit, so the unit cannot be taken out of that qualification.",
                )
            )
    return problems


def _refuse_if_referenced(item, name, location, problems):
    references = references_to(item)
    if references:
        what = " and ".join(f"{count} {label}" for label, count in references.items())
        verb = "refers" if list(references.values()) == [1] else "refer"
        problems.append(
            Problem(
                location,
                f"{name} is not in the file, but it cannot be removed: {what} {verb} to it. "
                "Put it back in the file, or deal with those first.",
            )
        )


def references_to(item):
    """Rows elsewhere that point at a catalogue row, counted by kind; empty when none do.

    Generic on purpose: evidence mappings and judgements will point at criteria and sub-parts
    from other apps, and each new model is covered here without this function knowing it.
    """
    found = {}
    for relation in item._meta.related_objects:
        if relation.field in CATALOGUE_CHILD_FIELDS:
            continue
        referring = relation.related_model._base_manager.filter(**{relation.field.name: item})
        count = referring.count()
        if count:
            meta = relation.related_model._meta
            label = meta.verbose_name if count == 1 else meta.verbose_name_plural
            found[str(label)] = count
    return found


def _save_unit(unit, spec, result):
    values = {
        model_field: spec.get(key, _unit_default(key, spec))
        for key, model_field in UNIT_DETAIL_FIELDS.items()
    }
    if unit is None:
        unit = Unit(slug=_spec_slug(spec), **values)
    else:
        for key, model_field in UNIT_DETAIL_FIELDS.items():
            if getattr(unit, model_field) != values[model_field]:
                result.details_changed.append(key)
                setattr(unit, model_field, values[model_field])
    unit.full_clean()
    unit.save()

    codes = sorted(spec.get("qualifications", []))
    current = sorted(unit.qualifications.values_list("code", flat=True))
    if codes != current:
        if not result.created:
            result.details_changed.append("qualifications")
        unit.qualifications.set(Qualification.objects.filter(code__in=codes))
    return unit


def _unit_default(key, spec):
    """What a field left out of the file means: the file describes the whole unit."""
    if key == "criteria_complete":
        return any(outcome.get("criteria") for outcome in spec["outcomes"])
    if key in ("credit_value", "guided_learning_hours"):
        return None
    if key in ("evidence_requirements", "assessment_methods"):
        return []
    return ""


def _save_outcomes(unit, outcome_specs, result):
    outcomes = {o.number: o for o in unit.outcomes.all()}
    criteria = {
        c.code: c
        for c in AssessmentCriterion.objects.filter(outcome__unit=unit).select_related("outcome")
    }
    parts = {
        (p.criterion.code, p.letter): p
        for p in CriterionPart.objects.filter(criterion__outcome__unit=unit).select_related(
            "criterion__outcome"
        )
    }
    for outcome_spec in outcome_specs:
        text = outcome_spec["text"]
        kind = outcome_spec.get("kind") or LearningOutcome.kind_for_text(text)
        outcome = _save_row(
            outcomes.get(outcome_spec["number"]),
            LearningOutcome(unit=unit, number=outcome_spec["number"]),
            {"text": text, "kind": kind},
            str(outcome_spec["number"]),
            result.outcomes,
        )
        for criterion_spec in outcome_spec.get("criteria", []):
            code = criterion_spec["code"]
            criterion = _save_row(
                criteria.get(code),
                AssessmentCriterion(outcome=outcome, number=split_code(code)[1]),
                {"text": criterion_spec["text"]},
                code,
                result.criteria,
            )
            for part_spec in criterion_spec.get("parts", []):
                letter = part_spec["letter"]
                _save_row(
                    parts.get((code, letter)),
                    CriterionPart(criterion=criterion, letter=letter),
                    {"text": part_spec["text"]},
                    f"{code} {letter}",
                    result.parts,
                )


def _save_row(existing, new, wording, name, changes):
    """Add `new` or bring `existing` into line with `wording`, noting which in `changes`."""
    if existing is None:
        row = new
        changes.added.append(name)
    else:
        row = existing
        if all(getattr(row, key) == value for key, value in wording.items()):
            return row
        changes.reworded.append(name)
    for key, value in wording.items():
        setattr(row, key, value)
    row.full_clean()
    row.save()
    return row


def _delete(removals, result):
    result.parts.removed = [part.code for part in removals.parts]
    result.criteria.removed = [criterion.code for criterion in removals.criteria]
    result.outcomes.removed = [str(outcome.number) for outcome in removals.outcomes]
    # Children first, so nothing goes by cascade: each row removed is one checked above.
    for rows in (removals.parts, removals.criteria, removals.outcomes):
        for row in rows:
            try:
                row.delete()
            except (ProtectedError, RestrictedError) as error:
                # Something began to refer to the row after the check above; the whole
                # import rolls back rather than half-apply.
                raise UnitSpecInvalid(
                    [Problem("outcomes", f"{row} cannot be removed: something refers to it.")]
                ) from error


# Export ----------------------------------------------------------------------------------------


def unit_export(*, unit):
    """The specification of `unit`, every field written out, in the order the format lists them."""
    unit = unit_with_structure(unit.slug).get()
    spec = {"format": SPEC_FORMAT, "version": SPEC_VERSION, "slug": unit.slug}
    for key, model_field in UNIT_DETAIL_FIELDS.items():
        spec[key] = getattr(unit, model_field)
    spec["qualifications"] = sorted(q.code for q in unit.qualifications.all())
    spec["outcomes"] = [
        {
            "number": outcome.number,
            "text": outcome.text,
            "kind": outcome.kind,
            "criteria": [
                {
                    "code": criterion.code,
                    "text": criterion.text,
                    "parts": [
                        {"letter": part.letter, "text": part.text} for part in criterion.parts.all()
                    ],
                }
                for criterion in outcome.criteria.all()
            ],
        }
        for outcome in unit.outcomes.all()
    ]
    return spec
