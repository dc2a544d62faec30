"""The waitlist through AppointmentsFunction and the stream's reactions, against moto: join rules, the oldest
waiting entry offered a freed slot as a hold, booked by converting it, an expired offer back to waiting and the
slot to the next entry, busy waiters skipped, and redelivered records giving no second offer."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments
from scheduling.domain.hold_expiry import HOLD_EXPIRY_MARGIN
from scheduling.events.schedules import ReminderSchedules
from scheduling.models import Doctor
from scheduling.service.reactions import react
from scheduling.service.waitlist import OfferNotYetExpired, offer_expired
from scheduling.store import SchedulingStore
from tests.functional.conftest import TABLES, invoke, stored_items
from tests.support.clock import Clock
from tests.support.event_bus import StreamReader
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with
from tests.support.stream_records import record

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: [{"start": "08:00", "end": "18:00"}] for day in WEEK}
SLOT = "2027-03-02T10:00:00-05:00"
WINDOW = {"from": "2027-03-01T08:00:00-05:00", "to": "2027-03-05T18:00:00-05:00"}


pytestmark = [
    pytest.mark.usefixtures("aws", "clock"),
    pytest.mark.clock(datetime(2027, 2, 20, tzinfo=UTC)),
    pytest.mark.doctor(slot_minutes=60, schedule=ALL_DAY, rules={"waitlist_offer_ttl_seconds": 600}),
]

SCHEDULES: list[ReminderSchedules] = []


@pytest.fixture(autouse=True)
def _schedules(schedules: ReminderSchedules) -> None:
    SCHEDULES[:] = [schedules]


@pytest.fixture
def stream(aws: None) -> StreamReader:
    return StreamReader(TABLES["SchedulingTable"])


@pytest.fixture
def schedules(aws: None) -> ReminderSchedules:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name="reminders")
    return ReminderSchedules(client, "reminders", "arn:aws:lambda:::function:r", "arn:aws:iam:::role/s", "arn:sqs")


def waitlist_event(method: str, body: Any = None, entry_id: str | None = None, query: Any = None) -> dict[str, Any]:
    event = copy.deepcopy(event_with("appointments_book", body=body, query=query))
    resource = "/doctors/{doctor_id}/waitlist" + ("/{entry_id}" if entry_id else "")
    parameters = {"doctor_id": SAMPLE_DOCTOR_ID, **({"entry_id": entry_id} if entry_id else {})}
    event["resource"] = event["requestContext"]["resourcePath"] = resource
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["pathParameters"] = parameters
    event["path"] = resource.format(**parameters)
    return event


@pytest.fixture
def join(clock: Clock) -> Callable[..., Answer]:
    """Join the list; a second passes between joins, so the list's order is the joins' order."""

    def join(patient: str, **window: str) -> Answer:
        clock.advance(1)
        return invoke(appointments, waitlist_event("POST", {"patient": {"id": patient}, **WINDOW, **window}))

    return join


def entry(entry_id: str) -> dict[str, Any]:
    answer = invoke(appointments, waitlist_event("GET", entry_id=entry_id))
    assert answer.status == 200, answer
    found: dict[str, Any] = answer.json()
    return found


def book(start: str, patient: str | None = None, hold_id: str | None = None) -> Answer:
    body: dict[str, Any] = {"hold_id": hold_id} if hold_id else {"start": start, "location": "123 Main St"}
    if patient:
        body["patient"] = {"id": patient}
    return invoke(appointments, event_with("appointments_book", body=body))


def cancel(appointment_id: str) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments, event_with("appointments_cancel", path_parameters=path, body=None))


def run_reactions(store: SchedulingStore, stream: StreamReader) -> list[dict[str, Any]]:
    """What the stream's consumer would do, until the stream has nothing new; the records it saw."""
    seen: list[dict[str, Any]] = []
    while records := stream.new_records():
        outcome = react(store, records, SCHEDULES[0])
        assert outcome.failed == []
        seen += records
    return seen


def holds_of(patient: str) -> list[dict[str, Any]]:
    return [
        i
        for i in stored_items()
        if i.get("kind", {}).get("S") == "hold-record" and i.get("patient_id", {}).get("S") == patient
    ]


def test_joining_answers_201_and_lists_oldest_first(join: Callable[..., Answer], doctor: Doctor) -> None:
    first = join("p-1")
    second = join("p-2")

    assert first.status == 201, first
    body = first.json()
    assert body | {"id": None, "joined_at": None} == {
        "id": None,
        "doctor_id": doctor.id,
        "patient_id": "p-1",
        "from": "2027-03-01T13:00:00Z",
        "to": "2027-03-05T23:00:00Z",
        "location": None,
        "status": "waiting",
        "joined_at": None,
        "hold_id": None,
        "offer_expires_at": None,
        "offered_start": None,
        "appointment_id": None,
        "removed_at": None,
    }
    assert first.headers["location"] == f"/doctors/{doctor.id}/waitlist/{body['id']}"
    listed = invoke(appointments, waitlist_event("GET", query={"status": "waiting"})).json()
    assert [e["patient_id"] for e in listed["items"]] == ["p-1", "p-2"]
    assert entry(body["id"]) == body
    assert second.status == 201


@pytest.mark.parametrize(
    ("window", "path"),
    [
        ({"from": "2027-02-19T08:00:00-05:00"}, "from"),
        ({"to": "2027-02-28T08:00:00-05:00"}, "to"),
        ({"to": "2027-04-05T08:00:00-05:00"}, "to"),
        ({"location": "Elsewhere"}, "location"),
    ],
)
def test_a_window_in_the_past_backwards_too_long_or_elsewhere_is_422(
    join: Callable[..., Answer], doctor: Doctor, window: dict[str, str], path: str
) -> None:
    answer = join("p-1", **window)

    assert answer.status == 422, answer
    assert [error["path"] for error in answer.json()["errors"]] == [path]
    assert [i for i in stored_items() if i["SK"]["S"].startswith("WAIT")] == []


def test_the_same_patient_in_an_overlapping_window_is_409_and_a_later_window_is_fine(
    join: Callable[..., Answer], doctor: Doctor
) -> None:
    assert join("p-1").status == 201

    again = join("p-1", **{"from": "2027-03-05T08:00:00-05:00", "to": "2027-03-06T08:00:00-05:00"})
    later = join("p-1", **{"from": "2027-03-06T08:00:00-05:00", "to": "2027-03-07T08:00:00-05:00"})
    other_patient = join("p-2")

    assert again.status == 409, again
    assert again.json()["type"] == "/problems/already-waiting"
    assert later.status == 201
    assert other_patient.status == 201
    assert len([i for i in stored_items() if i["SK"]["S"].startswith("WAIT#")]) == 3


def test_a_cancel_offers_the_slot_to_the_oldest_waiter_who_books_with_one_call(
    join: Callable[..., Answer], doctor: Doctor, store: SchedulingStore, stream: StreamReader
) -> None:
    booked = book(SLOT, "p-0").json()
    oldest = join("p-1").json()
    younger = join("p-2").json()
    run_reactions(store, stream)

    assert cancel(booked["id"]).status == 200
    run_reactions(store, stream)

    offered = entry(oldest["id"])
    assert offered["status"] == "offered"
    assert offered["offered_start"] == "2027-03-02T15:00:00Z"
    assert entry(younger["id"])["status"] == "waiting"
    [hold] = holds_of("p-1")
    assert hold["id"]["S"] == offered["hold_id"]
    assert hold["expires_at"]["S"] == "2027-02-20T00:10:02Z"  # the doctor's waitlist_offer_ttl_seconds

    converted = book(SLOT, hold_id=offered["hold_id"])
    run_reactions(store, stream)

    assert converted.status == 201, converted
    assert converted.json()["patient"]["id"] == "p-1"
    assert entry(oldest["id"]) | {"appointment_id": None} == offered | {"status": "booked", "appointment_id": None}
    assert entry(oldest["id"])["appointment_id"] == converted.json()["id"]
    # the booked entry left the patient's active windows: the patient may wait again in that window
    assert join("p-1").status == 201


def test_a_redelivered_batch_gives_no_second_offer(
    join: Callable[..., Answer], doctor: Doctor, store: SchedulingStore, stream: StreamReader
) -> None:
    booked = book(SLOT).json()
    join("p-1")
    join("p-2")
    run_reactions(store, stream)
    cancel(booked["id"])

    records = stream.new_records()
    react(store, records, SCHEDULES[0])
    react(store, records, SCHEDULES[0])  # Lambda retries a whole batch, or redelivers it after a timeout
    run_reactions(store, stream)

    assert len(holds_of("p-1")) == 1
    assert holds_of("p-2") == []


def test_an_expired_offer_waits_again_in_its_place_and_the_slot_goes_to_the_next(
    join: Callable[..., Answer], doctor: Doctor, store: SchedulingStore, stream: StreamReader, clock: Clock
) -> None:
    booked = book(SLOT).json()
    first = join("p-1").json()
    second = join("p-2").json()
    run_reactions(store, stream)
    cancel(booked["id"])
    run_reactions(store, stream)
    offered = entry(first["id"])

    clock.advance(601)
    assert entry(first["id"])["status"] == "waiting"  # read as of now, before the stream says so
    react(store, [_ttl_deletes_the_claim(store, offered["offered_start"])], SCHEDULES[0])
    run_reactions(store, stream)

    assert store.get_waitlist_entry(doctor.id, first["id"]).status == "waiting"
    after = entry(second["id"])
    assert after["status"] == "offered"
    assert after["offered_start"] == offered["offered_start"]
    listed = invoke(appointments, waitlist_event("GET")).json()["items"]
    assert [e["id"] for e in listed] == [first["id"], second["id"]]  # the first keeps its place


def test_a_waiter_busy_at_that_time_is_skipped(
    join: Callable[..., Answer],
    doctor: Doctor,
    store: SchedulingStore,
    stream: StreamReader,
    given_doctor: Callable[..., Doctor],
) -> None:
    other = given_doctor("1" * 32, slot_minutes=60, schedule=ALL_DAY)
    elsewhere = event_with(
        "appointments_book",
        path_parameters={"doctor_id": other.id},
        body={"start": SLOT, "location": "123 Main St", "patient": {"id": "p-1"}},
    )
    assert invoke(appointments, elsewhere).status == 201
    booked = book(SLOT).json()
    busy = join("p-1").json()
    free = join("p-2").json()
    run_reactions(store, stream)

    cancel(booked["id"])
    run_reactions(store, stream)

    assert entry(busy["id"])["status"] == "waiting"
    assert entry(free["id"])["status"] == "offered"


def test_leaving_releases_an_offer_and_the_slot_goes_to_the_next(
    join: Callable[..., Answer], doctor: Doctor, store: SchedulingStore, stream: StreamReader
) -> None:
    booked = book(SLOT).json()
    first = join("p-1").json()
    second = join("p-2").json()
    run_reactions(store, stream)
    cancel(booked["id"])
    run_reactions(store, stream)

    left = invoke(appointments, waitlist_event("DELETE", entry_id=first["id"]))
    again = invoke(appointments, waitlist_event("DELETE", entry_id=first["id"]))
    run_reactions(store, stream)

    assert (left.status, again.status) == (204, 204)
    assert entry(first["id"])["status"] == "removed"
    assert entry(second["id"])["status"] == "offered"
    [released] = holds_of("p-1")
    assert released["status"]["S"] == "released"


def _ttl_deletes_the_claim(store: SchedulingStore, start: str) -> dict[str, Any]:
    """Delete an expired hold's claim as TTL would, and the stream record TTL's deletion gives."""
    [claim] = [i for i in stored_items() if i["SK"]["S"] == "SLOT#" + start]
    store._client.delete_item(TableName=TABLES["SchedulingTable"], Key={"PK": claim["PK"], "SK": claim["SK"]})
    return record(claim, None, by_ttl=True)


def test_an_offer_s_schedule_passes_the_slot_on_at_its_expiry_without_waiting_for_ttl(
    join: Callable[..., Answer],
    doctor: Doctor,
    store: SchedulingStore,
    stream: StreamReader,
    clock: Clock,
    schedules: ReminderSchedules,
) -> None:
    booked = book(SLOT).json()
    first = join("p-1").json()
    second = join("p-2").json()
    run_reactions(store, stream)
    cancel(booked["id"])
    run_reactions(store, stream)
    offered = entry(first["id"])
    scheduler = boto3.client("scheduler")
    timer = scheduler.get_schedule(GroupName="reminders", Name=f"offer-{offered['hold_id']}")
    free_at = datetime.fromisoformat(offered["offer_expires_at"]) + HOLD_EXPIRY_MARGIN  # others may take it then
    assert timer["ScheduleExpression"] == f"at({free_at.strftime('%Y-%m-%dT%H:%M:%S')})"
    payload = json.loads(timer["Target"]["Input"])

    clock.set(free_at - timedelta(milliseconds=1))  # expired, but the hold still keeps its slot for others
    with pytest.raises(OfferNotYetExpired):
        offer_expired(store, payload["doctor_id"], payload["entry_id"], payload["hold_id"])  # a moment early
    assert entry(second["id"])["status"] == "waiting"
    clock.set(free_at)
    assert offer_expired(store, payload["doctor_id"], payload["entry_id"], payload["hold_id"]) is True
    run_reactions(store, stream)

    assert entry(first["id"])["status"] == "waiting"
    after = entry(second["id"])
    assert (after["status"], after["offered_start"]) == ("offered", offered["offered_start"])
    names = [s["Name"] for s in scheduler.list_schedules(GroupName="reminders")["Schedules"]]
    assert names == [f"offer-{after['hold_id']}"]  # the lapsed offer's timer is gone, the new one's is set
    assert book(SLOT, hold_id=after["hold_id"]).status == 201
    run_reactions(store, stream)
    assert scheduler.list_schedules(GroupName="reminders")["Schedules"] == []  # booked: its timer is deleted
