"""AvailabilityFunction in-process against moto: free slots, windows, and exclusion of booked slots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from functions.availability.app import lambda_handler
from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.models import Appointment, Doctor
from scheduling.store import SchedulingStore
from tests.functional.conftest import invoke
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, event_with, sample_event

pytestmark = pytest.mark.usefixtures("aws")

MONDAY_MORNING = {"monday": [{"start": "09:00", "end": "11:00"}]}
HOUSE_LOCATIONS = ["123 Main St", "456 Central St"]


def slots(query: dict[str, str], doctor_id: str = SAMPLE_DOCTOR_ID) -> list[str]:
    answer = invoke(lambda_handler, event_with("slots_list", path_parameters={"doctor_id": doctor_id}, query=query))
    assert answer.status == 200, answer
    return [slot["start"] for slot in answer.json()["items"]]


def booked(store: SchedulingStore, doctor: Doctor, start: str) -> None:
    """A booking written exactly the way the booking route writes it."""
    begins = datetime.fromisoformat(start).astimezone(UTC)
    store.book(
        Appointment(
            id=f"{begins:%Y%m%dT%H%M%SZ}-0123456789ab",
            doctor_id=doctor.id,
            location=doctor.locations[0],
            start=begins,
            end=begins + timedelta(minutes=doctor.slot_minutes),
            status="booked",
            timezone=doctor.timezone,
            created_at=datetime.now(UTC),
        ),
        fence=store.get_doctor(doctor.id).fence,
        longest=LONGEST_BOOKING,
    )


def test_sample_event_lists_the_published_slots_with_the_local_offset(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MONDAY_MORNING)

    answer = invoke(lambda_handler, sample_event("slots_list"))

    assert answer.status == 200
    assert answer.json()["items"][:2] == [
        {"start": "2035-06-04T09:00:00-04:00", "end": "2035-06-04T09:30:00-04:00", "locations": HOUSE_LOCATIONS},
        {"start": "2035-06-04T09:30:00-04:00", "end": "2035-06-04T10:00:00-04:00", "locations": HOUSE_LOCATIONS},
    ]
    assert len(answer.json()["items"]) == 4


def test_booked_slots_are_left_out(given_doctor: Callable[..., Doctor], store: SchedulingStore) -> None:
    doctor = given_doctor(SAMPLE_DOCTOR_ID, schedule=MONDAY_MORNING)
    booked(store, doctor, "2035-06-04T09:30:00-04:00")
    booked(store, doctor, "2035-06-04T14:30:00+00:00")  # 10:30 in New York, written with another offset

    assert slots({"from": "2035-06-04", "to": "2035-06-05"}) == [
        "2035-06-04T09:00:00-04:00",
        "2035-06-04T10:00:00-04:00",
    ]


def test_bookings_outside_the_window_do_not_matter(given_doctor: Callable[..., Doctor], store: SchedulingStore) -> None:
    doctor = given_doctor(SAMPLE_DOCTOR_ID, schedule=MONDAY_MORNING)
    booked(store, doctor, "2035-06-11T09:00:00-04:00")

    assert len(slots({"from": "2035-06-04", "to": "2035-06-05"})) == 4


def test_window_bounds_are_start_inclusive_and_end_exclusive(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MONDAY_MORNING)

    found = slots({"from": "2035-06-04T09:30:00-04:00", "to": "2035-06-04T10:30:00-04:00"})

    assert found == ["2035-06-04T09:30:00-04:00", "2035-06-04T10:00:00-04:00"]


def test_slots_in_the_past_are_never_offered(given_doctor: Callable[..., Doctor]) -> None:
    every_day = {
        day: [{"start": "00:00", "end": "24:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    given_doctor(SAMPLE_DOCTOR_ID, schedule=every_day, timezone="UTC", slot_minutes=60)
    now = datetime.now(UTC)

    found = slots({"from": (now - timedelta(days=2)).date().isoformat(), "to": (now + timedelta(hours=3)).isoformat()})

    assert found
    assert all(datetime.fromisoformat(start) >= now for start in found)
    assert len(found) in {2, 3}


def test_default_window_is_the_next_seven_days(given_doctor: Callable[..., Doctor]) -> None:
    every_day = {
        day: [{"start": "12:00", "end": "13:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    given_doctor(SAMPLE_DOCTOR_ID, schedule=every_day, timezone="UTC", slot_minutes=60)

    found = slots({})

    assert len(found) == 7
    now = datetime.now(UTC)
    assert all(now <= datetime.fromisoformat(start) < now + timedelta(days=7) for start in found)


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"from": "2035-06-04T09:00:00"}, "from"),
        ({"from": "2035-06-04", "to": "2035-06-04"}, "to"),
        ({"from": "2035-06-04", "to": "2027-03-01"}, "to"),
        ({"from": "2035-06-01", "to": "2035-07-03"}, "to"),
        ({"from": "2035-02-30"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "x" * 41}, "from"),
    ],
)
def test_bad_windows_are_422(given_doctor: Callable[..., Doctor], query: dict[str, str], path: str) -> None:
    given_doctor(SAMPLE_DOCTOR_ID)

    answer = invoke(lambda_handler, event_with("slots_list", query=query))

    assert answer.status == 422, answer
    assert [error["path"] for error in answer.json()["errors"]] == [path]


def test_a_31_day_window_is_allowed(given_doctor: Callable[..., Doctor]) -> None:
    given_doctor(SAMPLE_DOCTOR_ID, schedule=MONDAY_MORNING)

    assert len(slots({"from": "2035-06-01", "to": "2035-07-02"})) == 4 * 4


def test_unknown_doctor_is_404() -> None:
    answer = invoke(lambda_handler, sample_event("slots_list"))

    assert answer.status == 404
