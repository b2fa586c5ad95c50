"""The CSV import of learners and enrolments: every problem named by row and column, and
nothing saved unless every row is good. carol and dave assess, erin quality-assures."""

import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from people.imports import COLUMNS, MAX_ROWS, enrolments_import
from people.models import Enrolment, User

from .factories import UserFactory

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "examples" / "enrolments.csv"
L3 = "ocr-l3-nvq-diploma-business-admin"
L4 = "ocr-l4-nvq-diploma-business-admin"
L4_OUTLINE = "plan-organise-control-customer-service-operations"
HEADER = ",".join(COLUMNS)


def line(**changes):
    values = {
        "username": "gina",
        "first_name": "Gina",
        "last_name": "Green",
        "email": "gina@example.org",
        "qualification": L3,
        "units": "A/601/2550",
        "assessor": "carol",
        "iqa": "erin",
        "start_date": "01/09/2026",
        "planned_end_date": "31/08/2027",
    }
    values.update(changes)
    return ",".join(values[column] for column in COLUMNS)


def csv_bytes(*lines, header=HEADER, encoding="utf-8"):
    return "\n".join([header, *lines]).encode(encoding)


def run(data, *, dry_run=False):
    return enrolments_import(io.BytesIO(data), dry_run=dry_run)


@pytest.fixture
def centre(catalogue, carol, dave, erin):
    """The catalogue and the people who assess and quality-assure."""
    return catalogue


@pytest.fixture
def nothing_written(centre):
    """Asserts, after the test, that no person or enrolment was added."""
    before = (User.objects.count(), Enrolment.objects.count())
    yield
    assert (User.objects.count(), Enrolment.objects.count()) == before


def problems(result):
    assert not result.ok
    return [str(problem) for problem in result.problems]


# What goes in


def test_it_creates_new_learners_and_their_enrolments(centre):
    result = run(csv_bytes(line(), line(username="hal", first_name="Hal", email="hal@example.org")))
    assert result.ok, result.problems
    assert result.summary == "Imported 2 enrolments (2 new people)."
    gina = User.objects.get(username="gina")
    assert (gina.first_name, gina.last_name, gina.email) == ("Gina", "Green", "gina@example.org")
    assert not gina.has_usable_password()
    enrolment = Enrolment.objects.get(learner=gina)
    assert (enrolment.assessor.username, enrolment.iqa.username) == ("carol", "erin")
    assert str(enrolment.start_date) == "2026-09-01"
    assert [unit.reference for unit in enrolment.units.all()] == ["A/601/2550"]


def test_it_reuses_an_existing_learner_whose_details_match(centre, alice):
    data = csv_bytes(
        line(username="ALICE", first_name="Alice", last_name="Archer", email="alice@example.org")
    )
    result = run(data)
    assert result.ok, result.problems
    assert result.summary == "Imported 1 enrolment (0 new people)."
    assert Enrolment.objects.get().learner == alice
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_it_reads_columns_in_any_order_and_any_case_with_an_excel_bom(centre):
    header = (
        "Planned_End_Date,START_DATE,iqa,Assessor,units,qualification,email,last_name,"
        "first_name,USERNAME"
    )
    row = (
        "2027-08-31,2026-09-01,erin,carol,a-601-2550,OCR-L3-NVQ-DIPLOMA-BUSINESS-ADMIN,"
        "g@example.org,Green,Gina,gina"
    )
    result = run(b"\xef\xbb\xbf" + f"{header}\r\n{row}\r\n".encode())
    assert result.ok, result.problems
    assert Enrolment.objects.get().learner.username == "gina"


def test_it_takes_every_unit_of_the_qualification_when_units_is_blank(centre, qualification):
    result = run(csv_bytes(line(units="")))
    assert result.ok, result.problems
    assert list(Enrolment.objects.get().units.all()) == list(qualification.units.all())


def test_it_needs_no_units_or_iqa_column(centre):
    header = (
        "username,first_name,last_name,email,qualification,assessor,start_date,planned_end_date"
    )
    row = f"gina,Gina,Green,gina@example.org,{L3},carol,01/09/2026,31/08/2027"
    result = run(csv_bytes(row, header=header))
    assert result.ok, result.problems
    assert Enrolment.objects.get().iqa is None


def test_it_makes_one_person_of_a_new_learner_on_two_qualifications(centre):
    result = run(csv_bytes(line(), line(qualification=L4, units="")))
    assert result.ok, result.problems
    assert result.summary == "Imported 2 enrolments (1 new person)."
    assert Enrolment.objects.filter(learner__username="gina").count() == 2


def test_it_imports_a_unit_whose_criteria_are_not_loaded_with_a_warning(centre):
    result = run(csv_bytes(line(qualification=L4, units=L4_OUTLINE)))
    assert result.ok, result.problems
    assert [str(warning) for warning in result.warnings] == [
        f"row 2, units: {L4_OUTLINE}: criteria not yet loaded; evidence cannot be mapped to it "
        "until they are."
    ]
    assert Enrolment.objects.count() == 1


def test_it_skips_blank_rows_that_spreadsheets_leave_at_the_end(centre):
    result = run(csv_bytes(line(), ",,,,,,,,,", ""))
    assert result.ok, result.problems
    assert Enrolment.objects.count() == 1


def test_it_imports_the_sample_file_shipped_with_the_project(catalogue):
    UserFactory(username="assessor")
    UserFactory(username="iqa")
    result = enrolments_import(SAMPLE.open("rb"))
    assert result.ok, result.problems
    assert result.summary == "Imported 2 enrolments (2 new people)."
    assert set(Enrolment.objects.values_list("learner__username", flat=True)) == {
        "aisha.khan",
        "ben.hughes",
    }


# Dry run


def test_it_writes_nothing_on_a_dry_run_but_says_what_it_would_create(alice, nothing_written):
    existing = line(username="alice", first_name="Alice", last_name="Archer")
    existing = existing.replace("gina@example.org", "alice@example.org")
    result = run(csv_bytes(line(), existing), dry_run=True)
    assert result.ok, result.problems
    assert result.summary == (
        "The file is good: it would import 2 enrolments (1 new person). Nothing was saved."
    )
    assert [(row.username, row.learner_is_new) for row in result.rows] == [
        ("gina", True),
        ("alice", False),
    ]


# What is refused: each names its row and column, and nothing is written


def test_it_refuses_a_header_missing_a_required_column(nothing_written):
    header = HEADER.replace("email,", "")
    row = line().replace("gina@example.org,", "")
    assert problems(run(csv_bytes(row, header=header))) == [
        "row 1, email: This column is missing from the header."
    ]


def test_it_refuses_unknown_columns(nothing_written):
    result = run(csv_bytes(line() + ",07700 900123", header=HEADER + ",phone"))
    assert problems(result) == [
        f"row 1, phone: Unknown column. The columns are {', '.join(COLUMNS)}."
    ]


def test_it_refuses_a_column_named_twice(nothing_written):
    result = run(csv_bytes(line() + ",x", header=HEADER + ",Email"))
    assert "row 1, email: This column appears more than once." in problems(result)


def test_it_refuses_a_value_under_no_column(nothing_written):
    result = run(csv_bytes(line() + ",stray"))
    assert problems(result) == [
        "row 2: This row has a value in a column with no name in the header."
    ]


def test_it_refuses_blank_required_values(nothing_written):
    result = run(csv_bytes(line(first_name="", assessor="", start_date="")))
    assert problems(result) == [
        "row 2, first_name: This value is required.",
        "row 2, assessor: This value is required.",
        "row 2, start_date: This value is required.",
    ]


def test_it_refuses_a_bad_email_address(nothing_written):
    assert problems(run(csv_bytes(line(email="gina.example.org")))) == [
        "row 2, email: gina.example.org is not a valid email address."
    ]


def test_it_refuses_a_username_a_person_could_not_sign_in_with(nothing_written):
    assert problems(run(csv_bytes(line(username="gina green")))) == [
        "row 2, username: Enter a valid username. This value may contain only letters, "
        "numbers, and @/./+/-/_ characters."
    ]


def test_it_refuses_an_unknown_qualification(nothing_written):
    assert problems(run(csv_bytes(line(qualification="ocr-l9-basket-weaving")))) == [
        "row 2, qualification: No qualification has the code ocr-l9-basket-weaving; the "
        "catalogue lists the codes."
    ]


def test_it_refuses_an_unknown_unit_and_a_unit_of_another_qualification(nothing_written):
    result = run(csv_bytes(line(units="A/601/2550; Z/999/9999"), line(qualification=L4)))
    assert problems(result) == [
        "row 2, units: No unit has the reference or slug Z/999/9999.",
        "row 3, units: A/601/2550 is not a unit of OCR Level 4 NVQ Diploma in Business and "
        "Administration (QCF).",
    ]


def test_it_refuses_an_unknown_assessor_or_iqa(nothing_written):
    assert problems(run(csv_bytes(line(assessor="zoe", iqa="yan")))) == [
        "row 2, assessor: No one has the username zoe.",
        "row 2, iqa: No one has the username yan.",
    ]


def test_it_refuses_an_inactive_assessor(carol, nothing_written):
    carol.is_active = False
    carol.save()
    assert problems(run(csv_bytes(line()))) == [
        "row 2, assessor: carol is inactive; make them active first."
    ]


def test_it_refuses_the_assessor_as_iqa(nothing_written):
    assert problems(run(csv_bytes(line(iqa="carol")))) == [
        "row 2, iqa: The assessor and the internal quality assurer must be different people."
    ]


def test_it_refuses_a_learner_as_their_own_assessor_or_iqa(nothing_written):
    result = run(
        csv_bytes(
            line(
                username="dave",
                first_name="Dave",
                last_name="Dixon",
                email="dave@example.org",
                assessor="dave",
            ),
            line(
                username="dave",
                first_name="Dave",
                last_name="Dixon",
                email="dave@example.org",
                qualification=L4,
                units="",
                iqa="dave",
            ),
        )
    )
    assert problems(result) == [
        "row 2, assessor: A learner cannot be their own assessor.",
        "row 3, iqa: A learner cannot be their own internal quality assurer.",
    ]


def test_it_refuses_dates_in_another_form_and_dates_that_do_not_exist(nothing_written):
    result = run(csv_bytes(line(start_date="1st Sept 2026", planned_end_date="31/02/2027")))
    assert problems(result) == [
        "row 2, start_date: 1st Sept 2026 is not a date in the form dd/mm/yyyy or yyyy-mm-dd.",
        "row 2, planned_end_date: 31/02/2027 is not a date that exists.",
    ]


def test_it_refuses_an_end_before_the_start(nothing_written):
    assert problems(run(csv_bytes(line(planned_end_date="31/08/2026")))) == [
        "row 2, planned_end_date: The planned end date cannot be before the start date."
    ]


def test_it_refuses_the_same_learner_on_the_same_qualification_twice_in_the_file(
    nothing_written,
):
    assert problems(run(csv_bytes(line(), line(units="")))) == [
        "row 3, qualification: gina is on this qualification already in row 2 of this file."
    ]


def test_it_refuses_a_learner_already_enrolled_on_the_qualification(
    alice_enrolment, nothing_written
):
    existing = line(username="alice", first_name="Alice", last_name="Archer")
    existing = existing.replace("gina@example.org", "alice@example.org")
    assert problems(run(csv_bytes(existing))) == [
        "row 2, username: This learner is already enrolled on this qualification."
    ]


def test_it_refuses_details_that_differ_from_an_existing_learner(alice, nothing_written):
    result = run(csv_bytes(line(username="alice", first_name="alice", last_name="Smith")))
    assert problems(result) == [
        "row 2, last_name: alice already has last name “Archer”, not “Smith”. Correct the file, "
        "or change their details on their page first.",
        "row 2, email: alice already has email “alice@example.org”, not “gina@example.org”. "
        "Correct the file, or change their details on their page first.",
    ]
    alice.refresh_from_db()
    assert (alice.last_name, alice.email) == ("Archer", "alice@example.org")


def test_it_refuses_a_new_learner_given_two_sets_of_details(nothing_written):
    result = run(csv_bytes(line(), line(qualification=L4, units="", email="g2@example.org")))
    assert problems(result) == [
        "row 3, email: row 2 of this file gives gina email “gina@example.org”, not "
        "“g2@example.org”. Correct the file, or change their details on their page first."
    ]


def test_it_refuses_a_file_that_is_not_utf8(nothing_written):
    data = csv_bytes(line(first_name="Zoë"), encoding="latin-1")
    assert problems(run(data)) == [
        "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."
    ]


def test_it_refuses_an_empty_file_and_a_file_with_only_a_header(nothing_written):
    assert problems(run(b"")) == ["The file is empty."]
    assert problems(run(b"\xef\xbb\xbf\r\n")) == ["The file is empty."]
    assert problems(run(csv_bytes())) == ["The file has a header row but no learners under it."]


def test_it_refuses_more_than_five_thousand_rows(nothing_written):
    rows = [line(username=f"learner{n}") for n in range(MAX_ROWS + 1)]
    assert problems(run(csv_bytes(*rows))) == [
        "The file has 5,001 rows of learners; one import takes at most 5,000. Split it into "
        "smaller files."
    ]


def test_it_lists_every_problem_in_the_file_and_saves_none_of_the_good_rows(nothing_written):
    result = run(
        csv_bytes(
            line(username="hal", email="hal@example.org"),
            line(email="bad"),
            line(username="ivy", email="ivy@example.org", iqa="carol"),
            line(username="jo", email="jo@example.org"),
        )
    )
    assert problems(result) == [
        "row 3, email: bad is not a valid email address.",
        "row 4, iqa: The assessor and the internal quality assurer must be different people.",
    ]
    assert result.rows == []


# The screen and the command


def upload(client, data, *, dry_run):
    form = {"file": SimpleUploadedFile("enrolments.csv", data, content_type="text/csv")}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(reverse("people:import_enrolments"), form)


def test_it_shows_the_problems_at_the_top_and_keeps_the_form(client, frank, nothing_written):
    client.force_login(frank)
    response = upload(client, csv_bytes(line(iqa="carol")), dry_run=False)
    assert response.status_code == 200
    text = response.text
    assert 'role="alert"' in text
    assert text.index('role="alert"') < text.index('name="file"')
    assert "row 2, iqa: The assessor and the internal quality assurer" in text
    assert response.context["form"]["dry_run"].value() is False


def test_it_shows_a_dry_run_as_a_table_of_what_it_would_create(client, frank, nothing_written):
    client.force_login(frank)
    response = upload(client, csv_bytes(line()), dry_run=True)
    assert "it would import 1 enrolment (1 new person)" in response.text
    assert "new person</span>" in response.text
    assert "<caption>What the import would create</caption>" in response.text


def test_it_imports_from_the_screen_and_says_how_many(client, frank, centre):
    client.force_login(frank)
    response = upload(client, csv_bytes(line()), dry_run=False)
    assert response.status_code == 302
    assert response.url == reverse("people:enrolments")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported 1 enrolment (1 new person)."
    ]
    assert Enrolment.objects.get().learner.username == "gina"


def test_it_imports_from_the_command_line(catalogue, capsys):
    UserFactory(username="assessor")
    UserFactory(username="iqa")
    call_command("import_enrolments", str(SAMPLE), "--dry-run")
    assert not Enrolment.objects.exists()
    call_command("import_enrolments", str(SAMPLE))
    assert Enrolment.objects.count() == 2
    assert "Imported 2 enrolments (2 new people)." in capsys.readouterr().out


def test_it_fails_the_command_and_lists_the_problems(nothing_written, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(line(email="bad"), line(username="hal", assessor="zoe")))
    with pytest.raises(CommandError, match="2 problems; nothing was saved."):
        call_command("import_enrolments", str(path))
    err = capsys.readouterr().err
    assert "row 2, email: bad is not a valid email address." in err
    assert "row 3, assessor: No one has the username zoe." in err


def test_it_fails_the_command_for_a_file_that_is_not_there(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_enrolments", str(tmp_path / "missing.csv"))


def test_it_reports_the_people_rules_alongside_a_rows_other_problems(nothing_written):
    carol_as_learner = line(
        username="carol", first_name="Carol", last_name="Carter", email="carol@example.org"
    )
    result = run(csv_bytes(line(email="gina@nowhere", iqa="carol"), carol_as_learner))
    assert problems(result) == [
        "row 2, email: gina@nowhere is not a valid email address.",
        "row 2, iqa: The assessor and the internal quality assurer must be different people.",
        "row 3, assessor: A learner cannot be their own assessor.",
    ]
