"""The browser suite's shared pieces: one live server over one seeded database, one Chromium,
and one signed-in browser per demo person, all for the whole session.

The modules are stages of one journey and run in file order (test_10_..., test_20_...): each
stage starts where the one before left the data. Leave gaps in the numbers for new stages.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from playwright.sync_api import sync_playwright

from .browser import SCREENSHOTS, PageRecord, Person

# Playwright's synchronous API runs an event loop in this thread, so Django would refuse the
# tests' own database reads as "async unsafe"; they are not async, only beside one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling Google's hosts, which a closed network
# refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-GB",
]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """On SQLite, a test database in a file, not in memory: the live server then answers each
    request on its own connection, as in production, instead of sharing one between threads
    (two uploads at once would otherwise interleave their transactions)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "e2e.db")
        database.setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The catalogue and the demo people once for the session; learner3 starts empty."""
    with django_db_blocker.unblock():
        call_command("loaddata", "units", verbosity=0)
        call_command("seed_demo", learners=3, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def _e2e_settings(tmp_path_factory):
    """Uploaded files go to a temporary folder; passwords hash fast; jobs are queued in the
    database for the worker (`worker`), as in production."""
    with override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}},
    ):
        yield


@pytest.fixture(scope="session")
def worker(database, tmp_path_factory):
    """`manage.py db_worker` beside the live server, on the same test database and media."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/"
        url += db["NAME"]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "database",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(autouse=True)
def _live_server_helper():
    """Replaces pytest-django's helper of this name, which wraps every test that uses
    live_server in transactional_db and so empties the database after it. The journey's
    stages must see what the stage before them did, so the database lives for the session
    (see `database`) and is thrown away with the test database at the end."""
    yield


@pytest.fixture(scope="session")
def database(django_db_setup, django_db_blocker):
    """Database access for the tests themselves, for the whole session."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def site(live_server, database):
    """The live server's address, with its host allowed for the session."""
    with live_server._live_server_modified_settings:
        yield live_server.url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pages_seen():
    """Every page the journey looked at, as the server sent it, for the HTML check at the end."""
    return PageRecord()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


@pytest.fixture(scope="session")
def people(site, browser, pages_seen):
    """people("learner") is that demo person, signed in, in a desktop browser of their own;
    the same Person is returned for the rest of the session."""
    signed_in = {}

    def person(username, *, width=1280, height=900, keyboard=False):
        key = (username, width)
        if key not in signed_in:
            signed_in[key] = Person.sign_in(
                browser, site, username, pages_seen, width=width, height=height, keyboard=keyboard
            )
        return signed_in[key]

    yield person
    for each in signed_in.values():
        each.close()


@pytest.fixture(scope="session")
def learner(people):
    """Priya Shah, mid-way through unit A/601/2550."""
    return people("learner")


@pytest.fixture(scope="session")
def assessor(people):
    """Sarah Jones, assessor of every demo learner."""
    return people("assessor")


@pytest.fixture(scope="session")
def vnu_jar():
    jar = Path(__file__).parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    assert jar.is_file(), f"{jar} is missing: run `make test-e2e`, which installs it"
    return jar
