"""Pure: one committed change of a stored record -> the domain events it means (docs/events/README.md has the table).

Each state change is told by exactly one item of the transaction that made it, so that one stream record
gives one event and a change never gives two:
- doctors by their profile;
- holds by their record (created, released, converted), and their expiry by the hold's claim on its slot
  leaving while still there: deleted by TTL, or overwritten by a later claim;
- appointments by the appointment on its slot (booked, rescheduled, checked in, completed, no-show) and by
  their cancelled record (cancelled; a cancellation that is half of a reschedule is told by the new slot);
- a series by its record (series_booked; each appointment is also told by its slot);
- a waitlist entry's moves by the entry (offered, booked, expired).
Everything else (bookkeeping records: the fence, day and patient locks, the patient's copies, indexes, item
kinds added later) gives nothing, as does a write that changed no field an event carries. The store decodes
the items (`store/stream.py`); this module never sees keys or attribute maps.
"""

from __future__ import annotations

import uuid
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
from scheduling.store.stream import (
    BookedAppointment,
    CancelledAppointment,
    DoctorProfile,
    HoldClaim,
    HoldRecord,
    SeriesRecord,
    StoredAppointment,
    WaitlistRecord,
)

# Event ids are name-based UUIDs of (stream record id, event type): the same on every redelivery.
_EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c1e-4c55-4f55-9c1b-2a8e0f0c5e11")
# Doctor fields that move without the doctor changing: the version and the stamps.
_DOCTOR_STAMPS = frozenset({"version", "created_at", "updated_at", "created_by", "updated_by"})
_STATUS_EVENTS = {
    "checked_in": "appointment.checked_in",
    "completed": "appointment.completed",
    "no_show": "appointment.no_show",
}


def events_of(change: Change) -> list[AnyEvent]:
    """The events one change means, in the order they happened (at most two: an expired hold taken over)."""
    record = change.record
    if isinstance(record, HoldClaim | BookedAppointment) or isinstance(change.old, HoldClaim):
        return _slot(change)
    if isinstance(record, DoctorProfile):
        return _doctor(change, record)
    if isinstance(record, HoldRecord):
        return _hold_record(change, record)
    if isinstance(record, CancelledAppointment):
        return _cancelled(change, record)
    if isinstance(record, WaitlistRecord | SeriesRecord):
        return _waitlist_entry(change) if isinstance(record, WaitlistRecord) else _series(change, record)
    return []  # bookkeeping: locks, copies, indexes, any other item


def _doctor(change: Change, doctor: DoctorProfile) -> list[AnyEvent]:
    if change.name == "INSERT":
        return [_event(change, "doctor.created", _doctor_data(doctor, by=doctor.created_by))]
    if change.name == "REMOVE":
        return [_event(change, "doctor.deleted", _doctor_data(doctor))]
    changed = _changed_fields(change.old, change.new)
    if not changed:
        return []  # the booking fence closed and reopened by a refused delete, or a rewrite of the same values
    return [_event(change, "doctor.updated", _doctor_data(doctor, changed, by=doctor.updated_by))]


def _hold_record(change: Change, hold: HoldRecord) -> list[AnyEvent]:
    old_status = change.old.status if isinstance(change.old, HoldRecord) else None
    new_status = change.new.status if isinstance(change.new, HoldRecord) else None
    if change.name == "INSERT" and new_status == "held":
        return [_event(change, "hold.created", _hold_data(hold, by=hold.created_by))]
    if change.name == "MODIFY" and old_status == "held" and new_status == "released":
        return [_event(change, "hold.released", _hold_data(hold, by=hold.released_by))]
    if change.name == "MODIFY" and old_status == "held" and new_status == "booked":
        return [_event(change, "hold.converted", _hold_data(hold))]
    return []  # removed by TTL 30 days after expiry, or rewritten unchanged


def _slot(change: Change) -> list[AnyEvent]:
    old, new = change.old, change.new
    events: list[AnyEvent] = []
    if isinstance(old, HoldClaim):
        converted = isinstance(new, HoldClaim | BookedAppointment) and new.hold_id == old.hold_id
        # The claim leaves without being released (release deletes it itself, not TTL) or converted: it expired.
        if (new is None and change.by_ttl) or (new is not None and not converted):
            events.append(_event(change, "hold.expired", _expired_hold_data(old)))
    if not isinstance(new, BookedAppointment):
        return events  # a hold's claim (told by its record) or a freed slot (by the cancelled record or the new slot)
    if old is None or isinstance(old, HoldClaim):
        if new.replaces:
            return [*events, _event(change, "appointment.rescheduled", _appointment_data(new, rescheduled=True))]
        return [*events, _event(change, "appointment.booked", _appointment_data(new))]
    old_status = old.status if isinstance(old, BookedAppointment) else None
    if old_status != new.status and new.status in _STATUS_EVENTS:
        return [_event(change, _STATUS_EVENTS[new.status], _appointment_data(new))]
    return []


def _cancelled(change: Change, cancelled: CancelledAppointment) -> list[AnyEvent]:
    if change.name != "INSERT" or cancelled.replaced_by:
        return []  # a reschedule's cancelled half: the new slot tells it
    return [_event(change, "appointment.cancelled", _appointment_data(cancelled))]


def _waitlist_entry(change: Change) -> list[AnyEvent]:
    """An entry's moves: waiting -> offered, offered -> booked, offered -> waiting (the offer lapsed or was let go)."""
    old, new = change.old, change.new
    if change.name != "MODIFY" or not isinstance(old, WaitlistRecord) or not isinstance(new, WaitlistRecord):
        return []
    short = {
        ("waiting", "offered"): "waitlist.offered",
        ("offered", "booked"): "waitlist.booked",
        ("offered", "waiting"): "waitlist.expired",
    }.get((old.status, new.status))
    if short is None:
        return []
    data = WaitlistData(
        doctor_id=new.doctor_id,
        entry_id=new.entry_id,
        patient_id=_required(new.patient_id, "patient_id"),
        status=new.status,
        hold_id=new.hold_id,
        offered_start=new.offered_start,
        offer_expires_at=new.offer_expires_at,
        appointment_id=new.appointment_id,
    )
    return [_event(change, short, data)]


def _series(change: Change, series: SeriesRecord) -> list[AnyEvent]:
    if change.name != "INSERT":
        return []
    data = SeriesData(
        doctor_id=series.doctor_id,
        series_id=series.series_id,
        appointment_ids=[appointment_id for appointment_id, _ in series.members],
        starts=[start for _, start in series.members],
        location=series.location,
        patient_id=series.patient_id,
    )
    return [_event(change, "appointment.series_booked", data)]


def _required(value: str | None, name: str) -> str:
    if value is None:
        raise KeyError(name)  # an unreadable record, as any other (the consumer dead-letters it)
    return value


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


def _doctor_data(doctor: DoctorProfile, changed: list[str] | None = None, by: str | None = None) -> DoctorData:
    return DoctorData(
        doctor_id=doctor.doctor_id,
        by=by,
        version=doctor.version,
        name=doctor.name,
        timezone=doctor.timezone,
        locations=list(doctor.locations),
        changed=changed or [],
    )


def _changed_fields(old: object, new: object) -> list[str]:
    before = old.fields if isinstance(old, DoctorProfile) else {}
    after = new.fields if isinstance(new, DoctorProfile) else {}
    names = (set(before) | set(after)) - _DOCTOR_STAMPS
    return sorted(name for name in names if before.get(name) != after.get(name))


def _hold_data(hold: HoldRecord, by: str | None = None) -> HoldData:
    return HoldData(
        doctor_id=hold.doctor_id,
        by=by,
        hold_id=hold.hold_id,
        start=hold.start,
        end=hold.end,
        expires_at=hold.expires_at,
        status=hold.status,
        location=hold.location,
        appointment_id=hold.appointment_id,
        patient_id=hold.patient_id,
    )


def _expired_hold_data(claim: HoldClaim) -> HoldData:
    return HoldData(
        doctor_id=claim.doctor_id,
        hold_id=claim.hold_id,
        start=claim.start,
        end=claim.end,
        expires_at=claim.expires_at,
        status="expired",
        patient_id=claim.patient_id,
    )


def _appointment_data(appointment: StoredAppointment, rescheduled: bool = False) -> AppointmentData:
    previous = appointment.replaces if rescheduled else None
    return AppointmentData(
        doctor_id=appointment.doctor_id,
        by=appointment.by,
        on_behalf_of=appointment.on_behalf_of,
        appointment_id=appointment.appointment_id,
        status=appointment.status,
        start=appointment.start,
        end=appointment.end,
        location=appointment.location,
        patient_id=appointment.patient_id,
        hold_id=appointment.hold_id,
        previous_appointment_id=previous,
        previous_start=appointment_start(previous) if previous else None,
    )
