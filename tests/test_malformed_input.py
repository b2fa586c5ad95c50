"""Every form and query parameter, sent malformed values, answers without a server error.

A learner, an assessor, an IQA, a centre admin and an EQA walk the site from the home page, and
someone signed out from the sign-in page, following links and noting every form they are shown.
Each form is then posted with each malformed value in every field at once and, for the boxes
people type into, in one field at a time (the rest of the form as it was shown, so the bad value
gets as far as the service and the database). Every page and search form is asked for with
malformed values in every query parameter it could read, and every address with each id in it
made too large for the database. A POST address no page offers a form for in this data (signing
off, say) is posted to anyway. Each request runs in a savepoint that is rolled back, so one
request's change (a deletion, say) never hides another's page. Nothing may answer 5xx, on SQLite
or on PostgreSQL.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import User

from .factories import UserFactory

# The access walk's list of addresses, and its portfolio and quality records (fixtures).
from .test_access_walk import NOT_WALKED as DJANGOS_OWN
from .test_access_walk import OK, WALK, objects, quality_objects, url_names  # noqa: F401

HUGE_ID = "99999999999999999999"
# What people (and scripts) send that no page of ours does: a value, or a list of values sent
# as the field repeated (a single-value field reads the last, the huge id).
MALFORMED = {
    "nul": "a\x00b",
    # Longer than any limit (a megabyte of feedback is tested on its own: this is 40 times
    # quicker to send, parse and show back, and refused by the same check).
    "too long": "x" * 25_000,
    "unicode": "javascript:alert(1) \u202eevil\u202c \U0001f600 1.\u00b2 \u0663 \ufeff",
    "negative": "-1",
    "empty": "",
    "list": ["-1", HUGE_ID],
}
IN_QUERIES = ["nul", "unicode", "list"]
IN_EVERY_FIELD = ["nul", "unicode", "negative", "empty", "list"]
# One box at a time, with the rest of the form good: what must be stopped before the database.
IN_ONE_FIELD = ["nul", "too long"]
TYPED_INTO = {"text", "search", "email", "textarea"}
# Query parameters views read besides those of the forms that lead to them.
EXTRA_PARAMETERS = ["page", "plan", "unit", "template", "kind", "learner", "download", "next"]
# Fields of the forms no page shows in this data, for posting to their addresses anyway.
FORMLESS_FIELDS = ["text", "comment", "reason", "note", "response", "declaration", "status"]
# Signed in, the walk keeps off Django's own pages (the admin, signing out) and static files,
# but takes in the person's own two-factor pages; signed out, it starts at the sign-in page and
# takes in the password-reset pages.
NOT_WALKED = re.compile(r"^/(admin/|accounts/(?!two-factor/)|static/|media/)")
NOT_WALKED_SIGNED_OUT = re.compile(r"^/(admin/|static/|media/)")
# A PDF takes a second to make; its CSV twin goes through the same view. /healthz and
# /session-check read nothing; a job's status is its page's JSON twin (a token in the path).
# The EQA's portfolio ZIP makes that PDF too; its job twin (a form) is sent.
NOT_SENT = {
    "assessments:report_pdf",
    "healthz",
    "session_check",
    "jobs:status",
    "portability:export_zip",
}
# A credential's own pages need a countersigned unit, which this data has none of; their only
# argument is a UUID (a malformed one never resolves). tests/test_credentials.py covers them.
NOT_SENT |= {"credentials:status", "credentials:verify_stored", "credentials:download"}
PEOPLE = ["alice", "carol", "erin", "frank", "gina", "anonymous"]
PAGES_PER_VIEW = 3


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # [(name, value or None, kind)]

    def data(self, **replace):
        data = {}
        for name, value, _ in self.fields:
            if name != "csrfmiddlewaretoken":
                data.setdefault(name, [])
                if value is not None:
                    data[name].append(value)
        return {**data, **replace}


class PageParser(HTMLParser):
    """The links and forms of one page, with each field's name, value as shown, and kind."""

    def __init__(self, page):
        super().__init__()
        self.page = page
        self.links, self.forms = [], []
        self.form = self.textarea = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(urljoin(self.page, attrs["href"]))
        elif tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            self.form = Form(action, attrs.get("method", "get").lower())
            self.forms.append(self.form)
        elif self.form is None or not attrs.get("name"):
            return
        elif tag in ("input", "button"):
            self._input(attrs, attrs.get("type", "text" if tag == "input" else "submit"))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = [attrs["name"], None]
        elif tag == "option" and self.select and (self.select[1] is None or "selected" in attrs):
            self.select[1] = attrs.get("value", "")

    def _input(self, attrs, kind):
        name = attrs["name"]
        if kind in ("submit", "button"):  # the first named button, as if it were pressed
            if all(name != known for known, *_ in self.form.fields):
                self.form.fields.append((name, attrs.get("value", ""), "button"))
        elif kind in ("checkbox", "radio"):
            checked = "checked" in attrs
            self.form.fields.append((name, attrs.get("value", "on") if checked else None, kind))
        else:
            self.form.fields.append((name, attrs.get("value", ""), kind))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea and self.form:
            self.form.fields.append((*self.textarea, "textarea"))
            self.textarea = None
        elif tag == "select" and self.select and self.form:
            self.form.fields.append((*self.select, "select"))
            self.select = None


def _view_name(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def _full_path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(client, reached, *, start="/", skip=NOT_WALKED):
    """The HTML pages reachable from `start`, a few per view: {path: PageParser}.

    Adds the name of every view that answered, with a page or a download, to `reached`.
    """
    seen, per_view, pages = set(), {}, {}
    queue = [start]
    while queue:
        url = queue.pop(0)
        path, name = _full_path(url), _view_name(urlsplit(url).path)
        if urlsplit(url).netloc not in ("", "testserver") or skip.match(path):
            continue
        if path in seen or name is None or name in NOT_SENT:
            continue
        seen.add(path)
        if per_view.get(name, 0) >= PAGES_PER_VIEW:
            continue
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200:
            continue
        reached.add(name)
        if "html" in response["Content-Type"]:
            per_view[name] = per_view.get(name, 0) + 1
            pages[path] = PageParser(path)
            pages[path].feed(response.content.decode())
            queue.extend(pages[path].links)
    return pages


class Requests:
    """Sends each request in a savepoint that is rolled back; keeps what answered 5xx."""

    def __init__(self):
        self.failures = []

    def send(self, client, method, path, data=None, label=""):
        try:
            with transaction.atomic():
                response = getattr(client, method)(path, data or {})
                transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 (every one is reported at the end)
            self.failures.append(f"{method.upper()} {path[:200]} {label}: {error!r}"[:400])
            return
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {path[:200]} {label}: {response.status_code}")


def _with_huge_ids(path):
    """The path with each number in it made too large for the database, one at a time."""
    return [path[: m.start()] + HUGE_ID + path[m.end() :] for m in re.finditer(r"\d+", path)]


def _shape(name):
    """comment_12 and comment_13 are the same kind of field; one of them is enough."""
    return re.sub(r"\d+", "N", name)


def _clients():
    clients = {}
    for username in PEOPLE:
        clients[username] = Client(raise_request_exception=True)
        if username != "anonymous":
            clients[username].force_login(User.objects.get(username=username))
    # Someone with an authenticator, signed in with their password and owing the code: the
    # only page open to them is the code page, which the walk then finds.
    pending = UserFactory(username="pat")
    TOTPDevice.objects.create(user=pending, name="Phone", confirmed=True)
    clients["pat"] = Client(raise_request_exception=True)
    clients["pat"].force_login(pending)
    return clients


def _queries_and_forms(clients, reached, starts=None):
    """Each view's address with the query parameters it could read, and every form, once, each
    with the client of someone who was shown it."""
    queries, forms = {}, {}
    for username, client in clients.items():
        signed_out = username == "anonymous"
        start, skip = (
            ("/accounts/login/", NOT_WALKED_SIGNED_OUT) if signed_out else ("/", NOT_WALKED)
        )
        if username == "pat":
            start = reverse("two_factor_verify")
        pages = walk(client, reached, start=start, skip=skip)
        # Pages no link leads to (a job's page is where its form redirects).
        for extra in (starts or {}).get(username, []):
            pages.update(walk(client, reached, start=extra, skip=skip))
        for path, parser in pages.items():
            targets = [(path, EXTRA_PARAMETERS)]
            for form in parser.forms:
                names = [name for name, *_ in form.fields]
                if form.method == "get":
                    targets.append((_full_path(form.action), names))
                elif not skip.match(form.action):
                    view = _view_name(urlsplit(form.action).path)
                    reached.add(view)
                    forms.setdefault((view, tuple(names)), (client, form))
            for url, names in targets:
                view = _view_name(urlsplit(url).path)
                reached.add(view)
                queries.setdefault(view, (client, urlsplit(url).path, set()))[2].update(names)
    return queries.values(), forms.values()


def _formless_posts(clients, reached, records):
    """(client, address) for each POST address no page offered a form for, as its owner."""
    for name, method, args, expected in WALK:
        if method == "post" and name not in reached:
            owner = next(person for person in PEOPLE if expected.get(person) == OK)
            reached.add(name)
            yield clients[owner], reverse(name, args=args(records))


def test_it_answers_every_malformed_value_without_a_server_error(
    objects,  # noqa: F811
    quality_objects,  # noqa: F811
    settings,
):
    # Jobs the walk asks for are queued and left: a PDF for each malformed request is slow.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    clients, reached, requests = _clients(), set(), Requests()
    # The public verification form: no page of this data links to it (a credential would).
    starts = {
        "alice": [objects["job"].get_absolute_url()],
        # The witness's page, reached only from the emailed link.
        "anonymous": [
            reverse("confirmations:respond", args=[objects["link_token"]]),
            reverse("credentials:verify"),
        ],
    }
    queries, forms = _queries_and_forms(clients, reached, starts)
    for client, path, names in queries:
        for label in IN_QUERIES:
            query = urlencode(dict.fromkeys(names, MALFORMED[label]), doseq=True)
            requests.send(client, "get", f"{path}?{query}", label=f"query {label}")
        for huge in _with_huge_ids(path):
            requests.send(client, "get", huge, label="huge id")
    for client, form in forms:
        action = _full_path(form.action)
        for label in IN_EVERY_FIELD if form.data() else []:
            data = dict.fromkeys(form.data(), MALFORMED[label])
            requests.send(client, "post", action, data, label=f"every field {label}")
        shapes = {_shape(name) for name, _, kind in form.fields if kind in TYPED_INTO}
        for shape in sorted(shapes):
            name = next(name for name, *_ in form.fields if _shape(name) == shape)
            for label in IN_ONE_FIELD:
                data = form.data(**{name: MALFORMED[label]})
                requests.send(client, "post", action, data, label=f"{name}={label}")
        for huge in _with_huge_ids(urlsplit(form.action).path):
            requests.send(client, "post", huge, form.data(), label="huge id")
    for client, path in _formless_posts(clients, reached, {**objects, **quality_objects}):
        for label in IN_EVERY_FIELD:
            data = dict.fromkeys(FORMLESS_FIELDS, MALFORMED[label])
            requests.send(client, "post", path, data, label=f"every field {label}")
    assert not requests.failures, "\n".join(requests.failures)
    assert url_names() - DJANGOS_OWN - NOT_SENT - reached == set()
