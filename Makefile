# Keel's two commands: `make run` starts the platform, `make test` runs the whole suite.
# Both set everything up first: a Python >= 3.12, uv, .venv with the locked dependencies.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
UV_VERSION := 0.13.9
# uv on PATH if there is one, else a private copy installed into .tools/ on first use.
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
ifeq ($(UV_ON_PATH),)
UV := .tools/bin/uv
else
UV := $(UV_ON_PATH)
endif
TEST_DB_URL ?= postgres://postgres@127.0.0.1:5432/keel
TEST_REDIS_URL ?= redis://127.0.0.1:6379
PYTEST_WORKERS ?= 2

.PHONY: help run test bootstrap migrate seed lint format clean browser bench

help:
	@echo "make run    set up and start Keel (web, websockets, worker, beat) on embedded defaults"
	@echo "make test   set up and run the whole suite against PostgreSQL and Redis"
	@echo "make bench  Keel against plain DRF and FastAPI under wrk (PostgreSQL and Redis)"
	@echo "make lint   ruff, import contracts, types;  make format  apply ruff's formatting"

.tools/bin/uv:
	@python=$$(bin/find-python) && "$$python" -m venv .tools && \
	  .tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# The virtualenv is rebuilt whenever the lock or the project file changes.
$(VENV)/.synced: uv.lock pyproject.toml | $(if $(UV_ON_PATH),,.tools/bin/uv)
	@python=$$(bin/find-python) && \
	  UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --python "$$python" --quiet
	@touch $@

bootstrap: $(VENV)/.synced

migrate: bootstrap
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

run: seed
	$(MANAGE) serve

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Chromium for the browser tests (apt-get)..."; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	bin/check-model-writes apps
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: bootstrap
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: bootstrap browser lint
	DATABASE_URL=$(TEST_DB_URL) KEEL_TEST_REDIS_URL=$(TEST_REDIS_URL) \
	  $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --cov --cov-report=term:skip-covered

# Keel against plain Django + DRF and FastAPI under wrk, on PostgreSQL and Redis; about 5
# minutes (BENCH_DURATION and the others in benchmarks/README.md change it).
bench: bootstrap
	@python=$$(bin/find-python) && \
	  UV_PYTHON_DOWNLOADS=never $(UV) sync --locked --python "$$python" --group bench --quiet
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing wrk for the benchmarks (apt-get)..."; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .tools var .pytest_cache .ruff_cache .coverage*
