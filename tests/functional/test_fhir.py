"""The FHIR function in-process against moto with the sample events: the clock injected for hold expiry, and
DynamoDB calls per request counted (reads are keyed reads)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.fhir.app import lambda_handler as fhir_handler
from scheduling.models import Doctor
from tests.functional.conftest import CallLog, invoke
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
    assert pending["start"] == "2035-06-04T09:30:00-04:00"
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
