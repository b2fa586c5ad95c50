# Two commands on a fresh machine: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/nvq_portfolio
TEMPLATE_DIRS := templates $(wildcard */templates)
# One test worker per core; each gets its own test database.
PYTEST := $(BIN)/pytest -q -n auto

.PHONY: run test test-e2e bench lint format venv system-deps e2e-deps bench-deps serve demo-data clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# Debian packages the app and its tests need: Pango for WeasyPrint's PDFs (and HarfBuzz's
# subsetter, which embeds only the glyphs used in C; without it WeasyPrint subsets fonts with
# fontTools in Python, half a second of each coverage report), libmagic1 for
# python-magic, which names uploaded files' types, and poppler-utils for pdftotext, which the
# report tests read PDFs with. Installed only when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p | grep -q 'libpangoft2-1.0.so' || missing="$$missing libpangoft2-1.0-0"; \
	ldconfig -p | grep -q 'libharfbuzz-subset.so' || missing="$$missing libharfbuzz-subset0"; \
	ldconfig -p | grep -q 'libmagic.so.1' || missing="$$missing libmagic1"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		echo "Installing from Debian:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

demo-data: venv system-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddata units
	$(BIN)/python manage.py seed_demo

run: demo-data
	$(BIN)/python manage.py runserver 127.0.0.1:8000

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
# about 20 minutes and needs PostgreSQL at 127.0.0.1:5432 (its own databases, dropped and made
# again). BENCH_ARGS passes options, e.g. BENCH_ARGS=--reuse to keep an earlier run's seeding.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/nvq_portfolio_bench
bench-deps: system-deps
	@command -v wrk >/dev/null || { echo "Installing from Debian: wrk"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

bench: venv bench-deps
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) timeout 2400 $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles e2e/node_modules
