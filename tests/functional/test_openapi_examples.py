"""Every request body example in docs/openapi.json succeeds, in-process, with the clock where the examples are
written for (`EXAMPLES_AS_OF`): a doctor made from `DoctorIn`'s examples first, then what an example needs (a
booking to reschedule, a hold to convert), ids being the ones the API issued. Each example runs on its own
tables, so examples that name the same slot do not collide."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from local.paths import OPENAPI_PATH, ROOT
from local.template import api_routes, load_template
from scheduling.models.time import EXAMPLES_AS_OF
from tests.functional.conftest import invoke
from tests.support.clock import Clock
from tests.support.lambda_events import Answer, sample_event

DOCUMENT: dict[str, Any] = json.loads(OPENAPI_PATH.read_text())
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
ROUTES = {(route.method, route.path): route for route in api_routes(load_template())}


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema a body refers to (`$ref`, or the `$ref` of an optional body's `anyOf`)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "$ref" in option:
            resolved: dict[str, Any] = SCHEMAS[option["$ref"].rsplit("/", 1)[-1]]
            return resolved
    return schema


def examples_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema's own examples, or one body made of its properties' first examples."""
    if "examples" in schema:
        return list(schema["examples"])
    return [{name: part["examples"][0] for name, part in schema["properties"].items() if "examples" in part}]


def body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return _schema(operation["requestBody"]["content"]["application/json"]["schema"])


def success(operation: dict[str, Any]) -> int:
    return min(int(status) for status in operation["responses"] if status.startswith("2"))


CASES = [
    pytest.param(method.upper(), path, index, example, id=f"{method.upper()} {path} #{index}")
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if "requestBody" in operation
    for index, example in enumerate(
        examples_of(_schema(operation["requestBody"]["content"]["application/json"]["schema"]))
    )
]


pytestmark = pytest.mark.clock(EXAMPLES_AS_OF)


def call(method: str, path: str, ids: dict[str, str], body: Any) -> Answer:
    route = ROUTES[(method, path)]
    module = importlib.import_module(".".join(route.module_file.relative_to(ROOT).with_suffix("").parts))
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(module, route.handler)
    event = copy.deepcopy(sample_event("doctors_create"))
    parameters = {name: ids[name] for name in route.pattern.groupindex}
    event.update(
        resource=path,
        path=_fill(path, parameters),
        httpMethod=method,
        pathParameters=parameters or None,
        body=json.dumps(body),
    )
    event["requestContext"].update(resourcePath=path, httpMethod=method, path=event["path"])
    return invoke(handler, event)


def _fill(path: str, parameters: dict[str, str]) -> str:
    for name, value in parameters.items():
        path = path.replace("{" + name + "}", value)
    return path


def example(name: str, index: int = 0) -> dict[str, Any]:
    return examples_of(SCHEMAS[name])[index]


@pytest.fixture
def ids(aws: None, clock: Clock) -> dict[str, str]:
    created = call("POST", "/doctors", {}, example("DoctorIn"))
    assert created.status == 201, created
    return {"doctor_id": created.json()["id"]}


PREREQUISITES: dict[str, Callable[[dict[str, str]], None]] = {}


def needs(*paths: str) -> Callable[[Callable[[dict[str, str]], None]], Callable[[dict[str, str]], None]]:
    def register(prepare: Callable[[dict[str, str]], None]) -> Callable[[dict[str, str]], None]:
        PREREQUISITES.update(dict.fromkeys(paths, prepare))
        return prepare

    return register


@needs(
    "/doctors/{doctor_id}/appointments/{appointment_id}/cancel",
    "/doctors/{doctor_id}/appointments/{appointment_id}/reschedule",
)
def a_booking(ids: dict[str, str]) -> None:
    booked = call("POST", "/doctors/{doctor_id}/appointments", ids, example("BookingRequest"))
    assert booked.status == 201, booked
    ids["appointment_id"] = booked.json()["id"]


@needs("/doctors/{doctor_id}/appointments/series/{series_id}/cancel")
def a_series(ids: dict[str, str]) -> None:
    booked = call("POST", "/doctors/{doctor_id}/appointments/series", ids, example("SeriesRequest"))
    assert booked.status == 201, booked
    ids["series_id"] = booked.json()["series_id"]


@pytest.mark.parametrize(("method", "path", "index", "body"), CASES)
def test_every_request_body_example_succeeds(
    method: str, path: str, index: int, body: dict[str, Any], ids: dict[str, str]
) -> None:
    if path in PREREQUISITES:
        PREREQUISITES[path](ids)
    if "hold_id" in body:  # a hold's id is issued by the API: hold the example slot, then convert that hold
        held = call("POST", "/doctors/{doctor_id}/holds", ids, example("HoldRequest"))
        assert held.status == 201, held
        body = {**body, "hold_id": held.json()["id"]}

    answer = call(method, path, ids, body)

    assert answer.status == success(DOCUMENT["paths"][path][method.lower()]), answer


def test_every_request_body_has_an_example() -> None:
    assert {(method, path) for method, path, *_ in (case.values for case in CASES)} == {
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
