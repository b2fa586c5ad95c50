"""Stage 7b: a witness confirms by link. Priya asks her line manager, Janet Reid, to confirm a
witness testimony; the link is read from the email; Janet, in a browser of her own with no
account, reads the version, says how she knows Priya and signs; Priya's item then shows the
confirmation. The same link used again is refused, and so is a link for an item revised since.
The witness's page is photographed and checked like every other page."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from evidence.models import AssessmentMethod, EvidenceItem, EvidenceType
from evidence.services import (
    criteria_open_to,
    evidence_item_create,
    evidence_mapping_add,
    evidence_submit,
)
from people.models import Enrolment

from .browser import AXE, Person

TITLE = "Janet's account of the finance stock query"
LINK = re.compile(r"https?://\S+?(/confirmations/link/[A-Za-z0-9_-]+/)")


@pytest.fixture(scope="module")
def testimony(database):
    """Priya's witness testimony, typed and submitted as version 1."""
    enrolment = Enrolment.objects.select_related("learner").get(learner__username="learner")
    learner = enrolment.learner
    item = evidence_item_create(
        enrolment=enrolment,
        by=learner,
        title=TITLE,
        activity_date=timezone.localdate() - datetime.timedelta(days=3),
        evidence_type=EvidenceType.WITNESS_TESTIMONY,
        assessment_method=AssessmentMethod.WITNESS_TESTIMONY,
        template="witness",
        typed_content={
            "witness_name": "Janet Reid",
            "witness_role": "Finance team manager",
            "relationship": "line manager",
            "contact": "janet.reid@example.org",
            "statement": "Priya answered the finance team's stock query within the hour and "
            "followed it up by email the next morning.",
        },
    )
    criterion = criteria_open_to(enrolment).filter(parts__isnull=True).first()
    evidence_mapping_add(item=item, by=learner, criterion=criterion)
    evidence_submit(item=item, by=learner, declaration=True)
    return item


def ask_in_the_browser(learner, item, *, name, email):
    """Priya asks `name` to confirm the item from its page; the link's path from the email."""
    mail.outbox = []
    learner.goto(item.get_absolute_url())
    learner.page.get_by_role("link", name="Ask a witness or employer to confirm").click()
    expect(
        learner.page.get_by_role("heading", name=re.compile("^Ask someone to confirm"))
    ).to_be_visible()
    learner.page.get_by_label("Their name").fill(name)
    learner.page.get_by_label("Their role").fill("line manager")
    learner.page.get_by_label("Relationship to the learner").fill("Manages my team")
    learner.page.get_by_label("Their email address").fill(email)
    learner.page.get_by_role("button", name="Send the link").click()
    learner.expect_message(f"Sent {name} a link to confirm version")
    (message,) = [m for m in mail.outbox if m.to == [email]]
    return LINK.search(message.body).group(1)


def browser_without_account(browser, site, pages_seen, *, width, height):
    context = browser.new_context(
        base_url=site, viewport={"width": width, "height": height}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    context.add_init_script(path=AXE)
    return Person(context, context.new_page(), "witness", pages_seen, width)


@pytest.fixture(scope="module")
def witness(browser, site, pages_seen):
    """Janet Reid in a browser of her own, never signed in."""
    person = browser_without_account(browser, site, pages_seen, width=1280, height=900)
    yield person
    person.close()


def test_a_witness_confirms_by_link_and_the_item_shows_it(
    learner, witness, testimony, browser, site, pages_seen
):
    path = ask_in_the_browser(learner, testimony, name="Janet Reid", email="janet.reid@example.org")
    witness.goto(path)
    page = witness.page
    expect(page.get_by_role("heading", name="Confirm what you saw")).to_be_visible()
    expect(page.get_by_text("answered the finance team's stock query")).to_be_visible()
    witness.check("witness confirmation page")
    # Most people open an emailed link on their phone: the same page at 375 px first.
    phone = browser_without_account(browser, site, pages_seen, width=375, height=800)
    phone.goto(path)
    phone.check("witness confirmation page on a phone")
    phone.close()
    page.get_by_label("How do you know the learner?").fill(
        "I manage the finance team and raised the query myself."
    )
    page.get_by_label("Yes, it is accurate as written").check()
    page.get_by_label("Type your full name to sign").fill("Janet Reid")
    page.get_by_role("checkbox").check()  # the declaration, the one box to tick
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_role("heading", name="Thank you, Janet Reid")).to_be_visible()
    witness.check("witness confirmation given")

    learner.goto(testimony.get_absolute_url())
    today = f"{timezone.localdate():%-d %B %Y}"
    expect(
        learner.page.get_by_text(
            f"Confirmed by Janet Reid, line manager, on {today}, for version 1"
        )
    ).to_be_visible()
    learner.check("item with a witness confirmation")

    again = page.goto(path)
    assert again.status == 410
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()


def test_a_link_for_an_item_revised_since_is_refused(learner, witness, testimony):
    path = ask_in_the_browser(learner, testimony, name="Sam Okoro", email="sam.okoro@example.org")
    learner.goto(testimony.get_absolute_url())
    learner.page.get_by_role("button", name=re.compile("^Revise")).click()
    learner.expect_message("The item is a draft again")
    item = EvidenceItem.objects.get(pk=testimony.pk)
    evidence_submit(item=item, by=item.enrolment.learner, declaration=True)

    response = witness.page.goto(path)
    assert response.status == 410
    expect(
        witness.page.get_by_role(
            "heading", name="The evidence has changed since this link was sent"
        )
    ).to_be_visible()
    witness.check("witness link for a revised item")
    # Janet's confirmation still stands, for the version she signed only.
    learner.goto(testimony.get_absolute_url())
    expect(learner.page.get_by_text("this applies to version 1 only")).to_be_visible()
