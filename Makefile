# Rankwise: `make run` starts the app on the embedded defaults; `make test` runs every suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Model weights never come from a hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

# Tests run on PostgreSQL + Redis (see .ci/run); `make run` uses neither.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rankwise
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL)

FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package-lock.json

.PHONY: help run test install install-test frontend chromium lint typecheck test-frontend \
	test-python api-schema api-check clean

help:
	@echo "make run    install, build, migrate, seed the demo and start web + worker + beat"
	@echo "make test   install test needs and run every suite (PostgreSQL + Redis must answer)"

# --- installation (re-run only when what it depends on changed) ---------------
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	@# torch first: with it in place, the `torch>=` requirement pulls no CUDA wheels.
	$(PIP) install "$(TORCH_SPEC)"
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -e '.[test]'
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
frontend: frontend/dist/index.html

chromium:
	@command -v chromium >/dev/null || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# --- make run -------------------------------------------------------------------
run: install frontend
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python -m config.launcher

# --- make test ------------------------------------------------------------------
test: install-test frontend chromium
	$(MAKE) --no-print-directory lint typecheck api-check test-frontend test-python

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# The apps' one-way dependencies and the Django-free packages ([tool.importlinter]).
	$(BIN)/lint-imports
	cd frontend && npm run --silent lint

typecheck:
	$(BIN)/mypy .
	cd frontend && npm run --silent typecheck

test-frontend:
	cd frontend && npm test

test-python:
	$(TEST_ENV) $(BIN)/pytest

# The frontend's API types are generated from the backend's OpenAPI schema, on PostgreSQL
# (integer bounds in the schema follow the database's column types).
api-schema:
	$(TEST_ENV) $(BIN)/python manage.py spectacular --file frontend/openapi.yaml --validate --fail-on-warn
	cd frontend && npm run --silent gen:api

api-check:
	$(TEST_ENV) $(BIN)/python manage.py spectacular --file $(VENV)/openapi.yaml --validate --fail-on-warn
	@diff -u frontend/openapi.yaml $(VENV)/openapi.yaml || { \
		echo "frontend/openapi.yaml is stale: run 'make api-schema' and commit it."; exit 1; }
	cd frontend && npx openapi-typescript openapi.yaml -o ../$(VENV)/schema.d.ts >/dev/null
	@diff -u frontend/src/api/schema.d.ts $(VENV)/schema.d.ts || { \
		echo "frontend/src/api/schema.d.ts is stale: run 'make api-schema' and commit it."; exit 1; }

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist
