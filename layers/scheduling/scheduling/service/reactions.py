"""The stream's reactions: a batch of stream records -> the waitlist's offers and the reminders' schedules.

Records are handled in stream order; on a failure the failed record and every later one are reported
(`batchItemFailures`) and Lambda retries from it, like the events consumer. Each reaction is safe to repeat:
an offer is a conditional claim of the slot plus a conditional move of the entry (a redelivered record finds
the slot claimed or the entry offered and does nothing), and ending or booking an offer is conditional on the
entry's status and hold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from scheduling.domain.hold_expiry import free_for_others_at
from scheduling.errors import HoldNotFound, SchedulingError
from scheduling.events.changes import change_of
from scheduling.events.reactions import (
    AppointmentBooked,
    AppointmentGone,
    OfferBooked,
    OfferMade,
    OfferOver,
    Reaction,
    SlotFreed,
    reactions_of,
)
from scheduling.events.schedules import OFFER_EXPIRY, ReminderSchedules, offer_schedule_name
from scheduling.service.reminders import drop_reminders, schedule_reminders
from scheduling.service.waitlist import offer_booked, offer_freed_slot, offer_over
from scheduling.store import SchedulingStore


@dataclass
class ReactionsOutcome:
    applied: list[Reaction] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # sequence numbers, as the records gave them

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in self.failed]}


def react(store: SchedulingStore, records: list[dict[str, Any]], schedules: ReminderSchedules) -> ReactionsOutcome:
    outcome = ReactionsOutcome()
    for index, record in enumerate(records):
        try:
            reactions = reactions_of(change_of(record))
        except (KeyError, ValueError, TypeError):
            continue  # not a change this consumer acts on (the events consumer dead-letters unreadable records)
        try:
            for reaction in reactions:
                apply(store, schedules, reaction)
                outcome.applied.append(reaction)
        except SchedulingError:
            outcome.failed = [str(r.get("dynamodb", {}).get("SequenceNumber", "")) for r in records[index:]]
            return outcome
    return outcome


def apply(store: SchedulingStore, schedules: ReminderSchedules, reaction: Reaction) -> None:
    if isinstance(reaction, AppointmentBooked):
        schedule_reminders(store, schedules, reaction.doctor_id, reaction.appointment_id, reaction.start)
    elif isinstance(reaction, AppointmentGone):
        drop_reminders(store, schedules, reaction.doctor_id, reaction.appointment_id)
    elif isinstance(reaction, OfferMade):
        payload = {"kind": OFFER_EXPIRY, **asdict(reaction), "expires_at": reaction.expires_at.isoformat()}
        # at expiry plus the margin: only then may the next entry's hold take the slot (domain/hold_expiry.py)
        schedules.create(offer_schedule_name(reaction.hold_id), free_for_others_at(reaction.expires_at), payload)
    elif isinstance(reaction, OfferOver):
        offer_over(store, reaction.doctor_id, reaction.entry_id, reaction.hold_id)
        schedules.delete(offer_schedule_name(reaction.hold_id))
    elif isinstance(reaction, OfferBooked):
        offer_booked(store, reaction.doctor_id, reaction.entry_id, reaction.hold_id, reaction.appointment_id)
        schedules.delete(offer_schedule_name(reaction.hold_id))
    elif isinstance(reaction, SlotFreed):
        location = reaction.location
        if location is None and reaction.hold_id is not None:
            try:
                location = store.get_hold(reaction.doctor_id, reaction.hold_id).location
            except HoldNotFound:
                return
        if location is not None:
            offer_freed_slot(store, reaction.doctor_id, reaction.start, reaction.end, location)
