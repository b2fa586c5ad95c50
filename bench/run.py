"""`make bench`: the app at a real centre's size, on PostgreSQL behind gunicorn, on loopback.

1. Seeds two databases: 10 learners and 1,000 learners (40 evidence items each, and one learner
   with 100 items), timing the seeding and recording each database's size.
2. Counts each page's queries and bytes at both sizes (inside Django, second request).
3. Starts gunicorn (2 sync workers, DEBUG off, production settings but plain HTTP) on a free
   loopback port over the 1,000-learner database and runs wrk with a signed-in session against
   each page, with a floor (a view that only checks the session) measured before, between and
   after the pages: p50, p95, p99 and throughput.
4. Times the coverage PDF of one unit with 100 items, and of the whole portfolio.
5. Uploads a 200 MB file and downloads it, watching the workers' memory, against a plain copy
   of the same file on the same disk.
6. Writes the figures, each with its command and whether its target is met, between the
   markers in bench/RESULTS.md (the rest of the file, written by people, is kept).

Every step is bounded: wrk runs for a fixed time, every subprocess has a timeout, and
gunicorn is stopped at the end whatever happens. Run `python bench/run.py --help`.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
PAGE_TARGET = 5  # each page's p95 within this many times the floor's p95
PDF_TARGET = 2.0  # seconds for one unit with 100 items
UPLOAD_MEMORY_TARGET = 50 * 1024 * 1024
UPLOAD_SPEED_TARGET = 2  # times a plain copy of the file on the same disk
SEED_TARGET = 600  # seconds
# The size target: the caseload and IQA pages. A home page is bounded instead (ten rows
# a role and five entries a to-do list), so it grows until its lists fill, then no further.
SAME_SIZE_PAGES = ("assessor caseload", "IQA sampling plan", "IQA dashboard")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="nvq-bench-"))
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "off",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain HTTP on loopback: no redirect to HTTPS, no secure-only cookies.
            "DJANGO_SECURE_SSL_REDIRECT": "off",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_SESSION_COOKIE_SECURE": "off",
            "DJANGO_CSRF_COOKIE_SECURE": "off",
            "MEDIA_ROOT": str(self.work / "media"),
            "STATIC_ROOT": str(self.work / "static"),
            "EVIDENCE_MAX_FILE_SIZE": "300MB",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "PYTHONHASHSEED": "0",
        }
        self.env.pop("REDIS_URL", None) if not args.redis_url else None
        if args.redis_url:
            self.env["REDIS_URL"] = args.redis_url
        self.results = {"started": datetime.datetime.now().astimezone().isoformat("T", "seconds")}

    # Helpers ----------------------------------------------------------------------------

    def run(self, command, *, database=None, timeout=900, capture=True):
        env = dict(self.env)
        if database:
            env["DATABASE_URL"] = database
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            timeout=timeout,
            capture_output=capture,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def manage(self, *args, database, timeout=900):
        return self.run([PYTHON, "manage.py", *args], database=database, timeout=timeout)

    def django(self, action, database, timeout=600):
        output = self.run([PYTHON, "bench/pages.py", action], database=database, timeout=timeout)
        return json.loads(output.strip().splitlines()[-1])

    # 1. Seeding --------------------------------------------------------------------------

    def reset_database(self, url):
        parts = urllib.parse.urlsplit(url)
        name = parts.path.lstrip("/")
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise SystemExit(f"The benchmark database name must be [a-z0-9_]+, not {name!r}.")
        maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        script = (
            "import psycopg2, sys\n"
            "c = psycopg2.connect(sys.argv[1]); c.autocommit = True\n"
            f"c.cursor().execute('DROP DATABASE IF EXISTS {name} WITH (FORCE)')\n"
            f"c.cursor().execute('CREATE DATABASE {name}')\n"
        )
        self.run([PYTHON, "-c", script, maintenance])

    def seeded(self, url, learners):
        """Whether `url` already holds this benchmark centre (for --reuse)."""
        try:
            facts = self.django("database-size", url)
        except SystemExit:
            return False
        return facts["counts"]["learners"] >= learners + 1

    def seed(self, url, learners):
        items = self.args.items
        if self.args.reuse and self.seeded(url, learners):
            log(f"reusing the seeded database {url}")
            return None
        log(f"seeding {learners} learners x {items} items into {url}")
        self.reset_database(url)
        self.manage("migrate", "--noinput", "-v0", database=url)
        self.manage("loaddata", "units", "-v0", database=url)
        started = time.perf_counter()
        self.manage(
            "seed_demo",
            "--learners",
            str(learners),
            "--items",
            str(items),
            database=url,
            timeout=1200,
        )
        seconds = time.perf_counter() - started
        self.django("prepare", url)
        self.django("analyze", url)  # fresh statistics, as autovacuum would give them soon
        log(f"seeded in {seconds:.0f} s")
        return seconds

    # 3. wrk ------------------------------------------------------------------------------

    def start_gunicorn(self, url):
        self.port = free_port()
        env = {**self.env, "DATABASE_URL": url}
        gunicorn = Path(PYTHON).with_name("gunicorn")
        self.server = subprocess.Popen(
            [
                str(gunicorn),
                "nvq_portfolio.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return self.wait_for_idle_workers(deadline)
            except OSError:
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz within 60 s.")

    def wait_for_idle_workers(self, deadline):
        """Until both workers have started (each warms the PDF renderer as it loads the app, a
        second of CPU and 40 MB), so no worker's start-up is counted in what is measured."""
        last = None
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if len(self.workers()) < 2:
                continue
            used = self.workers_cpu()
            if used == last:
                return
            last = used
        raise SystemExit("gunicorn's workers were still busy starting after 60 s.")

    def stop_gunicorn(self):
        server = getattr(self, "server", None)
        if server and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)

    def workers(self):
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def wrk(self, path, cookie):
        command = [
            "wrk",
            f"-t{self.args.threads}",
            f"-c{self.args.connections}",
            f"-d{self.args.duration}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench" / "report.lua"),
            "-H",
            f"Cookie: {cookie}",
            f"http://127.0.0.1:{self.port}{path}",
        ]
        output = self.run(command, timeout=self.args.duration + 60)
        line = next(line for line in output.splitlines() if line.startswith("JSON "))
        figures = json.loads(line[5:])
        figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
        figures["command"] = " ".join(
            command[:-3] + ["'Cookie: sessionid=…; csrftoken=…'", command[-1]]
        )
        return figures

    def load(self, url):
        sessions = self.django("sessions", url)["sessions"]
        pages = self.results["big"]["pages"]
        floor, rest = pages[0], pages[1:]
        # Warm each page in both workers (first requests fill each worker's cache) before
        # anything is timed: four requests, two connections at a time.
        for page in pages:
            for _ in range(2):
                self.get_pair(page["path"], sessions[page["user"]])
        floors = []
        measured = []
        halfway = len(rest) // 2
        for index, page in enumerate(rest):
            if index in (0, halfway):
                log("wrk floor")
                floors.append(self.wrk(floor["path"], sessions[floor["user"]]))
            log(f"wrk {page['name']}")
            measured.append({**page, **self.wrk(page["path"], sessions[page["user"]])})
        floors.append(self.wrk(floor["path"], sessions[floor["user"]]))
        floor_p95 = statistics.median(run["p95_ms"] for run in floors)
        for page in measured:
            page["ratio"] = round(page["p95_ms"] / floor_p95, 1)
            # A page that answered anything but 200 (a redirect to sign-in) measured nothing.
            page["met"] = (
                page["ratio"] <= PAGE_TARGET and page["errors"] == 0 and page["status"] == 200
            )
        self.results["load"] = {"floor": floors, "floor_p95_ms": floor_p95, "pages": measured}

    def get_pair(self, path, cookie):
        """Two requests at once, so each of the two workers answers one."""
        connections = []
        for _ in range(2):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            connection.request("GET", path, headers={"Cookie": cookie})
            connections.append(connection)
        for connection in connections:
            connection.getresponse().read()

    def get(self, path, cookie):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response

    # 5. Upload and download --------------------------------------------------------------

    def rss(self):
        """{worker pid: (VmRSS, VmHWM)} in bytes."""
        figures = {}
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) * 1024
            peak = int(re.search(r"VmHWM:\s+(\d+)", status)[1]) * 1024
            figures[pid] = (rss, peak)
        return figures

    def workers_cpu(self):
        """CPU seconds (user and system) the workers have used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
        return total / ticks

    def upload(self, url):
        """The 200 MB file uploaded, downloaded and removed (as its learner may remove a draft's
        file), and copied on the same disk, each `--upload-runs` times: one timing of each
        moved by half from run to run on a shared machine, so the medians are compared."""
        size = 200 * 1024 * 1024
        big = Path(self.env["MEDIA_ROOT"]) / "bench-upload.pdf"
        big.parent.mkdir(parents=True, exist_ok=True)
        with big.open("wb") as out:
            out.write(b"%PDF-1.4\n")
            chunk = os.urandom(1024 * 1024)
            while out.tell() < size - 16:
                out.write(chunk[: min(len(chunk), size - 16 - out.tell())])
            out.write(b"\n%%EOF\n")
        size = big.stat().st_size
        self.run(["sync"])
        started = time.perf_counter()
        self.run(["sha256sum", str(big)])
        sha_seconds = time.perf_counter() - started

        target = self.django("upload-target", url)
        # The session alone: a signed-in GET gives a new CSRF cookie
        cookie = self.django("sessions", url)["sessions"]["learner3"].split(";")[0]
        cookie = cookie.removeprefix("sessionid=")
        # A signed-in GET gives the CSRF cookie; the token goes back in the header.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(
            "GET", f"/evidence/{target['item']}/", headers={"Cookie": f"sessionid={cookie}"}
        )
        response = connection.getresponse()
        response.read()
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")[1]
        session = {"Cookie": f"sessionid={cookie}; csrftoken={csrf}", "X-CSRFToken": csrf}

        runs = []
        for _ in range(self.args.upload_runs):
            run = self.copy_once(big)
            run.update(self.upload_once(big, size, target["item"], session))
            runs.append(run)
        big.unlink()
        copy_seconds = statistics.median(run["copy_seconds"] for run in runs)
        upload_seconds = statistics.median(run["upload_seconds"] for run in runs)
        download_seconds = statistics.median(run["download_seconds"] for run in runs)
        growth = max(run["memory_growth_bytes"] for run in runs)
        self.results["upload"] = {
            "bytes": size,
            "runs": runs,
            "upload_seconds": upload_seconds,
            "download_seconds": download_seconds,
            "copy_seconds": copy_seconds,
            # CPU time moves less than wall time on a shared machine.
            "upload_server_cpu_seconds": statistics.median(
                run["upload_server_cpu_seconds"] for run in runs
            ),
            "copy_cpu_seconds": statistics.median(run["copy_cpu_seconds"] for run in runs),
            "sha256sum_seconds": round(sha_seconds, 2),
            "memory_growth_bytes": growth,
            "memory_met": growth < UPLOAD_MEMORY_TARGET,
            "upload_met": upload_seconds <= UPLOAD_SPEED_TARGET * copy_seconds,
            "download_met": download_seconds <= UPLOAD_SPEED_TARGET * copy_seconds,
        }

    def copy_once(self, big):
        copy_target = big.with_name("bench-copy.pdf")
        started, cpu = time.perf_counter(), os.times()
        shutil.copyfile(big, copy_target)
        os.sync()
        copy_seconds = time.perf_counter() - started
        copy_cpu = sum(os.times()[:2]) - sum(cpu[:2])
        copy_target.unlink()
        os.sync()  # the deletion written out before anything else is timed
        return {"copy_seconds": round(copy_seconds, 2), "copy_cpu_seconds": round(copy_cpu, 2)}

    def upload_once(self, big, size, item, session):
        """One upload of `big` to the draft `item`, its download, then its removal."""
        boundary = "bench" + secrets.token_hex(8)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="bench-200mb.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        before = self.rss()
        cpu_before = self.workers_cpu()
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.putrequest("POST", f"/evidence/{item}/files/")
        for header, value in session.items():
            connection.putheader(header, value)
        connection.putheader("Accept", "application/json")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + size + len(tail)))
        connection.endheaders()
        connection.send(head)
        with big.open("rb") as source:
            if self.args.client_copies:
                while block := source.read(1024 * 1024):
                    connection.send(block)
            else:
                connection.sock.sendfile(source)
        connection.send(tail)
        response = connection.getresponse()
        answer = response.read()
        upload_seconds = time.perf_counter() - started
        upload_cpu = self.workers_cpu() - cpu_before
        after = self.rss()
        try:
            file_id = json.loads(answer)["results"][0]["file"]["id"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise SystemExit(
                f"The upload was refused ({response.status}): {answer[:500]!r}"
            ) from None

        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.request("GET", f"/evidence/files/{file_id}/", headers=session)
        response = connection.getresponse()
        received = 0
        while block := response.read(1024 * 1024):
            received += len(block)
        download_seconds = time.perf_counter() - started
        after_download = self.rss()
        growth = max(
            max(after[pid][1], after_download.get(pid, after[pid])[1]) - before[pid][0]
            for pid in before
            if pid in after
        )
        # Taken out of the draft as its learner may, so the next run uploads to the same item.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("POST", f"/evidence/files/{file_id}/remove/", headers=session)
        removed = connection.getresponse()
        removed.read()
        if removed.status not in (200, 302, 303):
            raise SystemExit(f"The uploaded file could not be removed ({removed.status}).")
        os.sync()  # its bytes' deletion written out before the next run
        return {
            "upload_seconds": round(upload_seconds, 2),
            "upload_server_cpu_seconds": round(upload_cpu, 2),
            "download_seconds": round(download_seconds, 2),
            "downloaded_bytes": received,
            "memory_growth_bytes": growth,
        }

    # The whole run -----------------------------------------------------------------------

    def upload_alone(self):
        """Only the 200 MB upload and download, on the already seeded --database-url; prints
        the figures and leaves RESULTS.md alone."""
        url = self.args.database_url
        self.manage("collectstatic", "--noinput", "-v0", database=url)
        try:
            self.start_gunicorn(url)
            self.upload(url)
        finally:
            self.stop_gunicorn()
            shutil.rmtree(self.work, ignore_errors=True)
        print(json.dumps({**self.results["upload"], "load": machine()["load"]}, indent=1))

    def go(self):
        if self.args.only == "upload":
            return self.upload_alone()
        args = self.results["args"] = vars(self.args)
        self.results["machine"] = machine()
        small_seconds = self.seed(self.args.small_database_url, 10)
        big_seconds = self.seed(self.args.database_url, self.args.learners)
        # DEBUG off serves pages through the static files' manifest: gather them first.
        self.manage("collectstatic", "--noinput", "-v0", database=self.args.database_url)
        log("counting queries and bytes at both sizes")
        self.results["small"] = self.django("measure", self.args.small_database_url)
        self.results["big"] = self.django("measure", self.args.database_url)
        self.results["seeding"] = {
            "small_seconds": small_seconds,
            "big_seconds": big_seconds,
            "small_database": self.django("database-size", self.args.small_database_url),
            "big_database": self.django("database-size", self.args.database_url),
        }
        log("coverage PDF")
        self.results["pdf_unit"] = self.django("pdf-unit", self.args.database_url)
        self.results["pdf_whole"] = self.django("pdf-whole", self.args.database_url)
        try:
            self.start_gunicorn(self.args.database_url)
            self.load(self.args.database_url)
            log("200 MB upload and download")
            self.upload(self.args.database_url)
        finally:
            self.stop_gunicorn()
            shutil.rmtree(self.work, ignore_errors=True)
        (ROOT / "bench" / "results.json").write_text(json.dumps(self.results, indent=1))
        write_results(self.results, args)
        log(f"wrote {RESULTS.relative_to(ROOT)}")


def machine():
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found[1].strip() if found else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text())[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def mark(met):
    return "met" if met else "**not met**"


def kb(size):
    return f"{size / 1024:,.1f} KB"


def write_results(results, args):
    m = results["machine"]
    load = results["load"]
    lines = [
        START,
        "## `make bench` (written by bench/run.py; do not edit between the markers)",
        "",
        f"Run {results['started']} on {m['cores']} cores ({m['cpu']}), {m['memory']}, "
        f"Python {m['python']}, {m['system']}; load average at the start {m['load']}. "
        "PostgreSQL on 127.0.0.1, gunicorn with 2 sync workers, DEBUG off, production "
        "settings over plain HTTP on loopback. "
        + (
            f"Cache: Redis at {args['redis_url']}."
            if args.get("redis_url")
            else "Cache: local memory in each worker."
        ),
        "",
        "Command: `make bench` (that is `.venv/bin/python bench/run.py "
        f"--learners {args['learners']} --items {args['items']} --duration {args['duration']} "
        f"--connections {args['connections']}`).",
        "",
        "### a. Load: every page within "
        f"{PAGE_TARGET} times the floor's p95, at {args['learners']:,} learners x "
        f"{args['items']} items",
        "",
        f"Each line: `wrk -t{args['threads']} -c{args['connections']} -d{args['duration']}s "
        "-s bench/report.lua -H 'Cookie: sessionid=…; csrftoken=…' URL`, "
        "a signed-in session of the person "
        "named. The floor is `/session-check` (the session is checked, the answer is 2 bytes), "
        f"run {len(load['floor'])} times among the pages; its p95 is the median of those runs: "
        f"**{load['floor_p95_ms']:.1f} ms**.",
        "",
        "| page | as | p50 ms | p95 ms | p99 ms | requests/s | p95 / floor | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in load["floor"]:
        lines.append(
            f"| floor: session check | assessor | {run['p50_ms']:.1f} | {run['p95_ms']:.1f} | "
            f"{run['p99_ms']:.1f} | {run['rps']:,.0f} | | |"
        )
    for page in load["pages"]:
        lines.append(
            f"| {page['name']} (`{page['path']}`) | {page['user']} | {page['p50_ms']:.1f} | "
            f"{page['p95_ms']:.1f} | {page['p99_ms']:.1f} | {page['rps']:,.0f} | "
            f"{page['ratio']}x | {mark(page['met'])}"
            + ("" if page.get("status", 200) == 200 else f" (status {page['status']})")
            + (f" ({page['errors']} errors)" if page["errors"] else "")
            + " |"
        )
    small = {page["name"]: page for page in results["small"]["pages"]}
    big = {page["name"]: page for page in results["big"]["pages"]}
    lines += [
        "",
        f"### b. Queries and bytes of each page at 10 and at {args['learners']:,} learners",
        "",
        "Counted inside Django (the second request of a signed-in test client; "
        "`python bench/pages.py measure`). Target: the same number of queries at both sizes "
        "(also pinned by tests), and the caseload and IQA pages the same size (a home page is "
        "bounded instead: ten rows a role, five entries a to-do list).",
        "",
        "| page | queries at 10 | queries at "
        f"{args['learners']:,} | bytes at 10 | bytes at {args['learners']:,} | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, page in big.items():
        other = small[name]
        same_queries = other["queries"] == page["queries"]
        sized = any(word in name for word in SAME_SIZE_PAGES)
        # "The same size": no bigger at 1,000 than at 10 but for the digits of the counts.
        same_size = not sized or page["bytes"] <= other["bytes"] * 1.05 + 512
        met = same_queries and same_size and page["status"] == 200
        lines.append(
            f"| {name} | {other['queries']} | {page['queries']} | {kb(other['bytes'])} | "
            f"{kb(page['bytes'])} | {mark(met)}"
            + ("" if page["status"] == 200 else f" (status {page['status']})")
            + " |"
        )
    unit, whole = results["pdf_unit"], results["pdf_whole"]
    lines += [
        "",
        "### c. Coverage PDF",
        "",
        "Command: `python bench/pages.py pdf-unit` (the same as `manage.py coverage_report "
        "bench100 --unit A/601/2550 -o report.pdf`), timed inside a fresh process after the "
        "start-up a gunicorn worker goes through before its first request (loading "
        "`nvq_portfolio/wsgi.py`, which warms the PDF renderer): the first report a running "
        "server makes.",
        "",
        "| report | items | pages | gathering s | layout and writing s | total s | CPU s "
        "| target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| one unit, 100 items | {unit['items']} | {unit['pages']} | {unit['gather_seconds']} | "
        f"{unit['render_seconds']} | **{unit['seconds']}** | {unit['cpu_seconds']} | under "
        f"{PDF_TARGET:.0f} s: {mark(unit['seconds'] < PDF_TARGET)} |",
        f"| whole portfolio | {whole['items']} | {whole['pages']} | {whole['gather_seconds']} | "
        f"{whole['render_seconds']} | {whole['seconds']} | {whole['cpu_seconds']} | recorded |",
    ]
    upload = results["upload"]
    lines += [
        "",
        "### d. A 200 MB upload and its download",
        "",
        "A 200 MB PDF-headed file POSTed as multipart to `/evidence/<id>/files/` as the "
        "learner (the client sending it with `sendfile()`, so that its own copying takes "
        "little of the two cores the server needs), then downloaded from "
        "`/evidence/files/<id>/` and removed from the draft "
        "(`/evidence/files/<id>/remove/`), through gunicorn; memory is the largest growth of a "
        "worker's peak resident set (VmHWM) over its size before an upload. The copy is "
        "`shutil.copyfile` of the same file on the same disk followed by `sync`. Each is run "
        f"{len(upload['runs'])} times, a copy before each upload, and the medians compared.",
        "",
        "| what | median | each run | target |",
        "| --- | --- | --- | --- |",
        f"| worker memory growth | {upload['memory_growth_bytes'] / 1024 / 1024:.1f} MB "
        "(largest) | "
        + ", ".join(f"{run['memory_growth_bytes'] / 1024 / 1024:.1f}" for run in upload["runs"])
        + f" MB | under 50 MB: {mark(upload['memory_met'])} |",
        f"| upload | {upload['upload_seconds']} s "
        f"({upload['bytes'] / upload['upload_seconds'] / 1e6:.0f} MB/s) | "
        + ", ".join(f"{run['upload_seconds']}" for run in upload["runs"])
        + f" s | within {UPLOAD_SPEED_TARGET}x the copy: {mark(upload['upload_met'])} |",
        f"| download | {upload['download_seconds']} s | "
        + ", ".join(f"{run['download_seconds']}" for run in upload["runs"])
        + f" s | within {UPLOAD_SPEED_TARGET}x the copy: {mark(upload['download_met'])} |",
        f"| upload, CPU of the workers | {upload['upload_server_cpu_seconds']} s | "
        + ", ".join(f"{run['upload_server_cpu_seconds']}" for run in upload["runs"])
        + " s | |",
        f"| plain copy + sync | {upload['copy_seconds']} s "
        f"(CPU {upload['copy_cpu_seconds']} s) | "
        + ", ".join(f"{run['copy_seconds']}" for run in upload["runs"])
        + " s | |",
        f"| `sha256sum` of the file | {upload['sha256sum_seconds']} s | | |",
    ]
    seeding = results["seeding"]
    big_db, small_db = seeding["big_database"], seeding["small_database"]
    seconds = seeding["big_seconds"]
    lines += [
        "",
        "### e. Seeding and database size",
        "",
        f"Command: `manage.py seed_demo --learners {args['learners']} --items {args['items']}` "
        "on an empty, migrated database with the catalogue loaded.",
        "",
        "| database | learners | evidence items | seeding | size |",
        "| --- | ---: | ---: | --- | ---: |",
        f"| small | {small_db['counts']['learners']:,} | "
        f"{small_db['counts']['evidence items']:,} | "
        + (f"{seeding['small_seconds']:.0f} s" if seeding["small_seconds"] else "reused")
        + f" | {small_db['bytes'] / 1024 / 1024:,.0f} MB |",
        f"| large | {big_db['counts']['learners']:,} | {big_db['counts']['evidence items']:,} | "
        + (
            f"{seconds:.0f} s: under {SEED_TARGET // 60} minutes {mark(seconds < SEED_TARGET)}"
            if seconds
            else "reused (seeded by an earlier run)"
        )
        + f" | {big_db['bytes'] / 1024 / 1024:,.0f} MB |",
        "",
        END,
    ]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Measured figures\n"
    block = "\n".join(lines)
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nvq_portfolio_bench"
    )
    parser.add_argument("--database-url", default=default, help="The large centre's database.")
    parser.add_argument(
        "--small-database-url",
        default=os.environ.get("BENCH_SMALL_DATABASE_URL", default + "_small"),
        help="The 10-learner database.",
    )
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk per page.")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""))
    parser.add_argument(
        "--upload-runs", type=int, default=5, help="Times the 200 MB upload and copy are run."
    )
    parser.add_argument(
        "--client-copies",
        action="store_true",
        help="Send the upload's bytes by read() and send() instead of sendfile().",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep databases an earlier run seeded alike."
    )
    parser.add_argument(
        "--only",
        choices=["upload"],
        help="Run one part alone against the seeded --database-url and print its figures.",
    )
    Bench(parser.parse_args()).go()


if __name__ == "__main__":
    main()
