"""Pure: one committed item change -> what the service must do about it (the waitlist's offers, reminders).

A new booked appointment gets its reminders scheduled; a cancelled one (or one rescheduled away) has them
dropped (the reminders function checks the status again when one falls due, so a late drop sends nothing).

A slot becomes free when an appointment is cancelled or rescheduled away (its `CANCELLED#` record is
inserted), when a hold is released (its record `held -> released`), or when an expired hold's claim is
deleted by TTL. A no-show frees nothing (the appointment keeps its slot). An offered hold (marked with its
waitlist entry) that expires or is released ends the offer; one that is converted books the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scheduling.events.changes import Change
from scheduling.store.keys import SLOT_PREFIX
from scheduling.store.waitlist import WAIT_PREFIX, WAITLIST_ENTRY


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
    if not change.pk.startswith("DOCTOR#"):
        return []
    sk = change.sk
    if sk.startswith("CANCELLED#") and change.name == "INSERT":
        item = change.item
        doctor_id = _doctor_id(item)
        return [
            AppointmentGone(doctor_id, item["appointment_id"]),
            SlotFreed(doctor_id, _instant(item["start"]), _instant(item["end"]), item["location"]),
        ]
    if sk.startswith("HOLD#") and change.name == "MODIFY":
        return _hold_record(change.old or {}, change.new or {})
    if sk.startswith(SLOT_PREFIX):
        return _claim(change)
    if sk.startswith(WAIT_PREFIX) and change.name == "MODIFY":
        old, new = change.old or {}, change.new or {}
        if old.get("status") == "waiting" and new.get("status") == "offered":
            return [OfferMade(_doctor_id(new), new["id"], new["hold_id"], _instant(new["offer_expires_at"]))]
    return []


def _hold_record(old: dict[str, Any], new: dict[str, Any]) -> list[Reaction]:
    if old.get("status") != "held":
        return []
    doctor_id, entry_id = _doctor_id(new), new.get(WAITLIST_ENTRY)
    if new.get("status") == "booked" and entry_id:
        return [OfferBooked(doctor_id, entry_id, new["id"], new["appointment_id"])]
    if new.get("status") == "released":
        freed = SlotFreed(doctor_id, _instant(new["start"]), _instant(new["end"]), new.get("location"))
        return [*([OfferOver(doctor_id, entry_id, new["id"])] if entry_id else []), freed]
    return []


def _claim(change: Change) -> list[Reaction]:
    """A new appointment on the slot gets its reminders. An offered hold's claim that leaves unconverted ends its
    offer; deleted by TTL it also frees its slot."""
    old, new = change.old, change.new
    booked: list[Reaction] = []
    if new is not None and new.get("kind") == "appointment" and (old is None or old.get("kind") == "hold"):
        booked.append(AppointmentBooked(_doctor_id(new), new["appointment_id"], _instant(new["start"])))
    if old is None or old.get("kind") != "hold":
        return booked
    if new is not None and new.get("hold_id") == old.get("hold_id"):
        return booked  # converted into the appointment (the entry is booked from the hold's record)
    doctor_id = _doctor_id(old)
    ended: list[Reaction] = []
    if old.get(WAITLIST_ENTRY):
        ended.append(OfferOver(doctor_id, old[WAITLIST_ENTRY], old["hold_id"]))
    if new is None and change.by_ttl:
        ended.append(SlotFreed(doctor_id, _instant(old["start"]), _instant(old["end"]), None, old["hold_id"]))
    return ended + booked


def _doctor_id(item: dict[str, Any]) -> str:
    return str(item["PK"]).removeprefix("DOCTOR#")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
