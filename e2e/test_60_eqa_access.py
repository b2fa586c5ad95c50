"""Stage 6: Mark, the centre admin, grants Helen, the external quality assurer, read-only
access to Priya's unit; Helen reads the portfolio, judgements and the IQA's review and finds
no control that changes anything; Mark sees each page she opened in the log."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

PURPOSE = "EQA sampling visit, January 2027"


def no_changing_controls(page):
    """Nothing on the page changes anything: the only form that posts is signing out."""
    expect(page.locator("main form[method=post]")).to_have_count(0)
    expect(page.locator("main textarea, main input[type=file]")).to_have_count(0)


def test_the_centre_admin_grants_the_eqa_access(people):
    admin = people("admin")
    page = admin.page
    admin.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="EQA access").click()
    page.get_by_role("link", name="Grant access").click()
    page.get_by_label("External quality assurer").select_option(label="Helen Price")
    page.get_by_label("Purpose").fill(PURPOSE)
    page.get_by_role("checkbox", name=re.compile("^Priya Shah: OCR Level 3")).check()
    page.get_by_role("checkbox", name=re.compile(r"^A\/601\/2550 Deliver")).check()
    page.get_by_label("IQA records from").fill("2026-09-01")
    page.get_by_label("IQA records until").fill("2027-02-28")
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    page.get_by_label("Access ends").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Grant read-only access").click()
    expect(page.get_by_role("alert")).to_contain_text("Access must end in the future.")
    admin.check("grant refused: access ending in the past")
    soon = timezone.localtime() + datetime.timedelta(days=10)
    page.get_by_label("Access ends").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Grant read-only access").click()
    admin.expect_message("Helen Price has read-only access.")
    expect(page.get_by_role("heading", level=1)).to_have_text("EQA access for Helen Price")
    admin.check("access granted")


def test_the_eqa_reads_the_portfolio_and_can_change_nothing(people):
    eqa = people("eqa")
    page = eqa.page
    eqa.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quality").click()
    expect(page.get_by_role("heading", name="Your read-only access")).to_be_visible()
    expect(page.get_by_text(PURPOSE)).to_be_visible()
    no_changing_controls(page)
    eqa.check("eqa home")

    granted = page.get_by_role("region", name=PURPOSE)
    expect(granted.get_by_role("link", name=re.compile(r"^A\/601\/2550 Deliver"))).to_be_visible()
    granted.get_by_role("link", name="Priya Shah", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress of Priya Shah")
    no_changing_controls(page)
    eqa.check("eqa reads the progress")

    page.get_by_role("link", name=re.compile("^Judgements and sign-off")).click()
    expect(page.get_by_text("Countersigned", exact=False).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Judge "))).to_have_count(0)
    no_changing_controls(page)
    eqa.check("eqa reads the judgements")

    page.get_by_role("link", name="Post room complaints log, October 2026").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post room complaints log")
    no_changing_controls(page)
    eqa.check("eqa reads an item")

    eqa.goto("/quality/")
    page.get_by_role("link", name="Winter term 2026-27", exact=True).click()
    expect(page.get_by_role("heading", name="Suggested sample")).to_have_count(0)
    no_changing_controls(page)
    eqa.check("eqa reads the sampling plan")
    page.get_by_role("link", name=re.compile("^Agreed, ")).first.click()
    expect(page.get_by_text("Agreed with every decision sampled.")).to_be_visible()
    no_changing_controls(page)
    eqa.check("eqa reads the iqa review")

    # A change sent anyway is refused.
    response = page.request.post(f"{page.url}", form={"feedback": "x"})
    assert response.status in (403, 405)


def test_the_centre_admin_sees_what_the_eqa_opened(people):
    admin = people("admin")
    page = admin.page
    page.reload()
    log = page.get_by_role("table", name=re.compile("^What Helen Price opened"))
    for view in ("quality:home", "evidence:progress", "assessments:unit", "quality:review"):
        expect(log.get_by_role("cell", name=view, exact=True).first).to_be_visible()
    admin.check("eqa access log")
