"""A realistic demo portfolio for seed_demo: items of several types and methods, mapped across
most of A/601/2550 (leaving a few gaps to show), with small real files made here."""

import csv
import datetime
import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from criteria.models import AssessmentCriterion, CriterionPart

from . import services
from .uploads import evidence_file_add


def complaints_log_pdf():
    from weasyprint import HTML  # imported here: WeasyPrint is slow to import

    rows = [
        (
            "02/10/2026",
            "Finance",
            "Invoices for approval delivered to the wrong floor",
            "Same day",
            "Resolved",
        ),
        ("09/10/2026", "HR", "Payroll post arrived after the 10:00 cut-off", "4 hours", "Resolved"),
        ("16/10/2026", "Sales", "Courier collection missed", "4 hours", "Referred to facilities"),
        ("27/10/2026", "IT", "Parcel signed for but not logged", "Same day", "Resolved"),
    ]
    body = "".join(f"<tr>{''.join(f'<td>{cell}</td>' for cell in row)}</tr>" for row in rows)
    html = f"""<html lang="en-GB"><head><style>
        body {{ font-family: sans-serif; font-size: 10pt; }}
        table {{ border-collapse: collapse; width: 100%; }}
        td, th {{ border: 1px solid #555; padding: 4px; text-align: left; }}
        </style></head><body>
        <h1>Post room: internal customer complaints log</h1>
        <p>October 2026. Kept by Priya Shah. Standard: acknowledge within 1 hour, resolve within
        4 hours or refer to the facilities manager.</p>
        <table><tr><th>Date</th><th>Internal customer</th><th>Problem</th><th>Timescale</th>
        <th>Outcome</th></tr>{body}</table></body></html>"""
    return HTML(string=html).write_pdf()


def feedback_chart_png(scores=(4, 5, 3, 4, 5), width=200, height=120):
    """A small bar chart of satisfaction scores out of 5, drawn pixel by pixel."""
    bar_width = width // len(scores)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 for each scanline
        for x in range(width):
            score = scores[min(x // bar_width, len(scores) - 1)]
            inside_bar = x % bar_width > 4 and height - y <= score * (height // 5)
            row += bytes((13, 110, 253) if inside_bar else (255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def feedback_survey_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Department", "Respondent role", "Satisfaction (1-5)", "Comment"])
    writer.writerows(
        [
            ("Finance", "Accounts assistant", 4, "Post arrives on time most days"),
            ("HR", "HR adviser", 5, "Payroll post now always before 10:00"),
            ("Sales", "Sales coordinator", 3, "Courier bookings sometimes missed"),
            ("IT", "Service desk", 4, "Parcel log is helpful"),
            ("Facilities", "Manager", 5, "Good communication about referrals"),
        ]
    )
    return out.getvalue().encode("utf-8")


DEVELOPMENT_PLAN = """Development plan: post room service to internal customers
Prepared by Priya Shah, November 2026

1. Courier collections: add a shared calendar so Sales can see booked collections (by 30/11/2026).
2. Parcel logging: scan every parcel on arrival; aim for 99% of parcels logged within 15 minutes.
3. Feedback: repeat the internal customer survey each quarter and report the results to the team.
"""

RECEPTION_PLAN = """Reception: internal customer feedback and improvement plan
Prepared by Tom Walker, October 2026

Survey of 24 colleagues in 6 departments: 88% satisfied or very satisfied.
Main complaint: meeting rooms double-booked (3 times in September).
Action: bookings online only from 1 October; rooms checked 10 minutes before each meeting.
Next survey: January 2027, to see whether satisfaction with bookings has improved.
"""

# title, evidence type, method, template, typed content, description, days ago, mapped codes,
# files, submitted?
PORTFOLIO = [
    (
        "Post room complaints log, October 2026",
        "complaints_log",
        "work_product",
        "",
        {},
        "The log I keep of problems colleagues raise with the post room, with timescales.",
        40,
        ["5.1", "7.4", "9.1 a", "9.1 b", "9.1 c"],
        [("complaints-log-october-2026.pdf", complaints_log_pdf)],
        True,
    ),
    (
        "Internal customer feedback survey, autumn 2026",
        "feedback_log",
        "work_product",
        "",
        {},
        "Survey of five departments and a chart of the satisfaction scores.",
        30,
        ["6.2", "10.1", "10.2"],
        [
            ("feedback-survey-results.csv", feedback_survey_csv),
            ("satisfaction-chart.png", feedback_chart_png),
        ],
        True,
    ),
    (
        "Month-end invoice scanning for Finance",
        "reflective_account",
        "learner_statement",
        "star",
        {
            "situation": "At October month end Finance needed 300 supplier invoices scanned.",
            "task": "Scan and index them within 4 hours, with 99% data accuracy.",
            "action": "I agreed the deadline with the finance manager, re-ordered the post run "
            "and checked a sample of 30 scans against the originals.",
            "result": "Finished in 3 hours with no errors found; Finance confirmed they could "
            "close the month on time. I learnt to agree the standard before starting.",
        },
        "",
        25,
        ["1.1", "3.1", "3.2", "3.3", "8.1", "8.2", "8.3"],
        [],
        True,
    ),
    (
        "Late payroll post for HR",
        "complaint_notes",
        "learner_statement",
        "airr",
        {
            "customer": "HR department",
            "timescale": "Respond within 4 hours",
            "acknowledge": "I phoned the HR adviser within 20 minutes and apologised.",
            "investigate": "The courier had changed its round; the post reached us at 10:40.",
            "resolve": "I arranged an earlier collection and a same-day hand delivery.",
            "reflect": "Met the 4-hour standard. Next time I would warn HR as soon as I know.",
        },
        "",
        12,
        ["5.2", "5.3"],
        [],
        False,
    ),
    (
        "1:1 with my line manager about service standards",
        "one_to_one_minutes",
        "work_product",
        "one_to_one",
        {
            "attendees": "Priya Shah (post room administrator), Janet Reid (office manager)",
            "discussion": "Which departments use the post room and the standards each expects.",
            "actions": "Priya to agree written timescales with Finance and HR by 20/11/2026.",
        },
        "",
        20,
        ["4.1", "4.2", "4.3", "7.2", "7.3"],
        [],
        True,
    ),
    (
        "Witness testimony from the office manager",
        "witness_testimony",
        "witness_testimony",
        "witness",
        {
            "witness_name": "Janet Reid",
            "witness_role": "Office manager",
            "relationship": "Line manager",
            "contact": "janet.reid@example-employer.co.uk",
            "statement": "I have seen Priya build good working relationships with colleagues "
            "in every department and deliver the post service to the agreed standards.",
        },
        "",
        15,
        ["3.4", "7.1", "8.1"],
        [],
        True,
    ),
    (
        "Development plan for the post room service",
        "development_plan",
        "work_product",
        "",
        {},
        "My plan to improve the service after the survey.",
        5,
        ["6.3", "10.3"],
        [("development-plan.txt", lambda: DEVELOPMENT_PLAN.encode("utf-8"))],
        False,
    ),
]

SECOND_LEARNER = [
    (
        "Reception visitor log, week 45",
        "monitoring_record",
        "work_product",
        "",
        {},
        "Visitor log showing how quickly colleagues' requests at reception were met.",
        30,
        ["8.1", "8.2", "8.3", "10.1"],
        [("visitor-log.csv", feedback_survey_csv)],
        True,
    ),
    (
        "What internal customers means at reception",
        "reflective_account",
        "learner_statement",
        "",
        {},
        "Who my internal customers are, what reception offers them, and why meeting their "
        "expectations and building good relationships matters to the whole office.",
        28,
        ["1.1", "2.1", "3.1", "3.2", "3.3", "3.4", "7.1"],
        [],
        True,
    ),
    (
        "Meeting-room booking standards agreed with departments",
        "one_to_one_minutes",
        "work_product",
        "one_to_one",
        {
            "attendees": "Tom Walker (receptionist), Amir Khan (facilities manager)",
            "discussion": "Booking standards: confirm within 2 hours, rooms ready 10 minutes "
            "before, and what happens when a room is not ready.",
            "actions": "Tom to publish the standards on the intranet by 15/10/2026.",
        },
        "",
        26,
        ["4.1", "4.2", "4.3", "7.2", "7.3", "7.4"],
        [],
        True,
    ),
    (
        "Double-booked meeting room for Sales",
        "complaint_notes",
        "learner_statement",
        "airr",
        {
            "customer": "Sales team",
            "timescale": "Resolve before the meeting starts",
            "acknowledge": "I apologised to the sales manager at once and logged the complaint.",
            "investigate": "Two bookings had been made on paper and online for the same slot.",
            "resolve": "I moved the other meeting to a free room and referred the booking "
            "system fault to facilities.",
            "reflect": "Resolved in 15 minutes. We now take bookings online only.",
        },
        "",
        24,
        ["5.1", "5.2", "5.3", "9.1 a", "9.1 b", "9.1 c"],
        [],
        True,
    ),
    (
        "Reception feedback survey and improvement plan",
        "evaluation_report",
        "work_product",
        "",
        {},
        "Why and how I monitor satisfaction, what the survey found, and what I changed.",
        20,
        ["6.1", "6.2", "6.3", "10.2", "10.3"],
        [("reception-improvement-plan.txt", lambda: RECEPTION_PLAN.encode("utf-8"))],
        True,
    ),
]


def _targets(enrolment, codes):
    criteria = {
        c.code: c
        for c in AssessmentCriterion.objects.filter(
            outcome__unit__enrolled_units__enrolment=enrolment
        ).select_related("outcome")
    }
    parts = {
        p.code: p
        for p in CriterionPart.objects.filter(
            criterion__outcome__unit__enrolled_units__enrolment=enrolment
        ).select_related("criterion__outcome")
    }
    return [
        (parts[code].criterion, parts[code], "") if code in parts else (criteria[code], None, "")
        for code in codes
    ]


def seed_portfolio(enrolment, portfolio, *, today):
    """Create the portfolio's items that are missing (matched by title); return how many."""
    learner = enrolment.learner
    existing = set(enrolment.evidence_items.values_list("title", flat=True))
    created = 0
    for entry in portfolio:
        title, kind, method, template, typed, description, days_ago, codes, files, submit = entry
        if title in existing:
            continue
        item = services.evidence_item_create(
            enrolment=enrolment,
            by=learner,
            title=title,
            activity_date=today - datetime.timedelta(days=days_ago),
            evidence_type=kind,
            assessment_method=method,
            template=template,
            typed_content=typed,
            description=description,
        )
        for name, make in files:
            evidence_file_add(item=item, upload=SimpleUploadedFile(name, make()), by=learner)
        services.evidence_mappings_set(item=item, by=learner, targets=_targets(enrolment, codes))
        if submit:
            services.evidence_submit(item=item, by=learner, declaration=True)
        created += 1
    return created


def seed_demo_evidence(enrolments_by_username, *, today):
    created = 0
    if "learner" in enrolments_by_username:
        created += seed_portfolio(enrolments_by_username["learner"], PORTFOLIO, today=today)
    if "learner2" in enrolments_by_username:
        created += seed_portfolio(enrolments_by_username["learner2"], SECOND_LEARNER, today=today)
    return created
