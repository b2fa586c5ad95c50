"""Settings come from the environment; nonsense stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler

from nvq_portfolio.env import (
    EnvironmentSettingError,
    database_from_url,
    envbool,
    envint,
    envlist,
    envsize,
)

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "off",
    "DJANGO_SECRET_KEY": "k7#Vq2!pLw9@zR4$eT6^yU8&iO1*aS3(dF5)gH0-jK_lZxCvBnM",
    "DJANGO_ALLOWED_HOSTS": "portfolio.example-centre.ac.uk",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_speaks_british_english_in_london_time():
    assert settings.LANGUAGE_CODE == "en-gb"
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True


def test_check_deploy_is_clean_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_with_the_shared_services_of_a_production_stack():
    shared = {
        "DATABASE_URL": "postgres://portfolio@db.internal:5432/portfolio",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "AWS_STORAGE_BUCKET_NAME": "centre-evidence",
        "AWS_S3_ENDPOINT_URL": "https://objects.example-centre.ac.uk",
        "AWS_ACCESS_KEY_ID": "portfolio",
        "AWS_SECRET_ACCESS_KEY": "not-a-real-secret",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **shared)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_collectstatic_in_production_writes_hashed_compressed_files(tmp_path):
    result = manage("collectstatic", "--noinput", STATIC_ROOT=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    hashed = next((tmp_path / "css").glob("site.*.css"))
    assert hashed.name in manifest
    # WhiteNoise serves these to browsers that accept them, without compressing per request.
    assert hashed.with_name(hashed.name + ".gz").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "perhaps"),
        ("DATABASE_URL", "mysql://root@localhost/portfolio"),
        ("EVIDENCE_MAX_FILE_SIZE", "a lot"),
        ("LOGIN_FAILURE_LIMIT", "five"),
        ("EMAIL_PORT", "0"),
        ("TASKS_BACKEND", "celery"),
        ("CONFIRMATION_LINK_DAYS", "0"),
        ("JOB_HEARTBEAT_SECONDS", "0"),
        # Not more than twice the 30 s heartbeat: a live worker's job would look abandoned.
        ("JOB_STALE_SECONDS", "60"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable, value):
    result = manage("check", **{variable: value})
    assert result.returncode != 0
    assert f"Configuration error: {variable}" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_requires_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_envbool_reads_the_usual_words(monkeypatch):
    for word, expected in [("1", True), ("Yes", True), ("on", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("FLAG", word)
        assert envbool("FLAG", None) is expected
    monkeypatch.delenv("FLAG")
    assert envbool("FLAG", True) is True


def test_envint_refuses_numbers_below_its_minimum(monkeypatch):
    monkeypatch.setenv("COUNT", "-3")
    with pytest.raises(EnvironmentSettingError, match="COUNT must be at least 1"):
        envint("COUNT", 5, minimum=1)


def test_envsize_understands_units(monkeypatch):
    for text, expected in [("100MB", 100 * 1024**2), ("1 GiB", 1024**3), ("2048", 2048)]:
        monkeypatch.setenv("SIZE", text)
        assert envsize("SIZE", 0) == expected
    monkeypatch.setenv("SIZE", "0")
    with pytest.raises(EnvironmentSettingError, match="SIZE must be greater than zero"):
        envsize("SIZE", 1)


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv(
        "DB", "postgres://postgres:s%40cret@127.0.0.1:5433/portfolio?sslmode=require"
    )
    database = database_from_url("DB", "")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "portfolio",
        "postgres",
        "s@cret",
    )
    assert (database["HOST"], database["PORT"]) == ("127.0.0.1", "5433")
    assert database["OPTIONS"] == {"sslmode": "require"}


def test_database_url_defaults_to_sqlite(monkeypatch):
    monkeypatch.delenv("DB", raising=False)
    database = database_from_url("DB", "sqlite:////tmp/portfolio.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == "/tmp/portfolio.sqlite3"


def test_sqlite_writes_ahead_and_takes_the_write_lock_when_a_transaction_begins(
    monkeypatch, tmp_path, django_db_blocker
):
    # The live proof is tests/test_parallel_uploads.py; this says which settings give it.
    monkeypatch.setenv("DB", f"sqlite:///{tmp_path / 'portfolio.sqlite3'}")
    database = ConnectionHandler({"default": database_from_url("DB", "")})["default"]
    try:
        with django_db_blocker.unblock(), database.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone() == ("wal",)
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone() == (20_000,)
        assert database.transaction_mode == "IMMEDIATE"
    finally:
        database.close()


@pytest.mark.parametrize(
    "url", ["postgres://127.0.0.1:5432/", "postgres://h:port/db", "sqlite://", "oracle://x/y"]
)
def test_database_url_refuses_what_it_cannot_use(monkeypatch, url):
    monkeypatch.setenv("DB", url)
    with pytest.raises(EnvironmentSettingError, match="^DB "):
        database_from_url("DB", "")
