"""Shared fixtures: the real catalogue, and named people with obvious roles.

alice is a learner and bob another learner; carol assesses alice, dave assesses bob;
erin is the internal quality assurer for both; frank is a centre admin. Each learner is
enrolled on the OCR Level 3 diploma with unit A/601/2550 from the `units` fixture.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from criteria.models import AssessmentCriterion, CriterionPart, LearningOutcome, Qualification, Unit

from .factories import EnrolmentFactory, UserFactory
from .object_storage import object_storage, s3_server  # noqa: F401 (fixtures)

L3_QUALIFICATION = "ocr-l3-nvq-diploma-business-admin"
L3_UNIT = "a-601-2550"


@pytest.fixture(autouse=True)
def _test_settings(request, settings, tmp_path):
    """Every test writes files under its own temporary MEDIA_ROOT, hashes passwords fast, runs
    jobs at once and starts with an empty cache (rate-limit counters live there)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Never a developer's real credential key: tests that sign make their own.
    settings.CREDENTIAL_KEY_PATH = tmp_path / "keys" / "credential.pem"
    # Jobs run inside the request that queues them; tests/test_jobs.py also runs the worker.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    # Cached pages are keyed by versions that a rolled-back test database may give out again.
    cache.clear()
    # A test that pins a page's queries pins what building it costs; what serving it from the
    # page cache costs is pinned in tests/test_page_cache.py. Every other test runs with pages
    # cached, so a page left out of date by a change would fail the test that changed it.
    pins = {"django_assert_num_queries", "django_assert_max_num_queries"}
    if pins & set(request.fixturenames):
        settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def page_cache_off(settings):
    """Pages built on every request: for a test that counts what building one costs."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return Unit.objects.get(slug=L3_UNIT)


# What `loaddata units` writes, in the order it can be written back.
CATALOGUE_MODELS = (
    Qualification,
    Unit,
    Unit.qualifications.through,
    LearningOutcome,
    AssessmentCriterion,
    CriterionPart,
)
_catalogue_rows = {}  # each model's rows as this process's first loaddata wrote them


def load_catalogue():
    """The `units` fixture in the test database. loaddata spends 90 ms resolving the fixture's
    natural keys, in most of the suite's tests; so the first load in a test process keeps the
    rows it wrote, and later tests that find the catalogue empty get those same rows inserted
    directly, with the sequences reset after them as loaddata resets them."""
    empty = not (Qualification.objects.exists() or Unit.objects.exists())
    if not empty or not _catalogue_rows:
        call_command("loaddata", "units", verbosity=0)
        if empty:
            for model in CATALOGUE_MODELS:
                fields = [field.attname for field in model._meta.concrete_fields]
                _catalogue_rows[model] = list(model.objects.order_by("pk").values(*fields))
        return
    for model in CATALOGUE_MODELS:
        model.objects.bulk_create(model(**values) for values in _catalogue_rows[model])
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), CATALOGUE_MODELS):
            cursor.execute(sql)


@pytest.fixture
def unit(catalogue):
    return catalogue


@pytest.fixture
def qualification(catalogue):
    return Qualification.objects.get(code=L3_QUALIFICATION)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Baker")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="Carter")


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", first_name="Dave", last_name="Dixon")


@pytest.fixture
def erin(db):
    return UserFactory(username="erin", first_name="Erin", last_name="Evans")


@pytest.fixture
def frank(db):
    return UserFactory(
        username="frank", first_name="Frank", last_name="Foster", is_centre_admin=True
    )


@pytest.fixture
def alice_enrolment(alice, carol, erin, qualification, unit):
    return EnrolmentFactory(
        learner=alice, assessor=carol, iqa=erin, qualification=qualification, units=[unit]
    )


@pytest.fixture
def bob_enrolment(bob, dave, erin, qualification, unit):
    return EnrolmentFactory(
        learner=bob, assessor=dave, iqa=erin, qualification=qualification, units=[unit]
    )
