"""The receptionist's flow over real HTTP (search, hold, convert, check in, complete) and its races."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import requests

from tests.api.conftest import ALWAYS_OPEN, Api, new_doctor
from tests.api.together import simultaneously

DOCTOR = {**ALWAYS_OPEN, "name": "Workflow", "slot_minutes": 15}


def soon(minutes: int) -> str:
    """A slot start on the 15-minute grid, `minutes` from now (rounded up)."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now + timedelta(minutes=minutes + 15 - now.minute % 15)
    return start.isoformat().replace("+00:00", "Z")


def appointments(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    page = api.get(f"/doctors/{doctor_id}/appointments", params={"limit": 100}).json()
    assert page["next_token"] is None
    return list(page["items"])


def test_search_hold_convert_check_in_complete(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    start = api.get(f"/doctors/{doctor_id}/slots").json()["items"][2]["start"]

    held = api.post(f"/doctors/{doctor_id}/holds", json={"start": start, "location": "North Wing"})
    offered = [slot["start"] for slot in api.get(f"/doctors/{doctor_id}/slots").json()["items"]]
    booked = api.post(f"/doctors/{doctor_id}/appointments", json={"hold_id": held.json()["id"]})
    appointment = booked.json()
    base = f"/doctors/{doctor_id}/appointments/{appointment['id']}"
    checked_in = api.post(f"{base}/check-in")
    completed = api.post(f"{base}/complete")

    assert held.status_code == 201, held.text
    assert start not in offered
    assert booked.status_code == 201, booked.text
    assert checked_in.status_code == 200, checked_in.text
    assert completed.status_code == 200, completed.text
    assert api.get(base).json()["status"] == "completed"
    assert api.get(f"/doctors/{doctor_id}/holds/{held.json()['id']}").json()["status"] == "booked"


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_thirty_concurrent_holds_of_one_slot_make_one(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    start = soon(120)
    url = f"{api.base_url}/doctors/{doctor_id}/holds"
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.post, url, json={"start": start, "location": "North Wing"}, timeout=60) for _ in range(30)
    ]

    answers = simultaneously(calls)

    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: 29}
    assert {answer.json()["type"] for answer in answers if answer.status_code == 409} == {"/problems/slot-held"}
    [winner] = [answer.json() for answer in answers if answer.status_code == 201]
    assert api.get(f"/doctors/{doctor_id}/holds/{winner['id']}").json()["status"] == "held"
    refused = api.post(f"/doctors/{doctor_id}/appointments", json={"start": start, "location": "North Wing"})
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/slot-held")
    assert appointments(api, doctor_id) == []


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_ten_concurrent_conversions_book_exactly_once(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    held = api.post(f"/doctors/{doctor_id}/holds", json={"start": soon(180), "location": "North Wing"}).json()
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.post, url, json={"hold_id": held["id"]}, timeout=60) for _ in range(10)
    ]

    answers = simultaneously(calls)

    assert [answer.status_code for answer in answers] == [201] * 10, [answer.text for answer in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    [stored] = appointments(api, doctor_id)
    assert stored["id"] == answers[0].json()["id"]


def test_release_frees_the_slot_at_once(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    start = soon(240)
    held = api.post(f"/doctors/{doctor_id}/holds", json={"start": start, "location": "North Wing"}).json()

    released = api.delete(f"/doctors/{doctor_id}/holds/{held['id']}")
    booked = api.post(f"/doctors/{doctor_id}/appointments", json={"start": start, "location": "North Wing"})

    assert released.status_code == 204
    assert booked.status_code == 201, booked.text


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_a_booking_racing_a_conversion_and_a_release_leaves_one_outcome(api: Api) -> None:
    for _ in range(10):
        doctor_id = new_doctor(api, DOCTOR)
        start = soon(300)
        held = api.post(f"/doctors/{doctor_id}/holds", json={"start": start, "location": "North Wing"}).json()
        base = f"{api.base_url}/doctors/{doctor_id}"
        calls: list[Callable[[], requests.Response]] = [
            partial(requests.post, f"{base}/appointments", json={"hold_id": held["id"]}, timeout=60),
            partial(requests.delete, f"{base}/holds/{held['id']}", timeout=60),
            partial(requests.post, f"{base}/appointments", json={"start": start, "location": "North Wing"}, timeout=60),
        ]

        convert, release, direct = simultaneously(calls)

        stored = appointments(api, doctor_id)
        final = api.get(f"/doctors/{doctor_id}/holds/{held['id']}").json()["status"]
        assert len(stored) <= 1
        assert all(answer.status_code < 500 for answer in (convert, release, direct))
        if convert.status_code == 201:
            assert (final, release.status_code, direct.status_code) == ("booked", 409, 409)
            assert [item["id"] for item in stored] == [convert.json()["id"]]
        else:
            assert final == "released"
            assert release.status_code == 204
            booked_directly = [direct.json()["id"]] if direct.status_code == 201 else []
            assert [item["id"] for item in stored] == booked_directly


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_concurrent_cancel_and_check_in_end_in_one_consistent_state(api: Api) -> None:
    for _ in range(10):
        doctor_id = new_doctor(api, DOCTOR)
        booked = api.post(f"/doctors/{doctor_id}/appointments", json={"start": soon(30), "location": "North Wing"})
        base = f"{api.base_url}/doctors/{doctor_id}/appointments/{booked.json()['id']}"
        calls: list[Callable[[], requests.Response]] = [
            partial(requests.post, f"{base}/cancel", timeout=60),
            partial(requests.post, f"{base}/check-in", timeout=60),
        ]

        cancel, check_in = simultaneously(calls)

        final = api.get(base.removeprefix(api.base_url)).json()
        assert cancel.status_code == 200, cancel.text
        assert final["status"] == "cancelled"  # cancel is allowed from booked and from checked-in
        assert check_in.status_code in {200, 409}
        if check_in.status_code == 200:
            assert final["checked_in_at"] == check_in.json()["checked_in_at"]
        else:
            assert final["checked_in_at"] is None


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_thirty_concurrent_bookings_on_a_day_capped_at_three_leave_exactly_three(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    patched = api.patch(f"/doctors/{doctor_id}", json={"rules": {"max_per_day": 3}})
    assert patched.status_code == 200, patched.text
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    starts = [f"{day}T{hour:02d}:00:00Z" for hour in range(24)] + [f"{day}T{hour:02d}:30:00Z" for hour in range(6)]
    calls: list[Callable[[], requests.Response]] = [
        partial(requests.post, url, json={"start": start, "location": "North Wing"}, timeout=60) for start in starts
    ]

    answers = simultaneously(calls)

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[201] == 3, [answer.text for answer in answers if answer.status_code != 201][:3]
    assert set(statuses) <= {201, 409}
    assert {answer.json()["type"] for answer in answers if answer.status_code == 409} <= {
        "/problems/day-full",
        "/problems/concurrent-update",
    }
    stored = appointments(api, doctor_id)
    assert sorted(item["id"] for item in stored) == sorted(a.json()["id"] for a in answers if a.status_code == 201)
    assert api.get(f"/doctors/{doctor_id}/slots", params={"from": day, "to": f"{day}T23:59:00Z"}).json()["items"] == []
