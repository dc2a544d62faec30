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

from local.paths import ROOT
from local.template import api_routes, load_template
from scheduling.models.time import EXAMPLES_AS_OF
from tests.functional.conftest import invoke
from tests.support.clock import Clock
from tests.support.lambda_events import Answer, sample_event
from tests.support.openapi_examples import DOCUMENT, body_cases, example, success

ROUTES = {(route.method, route.path): route for route in api_routes(load_template())}
CASES = body_cases()


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
