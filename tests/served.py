"""The app served by `manage.py runserver` in a process of its own, as `make run` serves it.

pytest-django's `live_server` is not enough for what these tests prove: on SQLite it serves an
in-memory database through one connection shared by every thread, so requests can never lock
each other out, and it runs inside the test process, whose memory the test client's own copies
of a request would muddle. Here the server gets its own process, its own connections and, on
SQLite, a real database file (a copy of the test database, made with SQLite's backup API), so
it locks as `make run` does. On PostgreSQL it serves the test database itself. The data a test
made must be committed for the server to see it: use the `transactional_db` fixture.
"""

import contextlib
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
# Any 32 letters and digits: Django accepts the secret itself as the CSRF token.
CSRF_SECRET = "served" * 5 + "ok"
STARTUP_SECONDS = 60


def _database_url(folder):
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = folder / "db.sqlite3"
        with sqlite3.connect(path) as copy:
            connection.ensure_connection()
            connection.connection.backup(copy)
        copy.close()
        return f"sqlite:///{path}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{settings['USER']}{password}@{host}{port}/{settings['NAME']}"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A running server and a signed-in person's cookies for it."""

    def __init__(self, process, port, session):
        self.process, self.port, self.session = process, port, session

    def connect(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def peak_memory(self):
        """The server process's peak resident memory so far, in bytes (Linux's VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    def upload(self, path, name, body):
        """POST one file to `path` as the page's script does; (status, JSON answer).

        `body` is bytes or a file opened for reading, sent in blocks so that a large file is
        never whole in this process's memory either.
        """
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        if isinstance(body, bytes):
            size, blocks = len(body), [body]
        else:
            size = os.fstat(body.fileno()).st_size
            blocks = iter(lambda: body.read(1024 * 1024), b"")
        conn = self.connect()
        try:
            conn.request(
                "POST",
                path,
                body=_chain([head], blocks, [tail]),
                headers={
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(head) + size + len(tail)),
                    "Accept": "application/json",
                    "Cookie": f"sessionid={self.session}; csrftoken={CSRF_SECRET}",
                    "X-CSRFToken": CSRF_SECRET,
                },
            )
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, {"error": text[:500]}


def _chain(*parts):
    for part in parts:
        yield from part


@contextlib.contextmanager
def served(tmp_path, user):
    """Serve the app signed in as `user`; yields a Served."""
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST", "MEDIA_"))
    }
    environment.update(
        DATABASE_URL=_database_url(tmp_path),
        MEDIA_ROOT=str(tmp_path / "served-media"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_answering(process, port, tmp_path / "server.log")
        yield Served(process, port, session)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_answering(process, port, log_path):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The server stopped:\n{log_path.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError(f"The server did not answer in {STARTUP_SECONDS} s:\n{log_path.read_text()}")
