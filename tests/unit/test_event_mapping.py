"""Every row of docs/events/README.md's table: an item transition, and exactly the events it means."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from scheduling.events.changes import change_of
from scheduling.events.mapping import events_of
from scheduling.events.models import EVENT_TYPES, SOURCE
from scheduling.models import Actor, HistoryEntry, Patient
from scheduling.models.waitlist import WaitlistEntry
from scheduling.store.items import (
    booked_item,
    cancelled_item,
    doctor_item,
    fence_item,
    hold_lock_item,
    hold_record_item,
    patient_entry_item,
    serialize,
    version_bump,
)
from scheduling.store.keys import day_sk, doctor_pk, key, patient_pk
from scheduling.store.series import series_item
from scheduling.store.waitlist import entry_item
from tests.support.stream_records import DOCTOR_ID, NOW, START, appointment, doctor, hold, record

HOUSE = doctor()
BOOKED = appointment()
HELD = hold()
OTHER_HOLD = hold("20350604T133000Z-99999999999999999999999999999999", expires_at=NOW + timedelta(hours=1))
MOVED = appointment(START + timedelta(hours=1), id="20350604T143000Z-aaaaaaaaaaaa", replaces=BOOKED.id)


def status(value: str, **stamps: Any) -> dict[str, Any]:
    return booked_item(BOOKED.model_copy(update={"status": value, **stamps}))


def cancelled(**fields: Any) -> dict[str, Any]:
    return cancelled_item(BOOKED.model_copy(update={"status": "cancelled", "cancelled_at": NOW, **fields}))


def held_record(**fields: Any) -> dict[str, Any]:
    return hold_record_item(HELD.model_copy(update=fields))


def bookkeeping_lock(sk: str) -> dict[str, Any]:
    return dict(version_bump("T", key(doctor_pk(DOCTOR_ID), sk), "day", 1)["Put"]["Item"])


WAITING = WaitlistEntry.model_validate(
    {
        "id": "20350601T120000000000Z-0123456789abcdef",
        "doctor_id": DOCTOR_ID,
        "patient_id": "p-123",
        "from": START - timedelta(days=1),
        "to": START + timedelta(days=1),
        "status": "waiting",
        "joined_at": NOW,
    }
)


def entry(**fields: Any) -> dict[str, Any]:
    return entry_item(WAITING.model_copy(update=fields))


OFFER = {"hold_id": HELD.id, "offered_start": START, "offer_expires_at": NOW + timedelta(minutes=5)}
SERIES = [BOOKED.model_copy(update={"series_id": "0" * 32}), MOVED.model_copy(update={"series_id": "0" * 32})]

SEARCH_INDEX = serialize({"PK": "SPECIALTY#cardiology", "SK": f"DOCTOR#{DOCTOR_ID}", "kind": "doctor-index"})
PATIENT_LOCK = serialize({"PK": patient_pk("p-123"), "SK": "LOCK", "kind": "patient", "version": 1})

# (transition, stream records, the event types they give, in order)
TABLE: list[tuple[str, Callable[[], list[dict[str, Any]]], list[str]]] = [
    ("PROFILE inserted", lambda: [record(None, doctor_item(HOUSE, 1))], ["doctor.created"]),
    ("waitlist entry joined", lambda: [record(None, entry())], []),
    ("waitlist entry offered", lambda: [record(entry(), entry(status="offered", **OFFER))], ["waitlist.offered"]),
    (
        "waitlist offer converted",
        lambda: [record(entry(status="offered", **OFFER), entry(status="booked", appointment_id=BOOKED.id, **OFFER))],
        ["waitlist.booked"],
    ),
    (
        "waitlist offer lapsed or let go",
        lambda: [record(entry(status="offered", **OFFER), entry(status="waiting", **OFFER))],
        ["waitlist.expired"],
    ),
    ("waitlist entry removed", lambda: [record(entry(), entry(status="removed", removed_at=NOW))], []),
    ("SERIES record inserted", lambda: [record(None, series_item("0" * 32, SERIES))], ["appointment.series_booked"]),
    (
        "PROFILE changed in a field",
        lambda: [
            record(doctor_item(HOUSE, 1), doctor_item(HOUSE.model_copy(update={"version": 2, "slot_minutes": 20}), 2))
        ],
        ["doctor.updated"],
    ),
    (
        "PROFILE rewritten with the same fields (version, updated_at and fence move)",
        lambda: [
            record(
                doctor_item(HOUSE, 1),
                doctor_item(HOUSE.model_copy(update={"version": 2, "updated_at": NOW + timedelta(1)}), 3),
            )
        ],
        [],
    ),
    ("PROFILE removed", lambda: [record(doctor_item(HOUSE, 3), None)], ["doctor.deleted"]),
    (
        "FENCE inserted, moved, removed",
        lambda: [
            record(None, fence_item(DOCTOR_ID, 1)),
            record(fence_item(DOCTOR_ID, 1), fence_item(DOCTOR_ID, 2, NOW)),
            record(fence_item(DOCTOR_ID, 2), None),
        ],
        [],
    ),
    ("HOLD# record inserted", lambda: [record(None, held_record())], ["hold.created"]),
    (
        "HOLD# held -> released",
        lambda: [record(held_record(), held_record(status="released", released_at=NOW))],
        ["hold.released"],
    ),
    (
        "HOLD# held -> booked",
        lambda: [record(held_record(), held_record(status="booked", appointment_id=BOOKED.id))],
        ["hold.converted"],
    ),
    ("HOLD# record removed by TTL", lambda: [record(held_record(), None, by_ttl=True)], []),
    ("SLOT# claim inserted (hold)", lambda: [record(None, hold_lock_item(HELD))], []),
    ("SLOT# claim deleted by a release", lambda: [record(hold_lock_item(HELD), None)], []),
    ("SLOT# claim deleted by TTL", lambda: [record(hold_lock_item(HELD), None, by_ttl=True)], ["hold.expired"]),
    (
        "SLOT# expired claim taken by another hold",
        lambda: [record(hold_lock_item(HELD), hold_lock_item(OTHER_HOLD))],
        ["hold.expired"],
    ),
    ("SLOT# appointment inserted", lambda: [record(None, booked_item(BOOKED))], ["appointment.booked"]),
    (
        "SLOT# claim -> appointment of that hold (conversion)",
        lambda: [record(hold_lock_item(HELD), booked_item(BOOKED.model_copy(update={"hold_id": HELD.id})))],
        ["appointment.booked"],
    ),
    (
        "SLOT# expired claim -> appointment booked by someone else",
        lambda: [record(hold_lock_item(HELD), booked_item(BOOKED))],
        ["hold.expired", "appointment.booked"],
    ),
    (
        "SLOT# appointment inserted with `replaces`",
        lambda: [record(None, booked_item(MOVED))],
        ["appointment.rescheduled"],
    ),
    (
        "SLOT# booked -> checked_in",
        lambda: [record(status("booked"), status("checked_in", checked_in_at=NOW))],
        ["appointment.checked_in"],
    ),
    (
        "SLOT# checked_in -> completed",
        lambda: [record(status("checked_in"), status("completed", completed_at=NOW))],
        ["appointment.completed"],
    ),
    (
        "SLOT# booked -> no_show",
        lambda: [record(status("booked"), status("no_show", no_show_at=NOW))],
        ["appointment.no_show"],
    ),
    (
        "SLOT# appointment rewritten with the same status",
        lambda: [record(status("checked_in"), status("checked_in"))],
        [],
    ),
    ("SLOT# appointment deleted (cancel or reschedule)", lambda: [record(booked_item(BOOKED), None)], []),
    (
        "CANCELLED# inserted",
        lambda: [record(None, cancelled(cancel_reason="Patient is in hospital"))],
        ["appointment.cancelled"],
    ),
    (
        "CANCELLED# inserted with `replaced_by` (half of a reschedule)",
        lambda: [record(None, cancelled(cancel_reason="rescheduled", replaced_by=MOVED.id))],
        [],
    ),
    ("DAY# version bumped", lambda: [record(None, bookkeeping_lock(day_sk(START.date())))], []),
    (
        "PATIENT# LOCK and TIME# copy",
        lambda: [record(None, PATIENT_LOCK), record(None, patient_entry_item(BOOKED))],
        [],
    ),
    (
        "an item kind this consumer does not know",
        lambda: [
            record(None, SEARCH_INDEX),
            record(None, serialize({"PK": doctor_pk(DOCTOR_ID), "SK": "SPECIALTY#x", "kind": "new"})),
        ],
        [],
    ),
]


@pytest.mark.parametrize(("transition", "records", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_each_item_transition_gives_exactly_its_events(
    transition: str, records: Callable[[], list[dict[str, Any]]], expected: list[str]
) -> None:
    events = [event for raw in records() for event in events_of(change_of(raw))]

    assert [event.type.removeprefix(f"{SOURCE}.") for event in events] == expected, transition


def test_every_event_type_has_a_row() -> None:
    covered = {short for _, _, expected in TABLE for short in expected}
    # published by the reminders function when a reminder falls due, not from an item change
    assert covered | {"appointment.reminder_due"} == set(EVENT_TYPES)


def one(raw: dict[str, Any]) -> dict[str, Any]:
    [event] = events_of(change_of(raw))
    dumped: dict[str, Any] = event.model_dump(mode="json")
    return dumped


def test_a_booking_is_a_cloudevent_with_ids_times_status_location_and_only_the_patients_id() -> None:
    event = one(record(None, booked_item(BOOKED)))

    assert event["specversion"] == "1.0"
    assert event["source"] == "org.hospital.scheduling"
    assert event["type"] == "org.hospital.scheduling.appointment.booked"
    assert event["subject"] == f"/doctors/{DOCTOR_ID}/appointments/{BOOKED.id}"
    assert event["datacontenttype"] == "application/json"
    assert event["time"] == "2035-06-01T12:00:00Z"
    assert event["partitionkey"] == DOCTOR_ID
    assert event["data"] == {
        "doctor_id": DOCTOR_ID,
        "by": None,  # BOOKED has no history: a record stored before there was one
        "on_behalf_of": None,
        "appointment_id": BOOKED.id,
        "status": "booked",
        "start": "2035-06-04T13:30:00Z",
        "end": "2035-06-04T14:00:00Z",
        "location": "123 Main St",
        "patient_id": "p-123",
        "hold_id": None,
        "previous_appointment_id": None,
        "previous_start": None,
    }


def test_no_event_carries_a_patient_name_or_a_cancel_reason() -> None:
    named = Patient(id="p-9", name="Zebedee Quux")
    records = [
        record(None, booked_item(BOOKED.model_copy(update={"patient": named}))),
        record(None, cancelled(patient=named, cancel_reason="Confidential diagnosis text")),
        record(None, booked_item(MOVED.model_copy(update={"patient": named}))),
    ]
    text = json.dumps([event.model_dump(mode="json") for raw in records for event in events_of(change_of(raw))])

    assert "p-9" in text
    assert "Zebedee" not in text
    assert "Quux" not in text
    assert "Confidential" not in text
    assert "rescheduled" not in text.replace("appointment.rescheduled", "")


def test_a_reschedule_names_the_old_and_the_new_appointment() -> None:
    event = one(record(None, booked_item(MOVED)))

    assert event["subject"] == f"/doctors/{DOCTOR_ID}/appointments/{MOVED.id}"
    assert event["data"]["appointment_id"] == MOVED.id
    assert event["data"]["start"] == "2035-06-04T14:30:00Z"
    assert event["data"]["previous_appointment_id"] == BOOKED.id
    assert event["data"]["previous_start"] == "2035-06-04T13:30:00Z"


def test_an_expired_hold_says_when_it_expired_and_a_conversion_names_the_appointment() -> None:
    expired = one(record(hold_lock_item(HELD), None, by_ttl=True))
    converted = one(record(held_record(), held_record(status="booked", appointment_id=BOOKED.id)))

    assert expired["subject"] == f"/doctors/{DOCTOR_ID}/holds/{HELD.id}"
    assert expired["data"]["status"] == "expired"
    assert expired["data"]["expires_at"] == "2035-06-01T12:05:00Z"
    assert converted["data"]["appointment_id"] == BOOKED.id
    assert converted["data"]["status"] == "booked"


def test_a_doctor_update_names_the_fields_that_changed() -> None:
    moved = HOUSE.model_copy(update={"version": 2, "locations": ["789 Elm St"], "slot_minutes": 20})
    event = one(record(doctor_item(HOUSE, 1), doctor_item(moved, 2)))

    assert event["data"]["changed"] == ["locations", "slot_minutes"]
    assert event["data"]["version"] == 2
    assert event["data"]["locations"] == ["789 Elm St"]


def test_a_redelivered_record_gives_the_same_event_id_and_two_events_of_one_record_differ() -> None:
    raw = record(hold_lock_item(HELD), booked_item(BOOKED))

    first = [event.id for event in events_of(change_of(raw))]
    again = [event.id for event in events_of(change_of(raw))]

    assert first == again
    assert len(set(first)) == 2


def test_sequence_orders_as_text_like_the_stream() -> None:
    early, late = record(None, booked_item(BOOKED)), record(None, booked_item(MOVED))
    late["dynamodb"]["SequenceNumber"] = str(int(early["dynamodb"]["SequenceNumber"]) * 10)

    assert one(early)["sequence"] < one(late)["sequence"]


@pytest.mark.parametrize(
    ("transition", "records", "expected"), [row for row in TABLE if row[2]], ids=[row[0] for row in TABLE if row[2]]
)
def test_an_independent_cloudevents_reader_accepts_every_event(
    transition: str, records: Callable[[], list[dict[str, Any]]], expected: list[str]
) -> None:
    from cloudevents.core.formats.json import JSONFormat
    from cloudevents.core.v1.event import CloudEvent as SdkCloudEvent

    for raw in records():
        for event in events_of(change_of(raw)):
            read = JSONFormat().read(SdkCloudEvent, event.model_dump_json())

            assert read.get_id() == event.id
            assert read.get_type() == event.type
            assert read.get_subject() == event.subject
            assert read.get_extension("sequence") == event.sequence
            assert read.get_data() == event.model_dump(mode="json")["data"]


# Who did it (issue #20): events carry the `by` and `on_behalf_of` the record names


DESK = "arn:aws:iam::123456789012:user/front-desk"


def test_appointment_events_name_who_made_the_change_from_its_history_entry() -> None:
    booked_by = HistoryEntry.of("booked", NOW, Actor(DESK))
    cancelled_by = HistoryEntry.of("cancelled", NOW, Actor(DESK, "nurse.jones"))
    booked = BOOKED.model_copy(update={"history": [booked_by]})
    cancelled_appointment = booked.model_copy(
        update={"status": "cancelled", "cancelled_at": NOW, "history": [booked_by, cancelled_by]}
    )

    booking = one(record(None, booked_item(booked)))["data"]
    cancel = one(record(None, cancelled_item(cancelled_appointment)))["data"]

    assert (booking["by"], booking["on_behalf_of"]) == (DESK, None)
    assert (cancel["by"], cancel["on_behalf_of"]) == (DESK, "nurse.jones")


def test_hold_and_doctor_events_name_their_creator_and_changer() -> None:
    held = HELD.model_copy(update={"created_by": DESK})
    released = held.model_copy(update={"status": "released", "released_by": "arn:aws:iam::123456789012:user/x"})
    updated = HOUSE.model_copy(update={"name": "Dr House", "created_by": DESK, "updated_by": "arn:aws:iam::1:user/y"})

    assert one(record(None, hold_record_item(held)))["data"]["by"] == DESK
    assert one(record(hold_record_item(held), hold_record_item(released)))["data"]["by"].endswith("user/x")
    changed = one(record(doctor_item(HOUSE, 1), doctor_item(updated, 1)))["data"]
    assert (changed["by"], changed["changed"]) == ("arn:aws:iam::1:user/y", ["name"])  # who changed it: no field
