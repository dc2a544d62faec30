"""Booking rules and per-session locations through the handlers, against moto, with the service's clock
injected: notice and horizon in the slot search and in booking, the buffered grid, session locations, and the
`rules` object on the doctor (validated, merge-patched, shown, moving the booking fence)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments_handler
from functions.availability.app import lambda_handler as slots_handler
from functions.doctors.app import lambda_handler as doctors_handler
from functions.holds.app import lambda_handler as holds_handler
from scheduling.models import Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import HOUSE, TABLES, invoke, stored_items
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

# A Monday, one hour before the sample doctor opens (09:00-12:00 and 13:00-17:00 on Mondays, 08:00-16:00 on
# Wednesdays, in New York).
NOW = datetime.fromisoformat("2035-06-04T08:00:00-04:00")
MAIN, CENTRAL = HOUSE["locations"]
DEFAULT_RULES: dict[str, Any] = {
    "min_notice_minutes": 0,
    "horizon_days": None,
    "buffer_minutes": 0,
    "max_per_day": None,
    "cancel_cutoff_minutes": 0,
    "reminders_minutes": [],
    "waitlist_offer_ttl_seconds": None,
}


pytestmark = [
    pytest.mark.usefixtures("aws", "clock"),
    pytest.mark.clock(NOW),
]


def slots(start: str = "2035-06-04", end: str = "2035-06-05") -> list[dict[str, Any]]:
    answer = invoke(slots_handler, event_with("slots_list", query={"from": start, "to": end}))
    assert answer.status == 200, answer
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def starts(start: str = "2035-06-04", end: str = "2035-06-05") -> list[str]:
    return [slot["start"][11:16] for slot in slots(start, end)]


def book(start: str, location: str = MAIN) -> Answer:
    return invoke(appointments_handler, event_with("appointments_book", body={"start": start, "location": location}))


def hold(start: str, location: str = MAIN) -> Answer:
    return invoke(holds_handler, event_with("holds_create", body={"start": start, "location": location}))


def patch(body: Any) -> Answer:
    return invoke(doctors_handler, event_with("doctors_patch", body=body))


def problems(answer: Answer) -> list[tuple[str, str]]:
    assert answer.status == 422, answer
    return [(error["path"], error["message"]) for error in answer.json()["errors"]]


def booked_slot_items() -> list[dict[str, Any]]:
    return [item for item in stored_items() if item["SK"]["S"].startswith("SLOT#")]


# Minimum notice


def test_slots_sooner_than_the_notice_are_not_offered(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"min_notice_minutes": 120})

    assert starts()[:2] == ["10:00", "10:30"]  # now + 120 minutes is 10:00, included


def test_booking_sooner_than_the_notice_is_422_on_start(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"min_notice_minutes": 120})

    [(path, message)] = problems(book("2035-06-04T09:30:00-04:00"))

    assert path == "start"
    assert "less than 120 minutes from now" in message
    assert booked_slot_items() == []
    assert book("2035-06-04T10:00:00-04:00").status == 201


def test_a_past_start_is_still_called_past_whatever_the_notice(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"min_notice_minutes": 120})

    assert problems(book("2035-05-28T09:30:00-04:00")) == [("start", "is in the past")]


# Horizon


def test_slots_beyond_the_horizon_are_not_offered_and_its_last_instant_is(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"horizon_days": 2})

    # now + 2 days is Wednesday 08:00: that slot is the last one offered.
    assert starts("2035-06-06", "2035-06-07") == ["08:00"]
    assert len(starts("2035-06-04", "2035-06-05")) == 14


def test_booking_beyond_the_horizon_is_422_on_start(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"horizon_days": 2})

    [(path, message)] = problems(book("2035-06-06T08:30:00-04:00"))

    assert path == "start"
    assert "more than 2 days from now" in message
    assert book("2035-06-06T08:00:00-04:00").status == 201


def test_a_window_wholly_beyond_the_horizon_is_empty_not_an_error(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"horizon_days": 1})

    assert slots("2035-06-11", "2035-06-12") == []


# Buffers


def test_the_buffered_grid_is_what_the_search_offers_and_what_can_be_booked(
    given_doctor: Callable[..., Doctor],
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, rules={"buffer_minutes": 15})

    assert starts() == ["09:00", "09:45", "10:30", "11:15", "13:00", "13:45", "14:30", "15:15", "16:00"]
    assert [path for path, _ in problems(book("2035-06-04T09:30:00-04:00"))] == ["start"]
    answer = book("2035-06-04T09:45:00-04:00")
    assert answer.status == 201, answer
    assert answer.json()["end"] == "2035-06-04T10:15:00-04:00"  # the appointment is the slot, not the buffer


def test_a_booking_made_before_a_buffer_was_set_still_blocks_the_slots_it_overlaps(
    given_doctor: Callable[..., Doctor],
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    assert book("2035-06-04T09:30:00-04:00").status == 201

    assert patch({"rules": {"buffer_minutes": 15}}).status == 200

    assert starts()[:3] == ["09:00", "10:30", "11:15"]  # 09:45-10:15 overlaps 09:30-10:00


# Locations per session

MORNING_AT_MAIN = {
    "monday": [{"start": "09:00", "end": "10:00", "locations": [MAIN]}, {"start": "13:00", "end": "14:00"}]
}


def test_each_slot_lists_the_locations_of_its_session(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MORNING_AT_MAIN)

    assert slots() == [
        {"start": "2035-06-04T09:00:00-04:00", "end": "2035-06-04T09:30:00-04:00", "locations": [MAIN]},
        {"start": "2035-06-04T09:30:00-04:00", "end": "2035-06-04T10:00:00-04:00", "locations": [MAIN]},
        {"start": "2035-06-04T13:00:00-04:00", "end": "2035-06-04T13:30:00-04:00", "locations": [MAIN, CENTRAL]},
        {"start": "2035-06-04T13:30:00-04:00", "end": "2035-06-04T14:00:00-04:00", "locations": [MAIN, CENTRAL]},
    ]


def test_booking_at_a_location_the_slot_does_not_offer_is_422_on_location(
    given_doctor: Callable[..., Doctor],
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MORNING_AT_MAIN)

    assert problems(book("2035-06-04T09:00:00-04:00", CENTRAL)) == [
        ("location", f"is not offered at this slot; it is held at '{MAIN}'")
    ]
    assert problems(book("2035-06-04T09:00:00-04:00", "1 Nowhere Rd")) == [
        ("location", "is not one of the doctor's locations")
    ]
    assert booked_slot_items() == []
    assert book("2035-06-04T09:00:00-04:00", MAIN).status == 201
    assert book("2035-06-04T13:00:00-04:00", CENTRAL).status == 201


def test_holds_follow_the_same_notice_and_session_locations_as_bookings(
    given_doctor: Callable[..., Doctor],
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MORNING_AT_MAIN, rules={"min_notice_minutes": 90})

    assert [path for path, _ in problems(hold("2035-06-04T09:00:00-04:00"))] == ["start"]  # sooner than 09:30
    assert [path for path, _ in problems(hold("2035-06-04T09:30:00-04:00", CENTRAL))] == ["location"]
    answer = hold("2035-06-04T09:30:00-04:00", MAIN)
    assert answer.status == 201, answer


def test_an_override_session_carries_its_own_locations(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(
        SAMPLE_DOCTOR_ID, overrides={"2035-06-04": [{"start": "15:00", "end": "15:30", "locations": [CENTRAL]}]}
    )

    assert slots() == [
        {"start": "2035-06-04T15:00:00-04:00", "end": "2035-06-04T15:30:00-04:00", "locations": [CENTRAL]}
    ]
    assert [path for path, _ in problems(book("2035-06-04T15:00:00-04:00", MAIN))] == ["location"]


def test_creating_a_doctor_with_a_session_at_an_unlisted_location_is_422_naming_it() -> None:
    schedule = {"monday": [{"start": "09:00", "end": "12:00", "locations": [MAIN, "9 Elsewhere Ave"]}]}

    answer = invoke(doctors_handler, event_with("doctors_create", body={**HOUSE, "schedule": schedule}))

    assert problems(answer) == [
        ("schedule.monday[0].locations[1]", "'9 Elsewhere Ave' is not one of the doctor's locations")
    ]
    assert stored_items() == []


@pytest.mark.parametrize(
    ("locations", "path"),
    [
        ([], "schedule.monday[0].locations"),
        ([MAIN, MAIN], "schedule.monday[0].locations"),
        ([""], "schedule.monday[0].locations[0]"),
    ],
)
def test_session_locations_must_be_non_empty_and_unique(locations: list[str], path: str) -> None:
    schedule = {"monday": [{"start": "09:00", "end": "12:00", "locations": locations}]}

    answer = invoke(doctors_handler, event_with("doctors_create", body={**HOUSE, "schedule": schedule}))

    assert path in [problem_path for problem_path, _ in problems(answer)]


@pytest.mark.parametrize("event", ["doctors_patch", "doctors_replace"])
def test_removing_a_location_a_session_still_names_is_422_and_changes_nothing(
    given_doctor: Callable[..., Doctor], event: str
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MORNING_AT_MAIN)
    before = stored_items()
    body = (
        {"locations": [CENTRAL]}
        if event == "doctors_patch"
        else {**HOUSE, "locations": [CENTRAL], "schedule": MORNING_AT_MAIN}
    )

    answer = invoke(doctors_handler, event_with(event, body=body))

    assert problems(answer) == [("schedule.monday[0].locations[0]", f"'{MAIN}' is not one of the doctor's locations")]
    assert stored_items() == before


# The rules object on the doctor


def test_a_doctor_shows_default_rules_when_none_were_given() -> None:
    answer = invoke(doctors_handler, event_with("doctors_create", body=HOUSE))

    assert answer.status == 201, answer
    assert answer.json()["rules"] == DEFAULT_RULES
    assert "locations" not in answer.json()["schedule"]["monday"][0]  # a session without locations has none


def test_a_doctor_stored_before_rules_existed_reads_back_with_the_defaults(
    given_doctor: Callable[..., Doctor],
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    [profile] = [item for item in stored_items() if item["SK"]["S"] == "PROFILE"]
    boto3.client("dynamodb").update_item(
        TableName=TABLES["SchedulingTable"],
        Key={"PK": profile["PK"], "SK": profile["SK"]},
        UpdateExpression="REMOVE #rules",
        ExpressionAttributeNames={"#rules": "rules"},
    )

    answer = invoke(doctors_handler, event_with("doctors_get", path_parameters={"doctor_id": SAMPLE_DOCTOR_ID}))

    assert answer.status == 200, answer
    assert answer.json()["rules"] == DEFAULT_RULES


def test_rules_are_merge_patched_field_by_field(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    first = patch({"rules": {"buffer_minutes": 10, "max_per_day": 8, "cancel_cutoff_minutes": 1440}})
    second = patch({"rules": {"min_notice_minutes": 60, "max_per_day": None}})

    assert first.status == 200, first
    assert first.json()["rules"] == DEFAULT_RULES | {
        "buffer_minutes": 10,
        "max_per_day": 8,
        "cancel_cutoff_minutes": 1440,
    }
    assert second.status == 200, second
    assert second.json()["rules"] == DEFAULT_RULES | {
        "buffer_minutes": 10,
        "cancel_cutoff_minutes": 1440,
        "min_notice_minutes": 60,
    }
    assert patch({"rules": None}).json()["rules"] == DEFAULT_RULES


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ({"horizon_days": 0}, "rules.horizon_days"),
        ({"buffer_minutes": 241}, "rules.buffer_minutes"),
        ({"min_notice_minutes": "60"}, "rules.min_notice_minutes"),
        ({"max_per_day": 501}, "rules.max_per_day"),
        ({"cancel_cutoff_minutes": -1}, "rules.cancel_cutoff_minutes"),
        ({"weekends_off": True}, "rules.weekends_off"),
    ],
)
def test_invalid_rules_are_422_naming_the_field_and_change_nothing(
    given_doctor: Callable[..., Doctor], rules: dict[str, Any], path: str
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    before = stored_items()

    assert [problem_path for problem_path, _ in problems(patch({"rules": rules}))] == [path]
    assert stored_items() == before


@pytest.mark.parametrize(
    "change",
    [
        {"rules": {"buffer_minutes": 10}},
        {"rules": {"min_notice_minutes": 60}},
        {"schedule": {"monday": [{"start": "09:00", "end": "12:00", "locations": [MAIN]}]}},
    ],
)
def test_changing_rules_or_session_locations_moves_the_booking_fence(
    given_doctor: Callable[..., Doctor], store: SchedulingStore, change: dict[str, Any]
) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)
    fence = store.get_doctor(SAMPLE_DOCTOR_ID).fence

    assert patch(change).status == 200

    assert store.get_doctor(SAMPLE_DOCTOR_ID).fence > fence
