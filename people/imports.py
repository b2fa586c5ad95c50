"""Bulk import of learners and their enrolments from a CSV file, for the screen and the command.

The file has a header row (any order, any case) and one row per enrolment; see COLUMNS. It
goes in two passes:

1. Read every row and look up what it names, writing nothing, so a file full of typos gets
   every problem listed at once as "row N, column: message" (the header is row 1, as a
   spreadsheet shows it).
2. Create the new people and the enrolments through the same services as the screens, in one
   transaction that is rolled back unless every row went in and this is not a dry run. The
   services apply the rules (assessor is not the IQA, end not before start, ...), and their
   errors are reported against the row's columns.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from criteria.models import Qualification, Unit
from nvq_portfolio.text import NUL

from .models import User
from .services import enrolment_create, person_create

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
UNIT_SEPARATOR = ";"
REQUIRED_COLUMNS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "qualification",
    "assessor",
    "start_date",
    "planned_end_date",
)
OPTIONAL_COLUMNS = ("units", "iqa")
# The order the template and the documentation give them in.
COLUMNS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "qualification",
    "units",
    "assessor",
    "iqa",
    "start_date",
    "planned_end_date",
)
EXAMPLE_ROW = (
    "jsmith",
    "Jo",
    "Smith",
    "jo.smith@example.org",
    "ocr-l3-nvq-diploma-business-admin",
    "A/601/2550",
    "assessor",
    "iqa",
    "01/09/2026",
    "31/08/2027",
)
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
DATE_SHAPE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}")
# The column a service's error about a field is reported against.
FIELD_COLUMNS = {
    "learner": "username",
    "username": "username",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "qualification": "qualification",
    "units": "units",
    "assessor": "assessor",
    "iqa": "iqa",
    "start_date": "start_date",
    "planned_end_date": "planned_end_date",
}


@dataclass(frozen=True)
class Problem:
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self):
        if self.row is None:
            return self.message
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class ImportRow:
    """One data row of the file, looked up, and what it creates."""

    number: int
    username: str
    first_name: str
    last_name: str
    email: str
    qualification: Qualification | None = None
    units: list = field(default_factory=list)
    assessor: User | None = None
    iqa: User | None = None
    start_date: datetime.date | None = None
    planned_end_date: datetime.date | None = None
    learner: User | None = None
    learner_is_new: bool = False

    @property
    def learner_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.username


@dataclass
class ImportResult:
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # lower-case username -> the first row that makes that new person
    new_people: dict[str, ImportRow] = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems

    @property
    def summary(self):
        enrolments, people = len(self.rows), len(self.new_people)
        counts = (
            f"{enrolments} enrolment{'s' if enrolments != 1 else ''} "
            f"({people} new {'person' if people == 1 else 'people'})"
        )
        if self.dry_run:
            return f"The file is good: it would import {counts}. Nothing was saved."
        return f"Imported {counts}."


def enrolments_import(file, *, dry_run=False):
    """Import the CSV in `file` (opened in binary); nothing is saved unless every row is good."""
    result = ImportResult(dry_run=dry_run)
    records = _records(file, result)
    if records is None:
        return result
    lookups = _Lookups(records)
    seen = {}
    for number, values in records:
        row = _read_row(number, values, lookups, seen, result)
        if row is not None:
            result.rows.append(row)
    _create(result)
    # Row by row, and left to right within a row, as the person will work through the file.
    result.problems.sort(key=_position)
    result.warnings.sort(key=_position)
    if not result.ok:
        result.rows = []
        result.new_people = {}
    return result


def _position(problem):
    column = COLUMNS.index(problem.column) if problem.column in COLUMNS else -1
    return (problem.row or 0, column)


def _records(file, result):
    """The data rows as (row number, {column: value}), or None when the file cannot be read."""
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        result.problems.append(
            Problem(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB; split it.")
        )
        return None
    try:
        # utf-8-sig drops the byte-order mark Excel puts at the start of "CSV UTF-8".
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.problems.append(
            Problem(
                "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."
            )
        )
        return None
    if not text.strip():
        result.problems.append(Problem("The file is empty."))
        return None
    if NUL in text:
        row = text[: text.index(NUL)].count("\n") + 1
        result.problems.append(
            Problem(
                "This row holds a NUL character (an invisible one, often left by a program that "
                "did not save the file as text), which cannot be imported. Take it out, or save "
                "the file again as “CSV UTF-8”.",
                row,
            )
        )
        return None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        result.problems.append(Problem(f"The file is not readable as CSV: {error}."))
        return None
    header = _header(table[0], result)
    if header is None:
        return None
    records = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets often end with blank rows
        values = dict.fromkeys(COLUMNS, "")
        stray = False
        for position, cell in enumerate(cells):
            name = header[position] if position < len(header) else ""
            if name in values:
                values[name] = cell.strip()
            elif not name and cell.strip():
                stray = True
        if stray:
            result.problems.append(
                Problem("This row has a value in a column with no name in the header.", index)
            )
        records.append((index, values))
    if not records:
        result.problems.append(Problem("The file has a header row but no learners under it."))
        return None
    if len(records) > MAX_ROWS:
        result.problems.append(
            Problem(
                f"The file has {len(records):,} rows of learners; one import takes at most "
                f"{MAX_ROWS:,}. Split it into smaller files."
            )
        )
        return None
    return records


def _header(cells, result):
    """The column names in file order, or None when the rows cannot be read by them."""
    names = [cell.strip().lower().replace(" ", "_") for cell in cells]
    fatal = False
    for name in sorted({name for name in names if name and names.count(name) > 1}):
        result.problems.append(Problem("This column appears more than once.", 1, name))
        fatal = True
    for name in REQUIRED_COLUMNS:
        if name not in names:
            result.problems.append(Problem("This column is missing from the header.", 1, name))
            fatal = True
    for name in names:
        if name and name not in COLUMNS:
            result.problems.append(
                Problem(f"Unknown column. The columns are {', '.join(COLUMNS)}.", 1, name)
            )
    return None if fatal else names


class _Lookups:
    """Everything the rows name, fetched in a few queries rather than a few per row."""

    def __init__(self, records):
        usernames = {
            values[name].lower()
            for _, values in records
            for name in ("username", "assessor", "iqa")
            if values[name]
        }
        self.people = {}
        for person in User.objects.annotate(key=Lower("username")).filter(key__in=usernames):
            self.people.setdefault(person.key, []).append(person)
        # The units come prefetched, so the service's check that units belong is query-free.
        qualifications = Qualification.objects.prefetch_related("units")
        self.qualifications = {q.code.lower(): q for q in qualifications}
        units = Unit.objects.all()
        self.units = {unit.slug.lower(): unit for unit in units}
        self.units.update({unit.reference.upper(): unit for unit in units if unit.reference})

    def person(self, username):
        """(person, problem): the one person with this username in any case, or why not."""
        matches = self.people.get(username.lower(), [])
        if not matches:
            return None, f"No one has the username {username}."
        if len(matches) > 1:
            names = ", ".join(person.username for person in matches)
            return None, f"{username} matches more than one person ({names}); use the exact one."
        return matches[0], None


def _read_row(number, values, lookups, seen, result):
    """The row looked up, or None after noting its problems in `result`."""
    problems = []

    def problem(column, message):
        problems.append(Problem(message, number, column))

    for column in REQUIRED_COLUMNS:
        if not values[column]:
            problem(column, "This value is required.")
    row = ImportRow(
        number=number,
        username=values["username"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"],
    )
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            problem("email", f"{row.email} is not a valid email address.")
    if row.username:
        _read_learner(row, lookups, problem, result)
    if values["qualification"]:
        row.qualification = lookups.qualifications.get(values["qualification"].lower())
        if row.qualification is None:
            problem(
                "qualification",
                f"No qualification has the code {values['qualification']}; the catalogue "
                "lists the codes.",
            )
        else:
            row.units = _read_units(values["units"], row, lookups, problem, result)
    for column in ("assessor", "iqa"):
        if values[column]:
            person, why_not = lookups.person(values[column])
            if why_not:
                problem(column, why_not)
            elif not person.is_active:
                problem(column, f"{person.username} is inactive; make them active first.")
            setattr(row, column, person)
    for column in ("start_date", "planned_end_date"):
        if values[column]:
            date, why_not = _parse_date(values[column])
            if why_not:
                problem(column, why_not)
            setattr(row, column, date)
    # The people rules need no database, so they are reported alongside the row's other problems.
    learner = values["username"].lower()
    assessor, iqa = values["assessor"].lower(), values["iqa"].lower()
    if learner and assessor == learner:
        problem("assessor", "A learner cannot be their own assessor.")
    if learner and iqa == learner:
        problem("iqa", "A learner cannot be their own internal quality assurer.")
    if assessor and iqa == assessor:
        problem("iqa", "The assessor and the internal quality assurer must be different people.")
    if row.start_date and row.planned_end_date and row.planned_end_date < row.start_date:
        problem("planned_end_date", "The planned end date cannot be before the start date.")
    if row.username and row.qualification is not None:
        key = (row.username.lower(), row.qualification.pk)
        if key in seen:
            problem(
                "qualification",
                f"{row.username} is on this qualification already in row {seen[key]} of this file.",
            )
        seen.setdefault(key, number)
    result.problems.extend(problems)
    return None if problems else row


def _read_learner(row, lookups, problem, result):
    """Find the learner, or note that the row makes a new one; never change stored details."""
    key = row.username.lower()
    matches = lookups.people.get(key, [])
    if len(matches) > 1:
        problem("username", lookups.person(row.username)[1])
        return
    if matches:
        row.learner = matches[0]
        if not row.learner.is_active:
            problem("username", f"{row.learner.username} is inactive; make them active first.")
        known, source = row.learner, f"{row.learner.username} already has"
    elif key in result.new_people:
        row.learner_is_new = True
        known = result.new_people[key]
        source = f"row {known.number} of this file gives {row.username}"
    else:
        try:
            User.username_validator(row.username)
        except ValidationError as error:
            problem("username", " ".join(error.messages))
            return
        row.learner_is_new = True
        result.new_people[key] = row
        return
    # A difference only in capitals is the same detail typed differently, not a clash.
    for column in ("first_name", "last_name", "email"):
        given, held = getattr(row, column), getattr(known, column)
        if given and not held:
            problem(column, f"{source} no {column.replace('_', ' ')}; add it on their page first.")
        elif given and given.casefold() != held.casefold():
            problem(
                column,
                f"{source} {column.replace('_', ' ')} “{held}”, not “{given}”. Correct the "
                "file, or change their details on their page first.",
            )


def _read_units(text, row, lookups, problem, result):
    """The units named in `text`, or every unit of the row's qualification when it is blank."""
    offered = list(row.qualification.units.all())
    if not text:
        units = offered
    else:
        units = []
        for name in (piece.strip() for piece in text.split(UNIT_SEPARATOR)):
            if not name:
                continue
            unit = lookups.units.get(name.upper()) or lookups.units.get(name.lower())
            if unit is None:
                problem("units", f"No unit has the reference or slug {name}.")
            elif unit not in offered:
                problem("units", f"{name} is not a unit of {row.qualification}.")
            elif unit not in units:
                units.append(unit)
    for unit in units:
        if not unit.criteria_complete:
            result.warnings.append(
                Problem(
                    f"{unit.reference or unit.slug}: criteria not yet loaded; evidence cannot "
                    "be mapped to it until they are.",
                    row.number,
                    "units",
                )
            )
    return units


def _parse_date(text):
    """(date, problem): `text` as dd/mm/yyyy or yyyy-mm-dd, or why it is not a date."""
    if not DATE_SHAPE.fullmatch(text):
        return None, f"{text} is not a date in the form dd/mm/yyyy or yyyy-mm-dd."
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date(), None
        except ValueError:
            continue
    return None, f"{text} is not a date that exists."


def _create(result):
    """Create people and enrolments for the good rows; keep them only if nothing went wrong."""
    created = {}
    with transaction.atomic():
        for row in result.rows:
            _create_row(row, created, result)
        if result.problems or result.dry_run:
            transaction.set_rollback(True)


def _create_row(row, created, result):
    key = row.username.lower()
    if row.learner is None:
        row.learner = created.get(key)
    if row.learner is None:
        try:
            row.learner = person_create(
                username=row.username,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
            )
        except ValidationError as error:
            _report(error, row, result)
            return
        created[key] = row.learner
    try:
        enrolment_create(
            learner=row.learner,
            qualification=row.qualification,
            units=row.units,
            assessor=row.assessor,
            iqa=row.iqa,
            start_date=row.start_date,
            planned_end_date=row.planned_end_date,
        )
    except ValidationError as error:
        _report(error, row, result)


def _report(error, row, result):
    for name, errors in error.message_dict.items():
        column = None if name == NON_FIELD_ERRORS else FIELD_COLUMNS.get(name)
        for message in errors:
            result.problems.append(Problem(message, row.number, column))
