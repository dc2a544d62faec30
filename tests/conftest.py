"""Process-wide test settings: fake AWS credentials, and the functions' environment from template.yaml."""

from __future__ import annotations

import os

import pytest

from local.environment import export_functions_environment

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("DYNAMODB_ENDPOINT_URL", None)
export_functions_environment()


# The slowest test files, slowest first (measured with --durations; docs/performance.md, "Suite speed"). `make test`
# and `make check` hand whole files to the xdist workers in collection order (`--dist loadfile
# --no-loadscope-reorder`), so these start first and the many short files fill in around them instead of one long
# file running alone at the end. A file missing here only runs later; the order changes no result.
SLOWEST_FIRST = (
    "tests/template/test_sam_local.py",
    "tests/api/test_runner_state.py",
    "tests/template/test_built_artifact_arm64.py",
    "tests/api/test_fuzzing.py",
    "tests/api/test_reminders_http.py",
    "tests/api/test_runner_iam.py",
    "tests/api/test_events_http.py",
    "tests/template/test_sam_tools.py",
    "tests/template/test_built_artifact.py",
    "tests/api/test_lost_answers_http.py",
    "tests/api/test_runner_artifact.py",
    "tests/api/test_runner_modes.py",
    "tests/functional/test_capacity.py",
    "tests/api/test_fhir_fuzzing.py",
    "tests/api/test_samples_http.py",
    "tests/functional/test_search.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: number for number, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
