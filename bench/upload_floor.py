"""The floor under the 200 MB upload on this machine: `python bench/upload_floor.py [--runs N]`.

What any Python app behind gunicorn pays to take 200 MB in, step by step, against the plain
copy `make bench` compares the upload with (`shutil.copyfile` then `sync`). A WSGI app of a few
lines (no Django, no multipart) reads the body through nvq_portfolio/wsgi_input.py in 1 MB
reads and writes it to a temporary file; then the same with SHA-256 of each chunk on a thread
beside the reads (as evidence/uploads.py does); then with the file fsynced before answering,
the disk asked to start writing each 8 MB as it arrives (as evidence/uploads.py and
nvq_portfolio/storage.py do). The client sends with sendfile(), as bench/run.py does. Each
variant runs under its own gunicorn (2 sync workers) on loopback, `--runs` times, a copy
before each upload; medians are printed as a Markdown table.
"""

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = 200 * 1024 * 1024
VARIANTS = {
    "read and write": "",
    "and SHA-256 on a thread": "hash",
    "and fsync": "hash,fsync",
}

APP = """
import hashlib, os, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, {root!r})
from nvq_portfolio.storage import start_writeback
from nvq_portfolio.wsgi_input import with_whole_reads

STEPS = set(os.environ.get("FLOOR_STEPS", "").split(","))


def take(environ, start_response):
    stream, left = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    sha256, hashing = hashlib.sha256(), ThreadPoolExecutor(max_workers=1)
    with tempfile.NamedTemporaryFile(dir={work!r}) as out:
        written = written_back = 0
        while left:
            chunk = stream.read(min(1024 * 1024, left))
            if not chunk:
                break
            left -= len(chunk)
            if "hash" in STEPS:
                hashing.submit(sha256.update, chunk)
            out.write(chunk)
            written += len(chunk)
            if "fsync" in STEPS and written - written_back >= 8 * 1024 * 1024:
                out.flush()
                start_writeback(out.fileno(), written_back, written - written_back)
                written_back = written
        out.flush()
        if "fsync" in STEPS:
            os.fsync(out.fileno())
        hashing.shutdown(wait=True)
    body = sha256.hexdigest().encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


application = with_whole_reads(take)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def upload(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.putrequest("POST", "/")
    connection.putheader("Content-Length", str(SIZE))
    connection.endheaders()
    with path.open("rb") as source:
        connection.sock.sendfile(source)
    response = connection.getresponse()
    response.read()
    return time.perf_counter() - started


def copy(path):
    target = path.with_name("copy.bin")
    started = time.perf_counter()
    shutil.copyfile(path, target)
    os.sync()
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with tempfile.TemporaryDirectory(prefix="nvq-upload-floor-") as work:
        work = Path(work)
        (work / "floor_app.py").write_text(APP.format(root=str(ROOT), work=str(work)))
        big = work / "big.bin"
        with big.open("wb") as out:
            for _ in range(SIZE // (1024 * 1024)):
                out.write(os.urandom(1024 * 1024))
        os.sync()
        rows = []
        for name, steps in VARIANTS.items():
            port = free_port()
            server = subprocess.Popen(
                [
                    str(gunicorn),
                    "--chdir",
                    str(work),
                    "floor_app:application",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                ],
                env={**os.environ, "FLOOR_STEPS": steps},
            )
            try:
                for _ in range(100):
                    try:
                        socket.create_connection(("127.0.0.1", port), 0.1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                time.sleep(1)  # both workers up
                copies, uploads = [], []
                for _ in range(args.runs):
                    copies.append(copy(big))
                    uploads.append(upload(port, big))
            finally:
                server.terminate()
                server.wait(timeout=30)
            rows.append((name, copies, uploads))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    print("| app | upload s, each run | median upload s | median copy + sync s | times the copy |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, copies, uploads in rows:
        up, cp = statistics.median(uploads), statistics.median(copies)
        runs = ", ".join(f"{x:.2f}" for x in uploads)
        print(f"| {name} | {runs} | {up:.2f} | {cp:.2f} | {up / cp:.1f} |")


if __name__ == "__main__":
    main()
