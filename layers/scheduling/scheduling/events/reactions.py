"""Pure: one committed item change -> what the service must do about it (the waitlist's offers, reminders).

A new booked appointment gets its reminders scheduled; a cancelled one (or one rescheduled away) has them
dropped (the reminders function checks the status again when one falls due, so a late drop sends nothing).

A slot becomes free when an appointment is cancelled or rescheduled away (its cancelled record is
inserted), when a hold is released (its record `held -> released`), or when an expired hold's claim is
deleted by TTL. A no-show frees nothing (the appointment keeps its slot). An offered hold (marked with its
waitlist entry) that expires or is released ends the offer; one that is converted books the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduling.events.changes import Change
from scheduling.store.stream import BookedAppointment, CancelledAppointment, HoldClaim, HoldRecord, WaitlistRecord


@dataclass(frozen=True)
class SlotFreed:
    doctor_id: str
    start: datetime
    end: datetime
    location: str | None  # None: read it from the hold's record (`hold_id`)
    hold_id: str | None = None


@dataclass(frozen=True)
class OfferOver:
    doctor_id: str
    entry_id: str
    hold_id: str


@dataclass(frozen=True)
class OfferBooked:
    doctor_id: str
    entry_id: str
    hold_id: str
    appointment_id: str


@dataclass(frozen=True)
class OfferMade:
    """An entry was offered a hold: at the hold's expiry, pass the slot on (DynamoDB TTL would be days late)."""

    doctor_id: str
    entry_id: str
    hold_id: str
    expires_at: datetime


@dataclass(frozen=True)
class AppointmentBooked:
    """A new booked appointment (booked, converted from a hold, a reschedule's new half, a series member)."""

    doctor_id: str
    appointment_id: str
    start: datetime


@dataclass(frozen=True)
class AppointmentGone:
    """Cancelled, or rescheduled away: its reminders are dropped."""

    doctor_id: str
    appointment_id: str


Reaction = SlotFreed | OfferMade | OfferOver | OfferBooked | AppointmentBooked | AppointmentGone


def reactions_of(change: Change) -> list[Reaction]:
    """In the order to apply them: an offer ends before its slot is offered to the next entry."""
    old, new, record = change.old, change.new, change.record
    if isinstance(record, CancelledAppointment) and change.name == "INSERT":
        return [
            AppointmentGone(record.doctor_id, record.appointment_id),
            SlotFreed(record.doctor_id, record.start, record.end, record.location),
        ]
    if isinstance(old, HoldRecord) and isinstance(new, HoldRecord) and change.name == "MODIFY":
        return _hold_record(old, new)
    if isinstance(record, HoldClaim | BookedAppointment) or isinstance(old, HoldClaim):
        return _claim(change)
    if _offered(change) and isinstance(new, WaitlistRecord) and new.hold_id and new.offer_expires_at:
        return [OfferMade(new.doctor_id, new.entry_id, new.hold_id, new.offer_expires_at)]
    return []


def _offered(change: Change) -> bool:
    old, new = change.old, change.new
    return (
        isinstance(old, WaitlistRecord)
        and isinstance(new, WaitlistRecord)
        and (old.status, new.status) == ("waiting", "offered")
    )


def _hold_record(old: HoldRecord, new: HoldRecord) -> list[Reaction]:
    if old.status != "held":
        return []
    doctor_id, entry_id = new.doctor_id, new.waitlist_entry
    if new.status == "booked" and entry_id and new.appointment_id:
        return [OfferBooked(doctor_id, entry_id, new.hold_id, new.appointment_id)]
    if new.status == "released":
        freed = SlotFreed(doctor_id, new.start, new.end, new.location)
        return [*([OfferOver(doctor_id, entry_id, new.hold_id)] if entry_id else []), freed]
    return []


def _claim(change: Change) -> list[Reaction]:
    """A new appointment on the slot gets its reminders. An offered hold's claim that leaves unconverted ends its
    offer; deleted by TTL it also frees its slot."""
    old, new = change.old, change.new
    booked: list[Reaction] = []
    if isinstance(new, BookedAppointment) and (old is None or isinstance(old, HoldClaim)):
        booked.append(AppointmentBooked(new.doctor_id, new.appointment_id, new.start))
    if not isinstance(old, HoldClaim):
        return booked
    if isinstance(new, HoldClaim | BookedAppointment) and new.hold_id == old.hold_id:
        return booked  # converted into the appointment (the entry is booked from the hold's record)
    ended: list[Reaction] = []
    if old.waitlist_entry:
        ended.append(OfferOver(old.doctor_id, old.waitlist_entry, old.hold_id))
    if new is None and change.by_ttl:
        ended.append(SlotFreed(old.doctor_id, old.start, old.end, None, old.hold_id))
    return ended + booked
