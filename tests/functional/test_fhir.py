"""The FHIR function in-process against moto with the sample events: the clock injected for hold expiry, and
DynamoDB calls per request counted (reads are keyed reads)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.fhir.app import lambda_handler as fhir_handler
from scheduling.models import Doctor
from tests.functional.conftest import CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.fhir import parsed
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with, sample_event

pytestmark = pytest.mark.usefixtures("aws")
T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(T0)
    monkeypatch.setattr("scheduling.service.clock.now", clock)
    return clock


@pytest.fixture
def doctor(given_doctor: Callable[..., Doctor]) -> Doctor:
    return given_doctor(SAMPLE_DOCTOR_ID)


def resource(answer: Answer, status: int = 200) -> dict[str, Any]:
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/fhir+json"
    found: dict[str, Any] = answer.json()
    parsed(found)
    return found


def only_entry(answer: Answer) -> dict[str, Any]:
    [entry] = resource(answer)["entry"]
    return dict(entry["resource"])


def held_by_the_sample() -> datetime:
    """The slot the fhir_hold sample holds, as its proposed Appointment id names it: p.<doctor>.<UTC start>.<place>."""
    [parameter] = json.loads(sample_event("fhir_hold")["body"])["parameter"]
    stamp = parameter["valueReference"]["reference"].split(".")[2]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def test_the_sample_events_find_hold_and_book(doctor: Doctor, clock: Clock) -> None:
    metadata = resource(invoke(fhir_handler, sample_event("fhir_metadata")))
    slots = resource(invoke(fhir_handler, sample_event("fhir_slots")))
    found = resource(invoke(fhir_handler, sample_event("fhir_find")))
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "appointment-reference", "valueReference": {"reference": f"Appointment/{pending['id']}"}}
        ],
    }
    appointment = only_entry(invoke(fhir_handler, event_with("fhir_book", body=body)))

    assert metadata["resourceType"] == "CapabilityStatement"
    assert slots["entry"][0]["resource"]["start"] == "2035-06-04T09:00:00-04:00"
    assert found["total"] == 28  # 14 half-hour slots (09:00-12:00, 13:00-17:00), each at 2 locations
    assert pending["status"] == "pending"
    assert datetime.fromisoformat(pending["start"]) == held_by_the_sample()
    assert pending["start"].endswith("-04:00")  # in the doctor's time zone
    assert appointment["status"] == "booked"


def test_an_expired_hold_cannot_be_booked(doctor: Doctor, clock: Clock) -> None:
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))
    clock.advance(301)
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "appt-id", "valueUri": f"Appointment/{pending['id']}"}],
    }

    answer = invoke(fhir_handler, event_with("fhir_book", body=body))
    read = invoke(fhir_handler, event_with("fhir_find", path_parameters={"appointment_id": pending["id"]}, query={}))

    assert resource(answer, 409)["issue"][0]["code"] == "conflict"
    assert resource(read)["status"] == "cancelled"


def test_reads_are_one_keyed_read(doctor: Doctor, dynamodb_calls: CallLog) -> None:
    path = {"appointment_id": f"p.{SAMPLE_DOCTOR_ID}.20350604T133000Z.948595bd0490"}
    booked = {"appointment_id": f"{SAMPLE_DOCTOR_ID}-20350604T133000Z-0123456789ab"}
    dynamodb_calls.clear()
    missing = invoke(fhir_handler, event_with("fhir_find", path_parameters=booked, query={}))
    assert resource(missing, 404)["issue"][0]["code"] == "not-found"
    assert dynamodb_calls.on() == ["Query"]  # the appointment's keyed read
    dynamodb_calls.clear()
    unknown = invoke(fhir_handler, event_with("fhir_hold", path_parameters={"operation": "$nothing"}))
    assert resource(unknown, 404)["issue"][0]["code"] == "not-found"
    assert dynamodb_calls.on() == []
    dynamodb_calls.clear()
    proposed = invoke(fhir_handler, event_with("fhir_find", path_parameters=path, query={}))

    assert resource(proposed)["status"] == "proposed"
    assert dynamodb_calls.on() == ["GetItem", "Query"]  # the doctor, then that slot's bookings


# References are ours or refused (issue #18, item 6)

OUR_BASE = "http://localhost/fhir/R4"  # the sample events carry no Host header: the base as the caller reached it


def book_with(*parameters: dict[str, Any]) -> Answer:
    return invoke(
        fhir_handler, event_with("fhir_book", body={"resourceType": "Parameters", "parameter": [*parameters]})
    )


def reference(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "valueReference": {"reference": text}}


def stored_appointments() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item.get("kind", {}).get("S") == "appointment"]


@pytest.mark.parametrize(
    "server", ["http://evil.example/fhir", "https://evil.example/fhir/R4", "//evil.example/fhir/R4", "urn:uuid:x"]
)
def test_an_appointment_reference_to_another_server_is_refused(doctor: Doctor, clock: Clock, server: str) -> None:
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))
    before = stored_items()

    answer = book_with(reference("appointment-reference", f"{server}/Appointment/{pending['id']}"))

    issue = resource(answer, 400)["issue"][0]
    assert (issue["code"], issue["expression"]) == ("invalid", ["appointment-reference"])
    assert "another server" in issue["diagnostics"]
    assert stored_items() == before


@pytest.mark.parametrize(
    "patient",
    [
        reference("patient-reference", "http://other-ehr.example/Patient/mrn-77"),
        reference("patient-reference", "http://other-ehr.example/fhir/R4/Patient/mrn-77"),
        {"name": "patient-id", "valueUri": "https://other-ehr.example/Patient/mrn-77"},
        reference("patient-reference", "other/Patient/mrn-77"),
    ],
)
def test_a_patient_of_another_server_is_refused_not_taken_for_a_local_one(
    doctor: Doctor, clock: Clock, patient: dict[str, Any]
) -> None:
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))
    before = stored_items()

    answer = book_with(reference("appointment-reference", f"Appointment/{pending['id']}"), patient)

    assert resource(answer, 400)["issue"][0]["code"] == "invalid"
    assert stored_items() == before
    assert not any(item["PK"]["S"] == "PATIENT#mrn-77" for item in stored_items())


def test_a_patient_named_by_another_systems_identifier_is_refused(doctor: Doctor, clock: Clock) -> None:
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))
    before = stored_items()
    by_identifier = {
        "name": "patient-reference",
        "valueReference": {"identifier": {"system": "urn:oid:1.2.3.4", "value": "mrn-77"}},
    }

    answer = book_with(reference("appointment-reference", f"Appointment/{pending['id']}"), by_identifier)

    assert resource(answer, 400)["issue"][0]["code"] == "not-supported"
    assert stored_items() == before


def test_absolute_references_to_this_server_are_ours(doctor: Doctor, clock: Clock) -> None:
    pending = only_entry(invoke(fhir_handler, sample_event("fhir_hold")))

    answer = book_with(
        reference("appointment-reference", f"{OUR_BASE}/Appointment/{pending['id']}"),
        reference("patient-reference", f"{OUR_BASE}/Patient/p-9"),
    )

    assert only_entry(answer)["status"] == "booked"
    [stored] = stored_appointments()
    assert stored["patient"]["M"]["id"]["S"] == "p-9"


def test_a_search_by_a_schedule_of_another_server_is_refused(doctor: Doctor) -> None:
    query = {"schedule": f"http://evil.example/fhir/R4/Schedule/{SAMPLE_DOCTOR_ID}"}

    answer = invoke(fhir_handler, event_with("fhir_slots", query=query))

    assert resource(answer, 400)["issue"][0]["code"] == "invalid"
