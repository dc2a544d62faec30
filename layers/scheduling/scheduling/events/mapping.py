"""Pure: one committed item change -> the domain events it means (docs/events/README.md has the table).

Each state change is told by exactly one item of the transaction that made it, so that one stream record
gives one event and a change never gives two:
- doctors by `PROFILE`;
- holds by their record `HOLD#<id>` (created, released, converted), and their expiry by the slot claim
  `SLOT#<start>` (kind hold) leaving while still there: deleted by TTL, or overwritten by a later claim;
- appointments by the slot item `SLOT#<start>` (booked, rescheduled, checked in, completed, no-show) and by
  `CANCELLED#...` (cancelled; a cancellation that is half of a reschedule is told by the new slot);
- a series by its record `SERIES#<id>` (series_booked; each appointment is also told by its slot);
- a waitlist entry's moves by the entry `WAIT#<id>` (offered, booked, expired).
Everything else (`FENCE`, `DAY#`, the patient's `LOCK` and `TIME#` copies, indexes, item kinds added later)
is bookkeeping and gives nothing, as does a write that changed no field an event carries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scheduling.domain.ids import appointment_start
from scheduling.events.changes import Change
from scheduling.events.models import (
    AnyEvent,
    AppointmentData,
    CloudEvent,
    DoctorData,
    EventData,
    HoldData,
    SeriesData,
    WaitlistData,
    full_type,
)
from scheduling.store.keys import FENCE, PROFILE, SLOT_PREFIX

# Event ids are name-based UUIDs of (stream record id, event type): the same on every redelivery.
_EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c1e-4c55-4f55-9c1b-2a8e0f0c5e11")
# Profile attributes that move without the doctor changing: versions, the booking fence (and when it moved: a
# delete's lease moves it alone), keys, stamps.
_DOCTOR_BOOKKEEPING = frozenset(
    {"version", "fence", "fence_moved_at", "kind", "created_at", "updated_at", "created_by", "updated_by"}
)
_STATUS_EVENTS = {
    "checked_in": "appointment.checked_in",
    "completed": "appointment.completed",
    "no_show": "appointment.no_show",
}


def events_of(change: Change) -> list[AnyEvent]:
    """The events one change means, in the order they happened (at most two: an expired hold taken over)."""
    if not change.pk.startswith("DOCTOR#"):
        return []  # patients' locks and copies, and any other partition
    sk = change.sk
    handler = _HANDLERS.get(sk) or next((h for prefix, h in _PREFIX_HANDLERS if sk.startswith(prefix)), None)
    return handler(change) if handler else []


def _doctor(change: Change) -> list[AnyEvent]:
    if change.name == "INSERT":
        return [_event(change, "doctor.created", _doctor_data(change.item, by=change.item.get("created_by")))]
    if change.name == "REMOVE":
        return [_event(change, "doctor.deleted", _doctor_data(change.item))]
    changed = _changed_fields(change.old or {}, change.new or {})
    if not changed:
        return []  # the booking fence closed and reopened by a refused delete, or a rewrite of the same values
    return [_event(change, "doctor.updated", _doctor_data(change.item, changed, by=change.item.get("updated_by")))]


def _hold_record(change: Change) -> list[AnyEvent]:
    old_status = (change.old or {}).get("status")
    new_status = (change.new or {}).get("status")
    if change.name == "INSERT" and new_status == "held":
        return [_event(change, "hold.created", _hold_data(change.item, by=change.item.get("created_by")))]
    if change.name == "MODIFY" and old_status == "held" and new_status == "released":
        return [_event(change, "hold.released", _hold_data(change.item, by=change.item.get("released_by")))]
    if change.name == "MODIFY" and old_status == "held" and new_status == "booked":
        return [_event(change, "hold.converted", _hold_data(change.item))]
    return []  # removed by TTL 30 days after expiry, or rewritten unchanged


def _slot(change: Change) -> list[AnyEvent]:
    old, new = change.old, change.new
    events: list[AnyEvent] = []
    if old is not None and old.get("kind") == "hold":
        converted = new is not None and new.get("hold_id") == old.get("hold_id")
        # The claim leaves without being released (release deletes it itself, not TTL) or converted: it expired.
        if (new is None and change.by_ttl) or (new is not None and not converted):
            events.append(_event(change, "hold.expired", _expired_hold_data(old)))
    if new is None or new.get("kind") != "appointment":
        return events  # a hold's claim (told by its record) or a freed slot (told by CANCELLED# or the new slot)
    if old is None or old.get("kind") == "hold":
        if new.get("replaces"):
            return [*events, _event(change, "appointment.rescheduled", _appointment_data(new, rescheduled=True))]
        return [*events, _event(change, "appointment.booked", _appointment_data(new))]
    if old.get("status") != new.get("status") and new.get("status") in _STATUS_EVENTS:
        return [_event(change, _STATUS_EVENTS[new["status"]], _appointment_data(new))]
    return []


def _cancelled(change: Change) -> list[AnyEvent]:
    if change.name != "INSERT" or change.item.get("replaced_by"):
        return []  # a reschedule's cancelled half: the new slot tells it
    return [_event(change, "appointment.cancelled", _appointment_data(change.item))]


def _waitlist_entry(change: Change) -> list[AnyEvent]:
    """An entry's moves: waiting -> offered, offered -> booked, offered -> waiting (the offer lapsed or was let go)."""
    if change.name != "MODIFY":
        return []
    moved = (str((change.old or {}).get("status")), str((change.new or {}).get("status")))
    short = {
        ("waiting", "offered"): "waitlist.offered",
        ("offered", "booked"): "waitlist.booked",
        ("offered", "waiting"): "waitlist.expired",
    }.get(moved)
    if short is None:
        return []
    item = change.item
    data = WaitlistData(
        doctor_id=_doctor_id(item),
        entry_id=item["id"],
        patient_id=item["patient_id"],
        status=item["status"],
        hold_id=item.get("hold_id"),
        offered_start=_instant(item["offered_start"]) if item.get("offered_start") else None,
        offer_expires_at=_instant(item["offer_expires_at"]) if item.get("offer_expires_at") else None,
        appointment_id=item.get("appointment_id"),
    )
    return [_event(change, short, data)]


def _series(change: Change) -> list[AnyEvent]:
    if change.name != "INSERT":
        return []
    item = change.item
    members = item["appointments"]
    data = SeriesData(
        doctor_id=_doctor_id(item),
        series_id=item["series_id"],
        appointment_ids=[member["id"] for member in members],
        starts=[_instant(member["start"]) for member in members],
        location=item["location"],
        patient_id=item.get("patient_id"),
    )
    return [_event(change, "appointment.series_booked", data)]


def _ignored(change: Change) -> list[AnyEvent]:
    return []


_HANDLERS: dict[str, Callable[[Change], list[AnyEvent]]] = {PROFILE: _doctor, FENCE: _ignored}
_PREFIX_HANDLERS: tuple[tuple[str, Callable[[Change], list[AnyEvent]]], ...] = (
    (SLOT_PREFIX, _slot),
    ("HOLD#", _hold_record),
    ("CANCELLED#", _cancelled),
    ("WAIT#", _waitlist_entry),
    ("SERIES#", _series),
)


def _event(change: Change, short_type: str, data: EventData) -> AnyEvent:
    subject = f"/doctors/{data.doctor_id}"
    if isinstance(data, WaitlistData):
        subject += f"/waitlist/{data.entry_id}"
    elif isinstance(data, SeriesData):
        subject += f"/appointments/series/{data.series_id}"
    elif isinstance(data, HoldData):
        subject += f"/holds/{data.hold_id}"
    elif isinstance(data, AppointmentData):
        subject += f"/appointments/{data.appointment_id}"
    return CloudEvent[Any](
        id=str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{change.event_id}/{short_type}")),
        type=full_type(short_type),
        subject=subject,
        time=change.at,
        sequence=change.sequence,
        partitionkey=data.doctor_id,
        data=data,
    )


def _doctor_id(item: dict[str, Any]) -> str:
    return str(item["PK"]).removeprefix("DOCTOR#")


def _doctor_data(item: dict[str, Any], changed: list[str] | None = None, by: str | None = None) -> DoctorData:
    return DoctorData(
        doctor_id=_doctor_id(item),
        by=by,
        version=int(item["version"]),
        name=item["name"],
        timezone=item["timezone"],
        locations=list(item["locations"]),
        changed=changed or [],
    )


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    names = (set(old) | set(new)) - _DOCTOR_BOOKKEEPING
    return sorted(name for name in names if not name.isupper() and old.get(name) != new.get(name))


def _hold_data(item: dict[str, Any], by: str | None = None) -> HoldData:
    return HoldData(
        doctor_id=_doctor_id(item),
        by=by,
        hold_id=item["id"],
        start=_instant(item["start"]),
        end=_instant(item["end"]),
        expires_at=_instant(item["expires_at"]),
        status=item["status"],
        location=item.get("location"),
        appointment_id=item.get("appointment_id"),
        patient_id=_patient_id(item),
    )


def _expired_hold_data(claim: dict[str, Any]) -> HoldData:
    return HoldData(
        doctor_id=_doctor_id(claim),
        hold_id=claim["hold_id"],
        start=_instant(claim["start"]),
        end=_instant(claim["end"]),
        expires_at=_instant(claim["expires_at"]),
        status="expired",
        patient_id=_patient_id(claim),
    )


def _appointment_data(item: dict[str, Any], rescheduled: bool = False) -> AppointmentData:
    previous = item.get("replaces") if rescheduled else None
    history = item.get("history") or [{}]  # the change's own entry is the last: it was appended in the same write
    return AppointmentData(
        doctor_id=_doctor_id(item),
        by=history[-1].get("by"),
        on_behalf_of=history[-1].get("on_behalf_of"),
        appointment_id=item["appointment_id"],
        status=item["status"],
        start=_instant(item["start"]),
        end=_instant(item["end"]),
        location=item["location"],
        patient_id=_patient_id(item),
        hold_id=item.get("hold_id"),
        previous_appointment_id=previous,
        previous_start=appointment_start(previous) if previous else None,
    )


def _patient_id(item: dict[str, Any]) -> str | None:
    """Only the id: a patient's name never leaves the service in an event."""
    patient = item.get("patient")
    if isinstance(patient, dict) and patient.get("id"):
        return str(patient["id"])
    return str(item["patient_id"]) if item.get("patient_id") else None


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
