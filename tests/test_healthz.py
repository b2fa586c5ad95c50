"""/healthz answers without signing in: 200 with a working database, 503 without one."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ASK_HEALTHZ = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_it_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_database_is_down():
    # A real unreachable database: a PostgreSQL address where nothing listens.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nvq_portfolio.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/nowhere?connect_timeout=2",
    }
    result = subprocess.run(
        [sys.executable, "-c", ASK_HEALTHZ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 503, "body": {"status": "error", "database": "unavailable"}}


def test_it_refuses_other_methods(client, db):
    assert client.post("/healthz").status_code == 405
