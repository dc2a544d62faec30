"""Exactly-once outcomes when the answer is lost after the write committed (issue #18, item 2).

The function's transaction commits, then the handler dies before answering (a worker killed, a Lambda timed out
or crashed). The caller retries with the same `Idempotency-Key` and body, and must get the first outcome: `201`
with the same appointment, stored exactly once, never `409` about its own write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError
from moto.core.models import botocore_stubber

from functions.appointments.app import lambda_handler
from functions.holds.app import lambda_handler as holds_handler
from scheduling.errors import AppointmentNotFound
from scheduling.models import Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import invoke, stored_items
from tests.support.faults import AppliedButAnswerLost
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with, sample_event

pytestmark = pytest.mark.usefixtures("aws")


class Died(Exception):
    """What the handler meets after its write committed: the answer never reaches the caller."""


@pytest.fixture
def die_after_commit(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """The next call of store method `name` commits, then the handler fails before it can answer."""

    def arm(name: str) -> None:
        original = getattr(SchedulingStore, name)

        def committed_then_died(self: SchedulingStore, *args: Any, **kwargs: Any) -> Any:
            monkeypatch.setattr(SchedulingStore, name, original)  # once
            original(self, *args, **kwargs)
            raise Died(f"{name} committed, then the worker died")

        monkeypatch.setattr(SchedulingStore, name, committed_then_died)

    return arm


def booked_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item["SK"]["S"].startswith(("SLOT#", "CANCELLED#"))]


def patient_entries(kind: str) -> list[dict[str, Any]]:
    return [item for item in stored_items() if item.get("kind", {}).get("S") == kind]


@pytest.fixture
def lost(die_after_commit: Callable[[str], None]) -> Callable[[str, Callable[[], Any]], Any]:
    def first_attempt(store_method: str, call: Callable[[], Any]) -> Any:
        die_after_commit(store_method)
        answer = call()
        assert answer.status == 500, answer  # the handler's unhandled-error answer: the caller learns nothing

    return first_attempt


def test_a_keyed_booking_whose_worker_died_after_commit_answers_201_with_the_same_appointment_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    event = event_with("appointments_book", headers={"Idempotency-Key": "lost-1"})
    lost("book", lambda: invoke(lambda_handler, event))
    [first] = booked_items()

    retried = invoke(lambda_handler, event)

    assert retried.status == 201, retried
    assert retried.json()["id"] == first["appointment_id"]["S"]
    assert retried.headers["location"].endswith(f"/appointments/{first['appointment_id']['S']}")
    [item] = booked_items()
    assert (item["appointment_id"]["S"], item["status"]["S"]) == (retried.json()["id"], "booked")
    [entry] = patient_entries("patient-appointment")  # the patient's time is taken once, by this appointment
    assert entry["appointment_id"]["S"] == retried.json()["id"]
    again = invoke(lambda_handler, event)  # the stored result now answers: the same again
    assert (again.status, again.json()["id"]) == (201, retried.json()["id"])


def test_a_keyed_booking_without_patient_whose_worker_died_after_commit_answers_201_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    body = {"start": "2035-06-04T09:30:00-04:00", "location": "123 Main St"}
    event = event_with("appointments_book", body=body, headers={"Idempotency-Key": "lost-2"})
    lost("book", lambda: invoke(lambda_handler, event))

    retried = invoke(lambda_handler, event)

    assert retried.status == 201, retried
    [item] = booked_items()
    assert item["appointment_id"]["S"] == retried.json()["id"]


def test_a_retry_after_a_lost_answer_with_another_body_is_not_the_same_booking(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    """The key makes the retry safe only for the same request: the appointment the first attempt stored is not
    handed to another body (the idempotency record is gone with the failed attempt, so this one runs)."""
    event = event_with("appointments_book", headers={"Idempotency-Key": "lost-3"})
    lost("book", lambda: invoke(lambda_handler, event))
    other_patient = {**json.loads(event["body"]), "patient": {"id": "p-other"}}

    other = invoke(lambda_handler, event_with("appointments_book", body=other_patient, headers=event["headers"]))

    assert (other.status, other.json()["type"]) == (409, "/problems/slot-taken")
    assert len(booked_items()) == 1


def test_a_keyed_booking_retried_after_the_doctors_hours_changed_still_answers_its_appointment(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    """The retry answers what was stored, even if the slot is no longer bookable as asked (here: the doctor's
    grid changed, which moves the fence the first attempt was validated against)."""
    event = event_with("appointments_book", headers={"Idempotency-Key": "lost-4"})
    lost("book", lambda: invoke(lambda_handler, event))
    [first] = booked_items()
    from functions.doctors.app import lambda_handler as doctors_handler

    patch = event_with(
        "doctors_patch",
        path_parameters={"doctor_id": doctor.id},
        body={"slot_minutes": 45},
    )
    assert invoke(doctors_handler, patch).status == 200

    retried = invoke(lambda_handler, event)

    assert (retried.status, retried.json()["id"]) == (201, first["appointment_id"]["S"])
    assert len(booked_items()) == 1


def test_a_keyed_hold_whose_worker_died_after_commit_answers_201_with_the_same_hold_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    body = {**json.loads(sample_event("holds_create")["body"]), "patient": {"id": "p-held"}}
    event = event_with("holds_create", body=body, headers={"Idempotency-Key": "hold-1"})
    lost("hold", lambda: invoke(holds_handler, event))
    [record] = patient_entries("hold-record")  # its id is the record's "id"

    retried = invoke(holds_handler, event)

    assert retried.status == 201, retried
    assert retried.json()["id"] == record["id"]["S"]
    kinds = [item.get("kind", {}).get("S") for item in stored_items()]
    assert (kinds.count("hold"), kinds.count("hold-record"), kinds.count("patient-hold")) == (1, 1, 1)


def test_a_reschedule_whose_worker_died_after_commit_answers_201_with_the_new_appointment_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}
    event = event_with("appointments_reschedule", path_parameters=path)
    lost("reschedule", lambda: invoke(lambda_handler, event))
    stored = {item["appointment_id"]["S"]: item for item in booked_items()}
    [new_id] = set(stored) - {appointment["id"]}

    retried = invoke(lambda_handler, event)

    assert retried.status == 201, retried
    assert retried.json()["id"] == new_id
    assert {item["appointment_id"]["S"] for item in booked_items()} == {appointment["id"], new_id}


def test_a_reschedule_of_a_moved_appointment_to_another_start_is_still_refused(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}
    lost("reschedule", lambda: invoke(lambda_handler, event_with("appointments_reschedule", path_parameters=path)))
    elsewhere = {"start": "2035-06-04T11:30:00-04:00"}

    answer = invoke(lambda_handler, event_with("appointments_reschedule", path_parameters=path, body=elsewhere))

    assert (answer.status, answer.json()["type"]) == (409, "/problems/invalid-transition")
    assert len(booked_items()) == 2


def test_a_cancel_whose_worker_died_after_commit_answers_200_with_the_stored_cancellation_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    appointment = invoke(lambda_handler, sample_event("appointments_book")).json()
    path = {"doctor_id": doctor.id, "appointment_id": appointment["id"]}
    event = event_with("appointments_cancel", path_parameters=path, body={"reason": "ill"})
    lost("cancel", lambda: invoke(lambda_handler, event))

    retried = invoke(lambda_handler, event)

    assert retried.status == 200, retried
    assert (retried.json()["status"], retried.json()["cancel_reason"]) == ("cancelled", "ill")
    [item] = booked_items()
    assert item["SK"]["S"].startswith("CANCELLED#")


def test_a_keyed_hold_replayed_answers_the_same_hold_and_another_body_with_its_key_is_422(doctor: Doctor) -> None:
    event = event_with("holds_create", headers={"Idempotency-Key": "hold-2"})
    first = invoke(holds_handler, event)
    again = invoke(holds_handler, event)
    other_body = {**json.loads(event["body"]), "ttl_seconds": 60}
    other = invoke(holds_handler, event_with("holds_create", body=other_body, headers=event["headers"]))

    assert (first.status, again.status) == (201, 201)
    assert again.json() == first.json()
    assert (other.status, other.json()["errors"][0]["path"]) == (422, "Idempotency-Key")
    assert [item.get("kind", {}).get("S") for item in stored_items()].count("hold-record") == 1


def test_a_conversion_whose_worker_died_after_commit_answers_201_with_the_same_appointment_on_retry(
    doctor: Doctor, lost: Callable[[str, Callable[[], Any]], Any]
) -> None:
    held = invoke(holds_handler, sample_event("holds_create")).json()
    event = event_with("appointments_book", body={"hold_id": held["id"]}, headers={"Idempotency-Key": "convert-1"})
    lost("convert_hold", lambda: invoke(lambda_handler, event))
    [first] = [item for item in booked_items() if item.get("kind", {}).get("S") != "hold"]

    retried = invoke(lambda_handler, event)

    assert (retried.status, retried.json()["id"]) == (201, first["appointment_id"]["S"])
    assert [item["appointment_id"]["S"] for item in booked_items()] == [retried.json()["id"]]


def test_a_retry_that_misses_its_first_attempt_in_the_look_still_counts_it_as_its_own(
    given_doctor: Callable[..., Doctor], lost: Callable[[str, Callable[[], Any]], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt commits just after the retry's look for it (it was still running when the caller gave
    up): the retry's own appointment is then no overlap, not the patient's other booking and not another booking
    of a day capped at one; its slot put finds it and answers it."""
    given_doctor(SAMPLE_DOCTOR_ID, rules={"max_per_day": 1})
    event = event_with("appointments_book", headers={"Idempotency-Key": "race-1"})
    lost("book", lambda: invoke(lambda_handler, event))
    [first] = booked_items()
    original = SchedulingStore.get_appointment

    def not_yet_there(self: SchedulingStore, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(SchedulingStore, "get_appointment", original)  # once: the look misses it
        raise AppointmentNotFound(SAMPLE_DOCTOR_ID, first["appointment_id"]["S"])

    monkeypatch.setattr(SchedulingStore, "get_appointment", not_yet_there)

    retried = invoke(lambda_handler, event)

    assert (retried.status, retried.json()["id"]) == (201, first["appointment_id"]["S"]), retried
    assert (
        retried.json()["created_at"]
        == invoke(
            lambda_handler,
            event_with(
                "appointments_get",
                path_parameters={"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": retried.json()["id"]},
            ),
        ).json()["created_at"]
    )  # the stored appointment, not the retry's copy of it
    assert len(booked_items()) == 1


class AppliedThenEveryAnswerLost(AppliedButAnswerLost):
    """The first attempt is applied and every answer times out: the function answers 503 without knowing."""

    def respond(self, request: Any) -> tuple[int, dict[str, str], str] | None:
        if self.attempts:
            self.attempts += 1
            raise ReadTimeoutError(endpoint_url=request.url)
        return super().respond(request)


def test_a_keyed_booking_answered_503_though_stored_answers_201_with_it_on_retry(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's second case: `service-unavailable` after every attempt timed out, yet the first was stored."""
    fault = AppliedThenEveryAnswerLost("TransactWriteItems")
    process_request = botocore_stubber.process_request

    def process(request: Any) -> Any:
        if b"TransactWriteItems" in (request.headers.get("X-Amz-Target") or b"") and fault.attempts < 3:
            return fault.respond(request)
        return process_request(request)

    monkeypatch.setattr(botocore_stubber, "process_request", process)
    event = event_with("appointments_book", headers={"Idempotency-Key": "timed-out-1"})
    first = invoke(lambda_handler, event)
    assert first.status == 503, first
    [stored] = booked_items()

    retried = invoke(lambda_handler, event)

    assert (retried.status, retried.json()["id"]) == (201, stored["appointment_id"]["S"]), retried
    assert len(booked_items()) == 1
