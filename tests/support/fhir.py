"""Reading FHIR answers the way an EHR would: every resource parsed with `fhir.resources` (R4B), codes held to
their value sets, and helpers to follow a searchset's `next` links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel

FHIR_JSON = "application/fhir+json"
# Elements bound to a required value set whose codes fhir.resources lists (its `enum_values` of other elements are
# read from prose, e.g. CapabilityStatement.format's "xml | json | ttl | mime type").
CODED = {"status", "required", "severity", "kind", "mode", "relation"}


def parsed(resource: dict[str, Any]) -> FHIRAbstractModel:
    """The resource as `fhir.resources` R4B reads it; fails on an unknown field, a missing required one, a bad
    type or format, or a code outside its element's required value set (which the library leaves unchecked)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    _check_codes(model)
    return model


def _check_codes(model: FHIRAbstractModel) -> None:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        allowed = extra.get("enum_values")
        allowed = allowed if isinstance(allowed, list) else None
        coded = name in CODED or (type(model).__name__ == "OperationOutcomeIssue" and name == "code")
        if coded and allowed and value is not None:
            for code in value if isinstance(value, list) else [value]:
                assert code in allowed, f"{type(model).__name__}.{name} = {code!r} is not one of {allowed}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, FHIRAbstractModel):
                _check_codes(item)


def fhir(answer: requests.Response, status: int = 200, resource_type: str | None = None) -> dict[str, Any]:
    """The answer's resource, after checking status, media type and that it parses."""
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == FHIR_JSON
    resource: dict[str, Any] = answer.json()
    parsed(resource)
    if resource_type is not None:
        assert resource["resourceType"] == resource_type, resource
    return resource


def outcome(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    """An OperationOutcome answer with this status whose first issue has this `issue.code`."""
    resource = fhir(answer, status, "OperationOutcome")
    assert resource["issue"][0]["code"] == code, resource
    return resource


def entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def link(bundle: dict[str, Any], relation: str) -> str | None:
    return next((item["url"] for item in bundle["link"] if item["relation"] == relation), None)


def path_of(url: str) -> str:
    """The path and query of a link, to send to the same server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
