"""The coverage report: the PDF's text read back with pdftotext, the CSV matrix, the command,
the downloads and who may have them, and the fixed query count of the report's data.

Judgements, mapping decisions, feedback and sign-offs are made through the assessment services
(assessments.judgements, assessments.review, assessments.signoff), as an assessor makes them.
"""

import csv
import datetime
import io
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.judgements import judgement_record
from assessments.models import UnitSignOff
from assessments.reports import (
    coverage_report,
    render_coverage_html,
    render_coverage_pdf,
    render_matrix_csv,
    warm_renderer,
)
from assessments.review import feedback_add, mapping_decide
from assessments.signoff import unit_countersign, unit_reopen, unit_sign_off
from criteria.models import AssessmentCriterion, CriterionPart, Qualification, Unit, split_code
from evidence.models import AssessmentMethod, EvidenceMapping, EvidenceType
from evidence.services import (
    evidence_item_create,
    evidence_mappings_set,
    evidence_revise,
    evidence_submit,
)
from people.models import Enrolment, EnrolmentUnit

from .conftest import L3_QUALIFICATION, L3_UNIT
from .evidence_factories import add_file, pdf_bytes
from .factories import (
    AssessmentCriterionFactory,
    EnrolmentFactory,
    LearningOutcomeFactory,
    UnitFactory,
    UserFactory,
)

OUTLINE = "plan-organise-control-customer-service-operations"
CRITERIA = [
    "1.1", "2.1", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3",
    "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "8.1", "8.2", "8.3", "9.1", "10.1",
    "10.2", "10.3",
]  # fmt: skip
PARTS = ["9.1 a", "9.1 b", "9.1 c"]
MATRIX_ROWS = CRITERIA[: CRITERIA.index("9.1") + 1] + PARTS + CRITERIA[CRITERIA.index("9.1") + 1 :]
MAPPABLE = [code for code in CRITERIA if code != "9.1"] + PARTS  # 9.1 is mapped part by part
LOG_FILE = "complaints_log.pdf"  # no hyphen: pdftotext drops one where a line wraps
ALL_CHECKS = dict.fromkeys(("valid", "authentic", "current", "sufficient", "reliable"), True)

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def target(unit, code):
    """(criterion, part or None) that a code such as '3.2' or '9.1 b' names in `unit`."""
    criterion_code, _, letter = code.partition(" ")
    outcome_number, number = split_code(criterion_code)
    criterion = AssessmentCriterion.objects.get(
        outcome__unit=unit, outcome__number=outcome_number, number=number
    )
    if letter:
        return criterion, CriterionPart.objects.get(criterion=criterion, letter=letter)
    return criterion, None


def add_item(enrolment, title, unit, codes, *, day=1, file_name=None, submit=True):
    """An item of the learner's, mapped to `codes`, with a PDF when `file_name`, submitted."""
    learner = enrolment.learner
    item = evidence_item_create(
        enrolment=enrolment,
        by=learner,
        title=title,
        activity_date=datetime.date(2026, 10, day),
        evidence_type=EvidenceType.COMPLAINTS_LOG,
        assessment_method=AssessmentMethod.WORK_PRODUCT,
        description="The log I keep of problems colleagues raise, with timescales.",
    )
    if file_name:
        add_file(item, file_name, pdf_bytes(title))
    evidence_mappings_set(
        item=item, by=learner, targets=[(*target(unit, code), "") for code in codes]
    )
    if submit:
        evidence_submit(item=item, by=learner, declaration=True)
    return item


def accept_all(item, assessor):
    for mapping in item.mappings.all():
        mapping_decide(mapping=mapping, by=assessor, decision=EvidenceMapping.Decision.ACCEPTED)


def rationale(code):
    return f"Rationale for {code}: the complaints log shows it in daily work."


def judge(enrolled_unit, unit, code, items, *, outcome="met"):
    criterion, part = target(unit, code)
    return judgement_record(
        enrolled_unit=enrolled_unit,
        by=enrolled_unit.enrolment.assessor,
        criterion=criterion,
        part=part,
        outcome=outcome,
        rationale=rationale(code),
        methods=[AssessmentMethod.WORK_PRODUCT, AssessmentMethod.QUESTIONING],
        evidence=[(item, ALL_CHECKS) for item in items],
    )


def enrolled_unit_of(enrolment, unit):
    return EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)


def normalised(text):
    return " ".join(text.split())


def pdf_text(pdf, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return normalised(result.stdout.decode("utf-8"))


def build_portfolio(enrolment, unit):
    """A log with a file covering every criterion, a typed account, and a draft never sent."""
    return {
        "log": add_item(enrolment, "Complaints log", unit, MAPPABLE, day=2, file_name=LOG_FILE),
        "account": add_item(enrolment, "Reflective account", unit, ["1.1", "3.2"], day=9),
        "draft": add_item(enrolment, "Unfinished survey", unit, ["6.1"], day=12, submit=False),
    }


def build_judged(portfolio, enrolment, unit):
    """The assessor accepts the log's mappings, comments, and judges every criterion met."""
    log, assessor = portfolio["log"], enrolment.assessor
    accept_all(log, assessor)
    feedback_add(item=log, by=assessor, text="Clear log; I have accepted every mapping.")
    feedback_add(item=log, by=enrolment.learner, text="Thank you, I will keep it up to date.")
    enrolled_unit = enrolled_unit_of(enrolment, unit)
    for code in MAPPABLE + ["9.1"]:  # the whole of 9.1 is judged once its parts are met
        judge(enrolled_unit, unit, code, [log])
    return enrolled_unit


def build_signed_off(enrolled_unit):
    """Signed, countersigned, reopened by the IQA, and signed again: two sign-offs."""
    learner, assessor, iqa = (
        enrolled_unit.enrolment.learner,
        enrolled_unit.enrolment.assessor,
        enrolled_unit.enrolment.iqa,
    )
    first = unit_sign_off(enrolled_unit=enrolled_unit, by=assessor, declaration_confirmed=True)
    unit_countersign(sign_off=first, by=learner, declaration_confirmed=True)
    unit_reopen(sign_off=first, by=iqa, reason="Sampled: the rationale for 5.2 needs detail.")
    second = unit_sign_off(enrolled_unit=enrolled_unit, by=assessor, declaration_confirmed=True)
    return [UnitSignOff.objects.get(pk=first.pk), second]


@pytest.fixture
def portfolio(alice_enrolment, unit):
    return build_portfolio(alice_enrolment, unit)


@pytest.fixture
def judged(portfolio, alice_enrolment, unit):
    return build_judged(portfolio, alice_enrolment, unit)


@pytest.fixture
def outline(alice_enrolment, catalogue):
    outline = Unit.objects.get(slug=OUTLINE)
    EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=outline)
    return outline


@pytest.fixture
def alice_report(alice_enrolment):
    """alice's enrolment as the views load it, for building reports."""
    return Enrolment.objects.select_related("learner", "qualification", "assessor", "iqa").get(
        pk=alice_enrolment.pk
    )


# The PDF, read back as text ------------------------------------------------------------------


@pytest.fixture(scope="class")
def signed_off_pdf(django_db_setup, django_db_blocker, tmp_path_factory):
    """alice's signed-off unit rendered once for the class, as a PDF takes seconds to lay out.

    Built like conftest's people and enrolment, inside a transaction rolled back at the end,
    with files under a temporary MEDIA_ROOT; returns the PDF, its text and what to look for.
    """
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        call_command("loaddata", "units", verbosity=0)
        unit = Unit.objects.get(slug=L3_UNIT)
        enrolment = EnrolmentFactory(
            learner=UserFactory(username="alice", first_name="Alice", last_name="Archer"),
            assessor=UserFactory(username="carol", first_name="Carol", last_name="Carter"),
            iqa=UserFactory(username="erin", first_name="Erin", last_name="Evans"),
            qualification=Qualification.objects.get(code=L3_QUALIFICATION),
            units=[unit],
        )
        portfolio = build_portfolio(enrolment, unit)
        sign_offs = build_signed_off(build_judged(portfolio, enrolment, unit))
        pdf = render_coverage_pdf(coverage_report(enrolment=enrolment, unit=unit))
        facts = SimpleNamespace(
            pdf=pdf,
            text=pdf_text(pdf, media),
            sign_offs=sign_offs,
            fingerprint=portfolio["log"].files.get().sha256[:12],
            qualification=enrolment.qualification,
            criteria=[
                f"{c.code} {c.text}" for c in AssessmentCriterion.objects.filter(outcome__unit=unit)
            ]
            + [
                f"{p.code} {p.text}"
                for p in CriterionPart.objects.filter(criterion__outcome__unit=unit)
            ],
        )
        transaction.set_rollback(True)
    return facts


@needs_pdftotext
class TestThePdf:
    @pytest.fixture
    def text(self, signed_off_pdf):
        return signed_off_pdf.text

    def test_it_shows_every_criterion_and_part_by_code_and_full_text(self, text, signed_off_pdf):
        for code in CRITERIA + PARTS:
            assert code in text, code
        assert len(signed_off_pdf.criteria) == 29
        for criterion in signed_off_pdf.criteria:
            assert normalised(criterion) in text, criterion

    def test_its_cover_names_the_people_the_qualification_and_the_unit(self, signed_off_pdf):
        text, qualification = signed_off_pdf.text, signed_off_pdf.qualification
        for words in [
            "Coverage report",
            "Alice Archer (username alice)",
            "Carol Carter",
            "Erin Evans",
            qualification.title,
            qualification.awarding_body,
            "A/601/2550",
            "Deliver, monitor and evaluate customer service to internal customers",
            "1 September 2026",
            "31 August 2027",
            "Active",
        ]:
            assert words in text, words

    def test_it_shows_judgements_with_their_rationale_methods_and_assessor(self, text):
        assert rationale("3.2") in text
        assert rationale("9.1 b") in text
        assert "Status: Met" in text
        assert "Judged met by Carol Carter" in text
        assert "Methods: Examination of work product and questioning." in text
        assert "Criteria met: 26 of 26" in text
        assert "No gaps: every criterion is met." in text

    def test_it_shows_the_evidence_relied_on_with_its_file_fingerprint(self, signed_off_pdf):
        text = signed_off_pdf.text
        assert "Evidence relied on for 3.2" in text
        assert "02/10/2026" in text
        assert signed_off_pdf.fingerprint in text
        assert "Valid, authentic, current, sufficient and reliable" in text

    def test_it_shows_both_signatures_their_digests_and_the_reopening(self, signed_off_pdf):
        text, (reopened, standing) = signed_off_pdf.text, signed_off_pdf.sign_offs
        assert standing.digest[:16] in text
        assert reopened.digest[:16] in text
        assert "Unit signed off" in text
        assert "Sign-off, since reopened" in text
        assert "Sampled: the rationale for 5.2 needs detail." in text
        assert normalised(reopened.learner_declaration) in text
        assert normalised(standing.assessor_declaration) in text
        assert "Not yet countersigned by the learner." in text

    def test_it_shows_the_feedback_thread(self, text):
        assert "Clear log; I have accepted every mapping." in text
        assert "Thank you, I will keep it up to date." in text

    def test_its_evidence_index_lists_submitted_items_in_date_order(self, signed_off_pdf):
        text = signed_off_pdf.text
        assert "Evidence index" in text
        index = text[text.rindex("Evidence index") :]
        assert index.index("E1 Complaints log") < index.index("E2 Reflective account")
        assert "complaints_log.pdf" in index
        assert signed_off_pdf.fingerprint in index
        assert "Unfinished survey" not in text  # a draft never submitted is not evidence yet

    def test_it_numbers_its_pages_and_says_when_it_was_made(self, text):
        assert "Page 1 of" in text
        assert re.search(r"Generated \d{1,2} \w+ \d{4} at \d{2}:\d{2}", text)
        assert "Alice Archer (alice)" in text  # the running header

    def test_it_is_a_pdf_of_a_few_a4_pages(self, signed_off_pdf, tmp_path):
        assert signed_off_pdf.pdf.startswith(b"%PDF")
        path = tmp_path / "report.pdf"
        path.write_bytes(signed_off_pdf.pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert "595.276 x 841.89 pts (A4)" in info
        pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
        assert 3 <= pages <= 30
        assert f"Page {pages} of {pages}" in signed_off_pdf.text


@needs_pdftotext
class TestReportsOfLittle:
    def test_an_enrolment_with_no_evidence_renders(self, bob_enrolment, tmp_path):
        text = pdf_text(render_coverage_pdf(coverage_report(enrolment=bob_enrolment)), tmp_path)
        assert "Bob Baker" in text
        assert "No evidence has been submitted on this enrolment yet." in text
        assert "Not yet signed off" in text
        assert "Criteria met: 0 of 26" in text
        assert "No evidence yet for 1.1, 2.1" in text

    def test_an_outline_unit_says_its_criteria_are_not_loaded(
        self, alice_report, outline, portfolio, tmp_path
    ):
        text = pdf_text(render_coverage_pdf(coverage_report(enrolment=alice_report)), tmp_path)
        assert "Criteria not yet loaded" in text
        assert "Plan, organise and control customer service operations" in text
        assert "reference not yet known" in text  # the outline has no Ofqual number yet
        assert "1.1 Describe what is meant by internal customers" in text  # the other unit

    def test_only_the_unit_asked_for_is_reported(self, alice_report, outline, tmp_path):
        report = coverage_report(enrolment=alice_report, unit=outline)
        text = pdf_text(render_coverage_pdf(report), tmp_path)
        assert "Criteria not yet loaded" in text
        assert "Describe what is meant by internal customers" not in text


def star_item(enrolment, unit, answers, *, title="How I handled the month-end query"):
    """A submitted reflective account (STAR) of the learner's, mapped to 1.1."""
    item = evidence_item_create(
        enrolment=enrolment,
        by=enrolment.learner,
        title=title,
        activity_date=datetime.date(2026, 10, 5),
        evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
        assessment_method=AssessmentMethod.LEARNER_STATEMENT,
        template="star",
        typed_content=answers,
    )
    evidence_mappings_set(item=item, by=enrolment.learner, targets=[(*target(unit, "1.1"), "")])
    evidence_submit(item=item, by=enrolment.learner, declaration=True)
    return item


STAR = {
    "situation": "The finance team had not received the month-end figures.",
    "task": "Get the figures to them within four working hours.",
    "action": "I found the report had gone to an old address and sent it again.",
    "result": "They confirmed it arrived; I updated the distribution list.",
}


@needs_pdftotext
class TestTypedAccounts:
    def test_the_pdf_shows_the_account_under_its_item(self, alice_report, unit, tmp_path):
        star_item(alice_report, unit, STAR)
        text = pdf_text(render_coverage_pdf(coverage_report(enrolment=alice_report)), tmp_path)
        index = text[text.rindex("Evidence index") :]
        after_item = index[index.index("E1 How I handled the month-end query") :]
        assert (
            "Reflective account (STAR). Situation: The finance team had not received the "
            "month-end figures. Task: Get the figures to them within four working hours. "
            "Action: I found the report had gone to an old address and sent it again. "
            "Result: They confirmed it arrived; I updated the distribution list."
        ) in after_item
        assert "characters; the whole account" not in text  # short: shown whole

    def test_a_long_account_is_cut_and_says_how_long_it_is(self, alice_report, unit, tmp_path):
        long_answers = {
            key: f"{key.capitalize()} begins. " + "I checked the list of recipients. " * 40
            for key in STAR
        }  # 4 x 1,380 characters
        long_answers["result"] = "Never shown: past the bound. " + long_answers["result"]
        star_item(alice_report, unit, long_answers)
        [entry] = coverage_report(enrolment=alice_report).index
        account = entry.typed
        assert account.length == sum(len(answer.strip()) for answer in long_answers.values())
        assert account.shown <= 2000
        assert [label for label, _ in account.answers] == ["Situation", "Task"]
        cut = account.answers[1][1]
        assert cut.endswith("…")
        assert long_answers["task"].startswith(cut[:-1] + " ")  # cut after a whole word

        text = pdf_text(render_coverage_pdf(coverage_report(enrolment=alice_report)), tmp_path)
        assert "Situation begins." in text
        assert "Task begins." in text
        assert "Never shown" not in text
        assert (
            f"(The first {account.shown:,} of its {account.length:,} characters; the whole "
            "account is on the item's page in the portfolio.)"
        ) in text

    def test_it_shows_the_account_as_submitted_not_a_later_draft(self, alice_report, unit):
        item = star_item(alice_report, unit, STAR)
        evidence_revise(item=item, by=alice_report.learner)
        item.typed_content = {**STAR, "result": "A draft answer, not yet submitted."}
        item.save(update_fields=["typed_content"])
        [entry] = coverage_report(enrolment=alice_report).index
        assert ("Result", STAR["result"]) in entry.typed.answers

    def test_an_item_of_files_only_has_no_account(self, alice_report, unit):
        add_item(alice_report, "Complaints log", unit, ["1.1"], file_name=LOG_FILE)
        [entry] = coverage_report(enrolment=alice_report).index
        assert entry.typed is None


class TestTheReportsData:
    def test_statuses_follow_judgements_and_mappings(self, alice_report, unit, portfolio, carol):
        log = portfolio["log"]
        accept_all(log, carol)
        enrolled_unit = enrolled_unit_of(alice_report, unit)
        judge(enrolled_unit, unit, "3.2", [log])
        judge(enrolled_unit, unit, "9.1 a", [log])
        judge(enrolled_unit, unit, "4.1", [log], outcome="not_yet")
        [section] = coverage_report(enrolment=alice_report).units
        status = {row.code: row.status for row in section.matrix_rows}
        assert status["3.2"] == "Met"
        assert status["4.1"] == "Not yet met"
        assert status["9.1 a"] == "Met"
        assert status["9.1 b"] == "Evidence accepted, not yet judged"
        assert status["9.1"] == "Evidence accepted, not yet judged"
        assert status["1.1"] == "Evidence accepted, not yet judged"
        assert section.met == 1
        assert section.with_evidence == 26
        assert "Judged not yet met: 4.1." in section.gaps

    def test_gaps_tell_missing_evidence_from_drafts(self, alice_report, unit):
        add_item(alice_report, "Survey draft", unit, ["6.1"], submit=False)
        add_item(alice_report, "Account", unit, ["1.1"])
        [section] = coverage_report(enrolment=alice_report).units
        assert "Only draft evidence, not yet submitted for assessment, for 6.1." in section.gaps
        assert "Evidence waiting for the assessor's decision: 1.1." in section.gaps
        assert section.gaps[0].startswith("No evidence yet for 2.1, 3.1")
        assert "6.1" not in section.gaps[0]

    def test_files_come_from_the_latest_submitted_version(self, alice_report, unit):
        item = add_item(alice_report, "Feedback log", unit, ["1.1"], file_name="week_one.pdf")
        evidence_revise(item=item, by=alice_report.learner)
        add_file(item, "week_two.pdf", pdf_bytes("Week two, not submitted yet"))
        [entry] = coverage_report(enrolment=alice_report).index
        assert entry.item.status == "draft"  # a revision in progress stays in the portfolio
        assert [f.original_name for f in entry.files] == ["week_one.pdf"]
        assert entry.version.number == 1

    def test_the_generation_time_is_uk_time(self, alice_report):
        summer = datetime.datetime(2026, 7, 1, 13, 5, tzinfo=datetime.UTC)
        winter = datetime.datetime(2026, 11, 23, 14, 5, tzinfo=datetime.UTC)
        assert "1 July 2026 at 14:05" in render_coverage_html(
            coverage_report(enrolment=alice_report, now=summer)
        )
        assert "23 November 2026 at 14:05" in render_coverage_html(
            coverage_report(enrolment=alice_report, now=winter)
        )

    def test_titles_and_comments_are_text_not_markup(self, alice_report, unit):
        add_item(alice_report, '<img src="http://example.org/x.png"> Log', unit, ["1.1"])
        html = render_coverage_html(coverage_report(enrolment=alice_report))
        assert "&lt;img src=" in html
        assert '<img src="http' not in html

    def test_its_query_count_does_not_grow_with_the_evidence(self, alice_report, unit, carol):
        def build():
            with CaptureQueriesContext(connection) as queries:
                render_coverage_html(coverage_report(enrolment=alice_report))
            return len(queries)

        def add(count, start):
            for number in range(start, start + count):
                item = add_item(
                    alice_report,
                    f"Monitoring record {number}",
                    unit,
                    ["1.1", "9.1 a"],
                    day=1 + number % 28,
                    file_name=f"record-{number}.pdf",
                )
                accept_all(item, carol)
                feedback_add(item=item, by=carol, text=f"Comment on record {number}.")
            return item

        item = add(2, 0)
        enrolled_unit = enrolled_unit_of(alice_report, unit)
        judge(enrolled_unit, unit, "1.1", [item])
        with_two = build()
        add(18, 2)
        judge(enrolled_unit, unit, "9.1 a", list(alice_report.evidence_items.all()))
        assert build() == with_two
        assert with_two <= 19


# The CSV matrix ------------------------------------------------------------------------------


def read_csv(content):
    assert content.startswith(b"\xef\xbb\xbf")  # the byte order mark Excel needs for UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class TestTheCsv:
    def test_it_has_a_row_per_criterion_and_part_and_a_column_per_item(
        self, alice_report, unit, judged
    ):
        rows = read_csv(render_matrix_csv(coverage_report(enrolment=alice_report, unit=unit)))
        header, body = rows[0], rows[1:]
        assert header == [
            "Unit reference",
            "Code",
            "Criterion",
            "Status",
            "E1 Complaints log",
            "E2 Reflective account",
        ]
        # 26 criteria, and the three parts of 9.1 each on their own row after it: 29 rows.
        assert len(body) == 29
        assert [row[1] for row in body] == MATRIX_ROWS
        by_code = {row[1]: row for row in body}
        assert by_code["1.1"] == [
            "A/601/2550",
            "1.1",
            "Describe what is meant by internal customers",
            "Met",
            "accepted",
            "pending",
        ]
        assert by_code["9.1"][4:] == ["", ""]  # mapped part by part, never as a whole
        assert by_code["9.1 b"][3:] == ["Met", "accepted", ""]
        assert by_code["2.1"][3:] == ["Met", "accepted", ""]

    def test_it_marks_rejected_mappings(self, alice_report, unit, portfolio, carol):
        mapping = portfolio["account"].mappings.get(
            criterion__number=2, criterion__outcome__number=3
        )
        mapping_decide(mapping=mapping, by=carol, decision="rejected", comment="Not about 3.2.")
        rows = read_csv(render_matrix_csv(coverage_report(enrolment=alice_report)))
        by_code = {row[1]: row for row in rows[1:]}
        assert by_code["3.2"][4:] == ["pending", "rejected"]

    def test_it_guards_against_formula_injection(self, alice_report, alice_enrolment):
        evil = UnitFactory(title="Imported unit", reference="Z/999/9999")
        outcome = LearningOutcomeFactory(unit=evil, number=1)
        texts = ['=HYPERLINK("http://example.org","Click")', "+1+1", "-2+3", "@SUM(A1)"]
        for number, text in enumerate(texts, start=1):
            AssessmentCriterionFactory(outcome=outcome, number=number, text=text)
        EnrolmentUnit.objects.create(enrolment=alice_enrolment, unit=evil)
        rows = read_csv(render_matrix_csv(coverage_report(enrolment=alice_report, unit=evil)))
        assert [row[2] for row in rows[1:]] == [f"'{text}" for text in texts]

    def test_an_enrolment_with_no_evidence_still_lists_its_criteria(self, bob_enrolment):
        rows = read_csv(render_matrix_csv(coverage_report(enrolment=bob_enrolment)))
        assert rows[0] == ["Unit reference", "Code", "Criterion", "Status"]
        assert len(rows) == 30
        assert {row[3] for row in rows[1:]} == {"No evidence yet"}


# The downloads --------------------------------------------------------------------------------


def get(client, user, name, enrolment, **params):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(f"assessments:{name}", args=[enrolment.pk]), params)


class TestTheDownloads:
    @pytest.mark.parametrize("reader", ["alice", "carol", "erin", "frank"])
    def test_everyone_with_a_role_downloads_the_pdf(
        self, client, request, alice_enrolment, portfolio, reader
    ):
        response = get(client, request.getfixturevalue(reader), "report_pdf", alice_enrolment)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    @pytest.mark.parametrize("outsider", ["bob", "dave"])
    @pytest.mark.parametrize("name", ["report_pdf", "matrix_csv"])
    def test_outsiders_get_404(self, client, request, alice_enrolment, outsider, name):
        response = get(client, request.getfixturevalue(outsider), name, alice_enrolment)
        assert response.status_code == 404

    @pytest.mark.parametrize("name", ["report_pdf", "matrix_csv"])
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, alice_enrolment, name):
        response = get(client, None, name, alice_enrolment)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_the_pdf_is_an_attachment_kept_out_of_caches(self, client, alice, alice_enrolment):
        response = get(client, alice, "report_pdf", alice_enrolment, unit="a-601-2550")
        assert re.fullmatch(
            r'attachment; filename="coverage-report-alice-A-601-2550-\d{4}-\d{2}-\d{2}\.pdf"',
            response["Content-Disposition"],
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]

    def test_without_a_unit_it_reports_on_all_of_them(self, client, alice, alice_enrolment):
        response = get(client, alice, "report_pdf", alice_enrolment)
        assert "-all-units-" in response["Content-Disposition"]

    @pytest.mark.parametrize("name", ["report_pdf", "matrix_csv"])
    def test_an_unknown_unit_is_a_404_that_says_so(self, client, carol, alice_enrolment, name):
        response = get(client, carol, name, alice_enrolment, unit="no-such-unit")
        assert response.status_code == 404
        message = response.content.decode()
        assert 'This enrolment has no unit "no-such-unit"' in message
        assert "a-601-2550" in message

    def test_the_cached_csv_follows_every_change_to_the_portfolio(
        self, client, alice, alice_enrolment, unit
    ):
        from evidence.services import evidence_item_create, evidence_mappings_set

        first = get(client, alice, "matrix_csv", alice_enrolment).content
        assert get(client, alice, "matrix_csv", alice_enrolment).content == first  # cached
        item = evidence_item_create(
            enrolment=alice_enrolment,
            by=alice,
            title="Feedback from Finance",
            activity_date=datetime.date(2026, 10, 1),
            evidence_type="feedback_log",
            assessment_method="work_product",
            description="A survey.",
        )
        criterion = unit.outcomes.get(number=1).criteria.get(number=1)
        evidence_mappings_set(item=item, by=alice, targets=[(criterion, None, "")])
        evidence_submit(item=item, by=alice, declaration=True)
        assert "Feedback from Finance" in get(client, alice, "matrix_csv", alice_enrolment).text

    def test_the_csv_downloads_with_its_own_name(self, client, erin, alice_enrolment, judged):
        response = get(client, erin, "matrix_csv", alice_enrolment, unit="a-601-2550")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert re.fullmatch(
            r'attachment; filename="criteria-matrix-alice-A-601-2550-\d{4}-\d{2}-\d{2}\.csv"',
            response["Content-Disposition"],
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert len(read_csv(response.content)) == 30

    def test_posting_is_not_allowed(self, client, alice, alice_enrolment):
        client.force_login(alice)
        response = client.post(reverse("assessments:report_pdf", args=[alice_enrolment.pk]))
        assert response.status_code == 405

    def test_the_progress_page_offers_the_pdf_as_a_job_and_the_csv(
        self, client, alice, alice_enrolment
    ):
        client.force_login(alice)
        response = client.get(reverse("evidence:progress", args=[alice_enrolment.pk]))
        assert reverse("assessments:report_prepare", args=[alice_enrolment.pk]) in response.text
        assert reverse("assessments:matrix_csv", args=[alice_enrolment.pk]) in response.text
        assert "Prepare PDF report" in response.text
        assert "Download CSV" in response.text


# The command ---------------------------------------------------------------------------------


class TestTheCommand:
    @needs_pdftotext
    def test_it_writes_the_pdf_and_the_csv(self, alice_enrolment, portfolio, tmp_path):
        pdf_path, csv_path = tmp_path / "alice.pdf", tmp_path / "alice.csv"
        out = io.StringIO()
        call_command(
            "coverage_report",
            "alice",
            "--unit",
            "A/601/2550",
            "-o",
            str(pdf_path),
            "--csv",
            str(csv_path),
            stdout=out,
        )
        pdf = pdf_path.read_bytes()
        assert pdf.startswith(b"%PDF")
        text = pdf_text(pdf, tmp_path)
        assert "Coverage report" in text
        assert "10.3 Take action that will lead to improvement in customer service(s)" in text
        assert len(read_csv(csv_path.read_bytes())) == 30
        assert str(pdf_path) in out.getvalue()

    def test_it_takes_the_unit_by_its_slug(self, alice_enrolment, tmp_path):
        call_command(
            "coverage_report", "alice", "--unit", "a-601-2550", "--csv", str(tmp_path / "m.csv")
        )
        assert (tmp_path / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    def test_it_refuses_an_unknown_username(self, alice_enrolment, tmp_path):
        with pytest.raises(CommandError, match='No one has the username "nobody"'):
            call_command("coverage_report", "nobody", "-o", str(tmp_path / "r.pdf"))

    def test_it_refuses_someone_who_is_not_a_learner(self, alice_enrolment, carol, tmp_path):
        with pytest.raises(CommandError, match="carol is not enrolled as a learner"):
            call_command("coverage_report", "carol", "-o", str(tmp_path / "r.pdf"))

    def test_it_refuses_an_unknown_unit(self, alice_enrolment, tmp_path):
        with pytest.raises(CommandError, match='This enrolment has no unit "Z/999/9999"'):
            call_command(
                "coverage_report", "alice", "--unit", "Z/999/9999", "-o", str(tmp_path / "r.pdf")
            )
        assert not (tmp_path / "r.pdf").exists()

    def test_it_asks_which_enrolment_when_there_are_several(
        self, alice_enrolment, alice, carol, erin, tmp_path
    ):
        diploma = Qualification.objects.get(code="ocr-l4-nvq-diploma-business-admin")
        EnrolmentFactory(learner=alice, assessor=carol, iqa=erin, qualification=diploma, units=[])
        with pytest.raises(CommandError, match=r"alice has 2 enrolments .* --qualification"):
            call_command("coverage_report", "alice", "--csv", str(tmp_path / "m.csv"))
        call_command(
            "coverage_report",
            "alice",
            "--qualification",
            "ocr-l4-nvq-diploma-business-admin",
            "--csv",
            str(tmp_path / "m.csv"),
        )
        assert read_csv((tmp_path / "m.csv").read_bytes()) == [
            ["Unit reference", "Code", "Criterion", "Status"]
        ]

    def test_it_needs_somewhere_to_write(self, alice_enrolment):
        with pytest.raises(CommandError, match="Say where to write"):
            call_command("coverage_report", "alice")


@pytest.mark.django_db
def test_it_warms_the_renderer_without_reading_the_database(django_assert_num_queries):
    # A server warms it as it starts (nvq_portfolio/wsgi.py), before any request or query.
    with django_assert_num_queries(0):
        warm_renderer()
