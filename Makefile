# The few verbs a newcomer needs. Virtualenvs are created on first use from hash-pinned lock files; nothing else
# must be installed. `make run` uses python3 (3.11 or later); `make test` runs on CPython 3.13, the Lambda
# runtime's Python, found through pyenv (or set PYTHON313=/path/to/python3.13).
PYTHON ?= python3
PYTHON313 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
VENV := .venv
TEST_VENV := .venv-313
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
UV_VENV := .venv-uv
PY := $(VENV)/bin/python
TEST_PY := $(TEST_VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
CHECKOV := $(CHECKOV_VENV)/bin/checkov
UV := $(UV_VENV)/bin/uv
PORT ?= 3000
ARM64_ROOT := .arm64/root
QEMU_AARCH64 ?= $(firstword $(shell command -v qemu-aarch64-static qemu-aarch64 2>/dev/null))
DEBIAN_MIRROR ?=
PIP_INSTALL = -m pip install --quiet --require-hashes --no-deps
TOOLS = SAM_CLI=$(abspath $(SAM)) CHECKOV=$(abspath $(CHECKOV)) PYTHON313=$(PYTHON313)
ARM64 = ARM64_ROOT=$(abspath $(ARM64_ROOT)) QEMU_AARCH64=$(QEMU_AARCH64)

.PHONY: run test lint typecheck unit functional api template arm64-check arm64-tools bench build deploy openapi lock clean \
  python313

$(VENV)/.installed: requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) -r requirements-dev.lock
	touch $@

python313:
	@test -n "$(PYTHON313)" && "$(PYTHON313)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' || { \
	  echo "error: CPython 3.13 (the Lambda runtime's Python) is needed for this target and was not found." >&2; \
	  echo "       Install it (pyenv install 3.13) or pass PYTHON313=/path/to/python3.13." >&2; exit 1; }

$(TEST_VENV)/.installed: requirements-dev.lock | python313
	$(PYTHON313) -m venv $(TEST_VENV)
	$(TEST_PY) $(PIP_INSTALL) -r requirements-dev.lock
	touch $@

$(SAM_VENV)/.installed: requirements-sam.lock
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python $(PIP_INSTALL) -r requirements-sam.lock
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python $(PIP_INSTALL) -r requirements-checkov.lock
	touch $@

$(UV_VENV)/.installed: requirements-uv.lock
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python $(PIP_INSTALL) -r requirements-uv.lock
	touch $@

## run: start the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB and two sample doctors
run: $(VENV)/.installed $(SAM_VENV)/.installed
	PORT=$(PORT) $(PY) -m local.runner

## test: lint, type-check, and run every test on CPython 3.13 (unit, functional, API over HTTP, template, checkov,
## sam build, the built artifact with its x86_64 twin layer, and the arm64 artifact under qemu: see arm64-check)
test: $(TEST_VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed $(ARM64_ROOT)/.ready
	$(TEST_PY) -m ruff check .
	$(TEST_PY) -m ruff format --check .
	$(TEST_PY) -m mypy
	$(TOOLS) $(ARM64) $(TEST_PY) -m pytest

lint: $(TEST_VENV)/.installed
	$(TEST_PY) -m ruff check .
	$(TEST_PY) -m ruff format --check .
	$(TEST_PY) -m mypy

unit functional api template: $(TEST_VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(TOOLS) $(TEST_PY) -m pytest tests/$@

## arm64-check: serve every events/ sample through the arm64 build (functions + arm64 layer) on Debian's CPython
## 3.13 for arm64 under qemu-aarch64-static; no Docker, no AWS, no root (needs mmdebstrap and qemu-user-static)
arm64-check: $(TEST_VENV)/.installed $(SAM_VENV)/.installed $(ARM64_ROOT)/.ready
	$(TOOLS) $(ARM64) $(TEST_PY) -m pytest tests/template/test_built_artifact_arm64.py

# An arm64 Debian root with CPython 3.13, made once and kept (gitignored): the packages are only extracted (no
# maintainer scripts, so neither root nor emulation is needed), `lib` points at the arm64 loader, the runtime's
# boto3 goes where Lambda keeps it, and CPython 3.13 compiles both, as the runtime ships its own bytecode.
$(ARM64_ROOT)/.ready: bench/requirements-runtime.lock | python313 arm64-tools $(TEST_VENV)/.installed
	rm -rf $(ARM64_ROOT) && mkdir -p $(dir $(ARM64_ROOT))
	mmdebstrap --quiet --mode=chrootless --variant=extract --arch=arm64 \
	  --include=python3.13-minimal,libpython3.13-stdlib trixie $(ARM64_ROOT) $(DEBIAN_MIRROR)
	ln -s usr/lib $(ARM64_ROOT)/lib
	$(TEST_PY) $(PIP_INSTALL) --no-compile --target $(ARM64_ROOT)/var/lang/lib/python3.13/site-packages \
	  -r bench/requirements-runtime.lock
	$(PYTHON313) -m compileall -q -j 0 $(ARM64_ROOT)/usr/lib/python3.13 $(ARM64_ROOT)/var/lang/lib/python3.13
	touch $@

# The two Debian packages the check needs; root (CI, this project's machines) installs them, others are told how.
arm64-tools:
	@command -v mmdebstrap >/dev/null && test -n "$(QEMU_AARCH64)" && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's mmdebstrap and qemu-user-static for the arm64 check"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    mmdebstrap qemu-user-static >/dev/null; \
	else \
	  echo "error: the arm64 check needs Debian's mmdebstrap and qemu-user-static:" >&2; \
	  echo "       sudo apt-get install mmdebstrap qemu-user-static (or pass QEMU_AARCH64=/path/to/qemu-aarch64)" >&2; \
	  exit 1; \
	fi

## bench: print the benchmark table (the cold start runs the built artifact on CPython 3.13)
bench: $(VENV)/.installed $(SAM_VENV)/.installed | python313
	$(TOOLS) $(PY) -m bench

## openapi: regenerate docs/openapi.json and the event schemas docs/events/*.schema.json from the code (tests
## fail when they are stale)
openapi: $(VENV)/.installed
	$(PY) -m local.openapi
	$(PY) -m local.event_schemas

build: $(SAM_VENV)/.installed
	$(SAM) build

deploy: build
	$(SAM) deploy --guided

## lock: re-resolve every requirements*.txt into its hash-pinned .lock (edit the .txt pins, then run this)
lock: $(UV_VENV)/.installed
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --universal --python-version 3.11 requirements-dev.txt -o requirements-dev.lock
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --universal --python-version 3.11 requirements-sam.txt -o requirements-sam.lock
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --universal --python-version 3.11 requirements-checkov.txt -o requirements-checkov.lock
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --universal --python-version 3.11 requirements-uv.txt -o requirements-uv.lock
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --python-version 3.13 bench/requirements-runtime.txt -o bench/requirements-runtime.lock
	# The layers: resolved for the Lambda runtime, without what the runtime already provides.
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --python-platform aarch64-manylinux2014 --python-version 3.13 $(RUNTIME_PROVIDED) \
	  layers/scheduling/requirements.txt -o layers/scheduling/requirements.lock
	# The FHIR function's own packages, without what the runtime or the layer already provides.
	$(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" \
	  --python-platform aarch64-manylinux2014 --python-version 3.13 $(RUNTIME_PROVIDED) $(LAYER_PROVIDED) \
	  functions/fhir/requirements.txt -o functions/fhir/requirements.lock

# What the python3.13 Lambda runtime already ships (boto3 and its dependencies): never packed into a layer.
RUNTIME_PROVIDED = $(addprefix --no-emit-package ,boto3 botocore jmespath s3transfer urllib3 python-dateutil six)

# What the scheduling layer already ships (pydantic and its dependencies): never packed again into a function.
LAYER_PROVIDED = $(addprefix --no-emit-package ,pydantic pydantic-core typing-extensions annotated-types typing-inspection)

clean:
	rm -rf $(VENV) $(TEST_VENV) $(SAM_VENV) $(CHECKOV_VENV) $(UV_VENV) .aws-sam .pytest_cache .mypy_cache \
	  .ruff_cache .hypothesis .arm64
