"""The committed OpenAPI document is generated from the code and must not go stale."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from local.paths import OPENAPI_PATH
from local.template import api_routes, load_template
from scheduling.models.doctors import TIME_ZONE_PATTERN
from tests.support.openapi_examples import body_schema, examples_of
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


def _options(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A schema and every option of its `anyOf`s, however nested."""
    return [schema, *(part for option in schema.get("anyOf", []) for part in _options(option))]


def test_time_query_parameters_carry_their_formats_and_years() -> None:
    """`from`/`to` read a date as midnight in the doctor's zone where there is one doctor; across doctors or
    patients only an instant has a meaning. The patterns hold the years of the supported range."""
    document = build_openapi()
    times = {
        (path, parameter["name"]): _options(parameter["schema"])
        for path, operations in document["paths"].items()
        for parameter in operations.get("get", {}).get("parameters", [])
        if parameter["name"] in {"from", "to"}
    }
    patterns = [option["pattern"] for options in times.values() for option in options if "pattern" in option]

    assert {key: {option["format"] for option in options if "format" in option} for key, options in times.items()} == {
        (path, name): {"date-time", "date"} if path.startswith("/doctors/") else {"date-time"}
        for path in [
            "/doctors/{doctor_id}/slots",
            "/doctors/{doctor_id}/appointments",
            "/slots",
            "/patients/{patient_id}/appointments",
        ]
        for name in ["from", "to"]
    }
    assert [p for p in patterns if re.search(p, "2035-06-04T09:30:00-04:00") or re.search(p, "2035-06-04")] == patterns
    assert [p for p in patterns if re.search(p, "9001-01-01T00:00:00Z") or re.search(p, "0001-01-01")] == []


def test_every_request_example_is_valid_against_its_schema() -> None:
    """The server refuses what its schema refuses, so an example outside its own schema could never succeed."""
    from jsonschema import Draft202012Validator

    document = build_openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            schema = body_schema(operation)
            validator = Draft202012Validator(
                {**schema, "components": document["components"]},
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            for example in examples_of(schema):
                assert not [error.message for error in validator.iter_errors(example)], (method, path, example)
