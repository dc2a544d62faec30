"""Real concurrent HTTP requests against the local runner: one appointment per doctor per slot, always."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
import requests

from tests.api.conftest import ALWAYS_OPEN, Api, new_doctor
from tests.api.together import simultaneously

# Concurrency against the runner: run alone, so that a neighbouring test's CPU does not change the race.
pytestmark = pytest.mark.serial

FIRST_SLOT = datetime.fromisoformat("2035-06-04T09:00:00+00:00")


def slot(index: int) -> str:
    return (FIRST_SLOT + timedelta(minutes=5 * index)).isoformat()


@pytest.fixture
def doctor_id(api: Api) -> str:
    return new_doctor(api, ALWAYS_OPEN, locations=["North Wing", "South Wing"], slot_minutes=5)


def booking(api: Api, doctor_id: str, start: str, location: str = "North Wing") -> Callable[[], requests.Response]:
    body = {"start": start, "location": location}
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    return lambda: requests.post(url, json=body, timeout=60)


def rescheduling(api: Api, doctor_id: str, appointment_id: str, start: str) -> Callable[[], requests.Response]:
    url = f"{api.base_url}/doctors/{doctor_id}/appointments/{appointment_id}/reschedule"
    return lambda: requests.post(url, json={"start": start}, timeout=60)


def stored_appointments(api: Api, doctor_id: str, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        params = {**query, "limit": 100, **({"next_token": token} if token else {})}
        page = api.get(f"/doctors/{doctor_id}/appointments", params=params).json()
        items += page["items"]
        token = page["next_token"]
        if not token:
            return items


@pytest.mark.parametrize("round_number", range(20))
def test_fifty_requests_for_one_slot_book_it_exactly_once(api: Api, doctor_id: str, round_number: int) -> None:
    start = slot(round_number)
    # Half the callers write the same instant with another offset: it is the same slot.
    same_instant = datetime.fromisoformat(start).astimezone(datetime.fromisoformat("2035-06-04T00:00:00-04:00").tzinfo)
    calls = [
        booking(api, doctor_id, start if n % 2 else same_instant.isoformat(), ("North Wing", "South Wing")[n % 2])
        for n in range(50)
    ]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 49}
    assert all(answer.json()["slot"]["start"] for answer in answers if answer.status_code == 409)
    assert [item["start"] for item in stored_appointments(api, doctor_id)] == [start.replace("+00:00", "Z")]


def test_two_hundred_requests_over_ten_slots_make_exactly_ten_bookings(api: Api, doctor_id: str) -> None:
    calls = [booking(api, doctor_id, slot(n % 10)) for n in range(200)]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {201: 10, 409: 190}
    stored = stored_appointments(api, doctor_id, status="booked")
    assert sorted(item["start"] for item in stored) == [slot(n).replace("+00:00", "Z") for n in range(10)]


def test_concurrent_reschedules_into_one_slot_have_one_winner_and_the_losers_stay_booked(
    api: Api, doctor_id: str
) -> None:
    originals = [
        api.post(f"/doctors/{doctor_id}/appointments", json={"start": slot(n), "location": "North Wing"}).json()
        for n in range(20)
    ]
    target = slot(100)
    calls = [rescheduling(api, doctor_id, appointment["id"], target) for appointment in originals]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 19}
    [winner] = [answer.json() for answer in answers if answer.status_code == 201]
    for appointment, answer in zip(originals, answers, strict=True):
        now = api.get(f"/doctors/{doctor_id}/appointments/{appointment['id']}").json()
        if answer.status_code == 201:
            assert (now["status"], now["replaced_by"]) == ("cancelled", winner["id"])
        else:
            assert now == appointment
    booked = stored_appointments(api, doctor_id, status="booked")
    assert len(booked) == 20
    assert Counter(item["start"] for item in booked)[target.replace("+00:00", "Z")] == 1


def test_cancel_then_rebook_and_an_idempotent_retry(api: Api, doctor_id: str) -> None:
    start = slot(200)
    first = api.post(f"/doctors/{doctor_id}/appointments", json={"start": start, "location": "North Wing"}).json()

    cancelled = api.post(f"/doctors/{doctor_id}/appointments/{first['id']}/cancel", json={"reason": "moved"})
    cancelled_again = api.post(f"/doctors/{doctor_id}/appointments/{first['id']}/cancel")
    free = [
        item["start"]
        for item in api.get(f"/doctors/{doctor_id}/slots", params={"from": start, "to": slot(201)}).json()["items"]
    ]
    key = {"Idempotency-Key": "rebook-200"}
    rebooked = api.post(
        f"/doctors/{doctor_id}/appointments", json={"start": start, "location": "South Wing"}, headers=key
    )
    retried = api.post(
        f"/doctors/{doctor_id}/appointments", json={"start": start, "location": "South Wing"}, headers=key
    )

    assert cancelled.status_code == cancelled_again.status_code == 200
    assert cancelled_again.json() == cancelled.json()
    assert free == [start.replace("+00:00", "Z")]
    assert rebooked.status_code == retried.status_code == 201
    assert retried.json()["id"] == rebooked.json()["id"] != first["id"]
    assert Counter(
        item["status"] for item in stored_appointments(api, doctor_id, **{"from": start, "to": slot(201)})
    ) == {
        "cancelled": 1,
        "booked": 1,
    }


def test_simultaneous_different_requests_each_get_their_own_answer(api: Api, doctor_id: str) -> None:
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    bodies: list[dict[str, Any]] = [
        {"start": slot(300 + n), "location": "North Wing", "patient": {"id": f"p-{n}"}} for n in range(40)
    ]
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.post, url, json=body, timeout=60) for body in bodies
    ]

    answers = simultaneously(calls)

    for body, answer in zip(bodies, answers, strict=True):
        assert answer.status_code == 201, answer.text
        appointment = answer.json()
        assert (appointment["start"], appointment["patient"]["id"]) == (
            body["start"].replace("+00:00", "Z"),
            body["patient"]["id"],
        )
