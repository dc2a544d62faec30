"""The appointment lifecycle in-process against moto, with the clock injected: every transition allowed and
refused, and repeats that change nothing. Concurrent changes are tested over HTTP (tests/api/test_workflow_http.py):
in-process moto is not safe for overlapping calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.doctors.app import lambda_handler as doctors
from scheduling.models import Doctor
from scheduling.service import appointments as appointments_service
from scheduling.service import lifecycle
from tests.functional.conftest import CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

START = datetime(2035, 6, 4, 13, 30, tzinfo=UTC)  # 09:30 in New York, a 30-minute slot of the sample doctor
SLOT = "2035-06-04T09:30:00-04:00"
CHANGES = {"check-in": "appointments_check_in", "complete": "appointments_complete", "no-show": "appointments_no_show"}


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(START - timedelta(days=3)),
]


@pytest.fixture
def appointment_id(given_doctor: Callable[..., Doctor], clock: Clock) -> str:
    given_doctor(SAMPLE_DOCTOR_ID)
    answer = invoke(appointments, event_with("appointments_book", body={"start": SLOT, "location": "123 Main St"}))
    assert answer.status == 201, answer
    return str(answer.json()["id"])


def change(name: str, appointment_id: str) -> Answer:
    event_name = CHANGES.get(name, "appointments_cancel")
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments, event_with(event_name, path_parameters=path, body=None))


def stored_status(appointment_id: str) -> str:
    [item] = [item for item in stored_items() if item.get("appointment_id", {}).get("S") == appointment_id]
    return str(item["status"]["S"])


def test_check_in_then_complete_stamps_each_change(appointment_id: str, clock: Clock) -> None:
    clock.set(START - timedelta(minutes=10))
    checked_in = change("check-in", appointment_id)
    clock.set(START + timedelta(minutes=25))
    completed = change("complete", appointment_id)

    assert checked_in.status == completed.status == 200, (checked_in, completed)
    assert checked_in.json()["status"] == "checked_in"
    assert checked_in.json()["checked_in_at"] == "2035-06-04T13:20:00Z"
    assert completed.json()["status"] == "completed"
    assert completed.json()["completed_at"] == "2035-06-04T13:55:00Z"
    assert completed.json()["checked_in_at"] == "2035-06-04T13:20:00Z"
    assert stored_status(appointment_id) == "completed"


@pytest.mark.parametrize(
    ("offset", "allowed"),
    [
        (timedelta(hours=-2, seconds=-1), False),
        (timedelta(hours=-2), True),
        (timedelta(minutes=29, seconds=59), True),
        (timedelta(minutes=30), False),  # the appointment has ended
    ],
)
def test_check_in_opens_two_hours_before_and_closes_at_the_end(
    appointment_id: str, clock: Clock, offset: timedelta, allowed: bool
) -> None:
    clock.set(START + offset)

    answer = change("check-in", appointment_id)

    assert answer.status == (200 if allowed else 409), answer
    assert stored_status(appointment_id) == ("checked_in" if allowed else "booked")
    if not allowed:
        problem = answer.json()
        assert (problem["type"], problem["current_status"]) == ("/problems/invalid-transition", "booked")
        assert problem["allowed"] == ["checked_in", "no_show", "cancelled"]


def test_no_show_only_once_the_appointment_has_started(appointment_id: str, clock: Clock) -> None:
    clock.set(START - timedelta(seconds=1))
    early = change("no-show", appointment_id)
    clock.set(START)
    on_time = change("no-show", appointment_id)

    assert early.status == 409
    assert on_time.status == 200
    assert on_time.json()["no_show_at"] == "2035-06-04T13:30:00Z"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["complete"], "booked"),  # complete needs a check-in first
        (["check-in", "no-show"], "checked_in"),
        (["check-in", "complete", "cancel"], "completed"),
        (["check-in", "complete", "check-in"], "completed"),
        (["no-show", "cancel"], "no_show"),
        (["no-show", "check-in"], "no_show"),
        (["cancel", "check-in"], "cancelled"),
        (["cancel", "complete"], "cancelled"),
    ],
)
def test_refused_transitions_name_the_current_status_and_change_nothing(
    appointment_id: str, clock: Clock, path: list[str], refused: str
) -> None:
    clock.set(START + timedelta(minutes=5))
    *allowed, last = path
    for step in allowed:
        assert change(step, appointment_id).status == 200
    before = stored_items()

    answer = change(last, appointment_id)

    assert answer.status == 409, answer
    assert (answer.json()["type"], answer.json()["current_status"]) == ("/problems/invalid-transition", refused)
    assert stored_items() == before


@pytest.mark.parametrize("name", ["check-in", "no-show", "cancel"])
def test_repeating_the_change_that_made_the_status_answers_it_unchanged(
    appointment_id: str, clock: Clock, name: str
) -> None:
    clock.set(START + timedelta(minutes=5))
    first = change(name, appointment_id)
    clock.advance(60)

    second = change(name, appointment_id)

    assert first.status == second.status == 200
    assert second.json() == first.json()


def test_cancel_from_checked_in_keeps_the_record(appointment_id: str, clock: Clock) -> None:
    clock.set(START - timedelta(minutes=5))
    change("check-in", appointment_id)

    cancelled = change("cancel", appointment_id)

    assert cancelled.status == 200
    assert (cancelled.json()["status"], cancelled.json()["checked_in_at"]) == ("cancelled", "2035-06-04T13:25:00Z")


def test_a_checked_in_appointment_cannot_be_rescheduled(appointment_id: str, clock: Clock) -> None:
    clock.set(START - timedelta(minutes=5))
    change("check-in", appointment_id)
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}

    answer = invoke(appointments, event_with("appointments_reschedule", path_parameters=path))

    assert (answer.status, answer.json()["current_status"]) == (409, "checked_in")


def test_each_transition_is_one_read_and_one_transaction(
    appointment_id: str, clock: Clock, dynamodb_calls: CallLog
) -> None:
    clock.set(START - timedelta(minutes=5))
    dynamodb_calls.clear()

    change("check-in", appointment_id)

    assert dynamodb_calls.on() == ["Query", "TransactWriteItems"]


# A doctor's delete and the visits in progress (issue #18, item 5)


def delete_doctor() -> Answer:
    return invoke(doctors, event_with("doctors_delete", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID}))


def slot_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item["SK"]["S"].startswith("SLOT#")]


def doctor_status() -> int:
    return invoke(doctors, event_with("doctors_get", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID})).status


@pytest.mark.parametrize("steps", [[], ["check-in"]], ids=["booked", "checked-in"])
@pytest.mark.parametrize("into_the_visit", [timedelta(seconds=1), timedelta(minutes=29, seconds=59)])
def test_a_doctor_cannot_be_deleted_during_a_visit(
    appointment_id: str, clock: Clock, steps: list[str], into_the_visit: timedelta
) -> None:
    clock.set(START - timedelta(minutes=5))
    for step in steps:
        assert change(step, appointment_id).status == 200
    clock.set(START + into_the_visit)
    before = stored_items()

    refused = delete_doctor()

    assert refused.status == 409, refused
    assert refused.json()["type"] == "/problems/doctor-has-bookings"
    assert "in progress" in refused.json()["detail"]
    assert "release" not in refused.json()["detail"]  # there is no hold to release
    assert doctor_status() == 200
    assert slot_items(stored_items()) == slot_items(before)  # only the fence moved (closed, then reopened)


def test_a_visit_that_ended_unmarked_does_not_block_the_delete(appointment_id: str, clock: Clock) -> None:
    clock.set(START + timedelta(minutes=30))

    assert delete_doctor().status == 204


@pytest.mark.parametrize("steps", [["check-in", "complete"], ["no-show"]], ids=["completed", "no-show"])
def test_a_completed_or_no_show_visit_never_blocks_the_delete(
    appointment_id: str, clock: Clock, steps: list[str]
) -> None:
    clock.set(START - timedelta(minutes=30) if steps[0] == "check-in" else START + timedelta(seconds=1))
    for step in steps:
        assert change(step, appointment_id).status == 200  # completed early: before its start

    deleted = delete_doctor()

    assert deleted.status == 204, deleted
    assert doctor_status() == 404


def test_the_refusal_names_what_the_caller_can_do_about_each_kind(appointment_id: str, clock: Clock) -> None:
    clock.set(START - timedelta(hours=1))

    refused = delete_doctor()

    assert refused.status == 409
    detail = refused.json()["detail"]
    assert "1 future appointment" in detail
    assert "cancel" in detail
    assert "in progress" not in detail
    assert "hold" not in detail


@pytest.mark.parametrize(
    ("steps", "after_delete"),
    [([], "no-show"), ([], "cancel"), (["check-in"], "complete"), (["check-in"], "cancel")],
)
def test_a_deleted_doctors_appointments_answer_404_to_every_change_and_stay_readable(
    appointment_id: str, clock: Clock, steps: list[str], after_delete: str
) -> None:
    clock.set(START - timedelta(minutes=5))
    for step in steps:
        assert change(step, appointment_id).status == 200
    clock.set(START + timedelta(hours=1))  # the visit ended without being marked: it does not block
    assert delete_doctor().status == 204
    before = stored_items()

    answer = change(after_delete, appointment_id)

    assert answer.status == 404, answer
    assert answer.json()["type"] == "/problems/doctor-not-found"
    assert stored_items() == before
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    read = invoke(appointments, event_with("appointments_get", path_parameters=path))
    assert (read.status, read.json()["status"]) == (200, "checked_in" if steps else "booked")


@pytest.mark.parametrize(
    ("steps", "after_delete"),
    [
        *[(["check-in", "complete"], name) for name in ("cancel", "no-show", "check-in", "reschedule")],
        ([], "check-in"),  # an ended booked appointment can no longer be checked in or completed
        ([], "complete"),
    ],
)
def test_a_change_refused_by_the_stored_status_of_a_deleted_doctors_appointment_is_404_too(
    appointment_id: str, clock: Clock, steps: list[str], after_delete: str
) -> None:
    """Found by the outside tester: these answered 409 invalid-transition, though the doctor is gone."""
    clock.set(START - timedelta(minutes=5))
    for step in steps:
        clock.advance(60)
        assert change(step, appointment_id).status == 200
    clock.set(START + timedelta(hours=1))
    assert delete_doctor().status == 204
    before = stored_items()

    if after_delete == "reschedule":
        path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
        body = {"start": "2035-06-05T09:30:00-04:00"}
        answer = invoke(appointments, event_with("appointments_reschedule", path_parameters=path, body=body))
    else:
        answer = change(after_delete, appointment_id)

    assert (answer.status, answer.json()["type"]) == (404, "/problems/doctor-not-found"), answer
    assert stored_items() == before


@pytest.mark.parametrize("name", ["no-show", "cancel"])
def test_a_change_racing_the_delete_is_refused_by_the_database(
    appointment_id: str, clock: Clock, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The change reads the appointment while the doctor exists; the delete commits before the change writes."""
    clock.set(START + timedelta(hours=1))
    checked = lifecycle.check_transition

    def delete_first(*args: Any) -> None:
        checked(*args)
        assert delete_doctor().status == 204

    monkeypatch.setattr(lifecycle, "check_transition", delete_first)
    monkeypatch.setattr(appointments_service, "check_transition", delete_first)

    answer = change(name, appointment_id)

    assert answer.status == 404, answer
    assert stored_status(appointment_id) == "booked"


def test_repeating_a_change_after_the_delete_is_404_too(appointment_id: str, clock: Clock) -> None:
    clock.set(START + timedelta(minutes=1))
    assert change("no-show", appointment_id).status == 200
    assert delete_doctor().status == 204

    assert change("no-show", appointment_id).status == 404
