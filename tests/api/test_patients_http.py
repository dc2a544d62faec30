"""A patient is never in two places at once, over real HTTP with concurrent requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
import requests

from tests.api.conftest import ALWAYS_OPEN, Api, new_doctor
from tests.api.together import overlapping_pairs, simultaneously

DOCTOR = {**ALWAYS_OPEN, "name": "Patient Test", "locations": ["Main"]}


def hour(days: int, at: int) -> str:
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{at:02d}:00:00Z"


def calendar(api: Api, patient: str) -> list[dict[str, str]]:
    page = api.get(f"/patients/{patient}/appointments", params={"limit": 100, "status": "booked"}).json()
    return list(page["items"])


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_twenty_concurrent_bookings_of_one_patient_with_twenty_doctors_at_one_hour_leave_one(api: Api) -> None:
    for round_number in range(3):
        patient = f"p-concurrent-{round_number}-{datetime.now(UTC).timestamp()}"
        doctors = [new_doctor(api, DOCTOR) for _ in range(20)]
        start = hour(5 + round_number, 10)
        calls: list[Callable[[], requests.Response]] = [
            partial(
                requests.post,
                f"{api.base_url}/doctors/{doctor}/appointments",
                json={"start": start, "location": "Main", "patient": {"id": patient}},
                timeout=60,
            )
            for doctor in doctors
        ]

        answers = simultaneously(calls)

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses[201] == 1, [answer.text for answer in answers if answer.status_code != 201][:2]
        assert set(statuses) <= {201, 409}
        stored = calendar(api, patient)
        assert [item["id"] for item in stored] == [a.json()["id"] for a in answers if a.status_code == 201]


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_concurrent_reschedules_of_two_appointments_into_overlapping_slots_leave_one_moved(api: Api) -> None:
    patient = f"p-moves-{datetime.now(UTC).timestamp()}"
    first_doctor, second_doctor = new_doctor(api, DOCTOR, slot_minutes=30), new_doctor(api, DOCTOR, slot_minutes=20)
    body = {"location": "Main", "patient": {"id": patient}}
    first = api.post(f"/doctors/{first_doctor}/appointments", json={**body, "start": hour(9, 8)}).json()
    second = api.post(f"/doctors/{second_doctor}/appointments", json={**body, "start": hour(9, 12)}).json()
    target = hour(9, 15)  # 15:00-15:30 with the first doctor, 15:00-15:20 with the second: overlapping
    calls: list[Callable[[], requests.Response]] = [
        partial(
            requests.post,
            f"{api.base_url}/doctors/{first_doctor}/appointments/{first['id']}/reschedule",
            json={"start": target},
            timeout=60,
        ),
        partial(
            requests.post,
            f"{api.base_url}/doctors/{second_doctor}/appointments/{second['id']}/reschedule",
            json={"start": target},
            timeout=60,
        ),
    ]

    answers = simultaneously(calls)

    assert sorted(answer.status_code for answer in answers) == [201, 409]
    assert [answer.json()["type"] for answer in answers if answer.status_code == 409] == ["/problems/patient-busy"]
    stored = calendar(api, patient)
    assert len(stored) == 2
    assert overlapping_pairs(stored) == []


def test_unequal_slots_that_overlap_conflict_and_adjacent_ones_do_not(api: Api) -> None:
    patient = f"p-lengths-{datetime.now(UTC).timestamp()}"
    thirty, twenty = new_doctor(api, DOCTOR, slot_minutes=30), new_doctor(api, DOCTOR, slot_minutes=20)
    body = {"location": "Main", "patient": {"id": patient}}
    assert api.post(f"/doctors/{thirty}/appointments", json={**body, "start": hour(11, 9)}).status_code == 201

    overlapping = api.post(f"/doctors/{twenty}/appointments", json={**body, "start": hour(11, 9)[:-6] + "20:00Z"})
    adjacent = api.post(f"/doctors/{twenty}/appointments", json={**body, "start": hour(11, 9)[:-6] + "40:00Z"})

    # 09:00-09:30 and 09:20-09:40 overlap; 09:40-10:00 starts after 09:30
    assert (overlapping.status_code, overlapping.json()["type"]) == (409, "/problems/patient-busy")
    assert adjacent.status_code == 201, adjacent.text
    assert overlapping_pairs(calendar(api, patient)) == []


def test_a_cancelled_appointment_or_released_hold_frees_the_patients_time(api: Api) -> None:
    patient = f"p-frees-{datetime.now(UTC).timestamp()}"
    first, second = new_doctor(api, DOCTOR), new_doctor(api, DOCTOR)
    body = {"location": "Main", "patient": {"id": patient}}
    booked = api.post(f"/doctors/{first}/appointments", json={**body, "start": hour(12, 9)}).json()
    assert api.post(f"/doctors/{second}/appointments", json={**body, "start": hour(12, 9)}).status_code == 409

    api.post(f"/doctors/{first}/appointments/{booked['id']}/cancel", json={})
    held = api.post(f"/doctors/{second}/holds", json={**body, "start": hour(12, 9)})
    assert held.status_code == 201, held.text
    assert api.post(f"/doctors/{first}/appointments", json={**body, "start": hour(12, 9)}).status_code == 409

    assert api.delete(f"/doctors/{second}/holds/{held.json()['id']}").status_code == 204
    assert api.post(f"/doctors/{first}/appointments", json={**body, "start": hour(12, 9)}).status_code == 201


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_twenty_concurrent_holds_of_one_patient_with_twenty_doctors_leave_one(api: Api) -> None:
    patient = f"p-holds-{datetime.now(UTC).timestamp()}"
    doctors = [new_doctor(api, DOCTOR) for _ in range(20)]
    start = hour(13, 10)
    calls: list[Callable[[], requests.Response]] = [
        partial(
            requests.post,
            f"{api.base_url}/doctors/{doctor}/holds",
            json={"start": start, "location": "Main", "patient": {"id": patient}},
            timeout=60,
        )
        for doctor in doctors
    ]

    answers = simultaneously(calls)

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[201] == 1, [answer.text for answer in answers if answer.status_code != 201][:2]
    assert set(statuses) <= {201, 409}
    # read back: exactly one doctor's slot is held, and it is the answered hold
    held = next(answer.json() for answer in answers if answer.status_code == 201)
    for doctor in doctors:
        slots = api.get(f"/doctors/{doctor}/slots", params={"from": start, "to": start[:-6] + "30:00Z"}).json()
        assert (slots["items"] == []) == (doctor == held["doctor_id"])


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_a_reschedule_naming_its_patient_racing_that_patients_bookings_elsewhere_leaves_one_there(api: Api) -> None:
    """The 2-round reschedule (the request names the patient, looked at in its first round) against ten bookings of
    the same patient at other doctors at the new time, started together: one wins the hour, the patient's calendar
    has no overlap, and a losing reschedule left the appointment where it was. Five rounds."""
    for round_number in range(5):
        patient = f"p-named-move-{round_number}-{datetime.now(UTC).timestamp()}"
        mover, others = new_doctor(api, DOCTOR), [new_doctor(api, DOCTOR) for _ in range(10)]
        booked = api.post(
            f"/doctors/{mover}/appointments",
            json={"start": hour(13 + round_number, 8), "location": "Main", "patient": {"id": patient}},
        )
        assert booked.status_code == 201, booked.text
        target = hour(13 + round_number, 15)
        move: Callable[[], requests.Response] = partial(
            requests.post,
            f"{api.base_url}/doctors/{mover}/appointments/{booked.json()['id']}/reschedule",
            json={"start": target, "patient": {"id": patient}},
            timeout=60,
        )
        bookings: list[Callable[[], requests.Response]] = [
            partial(
                requests.post,
                f"{api.base_url}/doctors/{doctor}/appointments",
                json={"start": target, "location": "Main", "patient": {"id": patient}},
                timeout=60,
            )
            for doctor in others
        ]

        moved, *answers = simultaneously([move, *bookings])

        winners = [answer for answer in [moved, *answers] if answer.status_code == 201]
        assert len(winners) == 1, [answer.text for answer in [moved, *answers] if answer.status_code != 409][:2]
        assert {answer.status_code for answer in [moved, *answers]} <= {201, 409}
        stored = calendar(api, patient)
        assert overlapping_pairs(stored) == []
        # the winner's appointment, and the one the reschedule would have moved if it lost (still where it was)
        expected = {winners[0].json()["id"]} | ({booked.json()["id"]} if moved.status_code != 201 else set())
        assert {item["id"] for item in stored} == expected
