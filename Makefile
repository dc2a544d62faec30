# The few verbs a newcomer needs. Virtualenvs are created on first use; nothing else must be installed.
PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
PORT ?= 3000

.PHONY: run test lint typecheck unit functional api template bench build deploy openapi clean

$(VENV)/.installed: requirements-dev.txt layers/scheduling/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

## run: start the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB and two sample doctors
run: $(VENV)/.installed
	PORT=$(PORT) $(PY) -m local.runner

## test: lint, type-check, and run every test (unit, functional, API over HTTP, template and sam build)
test: $(VENV)/.installed $(SAM_VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	SAM_CLI=$(SAM) $(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

unit functional api template: $(VENV)/.installed $(SAM_VENV)/.installed
	SAM_CLI=$(SAM) $(PY) -m pytest tests/$@

bench: $(VENV)/.installed
	$(PY) -m bench

## openapi: regenerate docs/openapi.json from the code (a test fails when it is stale)
openapi: $(VENV)/.installed
	$(PY) -m local.openapi

build: $(SAM_VENV)/.installed
	$(SAM) build

deploy: build
	$(SAM) deploy --guided

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
