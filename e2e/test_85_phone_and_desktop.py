"""The learner's pages on a phone (375 px wide) and a desktop (1280 px): no sideways
scrolling, controls inside the screen and big enough to tap, the menu behind its button, and a
file added from the phone. Screenshots of each page at both widths."""

import re

import pytest
from playwright.sync_api import expect

from evidence.demo import feedback_chart_png

from .journey import FILES_ITEM

PHONE = 375
DRAFT = "Late payroll post for HR"  # a draft in the demo portfolio


@pytest.fixture(scope="module")
def phone(people):
    return people("learner", width=PHONE, height=812)


def learner_pages(person):
    """Go through the learner's pages by their links, yielding each page's name."""
    page = person.page
    person.goto("/")
    yield "home"
    page.get_by_role("link", name="Your progress and gaps").click()
    yield "progress"
    page.get_by_role("link", name=re.compile("^Judgements and sign-off")).click()
    yield "judgements and sign-off"
    person.goto("/evidence/")
    yield "evidence list"
    page.get_by_role("link", name=FILES_ITEM, exact=True).click()
    yield "submitted item"
    person.goto("/evidence/")
    page.get_by_role("link", name=DRAFT, exact=True).click()
    yield "draft item"
    page.get_by_role("link", name="Map to criteria").click()
    yield "mapping"
    person.goto("/")
    page.get_by_role("link", name="Add evidence").first.click()
    yield "add evidence"
    page.get_by_role("link", name="Reflective account (STAR)").click()
    yield "star form"
    person.goto("/notifications/")
    yield "notifications"


def controls_outside_or_too_small(page):
    """Visible controls in the page's main part that stick out of the window or are smaller
    than 24 by 24 CSS pixels (inline links in running text aside)."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const bad = [];
            for (const el of document.querySelectorAll(
                "main button, main input:not([type=hidden]), main select, main textarea, main .btn"
            )) {
                const box = el.getBoundingClientRect();
                if (box.width === 0 && box.height === 0) continue;  // not shown
                if (el.closest(".table-responsive")) continue;  // scrolls in its own box
                if (box.left < 0 || box.right > width + 0.5 || box.width < 24 || box.height < 24) {
                    bad.push(`${el.outerHTML.slice(0, 80)} at ${Math.round(box.left)}..`
                        + `${Math.round(box.right)}, `
                        + `${Math.round(box.width)}x${Math.round(box.height)}`);
                }
            }
            return bad;
        }"""
    )


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_the_learners_pages_fit_the_screen(people, phone, width):
    person = phone if width == PHONE else people("learner")
    visited = 0
    for name in learner_pages(person):
        person.check(f"{name} at {width}px")  # asserts no sideways scrolling, among others
        bad = controls_outside_or_too_small(person.page)
        assert not bad, f"{name} at {width}px: controls off screen or too small:\n" + "\n".join(bad)
        visited += 1
    assert visited == 10


def test_the_menu_opens_from_its_button_on_a_phone(phone):
    page = phone.page
    phone.goto("/")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    menu = page.get_by_role("button", name="Show or hide navigation")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^| )show( |$)"))
    expect(sign_out).to_be_visible()
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    phone.check("menu open at 375px", full_page=False)


def test_the_learner_adds_a_photo_from_a_phone(phone):
    page = phone.page
    phone.goto("/evidence/")
    page.get_by_role("link", name=DRAFT, exact=True).click()
    photo = {
        "name": "pigeonholes.png",
        "mimeType": "image/png",
        "buffer": feedback_chart_png(scores=(5, 5, 4, 4, 3)),
    }
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Drag files here, or choose them").click()
    chooser.value.set_files([photo])
    expect(page.locator("[data-upload-status]")).to_contain_text("1 file added, 0 not added.")
    expect(page.locator("[data-evidence-file-list]")).to_contain_text("pigeonholes.png")
    phone.check("photo added at 375px")
