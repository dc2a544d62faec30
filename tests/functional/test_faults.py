"""Injected DynamoDB faults: retried within bounds, then 503 + Retry-After, and never a half-written booking."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler
from functions.doctors.app import lambda_handler as doctors_handler
from functions.holds.app import lambda_handler as holds_handler
from scheduling.models import Doctor
from tests.functional.conftest import invoke, stored_items
from tests.support.faults import AppliedButAnswerLost, Fault
from tests.support.lambda_events import event_with, sample_event

pytestmark = pytest.mark.usefixtures("aws")

MAX_ATTEMPTS = 3  # store.CLIENT_CONFIG: the first try and two retries


def slot_key(start: str) -> str:
    """The sort key of the slot an appointment starting at `start` takes (UTC, whole seconds)."""
    return "SLOT#" + datetime.fromisoformat(start).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booked_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item["SK"]["S"].startswith(("SLOT#", "CANCELLED#"))]


def assert_unavailable(answer: Any) -> None:
    assert answer.status == 503, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "fault",
    [
        Fault("TransactWriteItems", 400, "ProvisionedThroughputExceededException"),
        Fault("TransactWriteItems", 400, "ThrottlingException"),
        Fault("TransactWriteItems", 500, "InternalServerError"),
        Fault("TransactWriteItems", 0, "ReadTimeout"),
        Fault("GetItem", 400, "RequestLimitExceeded"),
        Fault("Query", 400, "ThrottlingException"),
    ],
    ids=lambda fault: f"{fault.operation}-{fault.code}",
)
def test_a_persistent_fault_while_booking_is_503_after_bounded_retries_and_books_nothing(
    doctor: Doctor, inject: Callable[[Fault], Fault], fault: Fault
) -> None:
    inject(fault)

    answer = invoke(lambda_handler, sample_event("appointments_book"))

    assert_unavailable(answer)
    # the sample booking names a patient: the doctor and the patient's lock (GetItem), the doctor's and the
    # patient's looks (Query) are issued together, each call bounded to its own attempts
    assert fault.attempts == MAX_ATTEMPTS * (2 if fault.operation in {"GetItem", "Query"} else 1)
    assert booked_items() == []


def test_a_transient_fault_is_retried_and_the_booking_succeeds(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    class Once(Fault):
        def respond(self, request: Any) -> tuple[int, dict[str, str], str] | None:
            return super().respond(request) if self.attempts == 0 else None

    fault = inject(Once("TransactWriteItems", 400, "ThrottlingException"))

    answer = invoke(lambda_handler, sample_event("appointments_book"))

    assert answer.status == 201
    assert fault.attempts == 1
    assert len(booked_items()) == 1


def test_a_transaction_conflict_on_cancel_is_503_and_the_appointment_stays_booked(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    inject(
        Fault(
            "TransactWriteItems",
            400,
            "TransactionCanceledException",
            {"CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]},
        )
    )
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}

    answer = invoke(lambda_handler, event_with("appointments_cancel", path_parameters=path))

    assert_unavailable(answer)
    [item] = booked_items()
    assert (item["SK"]["S"], item["status"]["S"]) == (slot_key(appointment["start"]), "booked")


def test_a_fault_while_rescheduling_leaves_both_slots_as_they_were(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    inject(Fault("TransactWriteItems", 500, "InternalServerError"))
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}

    answer = invoke(lambda_handler, event_with("appointments_reschedule", path_parameters=path))

    assert_unavailable(answer)
    assert [item["SK"]["S"] for item in booked_items()] == [slot_key(appointment["start"])]


def test_a_fault_in_the_idempotency_store_is_503_and_books_nothing(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    inject(Fault("PutItem", 400, "ProvisionedThroughputExceededException"))

    answer = invoke(lambda_handler, event_with("appointments_book", headers={"Idempotency-Key": "k-1"}))

    assert_unavailable(answer)
    assert booked_items() == []


def test_a_fault_while_updating_a_doctor_is_503_and_changes_nothing(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    before = stored_items()
    inject(Fault("PutItem", 400, "ThrottlingException"))  # a change of name only
    inject(Fault("TransactWriteItems", 400, "ThrottlingException"))  # a change of hours moves the fence too

    answer = invoke(doctors_handler, sample_event("doctors_replace"))

    assert_unavailable(answer)
    assert stored_items() == before


def test_a_booking_whose_answer_was_lost_and_retried_is_201_and_stored_once(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))

    answer = invoke(lambda_handler, sample_event("appointments_book"))

    assert answer.status == 201, answer
    assert fault.attempts == 2  # the SDK did retry the write its first attempt had made
    [item] = booked_items()
    assert (item["appointment_id"]["S"], item["status"]["S"]) == (answer.json()["id"], "booked")


def test_a_hold_for_a_patient_whose_answer_was_lost_and_retried_is_201_and_takes_the_patients_time_once(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    """The hold's transaction also bumps the patient's lock and writes the patient's entry: the SDK's retry of it
    must be read as the success it was, not as the patient being busy."""
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))
    body = {**json.loads(sample_event("holds_create")["body"]), "patient": {"id": "p-retried"}}

    answer = invoke(holds_handler, event_with("holds_create", body=body))

    assert answer.status == 201, answer
    assert fault.attempts == 2
    kinds = [item.get("kind", {}).get("S") for item in stored_items()]
    assert (kinds.count("hold"), kinds.count("hold-record"), kinds.count("patient-hold")) == (1, 1, 1)
    same_patient = {"start": body["start"], "location": body["location"], "patient": {"id": "p-retried"}}
    again = invoke(lambda_handler, event_with("appointments_book", body=same_patient))
    assert (again.status, again.json()["type"]) == (409, "/problems/patient-busy")  # the held time is the patient's


def test_a_reschedule_whose_answer_was_lost_and_retried_is_201_and_moves_once(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}

    answer = invoke(lambda_handler, event_with("appointments_reschedule", path_parameters=path))

    assert answer.status == 201, answer
    assert fault.attempts == 2
    moved = answer.json()
    stored = {item["appointment_id"]["S"]: item for item in booked_items()}
    assert set(stored) == {appointment["id"], moved["id"]}
    assert stored[moved["id"]]["SK"]["S"].startswith("SLOT#")
    assert stored[appointment["id"]]["replaced_by"]["S"] == moved["id"]
    assert stored[appointment["id"]]["status"]["S"] == "cancelled"


def test_a_cancel_whose_answer_was_lost_and_retried_is_200_with_the_stored_cancellation(
    doctor: Doctor, inject: Callable[[Fault], Fault]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}

    answer = invoke(lambda_handler, event_with("appointments_cancel", path_parameters=path, body={"reason": "ill"}))

    assert answer.status == 200, answer
    assert fault.attempts == 2
    [item] = booked_items()
    assert item["status"]["S"] == "cancelled"
    assert (
        answer.json()["cancelled_at"]
        == invoke(lambda_handler, event_with("appointments_get", path_parameters=path)).json()["cancelled_at"]
    )
