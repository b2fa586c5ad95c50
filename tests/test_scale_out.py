"""Scale-out proven on this machine: two gunicorn app servers on different loopback ports share
one database, one Redis cache, one S3 object store (moto's server) and one job worker. A person
signs in on one and is signed in on the other; a file uploaded through one downloads through
the other; a report asked for on one is made by the worker and fetched from the other; a rate
limit counted on one holds on the other. Nothing here is mocked: each server is a real gunicorn
with production settings, as `make serve-prod` starts it.

The suite's own database is shared with the servers: PostgreSQL by name, SQLite (whose test
database lives in memory) through a copy in a file. Redis is REDIS_URL when set, otherwise a
redis-server this test starts on a free port (`make system-deps` installs it).
"""

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from .evidence_factories import EvidenceItemFactory, pdf_bytes
from .object_storage import KEYS, REGION, s3_client

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"
SECRET_KEY = "scale-check-" + "k7#Vq2!pLw9@zR4$eT6^yU8&iO1*aS3(dF5)gH0-jK_lZxCvBnM"

pytestmark = pytest.mark.django_db(transaction=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process on port {port} stopped: {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port} within {seconds} s")


@pytest.fixture
def redis_url(tmp_path):
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail(
            "The scale-out test needs Redis: set REDIS_URL, or install redis-server "
            "(make system-deps does)."
        )
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def shared_database_url(tmp_path):
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    copy_path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(copy_path) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{copy_path}"


class Browser:
    """Cookies kept by hand: the servers mark them Secure, as behind the HTTPS proxy."""

    def __init__(self):
        self.cookies = {}

    def request(self, port, method, path, body=None, headers=None):
        sent = {
            "Host": f"127.0.0.1:{port}",
            "X-Forwarded-Proto": "https",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            sent["X-CSRFToken"] = self.cookies["csrftoken"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, data

    def form_post(self, port, path, fields):
        from urllib.parse import urlencode

        return self.request(
            port,
            "POST",
            path,
            urlencode(fields),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def csrf(self, port, path):
        status, _, page = self.request(port, "GET", path)
        assert status == 200, (path, status)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def multipart(name, filename, content):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def stack(tmp_path, redis_url, s3_server, alice, alice_enrolment):
    """Two app servers and a worker over the shared services; their ports."""
    alice.password = PBKDF2PasswordHasher().encode(PASSWORD, "scalechecksalt")
    alice.email = "alice@example.org"
    alice.save()
    item = EvidenceItemFactory(enrolment=alice_enrolment, title="Post room log")
    bucket = f"scale-{uuid.uuid4().hex[:12]}"
    s3_client(s3_server).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_"))},
        "DJANGO_DEBUG": "off",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_BEHIND_HTTPS_PROXY": "on",
        "DATABASE_URL": shared_database_url(tmp_path),
        "REDIS_URL": redis_url,
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": KEYS["access_key"],
        "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    # Production names static files by their hashes, from the manifest collectstatic writes.
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    ports, processes = [free_port(), free_port()], []
    log = (tmp_path / "stack.log").open("w")
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [BIN / "gunicorn", "nvq_portfolio.wsgi", "--bind", f"127.0.0.1:{port}"]
                    + ["--workers", "1", "--timeout", "60"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
                + ["--no-reload", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for port, process in zip(ports, processes, strict=False):
            wait_for_port(port, process)
        yield {"a": ports[0], "b": ports[1], "item": item, "enrolment": alice_enrolment}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()


def test_two_app_servers_share_sessions_files_jobs_and_the_cache(stack):
    a, b, browser = stack["a"], stack["b"], Browser()

    # Signed in on A, and so on B.
    token = browser.csrf(a, "/accounts/login/")
    status, headers, _ = browser.form_post(
        a,
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": "alice", "password": PASSWORD},
    )
    assert status == 302, headers
    status, _, page = browser.request(b, "GET", "/")
    assert status == 200
    assert b"Alice" in page

    # A file uploaded through A downloads through B.
    content = pdf_bytes("Uploaded through one server")
    body, content_type = multipart("files", "statement.pdf", content)
    status, _, answer = browser.request(
        a,
        "POST",
        f"/evidence/{stack['item'].pk}/files/",
        body,
        {"Content-Type": content_type, "Accept": "application/json"},
    )
    assert status == 201, answer
    file_url = json.loads(answer)["results"][0]["file"]["url"]
    status, _, downloaded = browser.request(b, "GET", file_url)
    assert (status, downloaded) == (200, content)

    # A report asked for on A is made by the worker and fetched from B.
    progress_path = f"/evidence/enrolments/{stack['enrolment'].pk}/progress/"
    token = browser.csrf(a, progress_path)
    status, headers, _ = browser.form_post(
        a,
        f"/assessments/enrolments/{stack['enrolment'].pk}/report/prepare/",
        {"csrfmiddlewaretoken": token},
    )
    assert status == 302
    job_path = headers["Location"]
    deadline = time.monotonic() + 120
    while True:
        status, _, answer = browser.request(b, "GET", f"{job_path}status/")
        assert status == 200
        job = json.loads(answer)
        if job["finished"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert job["status"] == "ready", job
    status, _, report = browser.request(b, "GET", f"{job_path}download/")
    assert status == 200
    assert report.startswith(b"%PDF-")

    # A rate limit counted in the cache on A holds on B.
    fields = {"email": "alice@example.org"}
    token = browser.csrf(a, "/accounts/password_reset/")
    status, _, _ = browser.form_post(
        a, "/accounts/password_reset/", {**fields, "csrfmiddlewaretoken": token}
    )
    assert status == 302
    token = browser.csrf(b, "/accounts/password_reset/")
    status, _, _ = browser.form_post(
        b, "/accounts/password_reset/", {**fields, "csrfmiddlewaretoken": token}
    )
    assert status == 429
