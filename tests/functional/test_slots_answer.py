"""The free-slot answer is the same bytes as before issue 12's speed work (tests/support/old_availability.py, a
frozen copy of the handler that built a `Slot` model per slot), on clock-change days and odd zones, with
bookings, holds, buffers, per-session locations and a daily cap in play; both handlers read one moto table."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.appointments.app import lambda_handler as appointments
from functions.availability.app import lambda_handler
from functions.holds.app import lambda_handler as holds
from scheduling.models import WEEKDAYS, Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import invoke
from tests.support.clock import Clock
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, context, event_with
from tests.support.old_availability import old_lambda_handler


def every_day(*hours: dict[str, Any]) -> dict[str, Any]:
    return {day: list(hours) for day in WEEKDAYS}


AROUND_THE_CLOCK = every_day({"start": "00:00", "end": "24:00"})
MAIN = ["123 Main St"]

# (doctor fields, now, windows); each case's first window is where bookings and a hold are made.
CASES = {
    "new york spring forward, 5-minute slots": (
        {"timezone": "America/New_York", "slot_minutes": 5, "schedule": AROUND_THE_CLOCK},
        "2035-03-01T00:00:00Z",
        [{"from": "2035-03-10", "to": "2035-03-13"}, {"from": "2035-03-01", "to": "2035-04-01"}],
    ),
    "new york fall back, buffer, session locations, daily cap": (
        {
            "timezone": "America/New_York",
            "slot_minutes": 25,
            "schedule": every_day(
                {"start": "00:00", "end": "12:00", "locations": MAIN}, {"start": "12:00", "end": "24:00"}
            ),
            "rules": {"buffer_minutes": 5, "max_per_day": 3},
        },
        "2035-10-20T00:00:00Z",
        [
            {"from": "2035-11-03", "to": "2035-11-06"},
            {"from": "2035-11-04T01:00:00-04:00", "to": "2035-11-04T02:30:00-05:00"},
        ],
    ),
    "lord howe, half-hour change": (
        {
            "timezone": "Australia/Lord_Howe",
            "slot_minutes": 45,
            "schedule": every_day({"start": "01:05", "end": "06:00"}, {"start": "08:00", "end": "20:00"}),
        },
        "2035-03-01T00:00:00Z",
        [{"from": "2035-10-06", "to": "2035-10-09"}, {"from": "2035-03-30", "to": "2035-04-03"}],
    ),
    "chatham, +12:45 to +13:45": (
        {"timezone": "Pacific/Chatham", "slot_minutes": 25, "schedule": every_day({"start": "02:30", "end": "23:00"})},
        "2035-03-01T00:00:00Z",
        [{"from": "2035-09-29", "to": "2035-10-02"}, {"from": "2035-03-31", "to": "2035-04-03"}],
    ),
    "kathmandu, +05:45": (
        {"timezone": "Asia/Kathmandu", "slot_minutes": 15, "schedule": AROUND_THE_CLOCK},
        "2035-06-01T00:00:00Z",
        [{"from": "2035-06-04", "to": "2035-06-11"}, {}],
    ),
    "london, Z in winter": (
        {"timezone": "Europe/London", "slot_minutes": 60, "schedule": AROUND_THE_CLOCK},
        "2035-03-01T00:00:00Z",
        [{"from": "2035-03-24", "to": "2035-03-27"}, {"from": "2035-10-27", "to": "2035-10-30"}],
    ),
    "santiago, changes at midnight, daily cap": (
        {
            "timezone": "America/Santiago",
            "slot_minutes": 30,
            "schedule": AROUND_THE_CLOCK,
            "rules": {"max_per_day": 2, "min_notice_minutes": 90},
        },
        "2035-03-01T00:00:00Z",
        [{"from": "2035-03-31", "to": "2035-04-03"}, {"from": "2035-09-01", "to": "2035-09-04"}],
    ),
    "monrovia, -00:44:30 until 1972": (
        {"timezone": "Africa/Monrovia", "slot_minutes": 45, "schedule": AROUND_THE_CLOCK},
        "1971-12-01T00:00:00Z",
        [{"from": "1972-01-05", "to": "1972-01-09"}, {"from": "1971-12-01T10:00:00-00:44", "to": "1971-12-20"}],
    ),
}


# Nothing is booked there: answers write -00:44 for -00:44:30 (pydantic drops an offset's seconds), 30 s off
# the slot, so the written start names no slot (as before).
UNBOOKABLE = {"Africa/Monrovia"}


pytestmark = [
    pytest.mark.usefixtures("aws"),
    pytest.mark.clock(datetime(2035, 1, 1, tzinfo=UTC)),
]


def raw(handler: Callable[[dict[str, Any], Any], dict[str, Any]], event: dict[str, Any]) -> dict[str, Any]:
    """The proxy result as the handler returns it (headers included), from a copy of the event."""
    ctx: Any = context()
    return handler(copy.deepcopy(event), ctx)


def take_some(items: list[dict[str, Any]]) -> list[int]:
    """Book every seventh offered slot (at most eight) and hold one more: the statuses (a full day says 409)."""
    statuses = []
    for item in items[3::7][:8]:
        body = {"start": item["start"], "location": item["locations"][0]}
        statuses.append(invoke(appointments, event_with("appointments_book", body=body)).status)
    if len(items) > 5:
        body = {"start": items[5]["start"], "location": items[5]["locations"][0], "ttl_seconds": 600}
        statuses.append(invoke(holds, event_with("holds_create", body=body)).status)
    return statuses


@pytest.mark.parametrize(("fields", "now", "windows"), CASES.values(), ids=CASES.keys())
def test_the_answer_is_the_same_bytes_as_before(
    given_doctor: Callable[..., Doctor],
    store: SchedulingStore,
    clock: Clock,
    fields: dict[str, Any],
    now: str,
    windows: list[dict[str, str]],
) -> None:
    clock.set(datetime.fromisoformat(now))
    given_doctor(SAMPLE_DOCTOR_ID, **fields)
    before = old_lambda_handler(lambda: store, clock)

    def both(query: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        event = event_with("slots_list", query=query)
        return raw(lambda_handler, event), raw(before, event)

    offered = invoke(lambda_handler, event_with("slots_list", query=windows[0])).json()["items"]
    if fields["timezone"] not in UNBOOKABLE:
        assert 201 in take_some(offered)

    for query in windows:
        ours, old = both(query)
        assert ours["statusCode"] == old["statusCode"] == 200, (ours, old)
        assert ours["multiValueHeaders"] == old["multiValueHeaders"]
        assert ours["body"] == old["body"]
        assert ours["body"].startswith('{"items":[{"start":')  # a real answer, not an empty one


def test_problems_are_unchanged(given_doctor: Callable[..., Doctor], store: SchedulingStore, clock: Clock) -> None:
    before = old_lambda_handler(lambda: store, clock)
    missing = event_with("slots_list", path_parameters={"doctor_id": "f" * 32})
    bad_window = event_with("slots_list", query={"from": "2035-06-04", "to": "2035-06-01"})
    given_doctor(SAMPLE_DOCTOR_ID)

    for event in (missing, bad_window):
        ours, old = raw(lambda_handler, event), raw(before, event)
        assert ours["statusCode"] == old["statusCode"] != 200
        assert ours["body"] == old["body"]
