"""The committed OpenAPI document is generated from the code and must not go stale."""

from __future__ import annotations

from local.paths import OPENAPI_PATH
from local.template import api_routes, load_template
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
