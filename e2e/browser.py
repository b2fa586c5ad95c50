"""What every stage of the journey does with a browser: sign a demo person in, check each page
they see (axe-core, no sideways scrolling, nothing refused by the Content-Security-Policy, the
HTML kept for the Nu checker, a screenshot), and move around with the keyboard alone."""

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots" / "e2e"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "portfolio-demo-2026"

_shot_numbers = itertools.count(1)


@dataclass
class SeenPage:
    name: str
    url: str
    html: str


@dataclass
class PageRecord:
    """The HTML of each page checked, as the server sent it (not as scripts changed it)."""

    pages: list = field(default_factory=list)

    def add(self, name, url, html):
        self.pages.append(SeenPage(name, url, html))


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def axe_violations(page):
    """Run the packaged axe-core on the page with the WCAG 2.0-2.2 A and AA rules. The
    context loads axe into every page (see Person.sign_in): the site's Content-Security-Policy
    would refuse it as a script added to the page."""
    results = page.evaluate(
        "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return results["violations"]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary']}")
    return "\n".join(lines)


def sideways_overflow(page):
    """How many CSS pixels the page is wider than the window (0 when it does not scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


class Person:
    """One demo person in a browser of their own (own cookies), at one window width."""

    def __init__(self, context, page, username, pages_seen, width):
        self.context = context
        self.page: Page = page
        self.username = username
        self.pages_seen = pages_seen
        self.width = width
        self._document = None
        self.policy_refusals = []
        page.on("response", self._remember_document)
        page.on("console", self._remember_policy_refusal)

    @classmethod
    def sign_in(
        cls, browser, site, username, pages_seen, *, width=1280, height=900, keyboard=False
    ):
        context = browser.new_context(
            base_url=site,
            viewport={"width": width, "height": height},
            locale="en-GB",
            timezone_id="Europe/London",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        # Scripts the browser runs before each page's own are outside the page's policy.
        context.add_init_script(path=AXE)
        person = cls(context, context.new_page(), username, pages_seen, width)
        person.goto("/accounts/login/")
        expect(person.page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
        person.check("sign-in page")
        if keyboard:
            person.tab_to(person.page.get_by_label("Username"))
            person.page.keyboard.type(username)
            person.page.keyboard.press("Tab")
            person.page.keyboard.type(DEMO_PASSWORD)
            person.page.keyboard.press("Enter")
        else:
            person.page.get_by_label("Username").fill(username)
            person.page.get_by_label("Password").fill(DEMO_PASSWORD)
            person.page.get_by_role("button", name="Sign in").click()
        # The home page greets them by name (at phone width the menu is folded away).
        welcome = person.page.get_by_role("heading", name=re.compile(r"^Welcome, "))
        expect(welcome).to_be_visible()
        return person

    def close(self):
        self.context.close()

    def _remember_document(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self._document = response

    def _remember_policy_refusal(self, message):
        """Chromium reports on the console each script, style or resource the page's
        Content-Security-Policy refused: an inline script or style attribute left behind."""
        if "Content Security Policy" in message.text:
            self.policy_refusals.append(f"{self.page.url}: {message.text}")

    def goto(self, path):
        response = self.page.goto(path)
        assert response is not None and response.ok, (
            f"{path} answered {response and response.status}"
        )
        return response

    def check(self, step, *, full_page=True):
        """Check the page as it stands and keep a screenshot: zero axe violations, no sideways
        scrolling, and its HTML kept for the Nu checker. `step` names the screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        name = f"{next(_shot_numbers):02d}-{self.username}-{self.width}-{slug(step)}"
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)
        violations = axe_violations(page)
        assert not violations, f"axe on {page.url} ({step}):\n{describe_violations(violations)}"
        overflow = sideways_overflow(page)
        assert overflow <= 0, f"{page.url} ({step}) scrolls sideways by {overflow}px"
        document = self._document
        assert document is not None and document.url.split("#")[0] == page.url.split("#")[0], (
            f"no document response kept for {page.url}"
        )
        policy = document.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, f"{page.url} ({step}) has no script policy"
        refusals, self.policy_refusals = self.policy_refusals, []
        assert not refusals, "the Content-Security-Policy refused:\n" + "\n".join(refusals)
        self.pages_seen.add(name, page.url, document.text())

    # what the person reads

    def expect_message(self, text):
        """A message the page announces after an action (a status or alert region)."""
        expect(
            self.page.locator("[role=status], [role=alert]").filter(has_text=text)
        ).to_be_visible()

    # the keyboard alone

    def tab_to(self, locator: Locator, *, limit=400, backwards=False):
        """Press Tab (or Shift+Tab) until `locator` has the focus; fail after `limit` presses.
        Checks the focused element shows a visible focus indicator."""
        target = locator.element_handle()
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("el => document.activeElement === el", target):
                break
        else:
            raise AssertionError(f"Tab never reached {locator}")
        outline = self.page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, s.outlineWidth]; }"
        )
        assert outline[0] != "none" and outline[1] != "0px", f"focus not visible on {locator}"
        return target

    def type_date(self, field: Locator, date):
        """Type a date into the focused date field, key by key. Its parts come in the order of
        the browser's language (day first in British English, month first in American), so
        try day first, then go back to the first part and type it month first."""
        for pattern in ("%d%m%Y", "%m%d%Y"):
            for key in date.strftime(pattern):
                self.page.keyboard.press(key)
            if field.input_value() == date.isoformat():
                return
            self.page.keyboard.press("Shift+Tab")
            self.page.keyboard.press("Shift+Tab")
        raise AssertionError(f"could not type {date} into {field}")

    def focus_start(self):
        """Start keyboard navigation from the top of the page, as after loading it."""
        self.page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
        self.page.evaluate("() => window.scrollTo(0, 0)")


def pdf_text(path):
    import subprocess

    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def vnu_errors(jar, files):
    """Run the Nu HTML Checker once over all the files; return its error messages."""
    import subprocess

    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [m for m in messages if m["type"] == "error" or m.get("subType") == "fatal"]
