# Two commands on a fresh machine: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/nvq_portfolio
TEMPLATE_DIRS := templates $(wildcard */templates)
# One test worker per core; each gets its own test database.
PYTEST := $(BIN)/pytest -q -n auto

.PHONY: run test test-e2e bench lint format venv system-deps e2e-deps bench-deps serve demo-data clean \
	serve-prod worker scale-check backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# Debian packages the app and its tests need: Pango for WeasyPrint's PDFs (and HarfBuzz's
# subsetter, which embeds only the glyphs used in C; without it WeasyPrint subsets fonts with
# fontTools in Python, half a second of each coverage report), libmagic1 for python-magic,
# which names uploaded files' types, poppler-utils for pdftotext, which the report tests read
# PDFs with, and redis-server, which the scale-out test starts for its two app servers when
# REDIS_URL names none. Installed only when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so' || missing="$$missing libpangoft2-1.0-0"; \
	ldconfig -p | grep -q 'libharfbuzz-subset.so' || missing="$$missing libharfbuzz-subset0"; \
	ldconfig -p | grep -q 'libmagic.so.1' || missing="$$missing libmagic1"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

demo-data: venv system-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddata units
	$(BIN)/python manage.py seed_demo

# The development server with a background worker beside it, both on the same database, so
# reports, imports and emails run as jobs as they do in production. Ctrl-C stops both.
run: demo-data
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --queue-name '*' & worker=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# A background worker on its own (the production stack runs one or more beside the app servers).
worker: venv
	$(BIN)/python manage.py db_worker --queue-name '*' --no-reload

# Production settings under gunicorn, with one worker for jobs beside it (README, "Running in
# production"). It expects an HTTPS proxy in front (DJANGO_BEHIND_HTTPS_PROXY defaults on
# here); without DJANGO_SECRET_KEY a key is made once and kept in .secret-key (never committed).
SERVE_PROD_BIND ?= 127.0.0.1:8001
WEB_CONCURRENCY ?= 3
serve-prod: venv system-deps
	@test -n "$$DJANGO_SECRET_KEY" || test -s .secret-key || \
		$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .secret-key
	@export DJANGO_DEBUG=off DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .secret-key)}" \
		DJANGO_BEHIND_HTTPS_PROXY="$${DJANGO_BEHIND_HTTPS_PROXY:-on}"; \
	$(BIN)/python manage.py check --deploy --fail-level WARNING && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput -v 0 && \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	$(BIN)/gunicorn nvq_portfolio.wsgi --bind $(SERVE_PROD_BIND) --workers $(WEB_CONCURRENCY) \
		--timeout 60 --access-logfile - --forwarded-allow-ips 127.0.0.1

# Two gunicorn app servers on loopback sharing one PostgreSQL database, the Redis at REDIS_URL
# and an S3 server (moto), with one job worker: a session, a file, a job and a rate limit cross
# from one server to the other. Fails, saying so, when PostgreSQL or that Redis does not answer.
# (make test runs the same test on its own database and a redis-server it starts.)
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/15
scale-check: venv system-deps
	DATABASE_URL=$${DATABASE_URL:-$(POSTGRES_URL)} REDIS_URL=$${REDIS_URL:-$(SCALE_REDIS_URL)} \
		$(BIN)/pytest -q -p no:xdist tests/test_scale_out.py

# The database (pg_dump, or SQLite's online backup API) and every stored file (MEDIA_ROOT or
# the bucket) in one .tar named by the time, with the SHA-256 of each part (README, "Backups").
BACKUP_DIR ?= backup-files
backup: venv
	$(BIN)/python manage.py backup -o $(BACKUP_DIR)

# Into an empty installation only; every hash is checked before anything is written.
restore: venv
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backup-files/nvq-portfolio-backup-....tar"; exit 2; }
	$(BIN)/python manage.py restore "$(FILE)"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check $(TEMPLATE_DIRS)

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml $(TEMPLATE_DIRS)

# The suite runs on SQLite, then on PostgreSQL when 127.0.0.1:5432 answers.
test: lint system-deps
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(PYTEST)
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== PostgreSQL at 127.0.0.1:5432 answers: running the suite on it =="; \
		DATABASE_URL=$(POSTGRES_URL) $(PYTEST); \
	else \
		echo "== PostgreSQL at 127.0.0.1:5432 does not answer: suite ran on SQLite only =="; \
	fi

# Browser tests: Playwright drives Debian's Chromium (never a downloaded browser); axe-core and
# the Nu HTML Checker (vnu.jar, run on Java) come from the npm registry at the versions pinned in
# e2e/package.json, without their install scripts (vnu-jar's would fetch a Java of its own).
$(VENV)/.installed-e2e: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev,e2e]"
	touch $@

e2e/node_modules/.installed: e2e/package.json
	npm install --prefix e2e --ignore-scripts --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

e2e-deps: system-deps
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# The journey runs in order in one process: its stages share one live server and database.
test-e2e: e2e-deps $(VENV)/.installed-e2e e2e/node_modules/.installed
	$(BIN)/pytest -q -p no:xdist e2e --liveserver 127.0.0.1

# The app at a real centre's size (1,000 learners x 40 items) on PostgreSQL behind gunicorn,
# measured with wrk on loopback; writes bench/RESULTS.md. Not part of `make test`: it takes
# about 6 minutes on 2 cores, seeding included, and needs PostgreSQL at 127.0.0.1:5432 (its
# own databases, dropped and made again). BENCH_ARGS passes options, e.g. BENCH_ARGS=--reuse
# to keep an earlier run's seeding.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nvq_portfolio_bench
bench-deps: system-deps
	@command -v wrk >/dev/null || { echo "Installing from Debian: wrk"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

bench: venv bench-deps
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) timeout 2400 $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .secret-key db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles e2e/node_modules
