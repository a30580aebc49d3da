# Victims' Hub. `make demo` runs the whole system; `make test` runs the whole suite.
# Both install what they need first, on a fresh clone of a fresh machine.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_VICTIMS ?= 25000
REDIS_URL ?= redis://127.0.0.1:6379/0
export REDIS_URL

.PHONY: demo test lint install system-deps frontend format clean-demo help bench bench-deps

help:
	@echo "make demo   - install, migrate, seed and run the Hub at http://127.0.0.1:$(PORT)/"
	@echo "make test   - install and run the whole test suite (PostgreSQL and Redis)"
	@echo "make lint   - ruff check, ruff format --check, migrations up to date"
	@echo "make bench  - measure the referral API under gunicorn (results in bench/results/)"

# Installs the Debian packages listed in $$missing where we run as root; elsewhere it says
# what is missing and stops.
define APT_INSTALL_MISSING
if [ -n "$$missing" ]; then \
  if [ "$$(id -u)" = 0 ]; then \
    echo "Installing system packages:$$missing"; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
  else \
    echo "Missing system packages:$$missing (install them, or run as root)"; exit 1; \
  fi; \
fi
endef

# System packages: WeasyPrint needs Pango (and HarfBuzz's subsetter for its fonts); the
# front end needs Node.js and npm; tests read PDFs back with pdftotext and restart a
# throwaway redis-server of their own; the browser tests drive Debian's Chromium through
# Playwright (never `playwright install`, which downloads a browser of its own).
system-deps:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	$(APT_INSTALL_MISSING)

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend: node_modules/.installed

install: system-deps $(VENV)/.installed node_modules/.installed

demo: install
	DEBUG=1 HUB_DEMO=1 $(PY) manage.py migrate --noinput
	DEBUG=1 HUB_DEMO=1 $(PY) manage.py seed_demo --victims $(DEMO_VICTIMS) --seed 1 --if-empty
	DEBUG=1 HUB_DEMO=1 $(PY) manage.py refresh_figures
	DEBUG=1 HUB_DEMO=1 $(PY) manage.py run_demo --port $(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint-only $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The load generator for make bench.
bench-deps:
	@missing=""; command -v wrk >/dev/null || missing=" wrk"; \
	$(APT_INSTALL_MISSING)

# The referral API under gunicorn on a throwaway hub_bench database (bench/README.md).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--seconds 30".
bench: install bench-deps
	$(PY) -m bench.run $(BENCH_ARGS)

# Removes the demo's embedded database, broker, mail and media (var/).
clean-demo:
	-DEBUG=1 $(PY) -c "import pathlib,subprocess; p=pathlib.Path('var/pgdata'); p.exists() and subprocess.run(['pkill','-f',str(p.resolve())])"
	rm -rf var
