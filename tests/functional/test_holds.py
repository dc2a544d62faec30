"""Holds in-process against moto, with the clock injected: a held slot is blocked until a margin after
`expires_at` and free right after it, with no job run; conversion books once; release frees at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.availability.app import lambda_handler as slots_handler
from functions.holds.app import lambda_handler as holds
from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from scheduling.models import Doctor
from tests.functional.conftest import CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, TEST_PRINCIPAL, Answer, event_with

SLOT = "2035-06-04T09:30:00-04:00"  # a Monday: the sample doctor opens 09:00-12:00 and 13:00-17:00
SLOT_Z = "2035-06-04T13:30:00Z"
T0 = datetime(2035, 6, 1, 12, tzinfo=UTC)


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(T0),
]


def hold(start: str = SLOT, ttl: int = 300, location: str = "123 Main St") -> Answer:
    body = {"start": start, "location": location, "ttl_seconds": ttl}
    return invoke(holds, event_with("holds_create", body=body))


def on_hold(name: str, hold_id: str) -> Answer:
    return invoke(holds, event_with(name, path_parameters={"doctor_id": SAMPLE_DOCTOR_ID, "hold_id": hold_id}))


def book(body: dict[str, Any]) -> Answer:
    return invoke(appointments, event_with("appointments_book", body=body))


def free_slots() -> list[str]:
    event = event_with("slots_list", query={"from": "2035-06-04", "to": "2035-06-05"})
    return [slot["start"] for slot in invoke(slots_handler, event).json()["items"]]


def appointment_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item.get("kind", {}).get("S") == "appointment"]


def test_a_hold_answers_201_with_its_expiry_and_blocks_the_slot(doctor: Doctor, clock: Clock) -> None:
    answer = hold(ttl=600)

    assert answer.status == 201, answer
    held = answer.json()
    assert answer.headers["location"] == f"/doctors/{SAMPLE_DOCTOR_ID}/holds/{held['id']}"
    assert held | {"id": None, "created_at": None} == {
        "id": None,
        "doctor_id": SAMPLE_DOCTOR_ID,
        "start": SLOT,
        "end": "2035-06-04T10:00:00-04:00",
        "location": "123 Main St",
        "timezone": "America/New_York",
        "status": "held",
        "expires_at": "2035-06-01T12:10:00Z",
        "created_at": None,
        "released_at": None,
        "appointment_id": None,
        "patient_id": None,
        "created_by": TEST_PRINCIPAL,
        "released_by": None,
    }
    assert len(held["id"].split("-")[1]) == 32  # 128 random bits: the id is the capability
    assert SLOT not in free_slots()
    taken = book({"start": SLOT, "location": "456 Central St"})
    assert (taken.status, taken.json()["type"]) == (409, "/problems/slot-held")
    again = hold()
    assert (again.status, again.json()["type"]) == (409, "/problems/slot-held")
    assert appointment_items() == []


def test_an_expired_hold_frees_the_slot_a_margin_after_expires_at_with_no_job(doctor: Doctor, clock: Clock) -> None:
    """For its holder the hold lapses at `expires_at`; for everyone else `HOLD_EXPIRY_MARGIN` later (a conversion
    whose clock read just before `expires_at` may still be committing; docs/design.md)."""
    held = hold(ttl=30).json()
    margin = HOLD_EXPIRY_MARGIN.total_seconds()

    clock.advance(29)
    blocked = book({"start": SLOT, "location": "123 Main St"})
    clock.advance(1)
    status_at_expiry = on_hold("holds_get", held["id"]).json()["status"]
    converted_at_expiry = book({"hold_id": held["id"]})
    clock.advance(margin - 0.001)
    offered_in_margin = SLOT in free_slots()
    blocked_in_margin = book({"start": SLOT, "location": "123 Main St"})
    clock.advance(0.001)
    offered_after = SLOT in free_slots()
    booked = book({"start": SLOT, "location": "123 Main St"})

    assert blocked.status == 409
    assert status_at_expiry == "expired"
    assert (converted_at_expiry.status, converted_at_expiry.json()["type"]) == (409, "/problems/hold-expired")
    assert not offered_in_margin
    assert (blocked_in_margin.status, blocked_in_margin.json()["type"]) == (409, "/problems/slot-held")
    assert offered_after
    assert booked.status == 201, booked
    [item] = appointment_items()
    assert item["appointment_id"]["S"] == booked.json()["id"]


def test_converting_a_hold_books_its_slot_once_and_again_answers_the_same_appointment(
    doctor: Doctor, clock: Clock
) -> None:
    held = hold().json()

    first = book({"hold_id": held["id"], "patient": {"id": "p-1"}})
    second = book({"hold_id": held["id"], "patient": {"id": "p-1"}})

    assert first.status == second.status == 201, (first, second)
    assert first.json() == second.json()
    appointment = first.json()
    assert (appointment["start"], appointment["location"], appointment["hold_id"]) == (SLOT, "123 Main St", held["id"])
    assert on_hold("holds_get", held["id"]).json() | {"created_at": None} == held | {
        "created_at": None,
        "status": "booked",
        "appointment_id": appointment["id"],
    }
    [item] = appointment_items()
    assert item["SK"]["S"] == f"SLOT#{SLOT_Z}"


def test_a_conversion_must_match_the_hold_when_it_names_start_or_location(doctor: Doctor, clock: Clock) -> None:
    held = hold().json()

    answer = book({"hold_id": held["id"], "start": "2035-06-04T10:00:00-04:00", "location": "456 Central St"})

    assert answer.status == 422
    assert sorted(error["path"] for error in answer.json()["errors"]) == ["location", "start"]
    assert appointment_items() == []
    assert on_hold("holds_get", held["id"]).json()["status"] == "held"


def test_release_frees_at_once_is_repeat_safe_and_a_released_hold_cannot_be_converted(
    doctor: Doctor, clock: Clock
) -> None:
    held = hold().json()

    first = on_hold("holds_release", held["id"])
    second = on_hold("holds_release", held["id"])

    assert first.status == second.status == 204
    assert SLOT in free_slots()
    assert on_hold("holds_get", held["id"]).json()["status"] == "released"
    converted = book({"hold_id": held["id"]})
    assert (converted.status, converted.json()["type"]) == (409, "/problems/hold-released")
    assert book({"start": SLOT, "location": "123 Main St"}).status == 201


def test_a_converted_hold_cannot_be_released(doctor: Doctor, clock: Clock) -> None:
    held = hold().json()
    book({"hold_id": held["id"]})

    answer = on_hold("holds_release", held["id"])

    assert (answer.status, answer.json()["type"]) == (409, "/problems/hold-booked")
    assert len(appointment_items()) == 1


@pytest.mark.parametrize("hold_id", ["nope", "20350604T133000Z-" + "0" * 32])
def test_an_unknown_hold_is_404(doctor: Doctor, clock: Clock, hold_id: str) -> None:
    assert on_hold("holds_get", hold_id).json()["type"] == "/problems/hold-not-found"
    assert book({"hold_id": hold_id}).status == 404


def test_a_hold_overlapping_a_booking_made_under_other_hours_is_refused(doctor: Doctor, clock: Clock) -> None:
    assert book({"start": SLOT, "location": "123 Main St"}).status == 201

    answer = hold(start="2035-06-04T09:00:00-04:00")  # 09:00-09:30 touches, does not overlap
    overlapping = invoke(holds, event_with("holds_create", body={"start": SLOT, "location": "123 Main St"}))

    assert answer.status == 201
    assert (overlapping.status, overlapping.json()["type"]) == (409, "/problems/slot-taken")


@pytest.mark.parametrize("ttl", [29, 1801, "300", 300.0])
def test_ttl_is_a_json_integer_from_30_to_1800(doctor: Doctor, clock: Clock, ttl: Any) -> None:
    answer = invoke(
        holds, event_with("holds_create", body={"start": SLOT, "location": "123 Main St", "ttl_seconds": ttl})
    )

    assert answer.status == 422
    assert [error["path"] for error in answer.json()["errors"]] == ["ttl_seconds"]


def test_hold_and_convert_budgets(doctor: Doctor, clock: Clock, dynamodb_calls: CallLog) -> None:
    held = hold().json()
    hold_calls = dynamodb_calls.on()
    dynamodb_calls.clear()
    book({"hold_id": held["id"]})

    # like a booking: doctor and overlaps together (in either order), then the claim
    assert (sorted(hold_calls[:2]), hold_calls[2:]) == (["GetItem", "Query"], ["TransactWriteItems"])
    assert dynamodb_calls.on() == ["GetItem", "TransactWriteItems"]  # the hold, then the conversion


@pytest.mark.parametrize("before_expiry", [True, False])
def test_a_booking_racing_an_expiring_hold_never_leaves_both(doctor: Doctor, clock: Clock, before_expiry: bool) -> None:
    held = hold(ttl=30).json()
    clock.advance(30 - (0.001 if before_expiry else -HOLD_EXPIRY_MARGIN.total_seconds()))

    # Both writes claim the same slot key; whichever comes first decides, the other's condition fails.
    converted = book({"hold_id": held["id"]})
    direct = book({"start": SLOT, "location": "456 Central St"})
    direct_first = book({"start": SLOT, "location": "456 Central St"}) if not before_expiry else None

    statuses = sorted([converted.status, direct.status])
    assert statuses == [201, 409]
    assert len(appointment_items()) == 1
    assert converted.status == (201 if before_expiry else 409)
    assert direct_first is None or direct_first.status == 409


def test_a_hold_whose_slot_has_started_can_no_longer_be_converted(doctor: Doctor, clock: Clock) -> None:
    clock.set(datetime(2035, 6, 4, 13, 25, tzinfo=UTC))  # five minutes before the 13:30Z slot
    held = hold(ttl=1800).json()
    clock.set(datetime(2035, 6, 4, 13, 30, 1, tzinfo=UTC))

    answer = book({"hold_id": held["id"]})

    assert answer.status == 422, answer
    assert [error["path"] for error in answer.json()["errors"]] == ["hold_id"]
    assert appointment_items() == []


def test_the_answered_expires_at_is_the_stored_one(doctor: Doctor, clock: Clock) -> None:
    clock.set(datetime(2035, 6, 1, 12, 0, 0, 987654, tzinfo=UTC))

    held = hold(ttl=30).json()
    read = on_hold("holds_get", held["id"]).json()

    # whole seconds, rounded up: the hold lasts at least its 30 s
    assert held["expires_at"] == read["expires_at"] == "2035-06-01T12:00:31Z"


@pytest.mark.parametrize("fraction_ms", [0, 1, 480, 999])
def test_a_hold_lasts_at_least_its_ttl_whatever_the_fraction_of_the_second_it_was_made_in(
    doctor: Doctor, clock: Clock, fraction_ms: int
) -> None:
    """Found by the outside tester: made at 07:44:42.048 with ttl 30, a hold expired at 07:45:12 (1 s short).
    `expires_at` is a whole second, rounded up: the hold lasts its ttl and less than a second more."""
    made = T0 + timedelta(milliseconds=fraction_ms)
    clock.set(made)

    held = hold(ttl=30).json()

    expires_at = datetime.fromisoformat(held["expires_at"])
    assert made + timedelta(seconds=30) <= expires_at < made + timedelta(seconds=31)
    assert expires_at.microsecond == 0
    [record] = [item for item in stored_items() if item["SK"]["S"] == f"HOLD#{held['id']}"]
    assert datetime.fromisoformat(record["expires_at"]["S"]) == expires_at


# One patient shape (issue #22): a hold names its patient as `patient: {"id": ...}`, like an appointment; the
# deprecated `patient_id` stays beside it for clients written before, and the stored attribute keeps its name.


def hold_for_patient(patient: str, headers: dict[str, str] | None = None) -> Answer:
    body = {"start": SLOT, "location": "123 Main St", "patient": {"id": patient}}
    return invoke(holds, event_with("holds_create", body=body, headers=headers))


def test_a_hold_for_a_patient_answers_patient_like_an_appointment_and_the_deprecated_patient_id(
    doctor: Doctor, clock: Clock
) -> None:
    created = hold_for_patient("p-1")
    read = on_hold("holds_get", created.json()["id"])

    assert created.status == 201, created
    for body in (created.json(), read.json()):
        assert (body["patient"], body["patient_id"]) == ({"id": "p-1"}, "p-1")
    [record] = [item for item in stored_items() if item.get("kind", {}).get("S") == "hold-record"]
    assert record["patient_id"] == {"S": "p-1"}
    assert "patient" not in record
    converted = book({"hold_id": created.json()["id"]})
    assert converted.json()["patient"]["id"] == "p-1"  # the same shape the hold answered (an appointment's adds name)


def test_a_keyed_hold_answers_the_patient_in_both_shapes_first_and_on_replay(doctor: Doctor, clock: Clock) -> None:
    first = hold_for_patient("p-2", headers={"Idempotency-Key": "patient-shape"})
    again = hold_for_patient("p-2", headers={"Idempotency-Key": "patient-shape"})

    assert (first.status, again.status) == (201, 201), (first, again)
    assert again.json() == first.json()
    assert (first.json()["patient"], first.json()["patient_id"]) == ({"id": "p-2"}, "p-2")


def test_a_hold_for_no_patient_answers_no_patient_and_a_null_patient_id(doctor: Doctor, clock: Clock) -> None:
    created = hold()
    read = on_hold("holds_get", created.json()["id"])

    for body in (created.json(), read.json()):
        assert "patient" not in body
        assert body["patient_id"] is None
