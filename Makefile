# The few verbs a newcomer needs. Everything installs itself on first use from one lock (uv.lock, with hashes):
# `make run` needs only python3 (3.11 or later) and make; `make check` and `make test` run on CPython 3.13, the
# Lambda runtime's Python, found through pyenv (or set PYTHON313=/path/to/python3.13). uv is bootstrapped from
# PyPI into .tools/ (hash-pinned in tools/uv.txt); the SAM CLI and checkov are uv tools at pinned versions.
PYTHON ?= python3
include tools/python313.mk
VENV := .venv
TEST_VENV := .venv-313
PY := $(VENV)/bin/python
TEST_PY := $(TEST_VENV)/bin/python
TOOLS_DIR := .tools
UV := $(TOOLS_DIR)/uv/bin/uv
SAM_VERSION := 1.170.0
CHECKOV_VERSION := 3.3.30
# The SAM CLI and checkov pin their own boto3 and cannot share the project's lock: each is a uv tool at a pinned
# version, resolved as of this date so that a fresh machine gets the same packages as this one.
TOOLS_AS_OF := 2026-12-01T00:00:00Z
SAM := $(TOOLS_DIR)/aws-sam-cli/bin/sam
CHECKOV := $(TOOLS_DIR)/checkov/bin/checkov
PORT ?= 3000
ARM64_ROOT := .arm64/root
QEMU_AARCH64 ?= $(firstword $(shell command -v qemu-aarch64-static qemu-aarch64 2>/dev/null))
DEBIAN_MIRROR ?=
# pytest workers for the parallel tiers; tests that must run alone are marked `serial` and run after. Whole files go
# to a worker (a module's fixtures, e.g. a runner or a `sam local` stack, start once), slowest first
# (tests/conftest.py's SLOWEST_FIRST), so no long file runs alone at the end. Three workers on two cores: many
# files wait on runners, containers and qemu, so a third keeps the cores busy (6 min 33 s instead of 7 min 44 s).
JOBS ?= 3
XDIST = -n $(JOBS) --dist loadfile --no-loadscope-reorder
TOOLS = SAM_CLI=$(abspath $(SAM)) CHECKOV=$(abspath $(CHECKOV)) PYTHON313=$(PYTHON313) UV=$(abspath $(UV))
ARM64 = ARM64_ROOT=$(abspath $(ARM64_ROOT)) QEMU_AARCH64=$(QEMU_AARCH64)
UV_ENV = UV_PYTHON_DOWNLOADS=never UV_TOOL_DIR=$(abspath $(TOOLS_DIR)) UV_TOOL_BIN_DIR=$(abspath $(TOOLS_DIR))/bin
SYNC = $(UV_ENV) $(UV) sync --frozen --quiet

.PHONY: run check test lint unit functional api template arm64-check arm64-tools bench build deploy openapi lock \
  clean python313 tools sam-api sam-invoke sam-tools

$(UV): tools/uv.txt
	@command -v uv >/dev/null && [ "$$(uv --version | cut -d' ' -f2)" = 0.13.9 ] && mkdir -p $(dir $@) && \
	  ln -sf "$$(command -v uv)" $@ && exit 0; \
	$(PYTHON) -m venv $(TOOLS_DIR)/uv && \
	$(TOOLS_DIR)/uv/bin/python -m pip install --quiet --require-hashes --no-deps -r tools/uv.txt
	touch $@

$(VENV)/.installed: uv.lock $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(SYNC) --python $(PYTHON) --no-default-groups --group local
	touch $@

python313:
	$(check_python313)

$(TEST_VENV)/.installed: uv.lock $(UV) | python313
	UV_PROJECT_ENVIRONMENT=$(TEST_VENV) $(SYNC) --python $(PYTHON313)
	touch $@

$(SAM): $(UV)
	$(UV_ENV) $(UV) tool install --quiet --force --python $(PYTHON) --exclude-newer $(TOOLS_AS_OF) aws-sam-cli==$(SAM_VERSION)

$(CHECKOV): $(UV)
	$(UV_ENV) $(UV) tool install --quiet --force --python $(PYTHON) --exclude-newer $(TOOLS_AS_OF) checkov==$(CHECKOV_VERSION)

tools: $(SAM) $(CHECKOV)

## run: start the API on http://127.0.0.1:$(PORT) with an embedded DynamoDB and two sample doctors; the data is
## kept in $(STATE) across restarts (FRESH=1 starts empty; SEED=hospital adds 500 doctors and a month of bookings)
STATE ?= .local-state
run: $(VENV)/.installed $(SAM)
	SAM_CLI=$(abspath $(SAM)) PORT=$(PORT) $(PY) -m local.runner --state $(STATE) \
		$(if $(filter 1 yes true,$(FRESH)),--fresh) $(if $(SEED),--seed $(SEED))

## check: the fast loop (ruff, mypy, unit and functional tests in parallel); builds neither the SAM CLI nor checkov
check: lint $(TEST_VENV)/.installed
	$(TEST_PY) -m pytest $(XDIST) -q tests/unit tests/functional

## test: the whole suite on CPython 3.13: lint, type-check, unit, functional, API over HTTP, template checks,
## checkov, sam build, the built artifact with its x86_64 twin layer, the arm64 artifact under qemu, and every
## sample through the real SAM CLI (sam local, on Docker or podman)
## (The Debian packages first, one apt-get at a time; then lint and type checks run while the SAM CLI, checkov and
## the arm64 root install.)
test:
	$(MAKE) --no-print-directory -j 1 sam-tools arm64-tools
	$(MAKE) --no-print-directory -j 4 lint tools $(ARM64_ROOT)/.ready
	$(TOOLS) $(ARM64) $(TEST_PY) -m pytest $(XDIST) -m 'not serial'
	$(TOOLS) $(ARM64) $(TEST_PY) -m pytest -m serial

lint: $(TEST_VENV)/.installed
	$(TEST_PY) -m ruff check .
	$(TEST_PY) -m ruff format --check .
	$(TEST_PY) -m mypy

unit functional api template: $(TEST_VENV)/.installed tools
	$(TOOLS) $(TEST_PY) -m pytest $(XDIST) tests/$@

## arm64-check: serve every events/ sample through the arm64 build (functions + arm64 layer) on Debian's CPython
## 3.13 for arm64 under qemu-aarch64-static; no Docker, no AWS, no root (needs mmdebstrap and qemu-user-static)
arm64-check: $(TEST_VENV)/.installed tools $(ARM64_ROOT)/.ready
	$(TOOLS) $(ARM64) $(TEST_PY) -m pytest tests/template/test_built_artifact_arm64.py

# An arm64 Debian root with CPython 3.13, made once and kept (gitignored): the packages are only extracted (no
# maintainer scripts, so neither root nor emulation is needed), `lib` points at the arm64 loader, the runtime's
# boto3 goes where Lambda keeps it, and CPython 3.13 compiles both, as the runtime ships its own bytecode.
$(ARM64_ROOT)/.ready: bench/runtime-sdk.txt | python313 arm64-tools
	rm -rf $(ARM64_ROOT) && mkdir -p $(dir $(ARM64_ROOT))
	mmdebstrap --quiet --mode=chrootless --variant=extract --arch=arm64 \
	  --include=python3.13-minimal,libpython3.13-stdlib trixie $(ARM64_ROOT) $(DEBIAN_MIRROR)
	ln -s usr/lib $(ARM64_ROOT)/lib
	$(PYTHON) -m pip install --quiet --require-hashes --no-deps --no-compile \
	  --target $(ARM64_ROOT)/var/lang/lib/python3.13/site-packages -r bench/runtime-sdk.txt
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

## sam-api: the real SAM CLI's `sam local start-api` on http://127.0.0.1:$(PORT), each function in a container
## (Docker, else podman), against an embedded DynamoDB on DYNAMODB_PORT (8000) with the sample doctors
sam-api: $(TEST_VENV)/.installed tools | python313 sam-tools
	$(TOOLS) $(TEST_PY) -m local.sam_local --python313 $(PYTHON313) api --port $(PORT)

## sam-invoke: `sam local invoke` of the function an events/ sample targets, e.g. make sam-invoke EVENT=events/doctors_get.json
sam-invoke: $(TEST_VENV)/.installed tools | python313 sam-tools
	@test -n "$(EVENT)" || { echo "usage: make sam-invoke EVENT=events/doctors_get.json" >&2; exit 1; }
	$(TOOLS) $(TEST_PY) -m local.sam_local --python313 $(PYTHON313) invoke $(EVENT)

# What `sam local` needs where Docker's engine is missing: podman (with runc) and, for the stand-in base image
# when AWS's cannot be pulled, mmdebstrap. Root (CI, this project's machines) installs them; others are told how.
sam-tools:
	@{ docker info >/dev/null 2>&1 || { command -v podman && command -v runc; } >/dev/null; } && command -v mmdebstrap >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's podman, runc and mmdebstrap for sam local"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    podman runc mmdebstrap >/dev/null; \
	else \
	  echo "error: sam local needs Docker's engine, or Debian's podman and runc (and mmdebstrap for the base image):" >&2; \
	  echo "       sudo apt-get install podman runc mmdebstrap" >&2; \
	  exit 1; \
	fi

## bench: print the benchmark table (the cold start runs the built artifact on CPython 3.13)
bench: $(TEST_VENV)/.installed tools
	$(TOOLS) $(TEST_PY) -m bench

## openapi: regenerate docs/openapi.json and the event schemas docs/events/*.schema.json from the code (tests
## fail when they are stale)
openapi: $(VENV)/.installed
	$(PY) -m tools.openapi
	$(PY) -m tools.event_schemas

build: tools
	$(SAM) build

deploy: build
	$(SAM) deploy --guided

## lock: re-resolve uv.lock after editing pyproject.toml's pins, and export what the Lambda packages install from it
lock: $(UV)
	$(UV_ENV) $(UV) lock
	$(UV_ENV) $(UV) export $(LAYER_EXPORT) -o layers/scheduling/requirements.txt
	$(UV_ENV) $(UV) export $(FHIR_EXPORT) -o functions/fhir/requirements.txt
	$(UV_ENV) $(UV) export $(RUNTIME_EXPORT) -o bench/runtime-sdk.txt
	$(UV_ENV) $(UV) export $(EXPORT) --only-group sam-image -o local/sam_image/runtime-client.txt

# What the python3.13 Lambda runtime already ships (boto3 and its dependencies): never packed into a layer.
RUNTIME_PROVIDED = $(addprefix --no-emit-package ,boto3 botocore jmespath s3transfer urllib3 python-dateutil six)
# What the scheduling layer already ships (pydantic and its dependencies): never packed again into a function.
LAYER_PROVIDED = $(addprefix --no-emit-package ,pydantic pydantic-core typing-extensions annotated-types typing-inspection)
EXPORT = --frozen --quiet --no-emit-project
LAYER_EXPORT = $(EXPORT) --no-default-groups $(RUNTIME_PROVIDED)
FHIR_EXPORT = $(EXPORT) --only-group fhir $(LAYER_PROVIDED)
RUNTIME_EXPORT = $(EXPORT) --only-group runtime

clean:
	rm -rf $(VENV) $(TEST_VENV) $(TOOLS_DIR) .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis .arm64 \
	  .sam-image
