"""A reschedule whose request names the appointment's patient (issue #23, item 1): the patient's lock and time are
read in the first round, with the appointment, the doctor and its booked time, so the move takes 2 rounds (3 when
the patient is known only from the appointment). A request naming another patient, or naming one for an
appointment without a patient, moves nothing; the transaction checks the stored patient too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from bench.capacity import Meter, Usage, calls_in_turn
from functions.appointments.app import lambda_handler as appointments
from scheduling.models import Doctor
from scheduling.store import dynamodb_client
from tests.functional.conftest import TABLES, CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DOCTOR_A, DOCTOR_B = "a" * 32, "b" * 32

pytestmark = [pytest.mark.usefixtures("aws", "doctors"), pytest.mark.clock(datetime(2035, 6, 1, tzinfo=UTC))]


@pytest.fixture
def doctors(given_doctor: Callable[..., Doctor]) -> None:
    """Doctor A has 30-minute slots from 09:00 UTC, doctor B 20-minute slots."""
    hours = {day: [{"start": "09:00", "end": "17:00"}] for day in WEEK}
    given_doctor(DOCTOR_A, timezone="UTC", slot_minutes=30, schedule=hours, locations=["A Wing"])
    given_doctor(DOCTOR_B, timezone="UTC", slot_minutes=20, schedule=hours, locations=["B Wing"])


def book(doctor_id: str, start: str, patient: str | None = "p-1") -> dict[str, Any]:
    body: dict[str, Any] = {"start": start, "location": "A Wing" if doctor_id == DOCTOR_A else "B Wing"}
    if patient:
        body["patient"] = {"id": patient, "name": "Ada Lovelace"}
    answer = invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))
    assert answer.status == 201, answer
    return dict(answer.json())


def reschedule(appointment_id: str, start: str, patient: Any = None) -> Answer:
    body: dict[str, Any] = {"start": start}
    if patient is not None:
        body["patient"] = patient
    path = {"doctor_id": DOCTOR_A, "appointment_id": appointment_id}
    return invoke(appointments, event_with("appointments_reschedule", path_parameters=path, body=body))


@contextmanager
def metered() -> Iterator[Usage]:
    """The DynamoDB calls and rounds of what runs inside (bench/capacity.py's meter: the calls issued together
    run one after another, each fan-out counted as one round)."""
    table, reader = TABLES["SchedulingTable"], boto3.client("dynamodb")

    def item_at(pk: str, sk: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = reader.get_item(
            TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        return found

    meter = Meter(table, item_at)
    events = dynamodb_client(None).meta.events
    events.register("before-parameter-build.dynamodb", meter.before)
    events.register("after-call.dynamodb", meter.after)
    try:
        with calls_in_turn(meter):
            yield meter.usage
    finally:
        events.unregister("before-parameter-build.dynamodb", meter.before)
        events.unregister("after-call.dynamodb", meter.after)


def snapshot() -> list[dict[str, Any]]:
    return sorted(stored_items(), key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def test_naming_the_patient_moves_the_appointment_in_two_rounds(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    clock.advance(60)  # the patient's lock is settled

    with metered() as usage:
        moved = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-1"})

    assert moved.status == 201, moved
    assert (moved.json()["start"], moved.json()["patient"]["id"], moved.json()["replaces"]) == (
        "2035-06-04T11:00:00Z",
        "p-1",
        old["id"],
    )
    assert (usage.rounds, usage.writes) == (2, ["TransactWriteItems"])
    stored = get(old["id"])
    assert (stored["status"], stored["replaced_by"]) == ("cancelled", moved.json()["id"])
    assert get(moved.json()["id"])["status"] == "booked"


def test_a_patient_known_only_from_the_appointment_takes_three_rounds_as_before(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    clock.advance(60)

    with metered() as usage:
        moved = reschedule(old["id"], "2035-06-04T11:00:00Z")

    assert moved.status == 201, moved
    assert moved.json()["patient"]["id"] == "p-1"
    assert usage.rounds == 3


def test_a_lock_written_seconds_before_has_the_patients_time_looked_at_again() -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")  # the lock written at this very instant: not settled

    with metered() as usage:
        moved = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-1"})

    assert moved.status == 201, moved
    assert usage.rounds == 3


def test_naming_the_patient_still_refuses_a_time_the_patient_has_with_another_doctor(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    book(DOCTOR_B, "2035-06-04T10:00:00Z")  # 10:00-10:20 with doctor B
    clock.advance(60)

    busy = reschedule(old["id"], "2035-06-04T10:00:00Z", {"id": "p-1"})
    beside = reschedule(old["id"], "2035-06-04T09:30:00Z", {"id": "p-1"})  # 09:30-10:00: free

    assert (busy.status, busy.json()["type"]) == (409, "/problems/patient-busy")
    assert beside.status == 201, beside
    assert get(old["id"])["replaced_by"] == beside.json()["id"]


def test_a_refused_busy_move_stores_nothing(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    book(DOCTOR_B, "2035-06-04T10:00:00Z")
    clock.advance(60)
    before = snapshot()

    busy = reschedule(old["id"], "2035-06-04T10:00:00Z", {"id": "p-1"})

    assert (busy.status, busy.json()["type"]) == (409, "/problems/patient-busy")
    assert snapshot() == before


def test_naming_another_patient_moves_nothing_and_does_not_name_the_appointments_patient(
    clock: Clock, dynamodb_calls: CallLog
) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z", patient="p-secret")
    clock.advance(60)
    before = snapshot()
    dynamodb_calls.clear()

    refused = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-2"})

    assert (refused.status, refused.json()["type"]) == (409, "/problems/patient-mismatch")
    assert refused.headers["content-type"] == "application/problem+json"
    assert old["id"] in refused.json()["detail"]
    assert "p-secret" not in refused.text
    assert "TransactWriteItems" not in dynamodb_calls.on()
    assert snapshot() == before


def test_naming_a_patient_for_an_appointment_without_one_moves_nothing(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z", patient=None)
    clock.advance(60)
    before = snapshot()

    refused = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-1"})

    assert (refused.status, refused.json()["type"]) == (409, "/problems/patient-mismatch")
    assert snapshot() == before


def test_the_transaction_checks_the_stored_patient_too(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the check on the appointment as read (here switched off), the delete of the booked item is conditioned
    on its stored patient: the wrong patient's request still stores nothing."""
    import scheduling.service.appointments as service

    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    clock.advance(60)
    before = snapshot()
    monkeypatch.setattr(service, "_check_named_patient", lambda appointment, named: None)

    refused = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-2"})

    assert refused.status == 409, refused
    assert snapshot() == before


def test_the_same_named_move_sent_again_answers_the_appointment_it_made(clock: Clock) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    clock.advance(60)

    first = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-1", "name": "Ada Lovelace"})
    again = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-1"})
    other = reschedule(old["id"], "2035-06-04T11:00:00Z", {"id": "p-2"})

    assert (first.status, again.status) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert (other.status, other.json()["type"]) == (409, "/problems/patient-mismatch")


@pytest.mark.parametrize("patient", [{}, {"name": "Ada Lovelace"}, {"id": ""}, {"id": "p-1", "born": "1815"}])
def test_a_named_patient_needs_a_valid_id(clock: Clock, patient: dict[str, str]) -> None:
    old = book(DOCTOR_A, "2035-06-04T09:00:00Z")
    clock.advance(60)
    before = snapshot()

    refused = reschedule(old["id"], "2035-06-04T11:00:00Z", patient)

    assert refused.status == 422, refused
    assert snapshot() == before


def get(appointment_id: str) -> dict[str, Any]:
    path = {"doctor_id": DOCTOR_A, "appointment_id": appointment_id}
    answer = invoke(appointments, event_with("appointments_get", path_parameters=path))
    assert answer.status == 200, answer
    return dict(answer.json())
