"""The waitlist: join, read, list, leave; and the offers a freed slot gives (run by the stream's reactions).

An offer is a hold for the waiting patient, made with every rule of a hold (`checks`: bookable slot, daily
cap, the patient's time), written in one transaction with the entry's move to `offered` (store/waitlist.py).
Oldest waiting entry first; an entry whose patient is busy then is skipped; an entry is not offered again the
slot it was last offered (it let that offer lapse or released it).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.hold_expiry import expiry_after, free_for_others_at, still_takes_its_time
from scheduling.domain.ids import is_doctor_id, new_hold_id
from scheduling.errors import (
    AlreadyWaiting,
    ConcurrentUpdate,
    DayFull,
    DoctorNotFound,
    FieldProblem,
    HoldNotFound,
    InvalidInput,
    PatientBusy,
    SlotTaken,
    StaleRecord,
    TransitionNotAllowed,
    WaitlistEntryNotFound,
)
from scheduling.models import DEFAULT_HOLD_SECONDS, Actor, Hold
from scheduling.models.holds import HoldPatient
from scheduling.models.waitlist import MAX_WAIT_WINDOW_DAYS, WaitlistEntry, WaitlistRequest, WaitlistStatus
from scheduling.service import clock
from scheduling.service.checks import check_bookable, lock_the_day, lock_the_patient
from scheduling.service.doctors import doctor_record, get_doctor
from scheduling.service.holds import release_hold
from scheduling.service.retries import BOOKING_ATTEMPTS, attempts
from scheduling.store import DoctorRecord, Page, SchedulingStore
from scheduling.store.waitlist import EntryNotWaiting, window_of


class OfferNotYetExpired(ConcurrentUpdate):
    """The offer's schedule fired before its hold stopped taking its time (clocks differ by milliseconds): try
    again later."""


_ENTRY_ID_FORMAT = "%Y%m%dT%H%M%S%fZ"


def join_waitlist(store: SchedulingStore, doctor_id: str, request: WaitlistRequest) -> WaitlistEntry:
    doctor = get_doctor(store, doctor_id)
    now = clock.now()
    _check_window(request, now, doctor.locations)
    patient_id = request.patient.id
    for _ in attempts(BOOKING_ATTEMPTS):
        version, windows = store.waitlist_lock(doctor_id, patient_id)
        for text in windows.values():
            first, last = window_of(text)
            if first < request.to and request.from_ < last:
                raise AlreadyWaiting(
                    f"The patient already waits for doctor '{doctor_id}' from {first.isoformat()} to "
                    f"{last.isoformat()}, which overlaps this window."
                )
        entry = WaitlistEntry(
            id=f"{now.astimezone(UTC).strftime(_ENTRY_ID_FORMAT)}-{secrets.token_hex(8)}",
            doctor_id=doctor_id,
            patient_id=patient_id,
            from_=request.from_.astimezone(UTC),
            to=request.to.astimezone(UTC),
            location=request.location,
            status="waiting",
            joined_at=now,
        )
        try:
            return store.join_waitlist(entry, version, windows)
        except StaleRecord:
            continue
    raise ConcurrentUpdate("The patient's waitlist entries kept changing; retry.")


def get_waitlist_entry(store: SchedulingStore, doctor_id: str, entry_id: str) -> WaitlistEntry:
    """The entry as of now: an offer past its expiry reads `waiting` (the stream's reaction writes that soon)."""
    if not is_doctor_id(doctor_id) or len(entry_id) > 100:
        raise WaitlistEntryNotFound(doctor_id, entry_id)
    return _as_of_now(store.get_waitlist_entry(doctor_id, entry_id))


def list_waitlist(
    store: SchedulingStore, doctor_id: str, status: WaitlistStatus | None, limit: int, next_token: str | None
) -> Page[WaitlistEntry]:
    get_doctor(store, doctor_id)
    page = store.list_waitlist(doctor_id, status, limit, next_token)
    return Page([_as_of_now(entry) for entry in page.items], page.next_token)


def leave_waitlist(store: SchedulingStore, doctor_id: str, entry_id: str, *, actor: Actor) -> None:
    """Remove a waiting or offered entry (an offer's hold is released, so the slot goes to the next); repeat-safe."""
    for _ in attempts(BOOKING_ATTEMPTS):
        entry = get_waitlist_entry(store, doctor_id, entry_id)
        if entry.status == "removed":
            return
        if entry.status == "booked":
            raise TransitionNotAllowed(
                f"Waitlist entry '{entry_id}' was booked as appointment '{entry.appointment_id}'; cancel that.",
                "booked",
                [],
            )
        try:
            store.remove_from_waitlist(entry, clock.now())
        except StaleRecord:
            continue
        if entry.hold_id is not None:
            release_hold(store, doctor_id, entry.hold_id, actor=actor)
        return
    raise ConcurrentUpdate(f"Waitlist entry '{entry_id}' kept changing; retry.")


def offer_freed_slot(
    store: SchedulingStore, doctor_id: str, start: datetime, end: datetime, location: str
) -> Hold | None:
    """Offer a slot that became free to the oldest waiting entry that can take it: the hold made, or None."""
    for _ in attempts(BOOKING_ATTEMPTS):
        now = clock.now()
        if start <= now:
            return None
        try:
            current = doctor_record(store, doctor_id)
        except DoctorNotFound:
            return None
        doctor = current.doctor
        try:
            check_bookable(doctor, start, location, now)
        except InvalidInput:
            return None  # no longer bookable (hours changed, notice): nobody can be offered it
        candidates = [
            entry
            for entry in store.waiting_entries(doctor_id)
            if entry.from_ <= start
            and end <= entry.to
            and entry.location in {None, location}
            and entry.offered_start != start
        ]
        ttl = timedelta(seconds=doctor.rules.waitlist_offer_ttl_seconds or DEFAULT_HOLD_SECONDS)
        try:
            return _offer_to_first(store, current, candidates, start, location, ttl, now)
        except StaleRecord:
            continue  # the doctor's hours, day or a patient changed meanwhile: look again
        except (SlotTaken, DayFull):
            return None  # someone has the slot (another offer, a booking), or the day is full
    return None


def _offer_to_first(
    store: SchedulingStore,
    current: DoctorRecord,
    candidates: list[WaitlistEntry],
    start: datetime,
    location: str,
    ttl: timedelta,
    now: datetime,
) -> Hold | None:
    doctor = current.doctor
    for entry in candidates:
        start_utc = start.astimezone(UTC)
        hold = Hold(
            id=new_hold_id(start_utc),
            doctor_id=entry.doctor_id,
            start=start_utc,
            end=start_utc + timedelta(minutes=doctor.slot_minutes),
            location=location,
            timezone=doctor.timezone,
            status="held",
            expires_at=expiry_after(now, ttl),
            created_at=now,
            patient=HoldPatient(id=entry.patient_id),
        )
        day_lock = lock_the_day(store, doctor, hold.start, now)
        try:
            patient_lock = lock_the_patient(store, hold, now)
        except PatientBusy:
            continue  # this waiter is busy then: the next one
        try:
            store.offer(entry, hold, current.fence, LONGEST_BOOKING, day_lock, patient_lock)
        except EntryNotWaiting:
            continue
        return hold
    return None


def offer_over(store: SchedulingStore, doctor_id: str, entry_id: str, hold_id: str) -> None:
    """An offer's hold expired or was released: the entry waits again, keeping its place in the list."""
    store.offer_ended(doctor_id, entry_id, hold_id)


def offer_booked(store: SchedulingStore, doctor_id: str, entry_id: str, hold_id: str, appointment_id: str) -> None:
    try:
        entry = store.get_waitlist_entry(doctor_id, entry_id)
    except WaitlistEntryNotFound:
        return
    store.offer_booked(entry, hold_id, appointment_id)


def _as_of_now(entry: WaitlistEntry) -> WaitlistEntry:
    if entry.status == "offered" and entry.offer_expires_at is not None and entry.offer_expires_at <= clock.now():
        return entry.model_copy(update={"status": "waiting"})
    return entry


def _check_window(request: WaitlistRequest, now: datetime, locations: list[str]) -> None:
    problems = []
    if request.from_ <= now:
        problems.append(FieldProblem("from", "must be in the future"))
    if request.to <= request.from_:
        problems.append(FieldProblem("to", "must be later than from"))
    elif request.to - request.from_ > timedelta(days=MAX_WAIT_WINDOW_DAYS):
        problems.append(FieldProblem("to", f"must be at most {MAX_WAIT_WINDOW_DAYS} days after from"))
    if request.location is not None and request.location not in locations:
        problems.append(FieldProblem("location", "is not one of the doctor's locations"))
    if problems:
        raise InvalidInput(problems, "This waitlist entry cannot be made.")


def offer_expired(store: SchedulingStore, doctor_id: str, entry_id: str, hold_id: str) -> bool:
    """An offer's expiry time has come (its one-time schedule fired, a margin after the hold's `expires_at`): if
    its hold was neither converted nor released, the entry waits again and the slot goes to the next entry (the
    new hold's claim takes over the expired one). Raises `OfferNotYetExpired` while the hold still takes its time
    for others (`domain/hold_expiry.py`: until `expires_at` plus the margin; the scheduler retries), so the next
    entry's hold is never refused for the slot the lapsed one still keeps."""
    try:
        held = store.get_hold(doctor_id, hold_id)
    except HoldNotFound:
        return False
    if held.status != "held":
        return False  # booked or released: the stream already took care of it
    if still_takes_its_time(held.expires_at, clock.now()):
        until = free_for_others_at(held.expires_at).isoformat()
        raise OfferNotYetExpired(f"Hold '{hold_id}' keeps its slot until {until}.")
    offer_over(store, doctor_id, entry_id, hold_id)
    offer_freed_slot(store, doctor_id, held.start, held.end, held.location)
    return True
