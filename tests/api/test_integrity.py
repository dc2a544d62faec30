"""The promise, over real HTTP: a doctor never has two overlapping booked appointments and no booking outlives
its doctor, whatever schedule edits and deletes happen between and during bookings (docs/design.md)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import requests

from tests.api.conftest import ALWAYS_OPEN, WEEK, Api, new_doctor
from tests.api.together import overlapping_pairs, simultaneously

# Concurrency against the runner: run alone, so that a neighbouring test's CPU does not change the race.
pytestmark = pytest.mark.serial

DAY = datetime(2035, 6, 4, tzinfo=UTC)  # a Monday
BOOKED = DAY.replace(hour=9)  # 09:00-10:00 UTC, booked before each change


def z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


DOCTOR = {
    **ALWAYS_OPEN,
    "name": "Integrity Check",
    "slot_minutes": 60,
    "schedule": {day: [{"start": "08:00", "end": "18:00"}] for day in WEEK},
}


def booking(api: Api, doctor_id: str, start: datetime) -> Callable[[], requests.Response]:
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    body = {"start": z(start), "location": "North Wing"}
    return lambda: requests.post(url, json=body, timeout=60)


def free_starts(api: Api, doctor_id: str) -> list[str]:
    answer = api.get(f"/doctors/{doctor_id}/slots", params={"from": z(DAY), "to": z(DAY + timedelta(days=1))})
    assert answer.status_code == 200, answer.text
    return [z(datetime.fromisoformat(slot["start"])) for slot in answer.json()["items"]]


def stored_booked(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    """Booked appointments as stored (read from the database, not through the API)."""
    return [
        {"id": item["appointment_id"]["S"], "start": item["start"]["S"], "end": item["end"]["S"]}
        for item in api.stored_items(doctor_id)
        if item["SK"]["S"].startswith("SLOT#")
    ]


def minutes(*values: int) -> list[datetime]:
    return [DAY + timedelta(minutes=value) for value in values]


# Each change publishes a new grid; `blocked` are its slot starts that overlap the 09:00-10:00 booking,
# `still_free` some of its starts that do not (so the check cannot pass by offering nothing).
CHANGES: dict[str, tuple[dict[str, Any], list[datetime], list[datetime]]] = {
    "slot length": ({"slot_minutes": 30}, minutes(9 * 60, 9 * 60 + 30), minutes(8 * 60 + 30, 10 * 60)),
    "hours shift": (
        {"schedule": {day: [{"start": "08:15", "end": "18:15"}] for day in WEEK}},
        minutes(8 * 60 + 15, 9 * 60 + 15),
        minutes(10 * 60 + 15, 11 * 60 + 15),
    ),
    "time zone": (
        {"timezone": "Asia/Kolkata"},  # 08:00-18:00 at +05:30 is 02:30-12:30 UTC, slots on the half hour
        minutes(8 * 60 + 30, 9 * 60 + 30),
        minutes(7 * 60 + 30, 10 * 60 + 30),
    ),
    "override": (
        {"overrides": {"2035-06-04": [{"start": "08:20", "end": "12:20"}]}},
        minutes(8 * 60 + 20, 9 * 60 + 20),
        minutes(10 * 60 + 20, 11 * 60 + 20),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_booking_made_before_a_schedule_change_blocks_every_overlapping_slot_after_it(api: Api, change: str) -> None:
    patch, blocked, still_free = CHANGES[change]
    doctor_id = new_doctor(api, DOCTOR)
    assert booking(api, doctor_id, BOOKED)().status_code == 201

    changed = api.patch(f"/doctors/{doctor_id}", json=patch)
    assert changed.status_code == 200, changed.text

    offered = free_starts(api, doctor_id)
    assert not set(map(z, blocked)) & set(offered), offered
    assert set(map(z, still_free)) <= set(offered), offered
    for start in blocked:
        answer = booking(api, doctor_id, start)()
        assert answer.status_code == 409, (z(start), answer.text)
        assert answer.json()["type"] == "/problems/slot-taken"
    assert [item["start"] for item in stored_booked(api, doctor_id)] == [z(BOOKED)]


EDITS: list[dict[str, Any]] = [
    {"slot_minutes": 30},
    {"slot_minutes": 45},
    {"slot_minutes": 20},
    {"schedule": {day: [{"start": "08:15", "end": "18:15"}] for day in WEEK}},
    {"schedule": {day: [{"start": "08:10", "end": "18:00"}] for day in WEEK}},
    {"timezone": "Europe/London"},  # +01:00 in June: the same hours an hour earlier in UTC
    {"overrides": {"2035-06-04": [{"start": "08:05", "end": "13:05"}]}},
]


@pytest.mark.parametrize("round_number", range(20))
def test_schedule_edits_racing_bookings_never_leave_two_overlapping_appointments(api: Api, round_number: int) -> None:
    chooser = random.Random(round_number)
    doctor_id = new_doctor(api, DOCTOR)
    # Starts on a 5-minute grid between 08:00 and 12:00 UTC: every grid above publishes some of them.
    starts = [DAY + timedelta(hours=8, minutes=5 * step) for step in range(48)]
    url = f"{api.base_url}/doctors/{doctor_id}"
    edits = [(lambda edit=edit: requests.patch(url, json=edit, timeout=60)) for edit in chooser.sample(EDITS, 3)]
    bookings = [booking(api, doctor_id, start) for start in chooser.sample(starts, 27)]
    calls = bookings + edits
    chooser.shuffle(calls)

    answers = simultaneously(calls)

    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers if a.status_code >= 500]
    booked_answers = [answer.json() for answer in answers if answer.status_code == 201]
    stored = stored_booked(api, doctor_id)
    assert overlapping_pairs(stored) == []
    assert sorted(item["id"] for item in stored) == sorted(item["id"] for item in booked_answers)


@pytest.mark.parametrize("round_number", range(20))
def test_a_delete_racing_thirty_bookings_never_leaves_a_booking_behind(api: Api, round_number: int) -> None:
    doctor_id = new_doctor(api, DOCTOR, slot_minutes=5)
    delete_url = f"{api.base_url}/doctors/{doctor_id}"
    bookings = [booking(api, doctor_id, DAY + timedelta(hours=9, minutes=5 * n)) for n in range(30)]
    calls = [*bookings, lambda: requests.delete(delete_url, timeout=60)]

    *booked, deleted = simultaneously(calls)

    statuses = Counter(answer.status_code for answer in booked)
    assert set(statuses) <= {201, 404, 409}, [
        answer.text for answer in booked if answer.status_code not in {201, 404, 409}
    ]
    stored = stored_booked(api, doctor_id)
    if deleted.status_code == 204:
        assert statuses[201] == 0, ([a.json() for a in booked if a.status_code == 201], api.stored_items(doctor_id))
        assert api.stored_items(doctor_id) == []  # neither profile, fence nor any booking is left
    else:
        assert deleted.status_code == 409, deleted.text
        assert deleted.json()["type"] == "/problems/doctor-has-bookings"
        assert len(stored) == statuses[201] > 0
        assert api.get(f"/doctors/{doctor_id}").status_code == 200


def test_twelve_concurrent_patches_without_if_match_all_succeed(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    url = f"{api.base_url}/doctors/{doctor_id}"
    names = [f"Doctor {n}" for n in range(12)]
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.patch, url, json={"name": name}, timeout=60) for name in names
    ]

    answers = simultaneously(calls)

    assert [answer.status_code for answer in answers] == [200] * 12, [answer.text for answer in answers]
    final = api.get(f"/doctors/{doctor_id}")
    assert final.headers["ETag"] == '"13"'  # each of the twelve wrote its own version
    assert final.json()["name"] in names
    assert sorted(answer.headers["ETag"] for answer in answers) == sorted(f'"{n}"' for n in range(2, 14))


def test_concurrent_patches_with_one_if_match_have_one_winner_and_the_rest_412(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    url = f"{api.base_url}/doctors/{doctor_id}"
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.patch, url, json={"name": f"N{n}"}, headers={"If-Match": '"1"'}, timeout=60) for n in range(8)
    ]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {200: 1, 412: 7}
