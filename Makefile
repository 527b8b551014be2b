# Two commands do all the set-up on a fresh machine:
#   make run    the hall with demo data on SQLite, at http://127.0.0.1:5000
#   make test   the whole suite, on SQLite and (when a server answers) PostgreSQL
# Both can be run again at any time.

VENV      ?= .venv
PYTHON    ?= python3
BIN       := $(VENV)/bin
FLASK     := $(BIN)/flask --app wsgi
HOST      ?= 127.0.0.1
PORT      ?= 5000
WORKERS   ?= 2

.PHONY: run test lint format i18n translations services browser clean

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
		--no-control-socket --access-logfile - --logger-class hallapp.logs.AccessLogger \
		--access-logformat '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"' wsgi:app

test: $(VENV)/.dev translations node_modules/.installed browser services
	$(BIN)/ruff check hallapp tests bench
	$(BIN)/ruff format --check hallapp tests bench
	$(BIN)/bandit --quiet --recursive hallapp wsgi.py
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check hallapp tests bench
	$(BIN)/bandit --quiet --recursive hallapp wsgi.py

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
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		-o hallapp/translations/messages.pot hallapp
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i hallapp/translations/messages.pot \
		-d hallapp/translations

# Debian's Chromium for the Playwright tests (no browser download from the internet).
browser:
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium.sh

# Start the local PostgreSQL and Redis if they are installed but stopped.
services:
	@scripts/ensure-services.sh

clean:
	rm -rf $(VENV) node_modules hallapp/translations/*/LC_MESSAGES/*.mo
