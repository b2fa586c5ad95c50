"""The journey's shared facts and the steps more than one stage takes: what the learner adds,
how a page's criteria rows are found, and files dropped or chosen the way a person would."""

import base64
import re

from playwright.sync_api import expect

from evidence.demo import complaints_log_pdf, feedback_chart_png, feedback_survey_csv

UNIT = "A/601/2550"
UNIT_SLUG = "a-601-2550"
ALL_CODES = [
    "1.1",
    "2.1",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "4.1",
    "4.2",
    "4.3",
    "5.1",
    "5.2",
    "5.3",
    "6.1",
    "6.2",
    "6.3",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "8.1",
    "8.2",
    "8.3",
    "9.1",
    "10.1",
    "10.2",
    "10.3",
]

# What Priya adds in the journey: between them the two items show every criterion the demo
# has not judged met yet, so the assessor can take the unit to sign-off.
FILES_ITEM = "Post room handover pack, November 2026"
FILES_ITEM_CODES = ["1.1", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.2", "5.3"]
STAR_ITEM = "Payroll post sent to the wrong floor"
STAR_ITEM_CODES = ["6.3", "7.2", "7.3", "8.3", "9.1 b", "9.1 c", "10.3"]
# Waiting for review in the demo; the assessor sends it back.
SENT_BACK_ITEM = "Month-end invoice scanning for Finance"
# Judged met in the demo before the journey starts.
MET_IN_DEMO = 11
ROWS_IN_UNIT = 29  # 26 criteria and the three lettered parts of 9.1


def evidence_files():
    """Three real files of three kinds, as (name, MIME type, bytes). Each differs from the
    demo's files, which the app would otherwise point out as the same file uploaded twice."""
    return [
        ("handover-log.pdf", "application/pdf", complaints_log_pdf() + b"% handover\n"),
        ("post-volumes.png", "image/png", feedback_chart_png(scores=(3, 4, 5, 5, 4))),
        (
            "colleague-survey.csv",
            "text/csv",
            feedback_survey_csv() + b"Reception,Receptionist,5,Quick replies\r\n",
        ),
    ]


def drop_files(page, files, zone="[data-drop-zone]"):
    """Drag files from the desktop onto the drop zone: the page receives the same dragenter,
    dragover and drop events, carrying a DataTransfer with the files, as from a real drag."""
    payload = [
        {"name": name, "type": kind, "data": base64.b64encode(data).decode()}
        for name, kind, data in files
    ]
    page.evaluate(
        """([selector, files]) => {
            const transfer = new DataTransfer();
            for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, {type: file.type}));
            }
            const zone = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {
                    bubbles: true, cancelable: true, dataTransfer: transfer,
                }));
            }
        }""",
        [zone, payload],
    )


def picker_row(page, code):
    """The row of the mapping picker for one criterion or part code, e.g. "9.1 b"."""
    code_cell = page.locator(".criterion-code").get_by_text(code, exact=True)
    return page.locator("[data-picker-row]").filter(has=code_cell)


def expect_uploaded(page, names):
    """Every file has its own row saying it was added, and the page's file list has them."""
    rows = page.locator("[data-upload-list] li")
    for name in names:
        expect(rows.filter(has_text=name)).to_contain_text("Added.")
    expect(page.locator("[data-upload-status]")).to_contain_text(
        f"{len(names)} file{'s' if len(names) != 1 else ''} added, 0 not added."
    )
    file_list = page.locator("[data-evidence-file-list]")
    for name in names:
        expect(file_list.get_by_role("link", name=name, exact=True)).to_be_visible()


def progress_counts(page):
    """The numbers the learner reads on the progress page for the unit, by what they count."""
    counts = {}
    bars = page.locator(".card").get_by_role("progressbar")
    for text in bars.evaluate_all("bars => bars.map(bar => bar.getAttribute('aria-valuetext'))"):
        match = re.fullmatch(r"(\d+) of (\d+) (.+)", text)
        counts[match.group(3)] = int(match.group(1))
    return counts
