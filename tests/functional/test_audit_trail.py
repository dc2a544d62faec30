"""Who did it (issue #20, item 2): every appointment change names its caller and the person acted for, in the
same write as the change; holds and doctors name who made and changed them; idempotency records keep no name."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.doctors.app import lambda_handler as doctors
from functions.holds.app import lambda_handler as holds
from scheduling.fhir import resources
from scheduling.models import Appointment, Doctor
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.faults import AppliedButAnswerLost, Fault
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, TEST_PRINCIPAL, Answer, event_with, sample_event

START = datetime(2035, 6, 4, 13, 30, tzinfo=UTC)  # 09:30 in New York, a slot of the sample doctor
SLOT = "2035-06-04T09:30:00-04:00"
LATER = "2035-06-04T10:30:00-04:00"
NURSE = "nurse.jones@ward-4"
NAME = "Ada Lovelace-Zyx"  # a name no other text contains


pytestmark = [
    pytest.mark.usefixtures("aws", "clock"),
    pytest.mark.clock(START - timedelta(days=3)),
]


def acting(headers: dict[str, str] | None, event_name: str) -> dict[str, str] | None:
    if headers is None:
        return None
    return {**(sample_event(event_name)["headers"] or {}), **headers}


def book(body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Answer:
    body = body or {"start": SLOT, "location": "123 Main St", "patient": {"id": "p-123", "name": NAME}}
    event = event_with("appointments_book", body=body, headers=acting(headers, "appointments_book"))
    return invoke(appointments, event)


def on(event_name: str, appointment_id: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    event = event_with(event_name, path_parameters=path, body=body, headers=acting(headers, event_name))
    return invoke(appointments, event)


def stored_history(appointment_id: str) -> list[list[dict[str, Any]]]:
    """The history of every stored copy of the appointment (its record, and its patient's calendar entry)."""
    items = [item for item in stored_items() if item.get("appointment_id", {}).get("S") == appointment_id]
    return [
        [{name: value["S"] for name, value in entry["M"].items()} for entry in item["history"]["L"]] for item in items
    ]


def test_a_booking_records_who_booked_it_and_for_whom(doctor: Doctor, clock: Clock) -> None:
    answer = book(headers={"X-Acting-User": NURSE})

    assert answer.status == 201, answer
    entry = {"status": "booked", "at": clock().isoformat().replace("+00:00", "Z"), "by": TEST_PRINCIPAL}
    assert answer.json()["history"] == [entry | {"on_behalf_of": NURSE}]
    assert stored_history(answer.json()["id"]) == [[entry | {"on_behalf_of": NURSE}]] * 2  # record and patient copy


def test_without_x_acting_user_the_entry_names_only_the_principal(doctor: Doctor) -> None:
    answer = book()

    assert [(entry["by"], entry["on_behalf_of"]) for entry in answer.json()["history"]] == [(TEST_PRINCIPAL, None)]


@pytest.mark.parametrize("value", ["", "-starts-with-dash", "has space", "x" * 101, "ümlaut", "a/b"])
def test_a_bad_x_acting_user_is_422_naming_the_header_and_stores_nothing(doctor: Doctor, value: str) -> None:
    before = stored_items()

    answer = book(headers={"X-Acting-User": value})

    assert answer.status == 422, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert "X-Acting-User" in json.dumps(answer.json())
    assert stored_items() == before


def test_on_behalf_of_is_never_taken_from_the_body(doctor: Doctor) -> None:
    answer = book({"start": SLOT, "location": "123 Main St", "on_behalf_of": NURSE})

    assert answer.status == 422, answer  # an unknown field, as every other one


def test_cancel_appends_who_cancelled_once_even_when_the_sdk_retried_the_write(
    doctor: Doctor, clock: Clock, inject: Callable[[Fault], Fault]
) -> None:
    appointment_id = book().json()["id"]
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))

    cancelled = on("appointments_cancel", appointment_id, headers={"X-Acting-User": NURSE})
    again = on("appointments_cancel", appointment_id)

    assert cancelled.status == again.status == 200, (cancelled, again)
    assert fault.attempts == 2
    statuses = [(entry["status"], entry["on_behalf_of"]) for entry in cancelled.json()["history"]]
    assert statuses == [("booked", None), ("cancelled", NURSE)]
    assert again.json()["history"] == cancelled.json()["history"]  # the repeat appends nothing
    assert [[entry["status"] for entry in history] for history in stored_history(appointment_id)] == [
        ["booked", "cancelled"]
    ] * 2


def test_lifecycle_changes_append_once_each_even_when_the_sdk_retried_the_write(
    doctor: Doctor, clock: Clock, inject: Callable[[Fault], Fault]
) -> None:
    appointment_id = book().json()["id"]
    clock.set(START - timedelta(minutes=10))
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))
    checked_in = on("appointments_check_in", appointment_id, headers={"X-Acting-User": NURSE})
    assert fault.attempts == 2
    on("appointments_check_in", appointment_id)  # a repeat: answered unchanged
    clock.set(START + timedelta(minutes=25))

    completed = on("appointments_complete", appointment_id)

    assert checked_in.status == completed.status == 200, (checked_in, completed)
    history = completed.json()["history"]
    assert [(entry["status"], entry["on_behalf_of"]) for entry in history] == [
        ("booked", None),
        ("checked_in", NURSE),
        ("completed", None),
    ]
    assert history[1]["at"] == "2035-06-04T13:20:00Z"
    assert [[entry["status"] for entry in stored] for stored in stored_history(appointment_id)] == [
        ["booked", "checked_in", "completed"]
    ] * 2


def test_a_reschedule_is_recorded_on_the_old_and_the_new_appointment(doctor: Doctor, clock: Clock) -> None:
    old_id = book().json()["id"]

    moved = on("appointments_reschedule", old_id, body={"start": LATER}, headers={"X-Acting-User": NURSE})

    assert moved.status == 201, moved
    old = on("appointments_get", old_id)
    for answer in (moved, old):
        assert [(entry["status"], entry["on_behalf_of"]) for entry in answer.json()["history"]] == [
            ("booked", None),
            ("rescheduled", NURSE),
        ]


def test_holds_record_who_made_and_who_released_them(doctor: Doctor) -> None:
    body = {"start": SLOT, "location": "123 Main St"}
    held = invoke(holds, event_with("holds_create", body=body))
    assert held.status == 201, held
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "hold_id": held.json()["id"]}
    event = event_with("holds_release", path_parameters=path)
    event["requestContext"]["identity"]["userArn"] = "arn:aws:iam::123456789012:user/front-desk"

    released = invoke(holds, event)

    assert released.status == 204, released
    read = invoke(holds, event_with("holds_get", path_parameters=path)).json()
    assert (held.json()["created_by"], read["created_by"]) == (TEST_PRINCIPAL, TEST_PRINCIPAL)
    assert (read["status"], read["released_by"]) == ("released", "arn:aws:iam::123456789012:user/front-desk")


def test_doctors_record_who_created_and_who_last_changed_them(clock: Clock) -> None:
    created = invoke(doctors, sample_event("doctors_create"))
    assert created.status == 201, created
    event = event_with("doctors_patch", path_parameters={"doctor_id": created.json()["id"]}, body={"name": "Dr X"})
    event["requestContext"]["identity"]["userArn"] = "arn:aws:iam::123456789012:user/admin"

    patched = invoke(doctors, event)

    assert patched.status == 200, patched
    assert (created.json()["created_by"], created.json()["updated_by"]) == (TEST_PRINCIPAL, TEST_PRINCIPAL)
    assert (patched.json()["created_by"], patched.json()["updated_by"]) == (
        TEST_PRINCIPAL,
        "arn:aws:iam::123456789012:user/admin",
    )


def test_the_patient_name_is_stored_only_in_the_appointment_and_a_replay_still_answers_it(doctor: Doctor) -> None:
    first = book(headers={"Idempotency-Key": "name-once"})
    replay = book(headers={"Idempotency-Key": "name-once"})

    assert first.status == replay.status == 201, (first, replay)
    assert replay.json() == first.json()
    assert replay.json()["patient"] == {"id": "p-123", "name": NAME}
    idempotency_records = stored_items("IdempotencyTable")
    assert idempotency_records  # the key was remembered ...
    assert NAME not in json.dumps(idempotency_records)  # ... without the name
    holding_the_name = [item for item in stored_items() if NAME in json.dumps(item)]
    assert {(item["kind"]["S"], item["appointment_id"]["S"]) for item in holding_the_name} == {
        ("appointment", first.json()["id"]),  # the appointment
        ("patient-appointment", first.json()["id"]),  # and its copy in the patient's calendar
    }


def test_fhir_shows_when_the_appointment_last_changed(doctor: Doctor, clock: Clock) -> None:
    booked = Appointment.model_validate(book().json())
    clock.advance(3600)
    cancelled = Appointment.model_validate(on("appointments_cancel", booked.id).json())

    assert resources.appointment(booked)["meta"] == {"lastUpdated": "2035-06-01T13:30:00Z"}
    assert resources.appointment(cancelled)["meta"] == {"lastUpdated": "2035-06-01T14:30:00Z"}
