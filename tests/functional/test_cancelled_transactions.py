"""No 500 from a cancelled transaction (issue #18, item 4).

Every `TransactionCanceledException` reason, on every write that is a transaction, answers what the caller can
act on: retry (`503` + `Retry-After`, or `409 concurrent-update` + `Retry-After` once the service's own retries
of a conflict ran out) with nothing changed, a conflict (`409`, from the real conditions: other tests), or the
first outcome when the cancellation was a retried write that had already committed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.doctors.app import etag
from functions.doctors.app import lambda_handler as doctors_handler
from functions.holds.app import lambda_handler as holds_handler
from scheduling.models import Doctor
from tests.functional.conftest import invoke, stored_items
from tests.support.clock import Clock
from tests.support.faults import AppliedButAnswerLost, Fault
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with, sample_event

REASONS = [
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "ItemCollectionSizeLimitExceeded",
    "ValidationError",
    "None",
]


class Cancelled(Fault):
    """Every TransactWriteItems is cancelled with `reason` on item `at` (the others `None`)."""

    def __init__(self, reason: str, at: int = 0) -> None:
        super().__init__("TransactWriteItems", 400, "TransactionCanceledException")
        self.reason, self.at = reason, at

    def respond(self, request: Any) -> tuple[int, dict[str, str], str] | None:
        count = len(json.loads(request.body)["TransactItems"])
        failing = self.at % count
        self.extra = {
            "CancellationReasons": [{"Code": self.reason if index == failing else "None"} for index in range(count)],
            "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{self.reason}]",
        }
        return super().respond(request)


@dataclass
class Write:
    """A write to try: its handler and event, built after the state it needs was given."""

    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    event: dict[str, Any]


START = datetime.fromisoformat("2035-06-04T13:30:00+00:00")  # the sample booking's slot


def _booked(body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = invoke(
        appointments_handler, event_with("appointments_book", body=body) if body else sample_event("appointments_book")
    )
    assert answer.status == 201, answer
    result: dict[str, Any] = answer.json()
    return result


def _path(appointment: dict[str, Any]) -> dict[str, str]:
    return {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment["id"]}


def create_doctor() -> Write:
    return Write(doctors_handler, sample_event("doctors_create"))


def replace_doctor() -> Write:
    return Write(doctors_handler, sample_event("doctors_replace"))


def patch_doctor() -> Write:
    return Write(doctors_handler, sample_event("doctors_patch"))


def delete_doctor() -> Write:
    # The sample deletes the second sample doctor (who has nothing booked); here, the one given.
    return Write(doctors_handler, event_with("doctors_delete", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID}))


def book() -> Write:
    return Write(appointments_handler, sample_event("appointments_book"))


def book_keyed() -> Write:
    return Write(appointments_handler, event_with("appointments_book", headers={"Idempotency-Key": "cancelled-1"}))


def hold() -> Write:
    body = {**json.loads(sample_event("holds_create")["body"]), "patient": {"id": "p-held"}}
    return Write(holds_handler, event_with("holds_create", body=body))


def convert() -> Write:
    held = invoke(holds_handler, sample_event("holds_create")).json()
    return Write(appointments_handler, event_with("appointments_book", body={"hold_id": held["id"]}))


def reschedule() -> Write:
    return Write(appointments_handler, event_with("appointments_reschedule", path_parameters=_path(_booked())))


def cancel() -> Write:
    return Write(appointments_handler, event_with("appointments_cancel", path_parameters=_path(_booked())))


def check_in(clock: Clock) -> Write:
    appointment = _booked()
    clock.set(START - timedelta(minutes=10))
    return Write(appointments_handler, event_with("appointments_check_in", path_parameters=_path(appointment)))


WRITES: dict[str, Callable[..., Write]] = {
    "doctors-create": create_doctor,
    "doctors-replace": replace_doctor,
    "doctors-patch": patch_doctor,
    "doctors-delete": delete_doctor,
    "book": book,
    "book-keyed": book_keyed,
    "hold": hold,
    "convert": convert,
    "reschedule": reschedule,
    "cancel": cancel,
    "check-in": check_in,
}


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(START - timedelta(days=3)),
]


def given(name: str, given_doctor: Callable[..., Doctor], clock: Clock) -> Write:
    if name != "doctors-create":
        given_doctor(SAMPLE_DOCTOR_ID)
    make = WRITES[name]
    return make(clock) if name == "check-in" else make()


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("name", list(WRITES))
def test_a_cancelled_transaction_is_a_retry_answer_and_changes_nothing(
    name: str,
    reason: str,
    given_doctor: Callable[..., Doctor],
    clock: Clock,
    inject: Callable[[Fault], Fault],
) -> None:
    write = given(name, given_doctor, clock)
    before = stored_items()
    fault = inject(Cancelled(reason))

    answer = invoke(write.handler, write.event)

    assert fault.attempts >= 1  # the transaction was tried, and cancelled
    assert answer.status in {409, 503}, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers.get("retry-after") == "1", answer
    if answer.status == 409:
        assert answer.json()["type"] == "/problems/concurrent-update", answer
    assert stored_items() == before


@pytest.mark.parametrize("name", list(WRITES))
def test_a_condition_the_write_does_not_expect_to_fail_is_a_conflict_never_a_500(
    name: str, given_doctor: Callable[..., Doctor], clock: Clock, inject: Callable[[Fault], Fault]
) -> None:
    """The last item of each transaction failing its condition (whatever it is: the patient's lock, a tag, the
    patient's copy): the store cannot name the conflict better than "changed meanwhile", so it says that."""
    write = given(name, given_doctor, clock)
    before = stored_items()
    inject(Cancelled("ConditionalCheckFailed", at=-1))

    answer = invoke(write.handler, write.event)

    assert answer.status in {404, 409, 412, 503}, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored_items() == before


def test_a_doctor_create_whose_answer_was_lost_and_retried_is_201_and_stored_once(
    inject: Callable[[Fault], Fault],
) -> None:
    """The SDK's retry of the create finds the doctor its first attempt stored: that is the create, done."""
    fault = inject(AppliedButAnswerLost("TransactWriteItems"))

    answer = invoke(doctors_handler, sample_event("doctors_create"))

    assert answer.status == 201, answer
    assert fault.attempts == 2
    created = answer.json()
    profiles = [item for item in stored_items() if item["SK"]["S"] == "PROFILE"]
    assert [item["PK"]["S"] for item in profiles] == [f"DOCTOR#{created['id']}"]
    got = invoke(doctors_handler, event_with("doctors_get", path_parameters={"doctor_id": created["id"]}))
    assert got.json() == created


@pytest.mark.parametrize(
    ("event_name", "body", "operation"),
    [
        ("doctors_replace", None, "TransactWriteItems"),  # new hours: the fence moves with the profile
        ("doctors_patch", None, "TransactWriteItems"),
        # a name only: also in the search's summary on the tag items (docs/data-model.md), so one transaction too
        ("doctors_patch", {"name": "Dr Gregory House"}, "TransactWriteItems"),
    ],
    ids=["replace", "patch-hours", "patch-name"],
)
def test_a_doctor_change_whose_answer_was_lost_and_retried_is_applied_once(
    event_name: str,
    body: dict[str, Any] | None,
    operation: str,
    given_doctor: Callable[..., Doctor],
    inject: Callable[[Fault], Fault],
) -> None:
    """With `If-Match`, the retry of our own committed write must not read as someone else's change (412), and
    the change must not be applied twice (the version moves by one)."""
    doctor = given_doctor(SAMPLE_DOCTOR_ID)
    fault = inject(AppliedButAnswerLost(operation))
    event = sample_event(event_name)
    headers = {**event["headers"], "If-Match": etag(doctor)}
    event = event_with(event_name, body=body, headers=headers) if body else event_with(event_name, headers=headers)

    answer = invoke(doctors_handler, event)

    assert answer.status == 200, answer
    assert fault.attempts == 2
    assert answer.headers["etag"] == f'"{doctor.version + 1}"'  # applied once
    got = invoke(doctors_handler, event_with("doctors_get", path_parameters={"doctor_id": doctor.id}))
    assert (got.json(), got.headers["etag"]) == (answer.json(), answer.headers["etag"])


def test_a_cancellation_no_retry_cures_is_logged_with_its_reasons_for_the_operators(
    given_doctor: Callable[..., Doctor], inject: Callable[[Fault], Fault], logs: io.StringIO
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    inject(Cancelled("ItemCollectionSizeLimitExceeded"))

    answer = invoke(appointments_handler, sample_event("appointments_book"))

    assert answer.status == 503, answer
    logged = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    [warning] = [entry for entry in logged if entry.get("message") == "database unavailable after retries"]
    assert "ItemCollectionSizeLimitExceeded" in warning["cause"]
