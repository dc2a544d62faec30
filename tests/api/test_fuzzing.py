"""Schemathesis generates requests from docs/openapi.json and sends them to the local runner.

Bounded and reproducible: a fixed seed, derandomised generation, 40 examples per operation and mode (12
operations, valid and invalid data), and a final test that checks at least 300 requests were really sent.
Every answer must be non-5xx and match the documented status codes, content types and schemas, and every
schema-violating request must be refused with a 4xx.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from local.openapi import OPENAPI_PATH
from tests.api.conftest import Api

EXAMPLES_PER_OPERATION = 40
MINIMUM_REQUESTS = 300
SENT: Counter[str] = Counter()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="session")
def existing_doctor(local_api: Api) -> str:
    """A real doctor, so that half the generated requests reach past the 404."""
    answer = local_api.post(
        "/doctors",
        json={
            "name": "Fuzz Target",
            "locations": ["1 Fuzz Way"],
            "timezone": "Asia/Kathmandu",
            "slot_minutes": 15,
            "schedule": {day: [{"start": "08:00", "end": "18:00"}] for day in ("monday", "tuesday", "wednesday")},
        },
    )
    assert answer.status_code == 201
    return str(answer.json()["id"])


# SigV4 is checked by API Gateway, before any function runs; the local runner does not, so the fuzzer is not
# told about it (it would expect unsigned requests to be refused).
DOCUMENT = {name: part for name, part in json.loads(OPENAPI_PATH.read_text()).items() if name != "security"}
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [cast(Any, result).ok() for result in SCHEMA.get_all_operations()]  # .ok() raises on a bad schema


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_server_errors_and_every_answer_matches_the_document(
    operation: Any, mode: GenerationMode, local_api: Api, existing_doctor: str
) -> None:
    @seed(20261127)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        path = case.path_parameters or {}
        if "doctor_id" in path and len(str(path["doctor_id"])) % 2 == 0:
            path["doctor_id"] = existing_doctor
        SENT[f"{mode} {operation.label}"] += 1
        case.call_and_validate(base_url=local_api.base_url, checks=CHECKS)

    try:
        fuzz()
    except Unsatisfiable:
        # Only free-form path ids: every request is schema-valid, so there is no invalid one to send.
        assert mode == GenerationMode.NEGATIVE
        pytest.skip("this operation has no schema-violating requests")


def test_the_fuzzer_sent_enough_requests() -> None:
    assert sum(SENT.values()) >= MINIMUM_REQUESTS, SENT
    assert {label for label in SENT if label.startswith("positive")} == {f"positive {op.label}" for op in OPERATIONS}
