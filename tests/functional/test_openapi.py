"""The committed OpenAPI document is generated from the code and must not go stale."""

from __future__ import annotations

import json
import re
from importlib import resources

from local.paths import OPENAPI_PATH
from local.template import api_routes, load_template
from scheduling.models.doctors import TIME_ZONE_PATTERN
from tools.openapi import build_openapi, is_native, render


def test_docs_openapi_json_is_up_to_date() -> None:
    assert OPENAPI_PATH.read_text() == render(build_openapi()), "run: make openapi"


def test_every_template_route_is_documented_with_problem_responses() -> None:
    document = build_openapi()

    for route in api_routes(load_template()):
        if not is_native(route.path):
            continue
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["responses"]["422"]["content"]["application/problem+json"]
        assert operation["summary"]
    assert document["openapi"].startswith("3.1")


def test_the_fhir_facade_is_not_in_the_native_document() -> None:
    fhir_routes = [route for route in api_routes(load_template()) if not is_native(route.path)]

    assert fhir_routes  # its contract is its CapabilityStatement (GET /fhir/R4/metadata)
    assert not [path for path in build_openapi()["paths"] if not is_native(path)]


def test_bounds_are_in_the_document() -> None:
    document = build_openapi()
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/doctors"]["get"]["parameters"]}
    doctor = document["components"]["schemas"]["DoctorIn"]["properties"]

    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 100)
    assert (doctor["slot_minutes"]["minimum"], doctor["slot_minutes"]["maximum"]) == (5, 240)
    assert doctor["locations"]["maxItems"] == 20


def test_every_request_body_refuses_unknown_fields_and_times_carry_their_range() -> None:
    """Unknown fields are refused (422) in every body; a merge patch may name one only as `null`, which removes
    nothing (RFC 7396). Accepted times carry the supported range's years as a pattern."""
    document = build_openapi()
    schemas = document["components"]["schemas"]
    bodies = [
        operation["requestBody"]["content"]["application/json"]["schema"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
    ]
    names = {ref.rsplit("/", 1)[-1] for body in bodies for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(body))}

    assert {name: schemas[name]["additionalProperties"] for name in names} == {
        name: {"type": "null"} if name == "DoctorPatch" else False for name in names
    }
    start = schemas["HoldRequest"]["properties"]["start"]
    assert start["format"] == "date-time"
    assert re.fullmatch(start["pattern"].strip("^$"), "8999-12-31T23:59:59Z")
    assert not re.fullmatch(start["pattern"].strip("^$"), "9001-01-01T00:00:00Z")


def test_every_time_zone_name_fits_the_documented_pattern() -> None:
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()

    assert [name for name in listed if not re.fullmatch(TIME_ZONE_PATTERN.strip("^$"), name)] == []
