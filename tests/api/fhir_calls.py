"""Calls of the FHIR facade shared by the tests/api/test_fhir_*_http.py files: the doctor they create, paged
searches, $find and the $hold/$book operations, each answer parsed with fhir.resources (R4B)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ALWAYS_OPEN, Api
from tests.support.fhir import entries, fhir, link, path_of

R4 = "/fhir/R4"
DAY = {"start": "2035-06-04", "end": "2035-06-05"}  # a Monday
# The doctor of the FHIR tests (new_doctor(api, FHIR_DOCTOR, ...)): two locations, Mondays 09:00-11:00 in New York.
FHIR_DOCTOR: dict[str, Any] = {
    **ALWAYS_OPEN,
    "name": "Meredith Grey",
    "locations": ["1 North Wing", "2 South Wing"],
    "timezone": "America/New_York",
    "slot_minutes": 30,
    "schedule": {"monday": [{"start": "09:00", "end": "11:00"}]},
}


def all_pages(api: Api, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every entry of a search, following `next` links; each page parsed."""
    bundle = fhir(api.get(path, params=params), 200, "Bundle")
    found = entries(bundle)
    while (following := link(bundle, "next")) is not None:
        bundle = fhir(api.get(path_of(following)), 200, "Bundle")
        found += entries(bundle)
    return found


def find(api: Api, doctor_id: str, **params: Any) -> dict[str, Any]:
    query = {
        "start": "2035-06-04T00:00:00Z",
        "end": "2035-06-05T00:00:00Z",
        "practitioner": f"Practitioner/{doctor_id}",
    }
    return fhir(api.get(f"{R4}/Appointment/$find", params={**query, **params}), 200, "Bundle")


def operation(api: Api, name: str, *parameters: dict[str, Any]) -> Any:
    body = {"resourceType": "Parameters", "parameter": list(parameters)}
    return api.post(f"{R4}/Appointment/{name}", json=body, headers={"Content-Type": "application/fhir+json"})


def ref(name: str, reference: str, display: str | None = None) -> dict[str, Any]:
    value = {"reference": reference, **({"display": display} if display else {})}
    return {"name": name, "valueReference": value}


def held(api: Api, proposed_id: str) -> dict[str, Any]:
    bundle = fhir(operation(api, "$hold", ref("appointment-reference", f"Appointment/{proposed_id}")), 200, "Bundle")
    [pending] = entries(bundle)
    return pending


def booked(api: Api, appointment_id: str, patient: str | None = None) -> dict[str, Any]:
    parameters = [ref("appointment-reference", f"Appointment/{appointment_id}")]
    if patient:
        parameters.append(ref("patient-reference", f"Patient/{patient}", "Ada Lovelace"))
    bundle = fhir(operation(api, "$book", *parameters), 200, "Bundle")
    [appointment] = entries(bundle)
    return appointment
