"""The committed OpenAPI document is generated from the code and must not go stale."""

from __future__ import annotations

from local.openapi import OPENAPI_PATH, build_openapi, render
from local.template import api_routes, load_template


def test_docs_openapi_json_is_up_to_date() -> None:
    assert OPENAPI_PATH.read_text() == render(build_openapi()), "run: .venv/bin/python -m local.openapi"


def test_every_template_route_is_documented_with_problem_responses() -> None:
    document = build_openapi()

    for route in api_routes(load_template()):
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["responses"]["422"]["content"]["application/problem+json"]
        assert operation["summary"]
    assert document["openapi"].startswith("3.1")


def test_bounds_are_in_the_document() -> None:
    document = build_openapi()
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/doctors"]["get"]["parameters"]}
    doctor = document["components"]["schemas"]["DoctorIn"]["properties"]

    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 100)
    assert (doctor["slot_minutes"]["minimum"], doctor["slot_minutes"]["maximum"]) == (5, 240)
    assert doctor["locations"]["maxItems"] == 20
