"""What every page the site sends must hold to, for tests that walk many pages: the
Content-Security-Policy (no inline script or style runs) and no caching of a signed-in page."""

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc"}


class _InlineCodeFinder(HTMLParser):
    """Collects whatever the page's policy would refuse: <script> without src, <style>,
    on*= handler attributes, style attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag} {self.getpos()[0]}:{self.getpos()[1]}>"
        if tag == "script" and not attributes.get("src"):
            self.found.append(f"inline script at {where}")
        if tag == "style":
            self.found.append(f"style element at {where}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= handler at {where}")
            elif name == "style":
                self.found.append(f"style attribute at {where}: {value}")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL at {where}")

    handle_startendtag = handle_starttag


def inline_code(html):
    """Each inline script, handler, style or javascript: URL in the page, described."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def assert_page_is_locked_down(response, *, signed_in):
    """An HTML page has the site's policy and nothing inline that the policy would refuse; a
    signed-in person's response of any kind is never stored by the browser."""
    if signed_in:
        assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    policy = response.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, policy
    html = response.content.decode()
    assert inline_code(html) == [], inline_code(html)
