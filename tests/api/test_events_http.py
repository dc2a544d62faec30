"""Domain events over HTTP: every action through the runner, then exactly its event at /_local/events, in order
per doctor; actions that change nothing emit nothing; concurrency never doubles an event; no patient data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from tests.api.conftest import ALWAYS_OPEN, Api, new_doctor, own_runner
from tests.api.events import PREFIX, Events, short_types
from tests.api.together import simultaneously

FAR = datetime(2035, 6, 4, 9, 0, tzinfo=UTC)  # a Monday, far from now: no clock rule gets in the way
PATIENT = {"id": "p-events-1", "name": "Ada Lovelace-Events"}
REASON = "Private: the patient said why, in free text"


EVENTS_DOCTOR = {**ALWAYS_OPEN, "name": "Events Doctor", "locations": ["North Wing", "South Wing"], "slot_minutes": 5}


def at(minutes: int) -> str:
    return (FAR + timedelta(minutes=minutes)).isoformat()


def ok(answer: requests.Response, *statuses: int) -> dict[str, Any]:
    assert answer.status_code in (statuses or (200, 201)), answer.text
    return answer.json() if answer.content else {}


@pytest.fixture
def doctor(api: Api) -> tuple[str, Events]:
    doctor_id = new_doctor(api, EVENTS_DOCTOR)
    events = Events(api, f"/doctors/{doctor_id}")
    [created] = events.until(1)
    assert created["type"] == f"{PREFIX}doctor.created"
    assert created["subject"] == f"/doctors/{doctor_id}"
    return doctor_id, events


def test_every_appointment_and_hold_change_is_one_event_with_its_subject_and_data_in_order(
    api: Api, doctor: tuple[str, Events]
) -> None:
    doctor_id, events = doctor
    base = f"/doctors/{doctor_id}"

    held = ok(api.post(f"{base}/holds", json={"start": at(0), "location": "North Wing"}))
    ok(api.delete(f"{base}/holds/{held['id']}"), 204)
    ok(api.delete(f"{base}/holds/{held['id']}"), 204)  # again: changes nothing
    to_convert = ok(api.post(f"{base}/holds", json={"start": at(5), "location": "North Wing"}))
    converted = ok(api.post(f"{base}/appointments", json={"hold_id": to_convert["id"], "patient": PATIENT}))
    booked = ok(api.post(f"{base}/appointments", json={"start": at(10), "location": "South Wing", "patient": PATIENT}))
    moved = ok(api.post(f"{base}/appointments/{booked['id']}/reschedule", json={"start": at(15)}))
    ok(api.post(f"{base}/appointments/{moved['id']}/cancel", json={"reason": REASON}))
    ok(api.post(f"{base}/appointments/{moved['id']}/cancel", json={"reason": REASON}))  # again: changes nothing

    found = events.until(8)
    conversion = sorted(short_types(found[3:5]))  # one transaction: its two records come in either order
    assert [*short_types(found[:3]), *conversion, *short_types(found[5:])] == [
        "hold.created",
        "hold.released",
        "hold.created",
        "appointment.booked",
        "hold.converted",
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
    ]
    by_type = {event["type"].removeprefix(PREFIX): event for event in reversed(found)}  # the first of each type
    assert found[0]["subject"] == f"{base}/holds/{held['id']}"
    assert found[1]["subject"] == f"{base}/holds/{held['id']}"
    assert by_type["hold.converted"]["data"]["appointment_id"] == converted["id"]
    assert by_type["appointment.booked"]["subject"] == f"{base}/appointments/{converted['id']}"
    assert by_type["appointment.booked"]["data"]["hold_id"] == to_convert["id"]
    assert by_type["appointment.booked"]["data"]["patient_id"] == PATIENT["id"]
    assert found[5]["subject"] == f"{base}/appointments/{booked['id']}"
    assert found[5]["data"]["location"] == "South Wing"
    rescheduled = by_type["appointment.rescheduled"]
    assert rescheduled["subject"] == f"{base}/appointments/{moved['id']}"
    assert rescheduled["data"]["previous_appointment_id"] == booked["id"]
    assert rescheduled["data"]["start"] == at(15).replace("+00:00", "Z")
    assert rescheduled["data"]["previous_start"] == at(10).replace("+00:00", "Z")
    assert by_type["appointment.cancelled"]["data"]["status"] == "cancelled"
    assert [event["sequence"] for event in found] == sorted(event["sequence"] for event in found)
    text = json.dumps(found)
    assert PATIENT["name"] not in text
    assert REASON not in text

    # Nothing else was published for the repeated release and cancel: the next event is the next change's.
    ok(
        api.patch(
            base, json={"name": "Events Doctor Renamed"}, headers={"Content-Type": "application/merge-patch+json"}
        )
    )
    assert events.types_until(1) == ["doctor.updated"]


def test_check_in_and_completion_each_give_one_event(api: Api, doctor: tuple[str, Events]) -> None:
    """Check-in opens 2 hours before the start, so this appointment starts in about an hour. (A no-show needs an
    appointment that has started, which cannot be booked: tests/functional/test_events.py moves the clock.)"""
    doctor_id, events = doctor
    base = f"/doctors/{doctor_id}"
    soon = datetime.now(UTC) + timedelta(minutes=60)
    start = soon.replace(minute=soon.minute - soon.minute % 5, second=0, microsecond=0).isoformat()

    visit = ok(api.post(f"{base}/appointments", json={"start": start, "location": "North Wing"}))
    ok(api.post(f"{base}/appointments/{visit['id']}/check-in"))
    ok(api.post(f"{base}/appointments/{visit['id']}/check-in"))  # again: changes nothing
    ok(api.post(f"{base}/appointments/{visit['id']}/complete"))
    ok(api.post(f"{base}/appointments/{visit['id']}/complete"))  # again: changes nothing
    ok(api.patch(base, json={"name": "Clinic Later"}, headers={"Content-Type": "application/merge-patch+json"}))

    found = events.until(4)
    assert short_types(found) == [
        "appointment.booked",
        "appointment.checked_in",
        "appointment.completed",
        "doctor.updated",
    ]
    assert [event["data"]["status"] for event in found[:3]] == ["booked", "checked_in", "completed"]
    assert {event["subject"] for event in found[:3]} == {f"{base}/appointments/{visit['id']}"}


def test_a_no_show_gives_one_event_once_the_appointment_has_started(tmp_path: Path) -> None:
    """A no-show needs an appointment that has started, and none can be booked in the past: a runner of its own
    whose service clock is moved on (LOCAL_CLOCK_FILE, docs/local-runner.md) lets the hour pass."""
    clock = tmp_path / "clock"
    clock.write_text("0")
    with own_runner(tmp_path, environment={"LOCAL_CLOCK_FILE": str(clock)}) as runner:
        api = runner.api
        doctor_id = new_doctor(api, EVENTS_DOCTOR)
        base = f"/doctors/{doctor_id}"
        events = Events(api, base)
        soon = datetime.now(UTC) + timedelta(minutes=60)
        start = soon.replace(minute=soon.minute - soon.minute % 5, second=0, microsecond=0).isoformat()
        visit = ok(api.post(f"{base}/appointments", json={"start": start, "location": "North Wing"}))
        too_early = api.post(f"{base}/appointments/{visit['id']}/no-show")
        assert too_early.status_code == 409, too_early.text  # it has not started: nothing happens, nothing is told

        clock.write_text(str(2 * 3600))  # two hours on: the appointment has started
        ok(api.post(f"{base}/appointments/{visit['id']}/no-show"))
        ok(api.post(f"{base}/appointments/{visit['id']}/no-show"))  # again: changes nothing
        ok(api.patch(base, json={"name": "After"}, headers={"Content-Type": "application/merge-patch+json"}))

        found = events.until(4)
        assert short_types(found) == ["doctor.created", "appointment.booked", "appointment.no_show", "doctor.updated"]
        assert found[2]["subject"] == f"{base}/appointments/{visit['id']}"
        assert found[2]["data"]["status"] == "no_show"


def test_a_hold_left_to_expire_gives_hold_expired_once_ttl_deletes_its_claim(
    api: Api, doctor: tuple[str, Events]
) -> None:
    doctor_id, events = doctor
    base = f"/doctors/{doctor_id}"
    held = ok(api.post(f"{base}/holds", json={"start": at(30), "location": "North Wing", "ttl_seconds": 30}))

    found = events.until(2, wait_seconds=90)

    assert short_types(found) == ["hold.created", "hold.expired"]
    assert found[1]["subject"] == f"{base}/holds/{held['id']}"
    assert found[1]["data"]["expires_at"] == held["expires_at"].replace("+00:00", "Z")
    # TTL may remove the claim only once the margin is over (docs/events/README.md)
    assert datetime.fromisoformat(found[1]["time"]) >= datetime.fromisoformat(held["expires_at"]) + HOLD_EXPIRY_MARGIN


def test_doctor_writes_give_created_updated_deleted_and_an_unchanged_rewrite_gives_nothing(api: Api) -> None:
    doctor_id = new_doctor(api, EVENTS_DOCTOR, name="Short Stay")
    base = f"/doctors/{doctor_id}"
    events = Events(api, base)
    current = ok(api.get(base))
    same = {
        key: value
        for key, value in current.items()
        if key not in {"id", "created_at", "updated_at", "created_by", "updated_by"}
    }

    ok(api.put(base, json=same))  # the same fields: the version moves, nothing an integrator sees changes
    ok(api.patch(base, json={"locations": ["East Wing"]}, headers={"Content-Type": "application/merge-patch+json"}))
    ok(api.delete(base), 204)

    found = events.until(3)
    assert short_types(found) == ["doctor.created", "doctor.updated", "doctor.deleted"]
    assert found[1]["data"]["changed"] == ["locations"]
    assert found[1]["data"]["locations"] == ["East Wing"]
    assert {event["subject"] for event in found} == {base}


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_fifty_concurrent_bookings_of_one_slot_give_one_appointment_booked(
    api: Api, doctor: tuple[str, Events]
) -> None:
    doctor_id, events = doctor
    url = f"{api.base_url}/doctors/{doctor_id}/appointments"
    answers = simultaneously(
        [lambda: requests.post(url, json={"start": at(60), "location": "North Wing"}, timeout=60)] * 50
    )
    [winner] = [answer.json() for answer in answers if answer.status_code == 201]

    ok(api.post(f"/doctors/{doctor_id}/holds", json={"start": at(65), "location": "North Wing"}))  # a marker

    assert events.types_until(2) == ["appointment.booked", "hold.created"]
    assert events.seen[1]["data"]["appointment_id"] == winner["id"]


@pytest.mark.serial  # concurrent requests: alone, so the race is the test's own
def test_thirty_concurrent_holds_of_one_slot_give_one_hold_created(api: Api, doctor: tuple[str, Events]) -> None:
    doctor_id, events = doctor
    url = f"{api.base_url}/doctors/{doctor_id}/holds"
    answers = simultaneously(
        [lambda: requests.post(url, json={"start": at(90), "location": "North Wing"}, timeout=60)] * 30
    )
    [winner] = [answer.json() for answer in answers if answer.status_code == 201]

    ok(api.post(f"/doctors/{doctor_id}/appointments", json={"start": at(95), "location": "North Wing"}))  # a marker

    found = events.until(2)
    assert short_types(found) == ["hold.created", "appointment.booked"]
    assert found[0]["data"]["hold_id"] == winner["id"]


def test_an_integrator_reads_on_from_a_cursor_and_filters_by_subject(api: Api, doctor: tuple[str, Events]) -> None:
    doctor_id, events = doctor
    everything = api.get("/_local/events").json()
    ok(api.post(f"/doctors/{doctor_id}/appointments", json={"start": at(120), "location": "North Wing"}))
    events.until(1)

    since = api.get("/_local/events", params={"after": everything["next"]}).json()
    other = api.get("/_local/events", params={"subject_prefix": "/doctors/none", "after": everything["next"]}).json()

    assert f"{PREFIX}appointment.booked" in [event["type"] for event in since["items"]]
    assert all(int(since["next"]) >= int(everything["next"]) for _ in [0])
    assert other["items"] == []


@pytest.mark.parametrize("after", ["abc", "-1", "1.5", "999999999"])
def test_a_bad_cursor_is_a_400_problem_not_the_start_of_the_log(api: Api, after: str) -> None:
    answer = api.get("/_local/events", params={"after": after})

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "'after'" in answer.json()["detail"]


def test_the_event_threads_report_their_state(api: Api, doctor: tuple[str, Events]) -> None:
    health = api.get("/_local/events/health").json()

    names = [thread["name"] for thread in health["threads"]]
    assert "events-log" in names
    assert any(name.startswith("stream-pump") for name in names)
    assert all(thread["alive"] for thread in health["threads"])
    assert next(t for t in health["threads"] if t["name"] == "events-log")["events_logged"] >= 1
