"""Series and waitlist over real HTTP against the local runner, whose stream pump feeds ReactionsFunction:
the issue's done-when flows, then many rounds of concurrent series, bookings, cancels, joins and conversions,
with everything read back (no overlap, every 201 stored once, every 409 stored nothing, one offer per slot and
per entry)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.api.conftest import ALWAYS_OPEN, Api, new_doctor
from tests.api.together import overlapping_pairs, simultaneously
from tests.support.waiting import until

DOCTOR = {**ALWAYS_OPEN, "name": "Course Keeper", "rules": {}}


def days_ahead(days: int, hour: int = 9, minute: int = 0) -> str:
    day = (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return day.isoformat()


def appointments(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        params = {"limit": 100, **({"next_token": token} if token else {})}
        page = api.get(f"/doctors/{doctor_id}/appointments", params=params).json()
        items += page["items"]
        token = page["next_token"]
        if not token:
            return items


def waitlist(api: Api, doctor_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/doctors/{doctor_id}/waitlist", params={"limit": 100})
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_token"] is None
    return list(answer.json()["items"])


def test_a_six_appointment_series_with_one_taken_slot_stores_nothing_and_names_it(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    weekly = [days_ahead(7 * week + 2) for week in range(6)]
    taken = api.post(f"/doctors/{doctor_id}/appointments", json={"start": weekly[3], "location": "North Wing"})
    assert taken.status_code == 201

    refused = api.post(
        f"/doctors/{doctor_id}/appointments/series",
        json={"first": weekly[0], "every_days": 7, "count": 6, "location": "North Wing", "patient": {"id": "p-s"}},
    )

    assert refused.status_code == 409, refused.text
    assert [datetime.fromisoformat(s["start"]) for s in refused.json()["slots"]] == [datetime.fromisoformat(weekly[3])]
    assert [a["id"] for a in appointments(api, doctor_id)] == [taken.json()["id"]]
    assert not [i for i in api.stored_items(doctor_id) if i["SK"]["S"].startswith("SERIES#")]


def test_a_cancel_offers_the_slot_to_the_oldest_waiter_who_books_with_one_call(api: Api) -> None:
    doctor_id = new_doctor(api, DOCTOR, rules={"waitlist_offer_ttl_seconds": 600})
    base = f"/doctors/{doctor_id}"
    start = days_ahead(3)
    booked = api.post(f"{base}/appointments", json={"start": start, "location": "North Wing"}).json()
    window = {"from": days_ahead(1), "to": days_ahead(10)}
    oldest = api.post(f"{base}/waitlist", json={"patient": {"id": "p-old"}, **window}).json()
    younger = api.post(f"{base}/waitlist", json={"patient": {"id": "p-young"}, **window}).json()

    assert api.post(f"{base}/appointments/{booked['id']}/cancel").status_code == 200
    offered = until(lambda: (e := api.get(f"{base}/waitlist/{oldest['id']}").json())["status"] == "offered" and e)
    converted = api.post(f"{base}/appointments", json={"hold_id": offered["hold_id"]})

    assert converted.status_code == 201, converted.text
    assert converted.json()["patient"]["id"] == "p-old"
    assert datetime.fromisoformat(converted.json()["start"]) == datetime.fromisoformat(start)
    until(lambda: api.get(f"{base}/waitlist/{oldest['id']}").json()["status"] == "booked")
    assert api.get(f"{base}/waitlist/{younger['id']}").json()["status"] == "waiting"


@pytest.mark.serial  # concurrency against the shared runner: alone, as the other concurrency tests
@pytest.mark.parametrize("round_number", range(4))
def test_concurrent_series_and_bookings_never_overlap_and_a_409_stores_nothing(api: Api, round_number: int) -> None:
    doctor_id = new_doctor(api, DOCTOR)
    base = f"/doctors/{doctor_id}/appointments"
    grid = [days_ahead(2 + day, 9 + hour) for day in range(4) for hour in range(3)]  # 12 slots
    courses = [grid[index::3][:4] for index in range(3)] + [grid[:4], grid[4:8], grid[8:], grid[::2][:6]]

    def series(starts: list[str], patient: str) -> Callable[[], requests.Response]:
        body: dict[str, Any] = {"starts": starts, "location": "North Wing", "patient": {"id": patient}}
        return lambda: requests.post(f"{api.base_url}{base}/series", json=body, timeout=60)

    def single(start: str) -> Callable[[], requests.Response]:
        return lambda: requests.post(
            f"{api.base_url}{base}", json={"start": start, "location": "North Wing"}, timeout=60
        )

    calls = [series(starts, f"p-{round_number}-{n}") for n, starts in enumerate(courses)]
    calls += [single(start) for start in grid[round_number::5]]
    answers = simultaneously(calls)

    assert {answer.status_code for answer in answers} <= {201, 409}, [a.text for a in answers if a.status_code >= 500]
    created: Counter[str] = Counter()
    for answer in answers:
        if answer.status_code == 201:
            body = answer.json()
            created.update(a["id"] for a in body.get("appointments", [body]))
    stored = appointments(api, doctor_id)
    assert overlapping_pairs(stored) == []
    assert Counter(a["id"] for a in stored) == created  # every 201 stored once; nothing else (a 409 stored nothing)
    series_ids = {a["series_id"] for a in stored if a["series_id"]}
    stored_series = [i for i in api.stored_items(doctor_id) if i["SK"]["S"].startswith("SERIES#")]
    assert {i["series_id"]["S"] for i in stored_series} == series_ids


@pytest.mark.serial  # concurrency against the shared runner: alone, as the other concurrency tests
@pytest.mark.parametrize("round_number", range(3))
def test_concurrent_cancels_joins_and_conversions_give_each_slot_to_one_entry_once(api: Api, round_number: int) -> None:
    doctor_id = new_doctor(api, DOCTOR, rules={"waitlist_offer_ttl_seconds": 600})
    base = f"/doctors/{doctor_id}"
    slots = [days_ahead(2, 9 + hour) for hour in range(6)]
    window = {"from": days_ahead(1), "to": days_ahead(5)}
    booked = [api.post(f"{base}/appointments", json={"start": s, "location": "North Wing"}).json() for s in slots]
    early = [
        api.post(f"{base}/waitlist", json={"patient": {"id": f"w-{round_number}-{n}"}, **window}).json()
        for n in range(8)
    ]

    def cancel(appointment_id: str) -> Callable[[], requests.Response]:
        return lambda: requests.post(f"{api.base_url}{base}/appointments/{appointment_id}/cancel", timeout=60)

    def join(patient: str) -> Callable[[], requests.Response]:
        body: dict[str, Any] = {"patient": {"id": patient}, **window}
        return lambda: requests.post(f"{api.base_url}{base}/waitlist", json=body, timeout=60)

    answers = simultaneously(
        [cancel(a["id"]) for a in booked]
        + [join(f"late-{round_number}-{n}") for n in range(6)]
        + [join(f"w-{round_number}-0")]  # the same patient again, overlapping: refused
    )
    assert [a.status_code for a in answers] == [200] * 6 + [201] * 6 + [409]

    # the six slots freed while the eight early entries waited: each goes to one of them, oldest first
    offered = until(lambda: len(o := [e for e in waitlist(api, doctor_id) if e["status"] == "offered"]) >= 6 and o)
    assert sorted(e["id"] for e in offered) == sorted(e["id"] for e in early[:6])
    assert len({e["hold_id"] for e in offered}) == 6
    assert sorted(e["offered_start"] for e in offered) == sorted(
        datetime.fromisoformat(s).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in slots
    )

    def convert(hold_id: str) -> Callable[[], requests.Response]:
        return lambda: requests.post(f"{api.base_url}{base}/appointments", json={"hold_id": hold_id}, timeout=60)

    converted = simultaneously([convert(e["hold_id"]) for e in offered])
    assert [a.status_code for a in converted] == [201] * 6, [a.text for a in converted if a.status_code != 201]
    again = [convert(e["hold_id"])() for e in offered]  # a repeat answers the same appointment
    assert [a.json()["id"] for a in again] == [a.json()["id"] for a in converted]
    until(lambda: sum(e["status"] == "booked" for e in waitlist(api, doctor_id)) == 6)

    entries = waitlist(api, doctor_id)
    stored = [a for a in appointments(api, doctor_id) if a["status"] == "booked"]
    assert overlapping_pairs(stored) == []
    assert sorted(a["patient"]["id"] for a in stored) == sorted(e["patient_id"] for e in early[:6])
    assert {e["appointment_id"] for e in entries if e["status"] == "booked"} == {a["id"] for a in stored}
    assert Counter(e["status"] for e in entries) == {"booked": 6, "waiting": 8}
    holds = [i for i in api.stored_items(doctor_id) if i["SK"]["S"].startswith("HOLD#")]
    assert len(holds) == 6  # one offer per freed slot, never a second
