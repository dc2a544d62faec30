"""Which committed changes free a slot, end an offer or book it (scheduling.events.reactions), on real item shapes."""

from __future__ import annotations

from datetime import timedelta

from scheduling.events.changes import change_of
from scheduling.events.reactions import (
    AppointmentBooked,
    AppointmentGone,
    OfferBooked,
    OfferMade,
    OfferOver,
    SlotFreed,
    reactions_of,
)
from scheduling.store.items import booked_item, cancelled_item, hold_lock_item, hold_record_item, serialize
from tests.support.stream_records import DOCTOR_ID, NOW, START, appointment, hold, record

END = START + timedelta(minutes=30)
OFFERED = serialize({"waitlist_entry": "20350601T120000000000Z-0123456789abcdef"})


def test_a_cancel_and_a_reschedule_away_free_the_old_slot() -> None:
    cancelled = appointment(status="cancelled", cancelled_at=NOW)
    moved = appointment(status="cancelled", cancelled_at=NOW, replaced_by="20350605T133000Z-0123456789ab")

    for item in (cancelled_item(cancelled), cancelled_item(moved)):
        assert reactions_of(change_of(record(None, item))) == [
            AppointmentGone(DOCTOR_ID, cancelled.id),
            SlotFreed(DOCTOR_ID, START, END, "123 Main St"),
        ]


def test_a_booking_gets_its_reminders_and_a_no_show_or_check_in_frees_nothing() -> None:
    booked = booked_item(appointment())
    no_show = booked_item(appointment(status="no_show", no_show_at=NOW))
    checked_in = booked_item(appointment(status="checked_in", checked_in_at=NOW))

    assert reactions_of(change_of(record(None, booked))) == [AppointmentBooked(DOCTOR_ID, appointment().id, START)]
    assert reactions_of(change_of(record(booked, no_show))) == []
    assert reactions_of(change_of(record(booked, checked_in))) == []


def test_a_released_hold_frees_its_slot_and_an_offered_one_ends_its_offer_first() -> None:
    held, released = hold(), hold(status="released", released_at=NOW)
    plain = record(hold_record_item(held), hold_record_item(released))
    offered = record({**hold_record_item(held), **OFFERED}, {**hold_record_item(released), **OFFERED})

    assert reactions_of(change_of(plain)) == [SlotFreed(DOCTOR_ID, START, END, "123 Main St")]
    assert reactions_of(change_of(offered)) == [
        OfferOver(DOCTOR_ID, OFFERED["waitlist_entry"]["S"], held.id),
        SlotFreed(DOCTOR_ID, START, END, "123 Main St"),
    ]


def test_an_expired_claim_deleted_by_ttl_frees_the_slot_but_one_taken_over_does_not() -> None:
    claim = {**hold_lock_item(hold()), **OFFERED}
    taken_over = booked_item(appointment())

    expired = reactions_of(change_of(record(claim, None, by_ttl=True)))
    overwritten = reactions_of(change_of(record(claim, taken_over)))

    entry_id = OFFERED["waitlist_entry"]["S"]
    assert expired == [
        OfferOver(DOCTOR_ID, entry_id, hold().id),
        SlotFreed(DOCTOR_ID, START, END, None, hold().id),
    ]
    assert overwritten == [
        OfferOver(DOCTOR_ID, entry_id, hold().id),
        AppointmentBooked(DOCTOR_ID, appointment().id, START),
    ]


def test_an_offered_hold_converted_books_its_entry_frees_nothing_and_gets_reminders() -> None:
    held = hold()
    booked = hold(status="booked", appointment_id="20350604T133000Z-0123456789ab")
    converted = record({**hold_record_item(held), **OFFERED}, {**hold_record_item(booked), **OFFERED})
    claim_to_appointment = record({**hold_lock_item(held), **OFFERED}, booked_item(appointment(hold_id=held.id)))

    assert reactions_of(change_of(converted)) == [
        OfferBooked(DOCTOR_ID, OFFERED["waitlist_entry"]["S"], held.id, "20350604T133000Z-0123456789ab")
    ]
    assert reactions_of(change_of(claim_to_appointment)) == [AppointmentBooked(DOCTOR_ID, appointment().id, START)]


def test_an_entry_offered_sets_a_timer_for_the_offer_s_expiry() -> None:
    waiting = serialize({"PK": f"DOCTOR#{DOCTOR_ID}", "SK": "WAIT#e-1", "id": "e-1", "status": "waiting"})
    offered = {
        **waiting,
        **serialize({"status": "offered", "hold_id": hold().id, "offer_expires_at": "2035-06-01T12:05:00Z"}),
    }

    assert reactions_of(change_of(record(waiting, offered))) == [
        OfferMade(DOCTOR_ID, "e-1", hold().id, NOW + timedelta(minutes=5))
    ]
    assert reactions_of(change_of(record(offered, {**offered, **serialize({"status": "booked"})}))) == []
