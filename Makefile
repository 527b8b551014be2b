# Two commands do all the set-up on a fresh machine:
#   make run    the hall with demo data on SQLite, at http://127.0.0.1:5000
#   make test   the whole suite, on SQLite and (when a server answers) PostgreSQL
#   make bench  speed under load, as ratios to a bare Flask app (bench/README.md)
# Both can be run again at any time.

VENV      ?= .venv
PYTHON    ?= python3
BIN       := $(VENV)/bin
FLASK     := $(BIN)/flask --app wsgi
HOST      ?= 127.0.0.1
PORT      ?= 5000
WORKERS   ?= 2
# pytest-xdist processes for `make test`; each has its own databases and live-server ports.
TEST_WORKERS ?= auto
# Instants (UTC) at which `make test-any-hour` runs the quick tests under libfaketime: night,
# noon and evening in Beijing, on a Saturday and on a Tuesday. CI runs two (.ci/run).
ANY_HOUR  ?= 2026-12-05T03:00:00 2026-12-08T21:30:00 2026-12-05T12:00:00 \
             2026-12-05T21:30:00 2026-12-08T03:00:00 2026-12-08T12:00:00
QUICK_TESTS ?= tests/services tests/views -m "not slow and not browser"

.PHONY: run test test-any-hour bench lint typecheck format i18n translations services test-tools several-hosts \
	clean

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
		--no-control-socket --access-logfile - --logger-class hallapp.logs.AccessLogger \
		--access-logformat '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"' wsgi:app

test: $(VENV)/.dev translations node_modules/.installed test-tools services
	$(BIN)/ruff check hallapp tests bench
	$(BIN)/ruff format --check hallapp tests bench
	$(BIN)/bandit --quiet --recursive hallapp wsgi.py
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The quick tests with the whole machine's clock set elsewhere (libfaketime): nothing in
# the suite may read the real clock. `make test-any-hour ANY_HOUR=2026-12-05T21:30:00`.
# Only the wall clock moves: with a faked monotonic clock every timed wait in Python hangs.
# The gunicorn tests (marked slow) stay out: faketime upsets gunicorn's own timers.
test-any-hour: $(VENV)/.dev translations test-tools services
	@for instant in $(ANY_HOUR); do \
		echo "== quick tests with the machine's clock at $$instant UTC"; \
		TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$$(echo $$instant | tr T ' ')" \
			$(BIN)/pytest -n $(TEST_WORKERS) $(QUICK_TESTS) || exit 1; \
	done

# Not a test: prints req/s, p50, p99 and ratios; exits 1 only on errors or lost tickets.
bench: $(VENV)/.dev translations services
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check hallapp tests bench
	$(BIN)/bandit --quiet --recursive hallapp wsgi.py

# The services and models, type-checked (pyproject.toml's [tool.mypy]).
typecheck: $(VENV)/.dev
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format hallapp tests bench
	$(BIN)/ruff check --fix hallapp tests bench

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The axe-core accessibility checker the browser tests load; pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Compiled catalogs are build output; the .po files are the source.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -d hallapp/translations

# Extract new strings and merge them into the catalogs for translating.
i18n: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 --no-location --sort-output \
		-o hallapp/translations/messages.pot hallapp
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i hallapp/translations/messages.pot \
		-d hallapp/translations

# Debian's Chromium for the Playwright tests (no browser download from the internet),
# libfaketime for `make test-any-hour`, and nginx for the deploy kit's test and the
# several-hosts scenario (run with its own configuration, never as the system service).
test-tools:
	@scripts/install-debian.sh chromium faketime nginx

# nginx in front of two gunicorn masters sharing PostgreSQL and Redis (docs/deploy.md).
several-hosts: $(VENV)/.dev test-tools services
	$(BIN)/python -m bench.several_hosts

# Start the local PostgreSQL and Redis if they are installed but stopped.
services:
	@scripts/ensure-services.sh

clean:
	rm -rf $(VENV) node_modules hallapp/translations/*/LC_MESSAGES/*.mo
