"""A booking at a doctor with a daily cap in two rounds (issue #23): the first look reaches every local day the
start can fall on, the day is counted from it, and the transaction bumps the day lock only if it is settled
(domain/settled.py); a day lock moved in the last seconds, or stored without a stamp, is read on a retry, as
before. The edges: zones far apart, a clock change, a zone that changed, a full day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.holds.app import lambda_handler as holds
from scheduling.models import Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import TABLES, CallLog, invoke, stored_items
from tests.support.clock import Clock
from tests.support.lambda_events import Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEK}

pytestmark = [pytest.mark.usefixtures("aws"), pytest.mark.clock(datetime(2027, 3, 1, tzinfo=UTC))]


def capped(given_doctor: Callable[..., Doctor], zone: str, cap: int) -> str:
    doctor_id = uuid4().hex  # a doctor of its own: nothing remembered about it
    given_doctor(doctor_id, timezone=zone, slot_minutes=60, schedule=ALL_DAY, rules={"max_per_day": cap})
    return doctor_id


def book(doctor_id: str, start: str) -> Answer:
    body = {"start": start, "location": "123 Main St"}
    return invoke(appointments, event_with("appointments_book", path_parameters={"doctor_id": doctor_id}, body=body))


def day_locks(doctor_id: str) -> dict[str, tuple[str, str | None]]:
    return {
        item["SK"]["S"]: (item["version"]["N"], item.get("at", {}).get("S"))
        for item in stored_items()
        if item["PK"]["S"] == f"DOCTOR#{doctor_id}" and item["SK"]["S"].startswith("DAY#")
    }


def appointments_of(doctor_id: str) -> list[str]:
    return sorted(
        item["SK"]["S"]
        for item in stored_items()
        if item["PK"]["S"] == f"DOCTOR#{doctor_id}" and item.get("kind", {}).get("S") == "appointment"
    )


def two_rounds(calls: list[str]) -> bool:
    """The doctor and its bookings issued together, then one transaction."""
    return [sorted(calls[:2]), calls[2:]] == [["GetItem", "Query"], ["TransactWriteItems"]]


@pytest.mark.parametrize(
    ("zone", "first_day", "second_day"),
    [
        # 09:00Z and 10:00Z: the same UTC date, two local dates at UTC+14 and at UTC-11 (each its own day)
        ("Pacific/Kiritimati", "DAY#2027-03-08", "DAY#2027-03-09"),  # 23:00 and 00:00 local
        ("Pacific/Pago_Pago", "DAY#2027-03-07", "DAY#2027-03-07"),  # 22:00 and 23:00 on the 7th
    ],
)
def test_the_day_is_the_doctors_local_date_whatever_the_zone(
    given_doctor: Callable[..., Doctor],
    clock: Clock,
    dynamodb_calls: CallLog,
    zone: str,
    first_day: str,
    second_day: str,
) -> None:
    doctor_id = capped(given_doctor, zone, cap=1)
    dynamodb_calls.clear()

    first = book(doctor_id, "2027-03-08T09:00:00Z")
    first_calls = dynamodb_calls.on()
    clock.advance(60)  # the first day lock is settled
    second = book(doctor_id, "2027-03-08T10:00:00Z")

    assert first.status == 201, first
    assert two_rounds(first_calls)
    if first_day == second_day:  # one local day, its one place taken
        assert (second.status, second.json()["type"]) == (409, "/problems/day-full")
        assert appointments_of(doctor_id) == ["SLOT#2027-03-08T09:00:00Z"]
        assert list(day_locks(doctor_id)) == [first_day]
    else:
        assert second.status == 201, second
        assert len(appointments_of(doctor_id)) == 2
        assert sorted(day_locks(doctor_id)) == [first_day, second_day]


def test_a_25_hour_day_is_counted_whole_in_two_rounds(
    given_doctor: Callable[..., Doctor], clock: Clock, dynamodb_calls: CallLog
) -> None:
    """New York's 2027-11-07 has 25 hours: its first slot (04:00Z) and its last (04:00Z the next day) are a day
    apart, and both count."""
    doctor_id = capped(given_doctor, "America/New_York", cap=2)
    assert book(doctor_id, "2027-11-07T00:00:00-04:00").status == 201
    clock.advance(60)
    dynamodb_calls.clear()

    last = book(doctor_id, "2027-11-07T23:00:00-05:00")
    last_calls = dynamodb_calls.on()
    clock.advance(60)
    dynamodb_calls.clear()
    full = book(doctor_id, "2027-11-07T12:00:00-05:00")

    assert last.status == 201, last
    assert two_rounds(last_calls)
    assert (full.status, full.json()["type"]) == (409, "/problems/day-full")
    assert "TransactWriteItems" not in dynamodb_calls.on()  # refused from the look: nothing written
    assert appointments_of(doctor_id) == ["SLOT#2027-11-07T04:00:00Z", "SLOT#2027-11-08T04:00:00Z"]
    assert day_locks(doctor_id) == {"DAY#2027-11-07": ("2", "2027-03-01T00:01:00Z")}


def test_a_zone_changed_between_bookings_counts_the_day_of_the_new_zone(
    given_doctor: Callable[..., Doctor], store: SchedulingStore, clock: Clock, dynamodb_calls: CallLog
) -> None:
    """04:00Z is 23:00 on the 8th in New York and 04:00 on the 9th in London: after the move to London, 05:00Z is
    on the same local day as the first booking, so the day (cap 1) is full."""
    doctor_id = capped(given_doctor, "America/New_York", cap=1)
    assert book(doctor_id, "2027-03-09T04:00:00Z").status == 201
    current = store.get_doctor(doctor_id)
    moved = current.doctor.model_copy(update={"timezone": "Europe/London", "updated_at": clock()})
    store.replace_doctor(moved, current, move_fence=True)
    clock.advance(60)  # the fence and the day lock are settled
    dynamodb_calls.clear()

    answer = book(doctor_id, "2027-03-09T05:00:00Z")  # 00:00 on the 9th in New York: a free day there

    assert (answer.status, answer.json()["type"]) == (409, "/problems/day-full")
    assert sorted(dynamodb_calls.on()) == ["GetItem", "Query"]  # counted from the one look (issued together)
    assert appointments_of(doctor_id) == ["SLOT#2027-03-09T04:00:00Z"]
    assert list(day_locks(doctor_id)) == ["DAY#2027-03-08"]  # the New York day the first booking bumped


def test_a_day_booked_seconds_before_is_counted_again_after_reading_its_lock(
    given_doctor: Callable[..., Doctor], clock: Clock, dynamodb_calls: CallLog
) -> None:
    """The lock was written 5 s ago: not settled, so the transaction refuses the unread bump; the retry reads the
    lock with a count, counts again after it (point 8), and bumps the version it read."""
    doctor_id = capped(given_doctor, "America/New_York", cap=2)
    assert book(doctor_id, "2027-03-08T09:00:00-05:00").status == 201
    clock.advance(5)
    dynamodb_calls.clear()

    second = book(doctor_id, "2027-03-08T10:00:00-05:00")
    calls = dynamodb_calls.on()
    clock.advance(5)
    third = book(doctor_id, "2027-03-08T11:00:00-05:00")

    assert second.status == 201, second
    assert calls.count("TransactWriteItems") == 2  # the first attempt's, refused, then the retry's
    assert calls.count("GetItem") == 3  # the doctor twice, then the day lock
    assert (third.status, third.json()["type"]) == (409, "/problems/day-full")
    assert len(appointments_of(doctor_id)) == 2
    assert day_locks(doctor_id) == {"DAY#2027-03-08": ("2", "2027-03-01T00:00:05Z")}


def test_a_day_lock_stored_without_a_stamp_keeps_working(
    given_doctor: Callable[..., Doctor], clock: Clock, dynamodb_calls: CallLog
) -> None:
    """A lock written before locks were stamped fails the unread bump once; the retry reads it and stamps it."""
    doctor_id = capped(given_doctor, "America/New_York", cap=3)
    old_lock: dict[str, Any] = {
        "PK": {"S": f"DOCTOR#{doctor_id}"},
        "SK": {"S": "DAY#2027-03-08"},
        "kind": {"S": "day"},
        "version": {"N": "4"},
    }
    boto3.client("dynamodb").put_item(TableName=TABLES["SchedulingTable"], Item=old_lock)
    dynamodb_calls.clear()

    answer = book(doctor_id, "2027-03-08T09:00:00-05:00")
    calls = dynamodb_calls.on()
    clock.advance(60)
    dynamodb_calls.clear()
    settled = book(doctor_id, "2027-03-08T10:00:00-05:00")

    assert answer.status == 201, answer
    assert calls.count("TransactWriteItems") == 2
    assert settled.status == 201, settled
    assert two_rounds(dynamodb_calls.on())
    assert day_locks(doctor_id) == {"DAY#2027-03-08": ("6", "2027-03-01T00:01:00Z")}


def test_a_hold_at_a_capped_doctor_takes_two_rounds_and_counts(
    given_doctor: Callable[..., Doctor], clock: Clock, dynamodb_calls: CallLog
) -> None:
    doctor_id = capped(given_doctor, "America/New_York", cap=1)
    body = {"start": "2027-03-08T09:00:00-05:00", "location": "123 Main St", "ttl_seconds": 60}
    on_doctor = {"doctor_id": doctor_id}
    dynamodb_calls.clear()

    held = invoke(holds, event_with("holds_create", path_parameters=on_doctor, body=body))
    hold_calls = dynamodb_calls.on()
    clock.advance(20)  # the hold still takes its place; its day lock is settled
    full = book(doctor_id, "2027-03-08T15:00:00-05:00")

    assert held.status == 201, held
    assert two_rounds(hold_calls)
    assert (full.status, full.json()["type"]) == (409, "/problems/day-full")
    assert appointments_of(doctor_id) == []
