"""`manage.py backup` and `manage.py restore`: a centre's database and stored files out to one
.tar and back into a new, empty installation, row for row and byte for byte; a restore that
would overwrite data, or read a damaged backup, is refused before anything is written.

Each command runs in a process of its own, pointed by DATABASE_URL and MEDIA_ROOT (or the
bucket's settings) at the installation it works on, as an operator would run it. The seeded
portfolio is committed (transactional tests) so those processes see it; on SQLite the test
database, which lives in this process's memory, is first copied to a file.
"""

import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from assessments.signoff import unit_sign_off

from .evidence_factories import EvidenceItemFactory, add_file, csv_bytes, png_bytes
from .object_storage import KEYS, REGION, s3_client
from .test_judgements import fully_met

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def manage(*args, database_url, media_root=None, extra_env=None, check=True):
    env = {**os.environ, "DATABASE_URL": database_url, "TASKS_BACKEND": "immediate"}
    for name in ["AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"]:
        env.pop(name, None)
    if media_root is not None:
        env["MEDIA_ROOT"] = str(media_root)
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def postgres_url(name):
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{settings['USER']}{password}@{host}{port}/{name}"


def postgres_admin(sql):
    settings = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql)
    finally:
        admin.close()


@pytest.fixture
def source_url(tmp_path):
    """The test database, seeded and committed, as DATABASE_URL for another process."""

    def url():
        if connection.vendor == "postgresql":
            return postgres_url(connection.settings_dict["NAME"])
        path = tmp_path / "source.sqlite3"
        path.unlink(missing_ok=True)
        with sqlite3.connect(path) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"

    return url


@pytest.fixture
def empty_url(tmp_path):
    """A new database with nothing in it: another name on PostgreSQL, another file on SQLite."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
        postgres_admin(f'CREATE DATABASE "{name}"')
        yield postgres_url(name)
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@pytest.fixture
def portfolio(alice_enrolment, carol, unit):
    """Alice's unit judged met and signed off, and a draft with a photo and a survey."""
    enrolled_unit, _ = fully_met(alice_enrolment, unit)
    unit_sign_off(enrolled_unit=enrolled_unit, by=carol, declaration_confirmed=True)
    draft = EvidenceItemFactory(enrolment=alice_enrolment, title="Feedback survey")
    add_file(draft, "chart.png", png_bytes())
    add_file(draft, "survey.csv", csv_bytes())
    return alice_enrolment


def tables_in(database_url):
    """How many tables a database has, read without Django (which would make the file)."""
    if connection.vendor == "postgresql":
        name = database_url.rsplit("/", 1)[1]
        settings = connection.settings_dict
        database = psycopg2.connect(
            dbname=name,
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
        )
        try:
            with database.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                return cursor.fetchone()[0]
        finally:
            database.close()
    path = Path(database_url.removeprefix("sqlite:///"))
    if not path.exists():
        return 0
    with sqlite3.connect(path) as database:
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        return database.execute(query).fetchone()[0]


def files_in(root):
    root = Path(root)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def every_row(database_url):
    return json.loads(manage("dumpdata", "--indent", "1", database_url=database_url).stdout)


def only_backup_in(folder):
    [backup] = Path(folder).glob("nvq-portfolio-backup-*.tar")
    return backup


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(
    settings, tmp_path, portfolio, source_url, empty_url
):
    source = source_url()
    made = manage(
        "backup",
        "-o",
        str(tmp_path / "backups"),
        database_url=source,
        media_root=settings.MEDIA_ROOT,
    )
    backup = only_backup_in(tmp_path / "backups")
    assert "nvq-portfolio-backup-20" in backup.name and str(backup) in made.stdout
    assert backup.stat().st_mode & 0o777 == 0o600  # personal data: its maker's eyes only

    with tarfile.open(backup) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        for name, digest in manifest["parts"].items():
            assert hashlib.sha256(archive.extractfile(name).read()).hexdigest() == digest
    stored = files_in(settings.MEDIA_ROOT)
    assert len(stored) >= 3
    assert {entry["name"]: entry["sha256"] for entry in manifest["media"]} == stored

    restored_media = tmp_path / "restored-media"
    restored = manage("restore", str(backup), database_url=empty_url, media_root=restored_media)
    assert f"{len(stored)} files" in restored.stdout

    assert every_row(empty_url) == every_row(source)
    assert files_in(restored_media) == stored
    # The restored installation is whole: nothing left for migrate to do, the audit trail's
    # chain intact with the live one's head, and the sign-off's seal unbroken.
    manage("migrate", "--check", database_url=empty_url)
    live = manage("verify_audit", database_url=source).stdout
    head = re.search(r"head ([0-9a-f]{64})", live).group(1)
    verified = manage("verify_audit", "--expect-head", head, database_url=empty_url).stdout
    assert verified == live
    assert (
        "Audit trail intact" in verified and "1 standing sign-offs, every seal intact" in verified
    )


def test_a_migrated_but_empty_installation_takes_a_backup(
    settings, tmp_path, portfolio, source_url, empty_url
):
    source = source_url()
    manage(
        "backup", "-o", str(tmp_path / "b.tar"), database_url=source, media_root=settings.MEDIA_ROOT
    )
    manage("migrate", database_url=empty_url)

    manage(
        "restore",
        str(tmp_path / "b.tar"),
        database_url=empty_url,
        media_root=tmp_path / "restored-media",
    )

    assert every_row(empty_url) == every_row(source)


def test_a_backup_of_object_storage_holds_the_bucket_and_restores_into_another(
    settings, tmp_path, s3_server, source_url, empty_url, alice_enrolment
):
    client = s3_client(s3_server)
    buckets = {name: f"backup-{name}-{uuid.uuid4().hex[:8]}" for name in ["live", "restored"]}
    for bucket in buckets.values():
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
    client.put_object(Bucket=buckets["live"], Key="evidence/a/log.pdf", Body=b"%PDF-1.4 log")
    client.put_object(Bucket=buckets["live"], Key="jobs/b/report.pdf", Body=b"%PDF-1.4 report")

    def s3_env(bucket):
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": s3_server,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": KEYS["access_key"],
            "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
        }

    source = source_url()
    manage(
        "backup",
        "-o",
        str(tmp_path / "s3.tar"),
        database_url=source,
        extra_env=s3_env(buckets["live"]),
    )
    with tarfile.open(tmp_path / "s3.tar") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest["storage"] == "storages.backends.s3.S3Storage"
    assert [entry["name"] for entry in manifest["media"]] == [
        "evidence/a/log.pdf",
        "jobs/b/report.pdf",
    ]

    manage(
        "restore",
        str(tmp_path / "s3.tar"),
        database_url=empty_url,
        extra_env=s3_env(buckets["restored"]),
    )

    restored = client.list_objects_v2(Bucket=buckets["restored"])["Contents"]
    assert sorted(entry["Key"] for entry in restored) == ["evidence/a/log.pdf", "jobs/b/report.pdf"]
    body = client.get_object(Bucket=buckets["restored"], Key="jobs/b/report.pdf")["Body"].read()
    assert body == b"%PDF-1.4 report"
    assert every_row(empty_url) == every_row(source)


def test_a_restore_into_an_installation_with_data_is_refused(
    settings, tmp_path, portfolio, source_url
):
    source = source_url()
    manage(
        "backup", "-o", str(tmp_path / "b.tar"), database_url=source, media_root=settings.MEDIA_ROOT
    )
    before = every_row(source)

    refused = manage(
        "restore",
        str(tmp_path / "b.tar"),
        database_url=source,
        media_root=tmp_path / "other-media",
        check=False,
    )

    assert refused.returncode != 0
    assert "Nothing was restored" in refused.stderr and "not empty" in refused.stderr
    assert every_row(source) == before
    assert not (tmp_path / "other-media").exists()


def test_a_restore_into_empty_database_but_full_storage_is_refused(
    settings, tmp_path, portfolio, source_url, empty_url
):
    manage(
        "backup",
        "-o",
        str(tmp_path / "b.tar"),
        database_url=source_url(),
        media_root=settings.MEDIA_ROOT,
    )

    refused = manage(
        "restore",
        str(tmp_path / "b.tar"),
        database_url=empty_url,
        media_root=settings.MEDIA_ROOT,
        check=False,
    )

    assert refused.returncode != 0 and "storage is not empty" in refused.stderr


def rewrite(backup, change):
    """A copy of the backup with `change(name, data)` applied to each part's bytes."""
    damaged = backup.with_name("damaged.tar")
    with tarfile.open(backup) as original, tarfile.open(damaged, "w") as copy:
        for member in original.getmembers():
            data = change(member.name, original.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return damaged


@pytest.mark.parametrize(
    "damage, named",
    [
        ("flip a byte of a stored file", "media/"),
        ("flip a byte of the database", "database."),
        ("remove a stored file", "is missing"),
        ("remove the manifest", "no manifest.json"),
    ],
)
def test_a_damaged_backup_is_refused_naming_the_part_before_anything_is_written(
    settings, tmp_path, portfolio, source_url, empty_url, damage, named
):
    manage(
        "backup",
        "-o",
        str(tmp_path / "b.tar"),
        database_url=source_url(),
        media_root=settings.MEDIA_ROOT,
    )
    victim = {}

    def change(name, data):
        target = "database." if "database" in damage else "media/"
        if damage == "remove the manifest":
            return None if name == "manifest.json" else data
        if name.startswith(target) and not victim:
            victim["name"] = name
            if damage.startswith("remove"):
                return None
            middle = len(data) // 2
            return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        return data

    damaged = rewrite(tmp_path / "b.tar", change)
    restored_media = tmp_path / "restored-media"

    refused = manage(
        "restore", str(damaged), database_url=empty_url, media_root=restored_media, check=False
    )

    assert refused.returncode != 0 and "Nothing was restored" in refused.stderr
    assert named in refused.stderr
    if victim:
        assert victim["name"] in refused.stderr
    assert not restored_media.exists()
    assert tables_in(empty_url) == 0
