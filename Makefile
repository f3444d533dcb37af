# Two commands on a fresh clone: `make run` serves the app with embedded defaults
# and demo data; `make test` runs the whole suite. Everything else is a helper.

PORT ?= 3000
PYTHON ?= python3
BUN_VERSION ?= 1.4.5
AXE_VERSION ?= 4.14.1

VENV := .venv
PY := $(VENV)/bin/python
BUN := tools/node_modules/.bin/bun
# axe-core, the accessibility engine the browser tests inject into every page.
AXE := tools/node_modules/axe-core/axe.min.js
# Stamps record which requirements file the venv was last synced with, so pip
# runs only when a requirements file changes.
RUNTIME_STAMP := $(VENV)/.requirements.stamp
DEV_STAMP := $(VENV)/.requirements-dev.stamp
# The translation catalogs (docs/i18n.md): each .po is compiled to the .mo the app reads.
PO_FILES := $(wildcard locales/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

# Reflex would download bun from the internet (and Node 20 is too old for its npm
# path), so it uses the bun we install from the npm registry into tools/.
export PATH := $(CURDIR)/tools/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: run worker cluster lint test deps test-deps migrate seed reindex clean messages

run: deps
	scripts/ensure-ffmpeg.sh
	$(PY) -m commerce.cli migrate
	$(PY) -m commerce.cli seed-demo
	$(VENV)/bin/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

# Background job workers, for production with REDIS_URL set (without it jobs run
# inside the web process and no worker is needed). THREADS sets jobs run at once.
THREADS ?= 4
worker: deps
	scripts/ensure-ffmpeg.sh
	$(PY) -m commerce.cli worker --threads $(THREADS)

# The app as a cluster on this machine (scripts/cluster.py): PostgreSQL, a Redis of its own,
# a moto S3 server, two replicas, two workers and nginx in front at http://127.0.0.1:$(CLUSTER_PORT).
# Ctrl-C stops it all. moto comes with the test requirements: S3 here is a stand-in.
CLUSTER_PORT ?= 8800
cluster: test-deps
	$(PY) scripts/cluster.py --port $(CLUSTER_PORT)

# The gate before the tests: ruff (lint and format), the import contracts of
# docs/architecture.md (lint-imports), and mypy over the domain.
lint: test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy commerce

# The tests use real PostgreSQL and Redis servers and Debian's chromium for
# Playwright; a value already set in the environment wins. Two passes: the tests that
# need no browser on TEST_WORKERS processes (pytest-xdist, whole files per process, so a
# module's fixtures stay in one), then the browser tests (marked e2e) on E2E_WORKERS
# processes, each sharing one app server of its own between its tests (tests/e2e/conftest.py).
# One on two cores: with two, the pass took 9 minutes instead of 12, but each run lost a
# test or two to a click made before its page was live (two apps and two browsers at once).
# pytest exits 5 when it collected nothing: fine for one pass of a narrowed run, a broken
# suite for both (said so with a message).
# Narrow a run with e.g. `make test PYTEST_ARGS="tests/unit -x"`.
TEST_WORKERS ?= 2
E2E_WORKERS ?= 1
test: export TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
test: export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
test: export CHROMIUM_PATH ?= /usr/bin/chromium
test: lint
	scripts/ensure-chromium.sh
	scripts/ensure-ffmpeg.sh
	scripts/ensure-services.sh
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not e2e" $(PYTEST_ARGS); without_browser=$$?; \
	$(PY) -m pytest -n $(E2E_WORKERS) --dist loadfile -m e2e $(PYTEST_ARGS); in_browser=$$?; \
	if [ $$without_browser -eq 5 ] && [ $$in_browser -eq 5 ]; then \
		echo "make test: pytest collected no tests" >&2; exit 5; fi; \
	for status in $$without_browser $$in_browser; do \
		if [ $$status -ne 0 ] && [ $$status -ne 5 ]; then exit $$status; fi; done

migrate: deps
	$(PY) -m commerce.cli migrate

seed: deps
	$(PY) -m commerce.cli seed-demo

# Rebuild the search index from the database (embedded index, or MEILI_URL's server).
reindex: deps
	$(PY) -m commerce.cli reindex

deps: $(RUNTIME_STAMP) $(BUN) $(MO_FILES)

test-deps: deps $(DEV_STAMP) $(AXE)

clean:
	rm -rf $(VENV) tools .web .web-cluster data

# Translations (docs/i18n.md). `make messages` extracts every marked string into the
# .pot templates and merges them into each language's .po (sorted, without line numbers,
# so two branches adding strings rarely conflict); translators then fill the .po files.
# The compiled .mo files are build output (.gitignore), made from the .po by `deps`.
PYBABEL := $(VENV)/bin/pybabel
LANGUAGES := de fr es ja ar
EXTRACT := $(PYBABEL) extract --no-default-keywords --sort-output --no-location --no-wrap \
	--ignore-dirs=".* _* tools data node_modules tests bench alembic scripts assets locales docs" \
	--project=marketplace --copyright-holder="" --msgid-bugs-address=""

messages: $(RUNTIME_STAMP)
	$(EXTRACT) -F locales/ui.cfg -o locales/storefront.pot \
	  -k t -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k N_ .
	$(EXTRACT) -F locales/ui.cfg -o locales/backoffice.pot \
	  -k bt -k bo_gettext -k bo_ngettext:1,2 -k bo_N_ .
	$(EXTRACT) -F locales/emails.cfg -o locales/emails.pot \
	  -k _ -k gettext -k ngettext:1,2 -k E_ .
	for domain in storefront backoffice emails; do for lang in $(LANGUAGES); do \
	  if [ -f locales/$$lang/LC_MESSAGES/$$domain.po ]; then \
	    $(PYBABEL) update --no-fuzzy-matching --ignore-obsolete --no-wrap --ignore-pot-creation-date \
	      -D $$domain -l $$lang -i locales/$$domain.pot -d locales; \
	  else $(PYBABEL) init --no-wrap -D $$domain -l $$lang -i locales/$$domain.pot -d locales; fi; \
	done; done

%.mo: %.po | $(RUNTIME_STAMP)
	$(PYBABEL) compile --statistics -l $(word 2,$(subst /, ,$<)) -i $< -o $@

# Debian's python3 needs the python3-venv package for `-m venv`; a failed attempt
# leaves a half-made venv behind, so remove it.
$(PY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "Could not create $(VENV): on Debian run 'sudo apt-get install python3-venv'." >&2; exit 1; }

$(RUNTIME_STAMP): requirements.txt requirements-nodeps.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

# bun's npm package puts the real binary in place from a postinstall script; if npm
# skipped it, the placeholder would only fail later inside Reflex, so check now.
$(BUN):
	npm install --prefix tools --no-audit --no-fund bun@$(BUN_VERSION)
	$(BUN) --version >/dev/null || { rm -rf tools/node_modules; \
	  echo "bun from npm does not run: npm must be allowed to run its install script." >&2; exit 1; }

# The browser tests run axe-core (from the npm registry) on every page; installed beside bun.
$(AXE): | $(BUN)
	npm install --prefix tools --no-audit --no-fund axe-core@$(AXE_VERSION)
