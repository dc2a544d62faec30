"""Reminders against moto: the stream's reactions create one EventBridge Scheduler one-time schedule per booked
appointment and offset still ahead (deleting itself after it ran, with a dead-letter queue), delete them on
cancel, move them with a reschedule; when due, the reminders function publishes once, only for a booked one."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.appointments.app import lambda_handler as appointments
from scheduling.events.models import AnyEvent
from scheduling.events.schedules import ReminderSchedules
from scheduling.models import Doctor
from scheduling.service.reactions import react
from scheduling.service.reminders import send_reminder
from scheduling.store import SchedulingStore
from tests.functional.conftest import TABLES, invoke
from tests.support.clock import Clock
from tests.support.event_bus import StreamReader
from tests.support.lambda_events import SAMPLE_DOCTOR_ID, Answer, event_with

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAY = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEK}
GROUP = "reminders"


pytestmark = [
    pytest.mark.usefixtures("aws", "clock"),
    pytest.mark.clock(datetime(2027, 3, 1, 12, 0, tzinfo=UTC)),
    pytest.mark.doctor(slot_minutes=30, schedule=ALL_DAY, rules={"reminders_minutes": [1440, 60]}),
]


@pytest.fixture
def scheduler(aws: None) -> Any:
    client = boto3.client("scheduler")
    client.create_schedule_group(Name=GROUP)
    return client


@pytest.fixture
def reactions(scheduler: Any, store: SchedulingStore) -> Callable[[], None]:
    stream = StreamReader(TABLES["SchedulingTable"])
    schedules = ReminderSchedules(scheduler, GROUP, "arn:target", "arn:role", "arn:dead-letters")

    def run() -> None:
        while records := stream.new_records():
            assert react(store, records, schedules).failed == []

    return run


class Collected:
    def __init__(self) -> None:
        self.events: list[AnyEvent] = []

    def publish(self, events: list[AnyEvent]) -> int:
        self.events += events
        return len(events)


def book(start: str) -> Answer:
    return invoke(appointments, event_with("appointments_book", body={"start": start, "location": "123 Main St"}))


def on(name: str, appointment_id: str, body: Any = None) -> Answer:
    path = {"doctor_id": SAMPLE_DOCTOR_ID, "appointment_id": appointment_id}
    return invoke(appointments, event_with(name, path_parameters=path, body=body))


def schedules(scheduler: Any) -> dict[str, dict[str, Any]]:
    names = [found["Name"] for found in scheduler.list_schedules(GroupName=GROUP)["Schedules"]]
    return {name: scheduler.get_schedule(GroupName=GROUP, Name=name) for name in names}


def test_a_booking_gets_one_schedule_per_offset_still_ahead(
    doctor: Doctor, scheduler: Any, reactions: Callable[[], None]
) -> None:
    later = book("2027-03-05T10:00:00-05:00").json()
    soon = book("2027-03-01T18:00:00-05:00").json()  # 11 hours ahead: the day-before reminder has passed

    reactions()
    reactions()  # nothing new: nothing more

    found = schedules(scheduler)
    assert sorted(found) == sorted(
        [f"reminder-{later['id']}-1440", f"reminder-{later['id']}-60", f"reminder-{soon['id']}-60"]
    )
    one = found[f"reminder-{later['id']}-60"]
    assert one["ScheduleExpression"] == "at(2027-03-05T14:00:00)"
    assert one["ScheduleExpressionTimezone"] == "UTC"
    assert one["ActionAfterCompletion"] == "DELETE"
    assert one["Target"]["DeadLetterConfig"] == {"Arn": "arn:dead-letters"}
    assert json.loads(one["Target"]["Input"]) == {
        "kind": "reminder",
        "doctor_id": doctor.id,
        "appointment_id": later["id"],
        "minutes": 60,
    }


def test_a_redelivered_record_makes_no_second_schedule(doctor: Doctor, scheduler: Any, store: SchedulingStore) -> None:
    book("2027-03-05T10:00:00-05:00")
    stream = StreamReader(TABLES["SchedulingTable"])
    schedules_ = ReminderSchedules(scheduler, GROUP, "arn:target", "arn:role", "arn:dead-letters")
    records = stream.new_records()

    assert react(store, records, schedules_).failed == []
    assert react(store, records, schedules_).failed == []

    assert len(schedules(scheduler)) == 2


def test_a_cancel_deletes_the_schedules_and_a_reschedule_moves_them(
    doctor: Doctor, scheduler: Any, reactions: Callable[[], None]
) -> None:
    cancelled = book("2027-03-05T10:00:00-05:00").json()
    moved = book("2027-03-06T10:00:00-05:00").json()
    reactions()

    on("appointments_cancel", cancelled["id"])
    new = on("appointments_reschedule", moved["id"], {"start": "2027-03-07T10:00:00-05:00"}).json()
    reactions()

    assert sorted(schedules(scheduler)) == sorted([f"reminder-{new['id']}-1440", f"reminder-{new['id']}-60"])


def test_a_due_reminder_is_published_once_and_only_for_a_booked_appointment(
    doctor: Doctor, store: SchedulingStore, clock: Clock
) -> None:
    kept = book("2027-03-05T10:00:00-05:00").json()
    gone = book("2027-03-05T11:00:00-05:00").json()
    on("appointments_cancel", gone["id"])
    published = Collected()
    clock.set(datetime(2027, 3, 5, 14, 0, tzinfo=UTC))

    first = send_reminder(store, published, doctor.id, kept["id"], 60)
    again = send_reminder(store, published, doctor.id, kept["id"], 60)  # the scheduler delivered it twice
    cancelled = send_reminder(store, published, doctor.id, gone["id"], 60)

    assert first is not None
    assert (again, cancelled) == (None, None)
    [event] = published.events
    assert event.type == "org.hospital.scheduling.appointment.reminder_due"
    assert event.subject == f"/doctors/{doctor.id}/appointments/{kept['id']}"
    data = event.model_dump(mode="json")["data"]
    assert (data["minutes_before"], data["due_at"], data["start"]) == (
        60,
        "2027-03-05T14:00:00Z",
        "2027-03-05T15:00:00Z",
    )


def test_a_publication_that_fails_leaves_the_reminder_for_the_scheduler_s_retry(
    doctor: Doctor, store: SchedulingStore
) -> None:
    kept = book("2027-03-05T10:00:00-05:00").json()

    class Failing(Collected):
        def publish(self, events: list[AnyEvent]) -> int:
            return 0

    with pytest.raises(RuntimeError):
        send_reminder(store, Failing(), doctor.id, kept["id"], 60)
    published = Collected()
    send_reminder(store, published, doctor.id, kept["id"], 60)

    assert len(published.events) == 1
