"""The FHIR facade over HTTP: invalid requests as OperationOutcomes, and references of other servers refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.api.conftest import Api, new_doctor
from tests.api.fhir_calls import FHIR_DOCTOR, R4, find, operation, ref
from tests.support.fhir import entries, fhir, link, outcome

# Errors


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", "structure"),
        ('{"resourceType": "Appointment", "status": "proposed"}', "structure"),
        ('{"resourceType": "Parameters", "parameter": [{"name": "x", "valueDateTime": "yesterday"}]}', "invalid"),
        ('{"resourceType": "Parameters", "parameter": [{"name": "x", "valueFoo": 1}]}', "structure"),
        ('{"resourceType": "Parameters"}', "required"),
        ('{"resourceType": "Parameters", "parameter": [{"name": "x", "valueDecimal": NaN}]}', "invalid"),
    ],
)
def test_invalid_bodies_are_400(api: Api, body: str, code: str) -> None:
    answer = api.post(f"{R4}/Appointment/$hold", data=body, headers={"Content-Type": "application/fhir+json"})

    outcome(answer, 400, code)


def test_unknown_search_parameters_are_ignored_unless_strict(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    params = {"actor": f"Practitioner/{doctor_id}", "colour": "blue"}

    lenient = fhir(api.get(f"{R4}/Schedule", params=params), 200, "Bundle")
    strict = api.get(f"{R4}/Schedule", params=params, headers={"Prefer": "handling=strict"})

    assert "colour" not in str(link(lenient, "self"))
    assert len(entries(lenient)) == 1
    outcome(strict, 400, "not-supported")


def test_other_errors(api: Api) -> None:
    outcome(api.get(f"{R4}/Appointment"), 400, "too-costly")
    outcome(api.get(f"{R4}/Appointment", params={"patient": "Patient/x", "date": "tomorrow"}), 400, "invalid")
    outcome(api.get(f"{R4}/Appointment/nothing-of-ours"), 404, "not-found")
    outcome(api.post(f"{R4}/Appointment/$validate", json={"resourceType": "Parameters"}), 404, "not-found")
    outcome(
        api.post(f"{R4}/Appointment/$hold", data="<xml/>", headers={"Content-Type": "application/xml"}),
        415,
        "not-supported",
    )
    outcome(api.get(f"{R4}/Slot", params={"start": "ge2035-06-04"}), 400, "too-costly")
    outcome(api.get(f"{R4}/Appointment/$find", params={"start": "2035-06-04", "end": "2035-06-05"}), 400, "too-costly")
    outcome(api.get(f"{R4}/Appointment/$find", params={"specialty": "x"}), 400, "required")
    outcome(api.get(f"{R4}/Practitioner", params={"_page_token": "!!"}), 400, "invalid")
    # forged states (found by an outside tester: a non-integer offset answered 500)
    forgeries: list[dict[str, Any]] = [{"o": "x"}, {"t": None, "o": []}, {"t": None, "o": -5}, {"t": None, "o": 10**9}]
    for forged in [*forgeries, {"a": 1}]:
        token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        for path in ("Practitioner", "Location", "Schedule"):
            outcome(api.get(f"{R4}/{path}", params={"_count": 2, "_page_token": token}), 400, "invalid")
        window = {"start": "2035-06-04T00:00:00Z", "end": "2035-06-05T00:00:00Z"}
        find = {"specialty": "x", **window, "_page_token": token}
        outcome(api.get(f"{R4}/Appointment/$find", params=find), 400, "invalid")


def test_another_resource_type_where_an_appointment_belongs_is_400_and_books_nothing(api: Api) -> None:
    """Found by an outside tester: a Patient given as `appt-resource` was ignored and the slot booked."""
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    proposed = entries(find(api, doctor_id))[0]

    answer = operation(
        api,
        "$book",
        ref("appointment-reference", f"Appointment/{proposed['id']}"),
        {"name": "appt-resource", "resource": {"resourceType": "Patient"}},
    )

    outcome(answer, 400, "invalid")
    assert api.get(f"/doctors/{doctor_id}/appointments").json()["items"] == []


# References are ours or refused (issue #18, item 6)


def test_another_servers_references_are_refused_and_ours_are_taken_as_the_runner_reached(api: Api) -> None:
    doctor_id = new_doctor(api, FHIR_DOCTOR)
    proposal = entries(find(api, doctor_id))[0]["id"]
    ours = f"{api.base_url}{R4}"  # the base the runner answers with (Host header), as a bundle's fullUrl says

    foreign_slot = operation(
        api, "$book", ref("appointment-reference", f"http://evil.example/fhir/Appointment/{proposal}")
    )
    foreign_patient = operation(
        api,
        "$book",
        ref("appointment-reference", f"Appointment/{proposal}"),
        ref("patient-reference", "http://other-ehr.example/Patient/mrn-77"),
    )
    nothing_yet = api.stored_items(doctor_id)
    own = operation(
        api,
        "$book",
        ref("appointment-reference", f"{ours}/Appointment/{proposal}"),
        ref("patient-reference", f"{ours}/Patient/p-own-base"),
    )

    outcome(foreign_slot, 400, "invalid")
    outcome(foreign_patient, 400, "invalid")
    assert not any(item["SK"]["S"].startswith("SLOT#") for item in nothing_yet)
    [appointment] = entries(fhir(own, 200, "Bundle"))
    assert appointment["status"] == "booked"
    patients = [
        p["actor"]["reference"] for p in appointment["participant"] if "Patient/" in p["actor"].get("reference", "")
    ]
    assert patients == ["Patient/p-own-base"]
