"""Schemathesis generates requests from docs/openapi.json and sends them to the local runner.

Bounded and reproducible: a fixed seed and derandomised generation.

- Every operation, valid and invalid data (40 examples per operation and mode): every answer is non-5xx (a
  deliberate 503 + Retry-After, load shed, is sent again as a client would, `call_past_deliberate_503s`) and
  matches the documented status codes, content types and schemas; every schema-violating request is refused
  with a 4xx. Each test checks it really sent its requests, so any one of them can run alone.
- Hostile input the schema cannot express (`HOSTILE`): generated valid requests spoiled in one place with
  JSON nested past 32 levels, a body wrapped in an array, times outside the supported range, epoch numbers
  for times, string or float integers, and host-specific time zone names. Each must get exactly its 400 or
  422, naming the field.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from local.paths import OPENAPI_PATH
from tests.api.conftest import Api, new_doctor

EXAMPLES_PER_OPERATION = 40
# Hypothesis may stop early once it has seen every distinct input of a small space; none of ours is that small.
MINIMUM_PER_OPERATION = 20
HOSTILE_EXAMPLES = 20
SEED = 20261127
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def existing_doctor(local_api: Api) -> str:
    """A real doctor of this test's own (generated DELETEs remove it), so that requests reach past the 404."""
    return new_doctor(
        local_api,
        name="Fuzz Target",
        locations=["1 Fuzz Way"],
        timezone="Asia/Kathmandu",
        slot_minutes=15,
        schedule={day: [{"start": "08:00", "end": "18:00"}] for day in ("monday", "tuesday", "wednesday")},
    )


# SigV4 is checked by API Gateway, before any function runs; the local runner does not, so the fuzzer is not
# told about it (it would expect unsigned requests to be refused).
DOCUMENT = {name: part for name, part in json.loads(OPENAPI_PATH.read_text()).items() if name != "security"}
# A precondition is evaluated before the request content (RFC 9110, 13.2.1): a merge patch the document refuses,
# sent with an If-Match naming another version, is refused with 412 before the body is looked at.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
OPERATIONS = [cast(Any, result).ok() for result in SCHEMA.get_all_operations()]  # .ok() raises on a bad schema
BY_LABEL = {operation.label: operation for operation in OPERATIONS}


# The product's one permitted 5xx is a deliberate 503 problem with Retry-After: the store or the runner shedding
# load (the embedded DynamoDB does on a busy machine). The fuzzer then does what a client does: checks it is
# exactly that (problem+json, status 503, a Retry-After of whole seconds), waits, and sends the same request
# again, at most SHED_RETRIES times. The answer it ends with goes through every check, so any other 5xx fails at
# once and a 503 that persists fails too.
SHED_RETRIES = 3


def assert_deliberate_503(response: Any) -> int:
    """The Retry-After seconds of a deliberate 503 (fails on any other 5xx shape)."""
    body = response.content.decode(errors="replace")
    assert response.headers.get("content-type") == ["application/problem+json"], body
    assert json.loads(response.content)["status"] == 503, body
    [retry_after] = response.headers.get("retry-after") or [""]
    assert retry_after.isdigit(), body
    return int(retry_after)


def call_past_deliberate_503s(case: Any, base_url: str, **extra: Any) -> Any:
    """Send `case`, again after each deliberate 503 (waiting its Retry-After); the last answer."""
    for _ in range(SHED_RETRIES):
        response = case.call(base_url=base_url, **extra)
        if response.status_code != 503:
            return response
        time.sleep(assert_deliberate_503(response))
    return case.call(base_url=base_url, **extra)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_server_errors_and_every_answer_matches_the_document(
    operation: Any, mode: GenerationMode, local_api: Api, existing_doctor: str
) -> None:
    sent = 0

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        nonlocal sent
        path = case.path_parameters or {}
        if "doctor_id" in path and len(str(path["doctor_id"])) % 2 == 0:
            path["doctor_id"] = existing_doctor
        sent += 1
        response = call_past_deliberate_503s(case, local_api.base_url)
        case.validate_response(response, checks=CHECKS, transport_kwargs={"base_url": local_api.base_url})

    try:
        fuzz()
    except Unsatisfiable:
        # Only free-form path ids: every request is schema-valid, so there is no invalid one to send.
        assert mode == GenerationMode.NEGATIVE
        pytest.skip("this operation has no schema-violating requests")
    assert sent >= MINIMUM_PER_OPERATION


# Hostile input. Values come from Hypothesis strategies, so each run covers a spread of them, not a fixed list.


def _rfc3339(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
# Instants before 1970 or from 9000 on, written with any offset: near year 1 and 9999 included.
_OUT_OF_RANGE_TIMES = st.one_of(
    st.datetimes(datetime(1, 1, 2), datetime(1969, 12, 30), timezones=_OFFSETS),
    st.datetimes(datetime(9000, 1, 2), datetime(9999, 12, 30), timezones=_OFFSETS),
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
            datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(9000, 1, 1, tzinfo=UTC),
            datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        ]
    ),
).map(lambda instant: _rfc3339(instant.replace(microsecond=0)))
_OUT_OF_RANGE_DATES = st.one_of(
    st.dates(datetime(1, 1, 1).date(), datetime(1969, 12, 31).date()),
    st.dates(datetime(9000, 1, 1).date(), datetime(9999, 12, 31).date()),
).map(lambda day: day.isoformat())
_EPOCHS = st.integers(0, 2**35)
_EPOCH_TIMES: st.SearchStrategy[Any] = st.one_of(
    _EPOCHS, _EPOCHS.map(float), _EPOCHS.map(str), _EPOCHS.map(lambda seconds: f"{seconds}.0"), st.booleans()
)
_NOT_JSON_INTEGERS: st.SearchStrategy[Any] = st.one_of(
    st.integers(5, 240).map(str), st.integers(5, 240).map(float), st.booleans()
)
_HOST_ZONE_NAMES = st.one_of(
    st.sampled_from(["localtime", "Factory", "posixrules", "/etc/localtime", "Europe/London/", "UTC\n"]),
    st.tuples(
        st.sampled_from(["posix/", "right/", "/usr/share/zoneinfo/"]), st.sampled_from(["UTC", "Europe/Paris"])
    ).map("".join),
)


def _deep_json(depth: int, kind: str) -> str:
    if kind == "arrays":
        return "[" * depth + "]" * depth
    if kind == "objects":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"name": ' + "[" * depth + "]" * depth + "}"  # inside a field


_DEEP_BODIES = st.builds(_deep_json, st.integers(33, 5000), st.sampled_from(["arrays", "objects", "field"]))


@dataclass(frozen=True)
class Spoiler:
    """One way to spoil a generated request, the answer it must get, and the field the problem must name."""

    name: str
    values: st.SearchStrategy[Any]
    spoil: Callable[[Any, Any], dict[str, Any]]  # (case, value) -> extra arguments for the call
    status: int
    field: str | None = None


def _body_field(field: str) -> Callable[[Any, Any], dict[str, Any]]:
    def spoil(case: Any, value: Any) -> dict[str, Any]:
        case.body = {**(case.body if isinstance(case.body, dict) else {}), field: value}
        return {}

    return spoil


def _override_date(case: Any, value: Any) -> dict[str, Any]:
    case.body = {**(case.body if isinstance(case.body, dict) else {}), "overrides": {value: []}}
    return {}


def _query(name: str) -> Callable[[Any, Any], dict[str, Any]]:
    def spoil(case: Any, value: Any) -> dict[str, Any]:
        case.query = {key: text for key, text in (case.query or {}).items() if key not in {"from", "to"}} | {
            name: value
        }
        return {}

    return spoil


def _raw_body(case: Any, text: Any) -> dict[str, Any]:
    return {"data": text.encode(), "headers": {"Content-Type": "application/json"}}


def _in_an_array(case: Any, _: Any) -> dict[str, Any]:
    body = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
    return _raw_body(case, json.dumps([body]))


DEEP = Spoiler("deep JSON", _DEEP_BODIES, _raw_body, 400)
ARRAY = Spoiler("body in an array", st.none(), _in_an_array, 422, "body")
DOCTOR_BODY = [
    DEEP,
    ARRAY,
    Spoiler("string or float slot_minutes", _NOT_JSON_INTEGERS, _body_field("slot_minutes"), 422, "slot_minutes"),
    Spoiler("host zone name", _HOST_ZONE_NAMES, _body_field("timezone"), 422, "timezone"),
    Spoiler("override date out of range", _OUT_OF_RANGE_DATES, _override_date, 422, "overrides"),
]
TIME_QUERY = [
    Spoiler(f"{name} {kind}", values, _query(name), 422, name)
    for name in ("from", "to")
    for kind, values in [
        ("out of range", _OUT_OF_RANGE_TIMES),
        ("date out of range", _OUT_OF_RANGE_DATES),
        ("epoch", _EPOCHS.map(str)),
    ]
]
START_BODY = [
    DEEP,
    ARRAY,
    Spoiler("start out of range", _OUT_OF_RANGE_TIMES, _body_field("start"), 422, "start"),
    Spoiler("start as epoch", _EPOCH_TIMES, _body_field("start"), 422, "start"),
]
HOSTILE = {
    "POST /doctors": DOCTOR_BODY,
    "PUT /doctors/{doctor_id}": DOCTOR_BODY,
    "PATCH /doctors/{doctor_id}": DOCTOR_BODY,
    "GET /doctors/{doctor_id}/slots": TIME_QUERY,
    "GET /doctors/{doctor_id}/appointments": TIME_QUERY,
    "POST /doctors/{doctor_id}/appointments": START_BODY,
    "POST /doctors/{doctor_id}/appointments/{appointment_id}/cancel": [DEEP, ARRAY],
    "POST /doctors/{doctor_id}/appointments/{appointment_id}/reschedule": START_BODY,
}
HOSTILE_CASES = [(label, spoiler) for label, spoilers in HOSTILE.items() for spoiler in spoilers]


@pytest.mark.parametrize(
    ("label", "spoiler"), HOSTILE_CASES, ids=[f"{label} {spoiler.name}" for label, spoiler in HOSTILE_CASES]
)
def test_hostile_input_is_refused_with_its_own_4xx(
    label: str, spoiler: Spoiler, local_api: Api, existing_doctor: str
) -> None:
    operation = BY_LABEL[label]
    answers: list[tuple[int, list[str]]] = []

    @seed(SEED)
    @settings(max_examples=HOSTILE_EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE), value=spoiler.values)
    def fuzz(case: Any, value: Any) -> None:
        if "doctor_id" in (case.path_parameters or {}):
            case.path_parameters["doctor_id"] = existing_doctor  # past the 404, to the check under test
        if case.headers:  # a generated If-Match would be answered 412 before the body is looked at
            case.headers = {name: text for name, text in case.headers.items() if name.lower() != "if-match"}
        extra = spoiler.spoil(case, value)
        response = call_past_deliberate_503s(case, local_api.base_url, **extra)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance])
        problem = response.json()
        paths = [error["path"] for error in problem.get("errors") or []]
        assert (response.status_code, response.headers["content-type"]) == (
            spoiler.status,
            ["application/problem+json"],
        )
        assert spoiler.field is None or any(path.split(".")[0] == spoiler.field for path in paths), problem
        assert spoiler.status != 400 or problem["type"] == "/problems/json-too-deep"
        answers.append((response.status_code, paths))

    fuzz()
    assert len(answers) >= HOSTILE_EXAMPLES // 2
