"""The benchmark's side inside Django: the pages it measures, their query counts and sizes,
signed-in sessions for wrk, the 100-item portfolio and the coverage PDF's time.

Run by bench/run.py as `python bench/pages.py ACTION` with DATABASE_URL and the production
settings in the environment; prints one JSON document on standard output.
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvq_portfolio.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from assessments import reports  # noqa: E402
from criteria.models import Qualification, Unit  # noqa: E402
from evidence.models import EvidenceItem, EvidenceVersion  # noqa: E402
from evidence.typed import TEMPLATES  # noqa: E402
from people.bulk_demo import seed_bulk_portfolios  # noqa: E402
from people.models import Enrolment, EnrolmentUnit, User  # noqa: E402
from people.two_factor import STEP_SESSION_KEY  # noqa: E402
from quality.models import SamplingPlan  # noqa: E402

LARGE = "bench100"  # the learner whose one unit has 100 items
L3_UNIT = "a-601-2550"


# Sentences of the typed accounts given to the 100-item learner's items.
ACCOUNT_SENTENCES = [
    "A colleague in the finance team rang to say the month-end figures had not arrived.",
    "I checked the shared mailbox and found the report had gone to an old address.",
    "I apologised, sent the report straight away and asked them to confirm it had arrived.",
    "We agreed a timescale of four working hours for any reply to a query of this kind.",
    "I updated the distribution list and told my line manager what had happened and why.",
    "The next month the figures arrived on time and the team thanked me for the change.",
    "I learnt to check the list of recipients whenever someone joins or leaves a team.",
    "My manager watched me take the call and log it in the complaints record that day.",
]
# A template for each kind of account a learner types, by the words of the item's title.
ACCOUNT_TEMPLATES = {"STAR": "star", "Complaints": "airr", "1 to 1": "one_to_one"}


def _typed_answers(template, rng):
    """Answers for each section: a name for a one-line one, 100 to 1,200 characters of
    sentences for a long one, so some accounts are longer than the report shows."""
    answers = {}
    for section in template.sections:
        if not section.long:
            answers[section.key] = "Sam Patel, office manager"
            continue
        text, wanted = [], rng.randint(100, 1200)
        while sum(map(len, text)) < wanted:
            text.append(rng.choice(ACCOUNT_SENTENCES))
        answers[section.key] = " ".join(text)
    return answers


def give_typed_accounts(enrolment):
    """Typed accounts (STAR, AIRR, 1:1, witness) on the items whose titles name them, in the
    item and its submitted version, as a learner's typed evidence has them."""
    rng = random.Random(11)
    items = list(enrolment.evidence_items.order_by("pk"))
    for item in items:
        key = next((k for words, k in ACCOUNT_TEMPLATES.items() if words in item.title), None)
        item.template = key or ("witness" if "Witness" in item.title else "")
        item.typed_content = _typed_answers(TEMPLATES[item.template], rng) if item.template else {}
    EvidenceItem.objects.bulk_update(items, ["template", "typed_content"])
    versions = list(EvidenceVersion.objects.filter(item__in=items).select_related("item"))
    for version in versions:
        version.template, version.typed_content = version.item.template, version.item.typed_content
    EvidenceVersion.objects.bulk_update(versions, ["template", "typed_content"])
    return sum(bool(item.template) for item in items)


def prepare_large_portfolio(items=100):
    """A learner with `items` items on one unit, for the coverage PDF and the big matrix."""
    if User.objects.filter(username=LARGE).exists():
        enrolment = _enrolment(LARGE)
        if not enrolment.evidence_items.exclude(template="").exists():  # seeded before accounts
            give_typed_accounts(enrolment)
        return {"created": False}
    assessor = User.objects.get(username="assessor")
    iqa = User.objects.get(username="iqa")
    learner = User.objects.create_user(
        LARGE, password="portfolio-demo-2026", first_name="Bea", last_name="Hundred"
    )
    qualification = Qualification.objects.get(code="ocr-l3-nvq-diploma-business-admin")
    unit = Unit.objects.get(slug=L3_UNIT)
    enrolment = Enrolment.objects.create(
        learner=learner,
        qualification=qualification,
        assessor=assessor,
        iqa=iqa,
        start_date="2026-09-07",
        planned_end_date="2027-09-06",
    )
    enrolled_unit = EnrolmentUnit.objects.create(enrolment=enrolment, unit=unit)
    seed_bulk_portfolios([enrolled_unit], items=items, seed=100)
    return {"created": True, "typed accounts": give_typed_accounts(enrolment)}


def _enrolment(username):
    return Enrolment.objects.select_related("learner").get(learner__username=username)


def pages():
    """(name, username, path) of every page measured, the floor first."""
    learner = _enrolment("learner3")
    large = _enrolment(LARGE)
    waiting = (
        EvidenceItem.objects.filter(enrolment=learner, status=EvidenceItem.Status.SUBMITTED)
        .order_by("pk")
        .first()
    )
    plans = SamplingPlan.objects.filter(iqa__username="iqa").order_by("period_start")
    empty_plan = next((plan for plan in plans if not plan.entries.exists()), plans.last())
    busy_plan = next((plan for plan in plans if plan.entries.exists()), plans.first())
    return [
        ("floor: session check", "assessor", "/session-check"),
        ("assessor caseload", "assessor", "/assessments/caseload/"),
        ("IQA sampling plan (suggested sample)", "iqa", f"/quality/plans/{empty_plan.pk}/"),
        ("IQA sampling plan (with samples)", "iqa", f"/quality/plans/{busy_plan.pk}/"),
        ("IQA dashboard", "iqa", "/quality/"),
        ("assessor home", "assessor", "/"),
        ("IQA home", "iqa", "/"),
        ("assessor evidence list", "assessor", "/evidence/"),
        ("matrix CSV (40 items)", "learner3", f"/assessments/enrolments/{learner.pk}/matrix.csv"),
        ("assessor review page", "assessor", f"/assessments/items/{waiting.pk}/review/"),
        (
            "assessor unit judgements",
            "assessor",
            f"/assessments/enrolments/{learner.pk}/units/{L3_UNIT}/",
        ),
        ("learner evidence list", "learner3", "/evidence/"),
        (
            "learner progress + matrix (100 items)",
            LARGE,
            f"/evidence/enrolments/{large.pk}/progress/",
        ),
        (
            "learner progress + matrix (40 items)",
            "learner3",
            f"/evidence/enrolments/{learner.pk}/progress/",
        ),
        ("learner home", "learner3", "/"),
        ("catalogue unit page", "learner3", f"/catalogue/units/{L3_UNIT}/"),
        ("qualification list", "learner3", "/catalogue/"),
        ("people list", "admin", "/people/"),
        ("enrolment list", "admin", "/people/enrolments/"),
    ]


def signed_in(username):
    """A test client signed in as `username`, past the second step of signing in.

    Production settings require an authenticator of assessors, IQAs and admins; without
    this, their pages answer 302 to the set-up page and the bench measures the redirect.
    As a person who set one up and typed its code, the session holds the device."""
    client = Client(HTTP_HOST="127.0.0.1")
    user = User.objects.get(username=username)
    client.force_login(user)
    session = client.session
    if session.pop(STEP_SESSION_KEY, None):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure():
    """Query count and bytes of each page, asked three times (the third with warm caches)."""
    results = []
    clients = {}
    for name, username, path in pages():
        client = clients.get(username)
        if client is None:
            client = clients[username] = signed_in(username)
        client.get(path)  # the first request fills caches (and sets the CSRF cookie)
        client.get(path)  # a signed-in browser's second look at a page: from the page cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        results.append(
            {
                "name": name,
                "user": username,
                "path": path,
                "status": response.status_code,
                "queries": len(queries),
                "bytes": len(body),
            }
        )
    return {"pages": results, "learners": Enrolment.objects.count()}


def sessions():
    """The cookies a signed-in browser sends, for each person the pages are measured as: the
    session, and the CSRF cookie the first page with a form set (cached pages are kept for it,
    as their forms carry its token; without it every page would be built every time)."""
    cookies = {}
    for _, username, _ in pages():
        if username not in cookies:
            client = signed_in(username)
            client.get("/")
            cookies[username] = (
                f"sessionid={client.cookies['sessionid'].value}; "
                f"csrftoken={client.cookies['csrftoken'].value}"
            )
    return {"sessions": cookies}


def coverage_pdf(username, unit_slug=None):
    enrolment = Enrolment.objects.select_related("learner", "qualification", "assessor", "iqa").get(
        learner__username=username
    )
    unit = Unit.objects.get(slug=unit_slug) if unit_slug else None
    # A gunicorn worker loads nvq_portfolio.wsgi, which warms the PDF renderer, before it takes
    # a request: the report below is what the first person to ask a running server waits for.
    warming = time.perf_counter()
    import nvq_portfolio.wsgi  # noqa: F401

    warm_seconds = time.perf_counter() - warming
    cpu = time.process_time()
    started = time.perf_counter()
    report = reports.coverage_report(enrolment=enrolment, unit=unit)
    gathered = time.perf_counter()
    pdf = reports.render_coverage_pdf(report)
    done = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        out.write(pdf)
        out.flush()
        info = subprocess.run(["pdfinfo", out.name], capture_output=True, text=True).stdout
    pages = re.search(r"Pages:\s+(\d+)", info)
    return {
        "gather_seconds": round(gathered - started, 3),
        "render_seconds": round(done - gathered, 3),
        "seconds": round(done - started, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "pages": int(pages[1]) if pages else None,
        "bytes": len(pdf),
        "items": enrolment.evidence_items.count(),
        "server_start_warm_up_seconds": round(warm_seconds, 3),
    }


def upload_target():
    """A draft item of learner3 to upload the big file to."""
    enrolment = _enrolment("learner3")
    item = enrolment.evidence_items.filter(status=EvidenceItem.Status.DRAFT).first()
    return {"item": item.pk, "enrolment": enrolment.pk}


def database_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    counts = {
        "learners": Enrolment.objects.count(),
        "evidence items": EvidenceItem.objects.count(),
    }
    return {"bytes": size, "counts": counts}


def analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"analyzed": True}


ACTIONS = {
    "analyze": analyze,
    "prepare": prepare_large_portfolio,
    "measure": measure,
    "sessions": sessions,
    "pdf-unit": lambda: coverage_pdf(LARGE, L3_UNIT),
    "pdf-whole": lambda: coverage_pdf(LARGE),
    "upload-target": upload_target,
    "database-size": database_size,
}

if __name__ == "__main__":
    print(json.dumps(ACTIONS[sys.argv[1]]()))
