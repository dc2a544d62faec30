"""`max_per_day` and `cancel_cutoff_minutes` through the handlers, against moto, with the clock injected: the cap
counts appointments and unexpired holds per local day (DST days included), a full day offers no slots, a
cancellation frees a place; the cut-off refuses late cancels and moves."""

from __future__ import annotations

from collections.abc import Callable
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
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEK}


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(datetime(2027, 3, 1, tzinfo=UTC)),
]


def with_rules(given_doctor: Callable[..., Doctor], **rules: Any) -> Doctor:
    return given_doctor(SAMPLE_DOCTOR_ID, timezone="America/New_York", slot_minutes=60, schedule=ALL_DAY, rules=rules)


def book(start: str) -> Answer:
    return invoke(appointments, event_with("appointments_book", body={"start": start, "location": "123 Main St"}))


def hold(start: str) -> Answer:
    return invoke(
        holds, event_with("holds_create", body={"start": start, "location": "123 Main St", "ttl_seconds": 60})
    )


def on(name: str, appointment_id: str, body: Any = None) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments, event_with(name, path_parameters=path, body=body))


def offered(day: str, next_day: str) -> list[str]:
    answer = invoke(slots_handler, event_with("slots_list", query={"from": day, "to": next_day}))
    assert answer.status == 200, answer
    return [slot["start"] for slot in answer.json()["items"]]


def booked_count() -> int:
    return sum(1 for item in stored_items() if item.get("kind", {}).get("S") == "appointment")


def test_the_cap_counts_per_local_day_and_a_full_day_offers_nothing(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    with_rules(given_doctor, max_per_day=2)

    first = book("2027-03-08T09:00:00-05:00")
    second = book("2027-03-08T23:00:00-05:00")  # 04:00Z the next UTC day: still the same local day
    third = book("2027-03-08T10:00:00-05:00")
    next_day = book("2027-03-09T00:00:00-05:00")

    assert (first.status, second.status, next_day.status) == (201, 201, 201)
    assert (third.status, third.json()["type"]) == (409, "/problems/day-full")
    assert offered("2027-03-08", "2027-03-09") == []
    assert offered("2027-03-09", "2027-03-10")[0] == "2027-03-09T01:00:00-05:00"
    assert booked_count() == 3


@pytest.mark.parametrize(
    ("day", "next_day", "hours"),
    # New York's clock changes: 02:00 does not exist in March; 01:00 comes twice in November and is taken once
    [("2027-03-14", "2027-03-15", 23), ("2027-11-07", "2027-11-08", 24)],
)
def test_the_cap_on_a_clock_change_day_counts_the_day_as_the_clock_reads_it(
    given_doctor: Callable[..., Doctor], clock: Clock, day: str, next_day: str, hours: int
) -> None:
    with_rules(given_doctor, max_per_day=2)
    slots = offered(day, next_day)
    assert len(slots) == hours

    answers = [book(slots[0]).status, book(slots[-1]).status, book(slots[len(slots) // 2]).status]

    assert answers == [201, 201, 409]
    assert offered(day, next_day) == []
    day_after = (datetime.fromisoformat(next_day) + timedelta(days=1)).date().isoformat()
    assert len(offered(next_day, day_after)) > 0


def test_holds_count_for_the_cap_until_they_expire_and_a_cancel_frees_a_place(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    with_rules(given_doctor, max_per_day=2)
    appointment = book("2027-03-08T09:00:00-05:00").json()
    assert hold("2027-03-08T10:00:00-05:00").status == 201

    full = book("2027-03-08T11:00:00-05:00")
    clock.advance(60 + HOLD_EXPIRY_MARGIN.total_seconds())  # the hold has expired, and its margin passed
    after_expiry = book("2027-03-08T11:00:00-05:00")
    full_again = book("2027-03-08T12:00:00-05:00")
    on("appointments_cancel", appointment["id"])
    after_cancel = book("2027-03-08T12:00:00-05:00")

    assert full.json()["type"] == "/problems/day-full"
    assert after_expiry.status == 201
    assert full_again.json()["type"] == "/problems/day-full"
    assert after_cancel.status == 201


def test_a_reschedule_within_a_full_day_keeps_its_place(given_doctor: Callable[..., Doctor], clock: Clock) -> None:
    with_rules(given_doctor, max_per_day=1)
    appointment = book("2027-03-08T09:00:00-05:00").json()

    moved = on("appointments_reschedule", appointment["id"], {"start": "2027-03-08T15:00:00-05:00"})

    assert moved.status == 201, moved


def test_a_capped_booking_counts_its_day_from_its_first_look(
    given_doctor: Callable[..., Doctor], clock: Clock, dynamodb_calls: CallLog
) -> None:
    """Issue #23: the doctor and its bookings over every local day the start can fall on (any zone) together,
    then one transaction that bumps the day lock if it is settled: 2 rounds (it read the day lock and counted the
    day in a round of their own, after the doctor's: tests/functional/test_daily_cap_rounds.py has the edges)."""
    with_rules(given_doctor, max_per_day=3)
    dynamodb_calls.clear()

    book("2027-03-08T09:00:00-05:00")

    calls = dynamodb_calls.on()
    assert [sorted(calls[:2]), calls[2:]] == [["GetItem", "Query"], ["TransactWriteItems"]]
    [day] = [item for item in stored_items() if item["SK"]["S"].startswith("DAY#")]
    assert (day["SK"]["S"], day["version"]["N"], day["at"]["S"]) == ("DAY#2027-03-08", "1", "2027-03-01T00:00:00Z")


def test_cancel_and_reschedule_are_refused_after_the_cutoff(given_doctor: Callable[..., Doctor], clock: Clock) -> None:
    with_rules(given_doctor, cancel_cutoff_minutes=120)
    first = book("2027-03-08T09:00:00-05:00").json()
    second = book("2027-03-08T10:00:00-05:00").json()

    clock.set(datetime(2027, 3, 8, 14, tzinfo=UTC) - timedelta(minutes=120))  # first starts 14:00Z
    cancelled_in_time = on("appointments_cancel", first["id"])
    clock.set(datetime(2027, 3, 8, 15, tzinfo=UTC) - timedelta(minutes=119))  # second starts 15:00Z
    too_late = on("appointments_cancel", second["id"])
    moved_too_late = on("appointments_reschedule", second["id"], {"start": "2027-03-08T16:00:00-05:00"})

    assert cancelled_in_time.status == 200
    assert (too_late.status, too_late.json()["type"]) == (409, "/problems/too-late")
    assert (moved_too_late.status, moved_too_late.json()["type"]) == (409, "/problems/too-late")
    assert on("appointments_get", second["id"]).json()["status"] == "booked"


def test_without_a_cutoff_an_appointment_can_be_cancelled_until_it_ends(
    given_doctor: Callable[..., Doctor], clock: Clock
) -> None:
    with_rules(given_doctor)
    appointment = book("2027-03-08T09:00:00-05:00").json()
    clock.set(datetime(2027, 3, 8, 14, 30, tzinfo=UTC))

    assert on("appointments_cancel", appointment["id"]).status == 200
