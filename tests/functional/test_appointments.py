"""AppointmentsFunction in-process against moto: booking rules, cancel, reschedule, idempotency, call budgets."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler
from functions.availability.app import lambda_handler as slots_handler
from functions.doctors.app import lambda_handler as doctors_handler
from scheduling.models import Doctor, rfc3339
from tests.functional.conftest import CallLog, invoke, stored_items
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with, sample_event

pytestmark = pytest.mark.usefixtures("aws")

SLOT = "2035-06-04T09:30:00-04:00"  # a Monday: the sample doctor opens 09:00-12:00 and 13:00-17:00
BOOKED = json.loads(sample_event("appointments_book")["body"])["start"]  # the slot the booking sample takes
OTHER_DOCTOR_ID = "1" * 32


def book(
    body: dict[str, Any] | None = None, headers: dict[str, str] | None = None, doctor_id: str = SAMPLE_DOCTOR_ID
) -> Answer:
    event = event_with(
        "appointments_book",
        path_parameters={"doctor_id": doctor_id},
        body=body if body is not None else ...,
        headers=headers,
    )
    return invoke(lambda_handler, event)


def on_appointment(name: str, appointment_id: str, body: Any = ..., doctor_id: str = SAMPLE_DOCTOR_ID) -> Answer:
    event = event_with(name, path_parameters={"doctor_id": doctor_id, "appointment_id": appointment_id}, body=body)
    return invoke(lambda_handler, event)


def free_slots(day: str = "2035-06-04") -> list[str]:
    event = event_with("slots_list", query={"from": day, "to": f"{day[:-2]}{int(day[-2:]) + 1:02d}"})
    return [slot["start"] for slot in invoke(slots_handler, event).json()["items"]]


def utc_text(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booked_slot_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item["SK"]["S"].startswith("SLOT#")]


def test_booking_answers_201_with_location_and_the_appointment(doctor: Doctor) -> None:
    sample = sample_event("appointments_book")
    asked = json.loads(sample["body"])["start"]  # the sample's own slot (each sample has one: local/seed.py)
    answer = invoke(lambda_handler, sample)

    assert answer.status == 201, answer
    appointment = answer.json()
    assert answer.headers["location"] == f"/doctors/{doctor.id}/appointments/{appointment['id']}"
    assert appointment | {"id": None, "created_at": None, "history": None} == {
        "history": None,
        "id": None,
        "doctor_id": doctor.id,
        "location": "123 Main St",
        "start": asked,
        "end": rfc3339(datetime.fromisoformat(asked) + timedelta(minutes=30)),
        "status": "booked",
        "timezone": "America/New_York",
        "patient": {"id": "p-123", "name": "Ada Lovelace"},
        "created_at": None,
        "hold_id": None,
        "checked_in_at": None,
        "completed_at": None,
        "no_show_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "replaces": None,
        "replaced_by": None,
        "series_id": None,
    }
    [item] = booked_slot_items()
    assert item["SK"]["S"] == f"SLOT#{utc_text(asked)}"


def test_the_booked_slot_leaves_the_free_slots(doctor: Doctor) -> None:
    assert BOOKED in free_slots()

    book()

    assert BOOKED not in free_slots()


def test_the_same_slot_twice_is_409_naming_the_slot_even_with_another_offset(doctor: Doctor) -> None:
    assert book().status == 201
    in_utc = utc_text(BOOKED)
    assert in_utc != BOOKED

    again = book({"start": in_utc, "location": "456 Central St"})

    assert again.status == 409
    assert again.json()["type"] == "/problems/slot-taken"
    assert again.json()["slot"] == {"start": in_utc}
    assert in_utc in again.json()["detail"]
    assert len(booked_slot_items()) == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"start": "2035-06-04T09:30:00", "location": "123 Main St"}, "start"),
        ({"start": "2035-06-04T09:45:00-04:00", "location": "123 Main St"}, "start"),
        ({"start": "2035-06-04T12:00:00-04:00", "location": "123 Main St"}, "start"),
        ({"start": "2035-06-05T09:30:00-04:00", "location": "123 Main St"}, "start"),
        ({"start": "2020-06-01T09:30:00-04:00", "location": "123 Main St"}, "start"),
        ({"start": SLOT, "location": "999 Nowhere"}, "location"),
        ({"start": SLOT}, "location"),
        ({"start": SLOT, "location": "123 Main St", "patient": {"ssn": "x"}}, "patient.ssn"),
    ],
)
def test_unbookable_requests_are_422_and_store_nothing(doctor: Doctor, body: dict[str, Any], path: str) -> None:
    answer = book(body)

    assert answer.status == 422, answer
    assert path in [error["path"] for error in answer.json()["errors"]]
    assert booked_slot_items() == []


def test_booking_for_an_unknown_doctor_is_404() -> None:
    assert book().status == 404


def test_cancel_frees_the_slot_keeps_the_appointment_readable_and_is_idempotent(doctor: Doctor) -> None:
    appointment_id = book().json()["id"]

    cancelled = on_appointment("appointments_cancel", appointment_id, {"reason": "Feeling better"})
    again = on_appointment("appointments_cancel", appointment_id, {"reason": "Something else"})
    read = on_appointment("appointments_get", appointment_id)

    assert cancelled.status == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Feeling better"
    assert cancelled.json()["cancelled_at"]
    assert again.status == 200
    assert again.json() == cancelled.json()
    assert read.json() == cancelled.json()
    assert BOOKED in free_slots()
    assert book().status == 201


def test_cancel_without_a_body(doctor: Doctor) -> None:
    appointment_id = book().json()["id"]

    answer = on_appointment("appointments_cancel", appointment_id, None)

    assert answer.status == 200, answer
    assert answer.json()["cancel_reason"] is None


def test_an_appointment_of_another_doctor_is_404(given_doctor: Callable[..., Doctor], doctor: Doctor) -> None:
    given_doctor(OTHER_DOCTOR_ID)
    appointment_id = book().json()["id"]

    assert on_appointment("appointments_get", appointment_id, doctor_id=OTHER_DOCTOR_ID).status == 404
    assert on_appointment("appointments_cancel", appointment_id, doctor_id=OTHER_DOCTOR_ID).status == 404
    assert on_appointment("appointments_get", "not-an-id").status == 404


def test_reschedule_moves_the_booking_in_one_step(doctor: Doctor) -> None:
    old = book().json()

    answer = on_appointment("appointments_reschedule", old["id"], {"start": "2035-06-04T10:30:00-04:00"})

    assert answer.status == 201, answer
    new = answer.json()
    assert (new["start"], new["location"], new["replaces"], new["patient"]) == (
        "2035-06-04T10:30:00-04:00",
        old["location"],
        old["id"],
        old["patient"],
    )
    previous = on_appointment("appointments_get", old["id"]).json()
    assert (previous["status"], previous["replaced_by"]) == ("cancelled", new["id"])
    assert BOOKED in free_slots()
    assert "2035-06-04T10:30:00-04:00" not in free_slots()


def test_reschedule_into_a_taken_slot_is_409_and_leaves_the_old_appointment_booked(doctor: Doctor) -> None:
    old = book().json()
    book({"start": "2035-06-04T10:30:00-04:00", "location": "123 Main St"})

    answer = on_appointment("appointments_reschedule", old["id"], {"start": "2035-06-04T10:30:00-04:00"})

    assert answer.status == 409
    assert on_appointment("appointments_get", old["id"]).json() == old
    assert len(booked_slot_items()) == 2


def test_a_cancelled_appointment_cannot_be_rescheduled(doctor: Doctor) -> None:
    old = book().json()
    on_appointment("appointments_cancel", old["id"], None)

    answer = on_appointment("appointments_reschedule", old["id"], {"start": "2035-06-04T10:30:00-04:00"})

    assert answer.status == 409
    problem = answer.json()
    assert problem["type"] == "/problems/invalid-transition"
    assert (problem["current_status"], problem["allowed"]) == ("cancelled", [])


def test_list_is_ascending_filtered_and_paginated(doctor: Doctor) -> None:
    starts = ["2035-06-04T11:00:00-04:00", "2035-06-04T09:00:00-04:00", "2035-06-04T10:00:00-04:00", SLOT]
    ids = {start: book({"start": start, "location": "123 Main St"}).json()["id"] for start in starts}
    on_appointment("appointments_cancel", ids["2035-06-04T10:00:00-04:00"], None)

    def pages(query: dict[str, str]) -> list[list[str]]:
        found, token = [], None
        while True:
            page_query = {**query, **({"next_token": token} if token else {})}
            answer = invoke(lambda_handler, event_with("appointments_list", query=page_query))
            assert answer.status == 200, answer
            found.append([item["start"] for item in answer.json()["items"]])
            token = answer.json()["next_token"]
            if not token:
                return found

    every = [start for page in pages({"limit": "2"}) for start in page]
    booked = [start for page in pages({"status": "booked", "limit": "10"}) for start in page]
    window = [
        start
        for page in pages({"from": "2035-06-04T09:30:00-04:00", "to": "2035-06-04T11:00:00-04:00"})
        for start in page
    ]

    assert every == sorted(starts)
    assert booked == ["2035-06-04T09:00:00-04:00", SLOT, "2035-06-04T11:00:00-04:00"]
    assert window == [SLOT, "2035-06-04T10:00:00-04:00"]


def test_deleting_a_doctor_with_future_bookings_is_409_until_they_are_cancelled(doctor: Doctor) -> None:
    appointment_id = book().json()["id"]

    delete = event_with("doctors_delete", path_parameters={"doctor_id": doctor.id})  # the sample names another
    refused = invoke(doctors_handler, delete)
    on_appointment("appointments_cancel", appointment_id, None)
    accepted = invoke(doctors_handler, delete)

    assert refused.status == 409
    assert refused.json()["type"] == "/problems/doctor-has-bookings"
    assert accepted.status == 204
    assert on_appointment("appointments_get", appointment_id).json()["status"] == "cancelled"


def test_changing_the_schedule_keeps_existing_bookings(doctor: Doctor) -> None:
    appointment = book().json()

    patched = invoke(doctors_handler, event_with("doctors_patch", body={"schedule": {"monday": None}}))

    assert patched.status == 200
    assert on_appointment("appointments_get", appointment["id"]).json() == appointment


# Idempotency


def test_a_retry_with_the_same_key_returns_the_first_appointment_and_books_nothing_new(doctor: Doctor) -> None:
    first = book(headers={"Idempotency-Key": "retry-1"})
    second = book(headers={"Idempotency-Key": "retry-1"})

    assert first.status == second.status == 201
    assert second.json() == first.json()
    assert len(booked_slot_items()) == 1


def test_the_same_key_with_another_body_is_422(doctor: Doctor) -> None:
    book(headers={"Idempotency-Key": "retry-2"})

    other = book(
        {"start": "2035-06-04T10:30:00-04:00", "location": "123 Main St"}, headers={"Idempotency-Key": "retry-2"}
    )

    assert other.status == 422
    assert other.json()["errors"][0]["path"] == "Idempotency-Key"
    assert len(booked_slot_items()) == 1


def test_a_failed_booking_is_not_remembered_under_its_key(doctor: Doctor) -> None:
    book()

    first = book(headers={"Idempotency-Key": "taken"})
    second = book(headers={"Idempotency-Key": "taken"})

    assert first.status == second.status == 409


# DynamoDB call budgets


def test_booking_costs_one_read_one_query_and_one_transaction(doctor: Doctor, dynamodb_calls: CallLog) -> None:
    """The doctor (and its fence), the bookings that could overlap (they may come from older hours, so the
    slot key alone cannot see them), then the slot put and the fence check in one transaction
    (docs/design.md). Was GetItem + PutItem before bookings were fenced. (With `patient.id`, the patient's lock
    and look come on top: tests/functional/test_patients.py.) The two reads are issued together, so they may
    arrive in either order (a loaded machine showed both)."""
    book({"start": SLOT, "location": "123 Main St"})

    calls = dynamodb_calls.on()
    assert (sorted(calls[:2]), calls[2:]) == (["GetItem", "Query"], ["TransactWriteItems"])


def test_cancel_costs_three_calls(doctor: Doctor, dynamodb_calls: CallLog) -> None:
    """The appointment and the doctor (its cancellation cut-off) together, in either order, then one transaction."""
    appointment_id = book().json()["id"]
    dynamodb_calls.clear()

    on_appointment("appointments_cancel", appointment_id, None)

    calls = dynamodb_calls.on()
    assert (sorted(calls[:2]), calls[2:]) == (["GetItem", "Query"], ["TransactWriteItems"])


def test_each_list_page_is_one_query(doctor: Doctor, dynamodb_calls: CallLog) -> None:
    for start in ("2035-06-04T09:00:00-04:00", SLOT, "2035-06-04T10:00:00-04:00"):
        book({"start": start, "location": "123 Main St"})
    dynamodb_calls.clear()

    invoke(lambda_handler, event_with("appointments_list", query={"limit": "2"}))

    assert dynamodb_calls.on().count("Query") == 1
    assert dynamodb_calls.on() == ["GetItem", "Query"]


def test_the_slot_search_is_one_read_and_one_query(doctor: Doctor, dynamodb_calls: CallLog) -> None:
    free_slots()

    assert dynamodb_calls.on() == ["GetItem", "Query"]


def test_every_sample_event_gets_its_documented_answer(doctor: Doctor) -> None:
    answers = {
        name: invoke(lambda_handler, sample_event(name)).status
        for name in ("appointments_book", "appointments_get", "appointments_list", "appointments_reschedule")
    }
    answers["appointments_cancel"] = on_appointment(
        "appointments_cancel", sample_event("appointments_reschedule")["pathParameters"]["appointment_id"]
    ).status

    assert answers == {
        "appointments_book": 201,
        "appointments_get": 404,  # the sample id was never booked with this exact id
        "appointments_list": 200,
        "appointments_reschedule": 404,
        "appointments_cancel": 404,
    }


def test_a_token_replayed_with_a_window_it_does_not_belong_to_is_422(doctor: Doctor) -> None:
    for start in ("2035-06-04T09:00:00-04:00", SLOT, "2035-06-04T10:00:00-04:00"):
        book({"start": start, "location": "123 Main St"})
    first = invoke(lambda_handler, event_with("appointments_list", query={"limit": "2"})).json()

    replayed = invoke(
        lambda_handler,
        event_with("appointments_list", query={"limit": "2", "from": "2036-01-01", "next_token": first["next_token"]}),
    )
    same_window = invoke(
        lambda_handler, event_with("appointments_list", query={"limit": "2", "next_token": first["next_token"]})
    )

    assert replayed.status == 422, replayed  # real DynamoDB refuses a start key outside the key condition
    assert [error["path"] for error in replayed.json()["errors"]] == ["next_token"]
    assert same_window.status == 200
    assert len(same_window.json()["items"]) == 1
