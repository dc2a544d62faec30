"""Use cases: each route calls one of these with typed values. They combine the pure domain with the store.

Writes that race other writes are retried here, against a fresh read, a bounded number of times: a
conditional write that fails because another one won is not the caller's fault (docs/design.md).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from scheduling.domain.booked import LONGEST_BOOKING, free_of
from scheduling.domain.daily_cap import day_bounds, full_days, local_day, taken_per_day
from scheduling.domain.ids import (
    appointment_start,
    is_doctor_id,
    is_hold_id,
    new_appointment_id,
    new_doctor_id,
    new_hold_id,
)
from scheduling.domain.lifecycle import NEXT_STATUSES, STAMPS, sources_of, too_early_or_late
from scheduling.domain.merge_patch import apply_merge_patch
from scheduling.domain.notice import bookable_times
from scheduling.domain.rules import check_opening_hours
from scheduling.domain.slots import PublishedSlot, published_slot_at, published_slots
from scheduling.domain.windows import optional_window, slot_window
from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    ConcurrentUpdate,
    DayFull,
    DoctorHasBookings,
    DoctorNotFound,
    FieldProblem,
    HoldConverted,
    HoldExpired,
    HoldNotFound,
    HoldReleased,
    InvalidInput,
    PatientBusy,
    PreconditionFailed,
    StaleRecord,
    TooLateToChange,
    TransitionNotAllowed,
    problems_from_pydantic,
)
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingRequest,
    Doctor,
    DoctorIn,
    Hold,
    HoldRequest,
    Patient,
    RescheduleRequest,
    rfc3339,
)
from scheduling.store import DayLock, DoctorRecord, Page, PatientLock, SchedulingStore

# A doctor write without If-Match re-reads and re-applies after each lost race; every lost race means another
# write committed, so with up to this many concurrent writers of one doctor every one of them lands.
DOCTOR_WRITE_ATTEMPTS = 16
# A booking re-validates after the doctor's hours changed under it (or a transaction held the doctor's fence).
BOOKING_ATTEMPTS = 5
# Fields that decide which slots are published and where: changing any of them moves the booking fence.
BOOKING_TERMS = frozenset({"timezone", "slot_minutes", "schedule", "overrides", "locations", "rules"})

# A delete closes the doctor to bookings for this long; if it dies half-way, bookings resume afterwards. It
# finishes only with this much of the lease left, which absorbs clock skew between Lambda instances.
DELETE_LEASE = timedelta(seconds=30)
DELETE_LEASE_MARGIN = timedelta(seconds=10)

Versions = frozenset[int] | None  # the versions an If-Match accepts; None when the caller set no precondition


def _now() -> datetime:
    return datetime.now(UTC)


def _attempts(count: int) -> Iterator[int]:
    """Attempt numbers, with a short jittered pause before each retry so racing callers fall out of step."""
    for attempt in range(count):
        if attempt:
            time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311  # jitter, not security
        yield attempt


# Doctors


def create_doctor(store: SchedulingStore, draft: DoctorIn) -> Doctor:
    check_opening_hours(draft)
    now = _now()
    doctor = Doctor(**draft.model_dump(), id=new_doctor_id(), created_at=now, updated_at=now, version=1)
    return store.create_doctor(doctor).doctor


def get_doctor(store: SchedulingStore, doctor_id: str) -> Doctor:
    return _doctor_record(store, doctor_id).doctor


def list_doctors(store: SchedulingStore, limit: int, next_token: str | None) -> Page[Doctor]:
    page = store.list_doctors(limit, next_token)
    return Page([record.doctor for record in page.items], page.next_token)


def replace_doctor(store: SchedulingStore, doctor_id: str, draft: DoctorIn, if_match: Versions) -> Doctor:
    check_opening_hours(draft)
    return _update_doctor(store, doctor_id, lambda _: draft, if_match)


def patch_doctor(store: SchedulingStore, doctor_id: str, patch: Any, if_match: Versions) -> Doctor:
    if not isinstance(patch, dict):
        raise InvalidInput([FieldProblem("body", "a merge patch must be a JSON object")])

    def patched(current: Doctor) -> DoctorIn:
        document = apply_merge_patch(current.model_dump(mode="json", include=set(DoctorIn.model_fields)), patch)
        try:
            draft = DoctorIn.model_validate(document)
        except ValidationError as error:
            raise InvalidInput(problems_from_pydantic(error.errors())) from None  # type: ignore[arg-type]
        check_opening_hours(draft)
        return draft

    return _update_doctor(store, doctor_id, patched, if_match)


def delete_doctor(store: SchedulingStore, doctor_id: str, if_match: Versions) -> None:
    """Close the doctor to bookings first (a short lease), then look: while it is closed no booking can commit,
    so an empty look is final and the delete that follows leaves no booking behind."""
    for _ in _attempts(DOCTOR_WRITE_ATTEMPTS):
        current = _doctor_record(store, doctor_id)
        _check_if_match(current.doctor, if_match)
        until = _now() + DELETE_LEASE
        try:
            closed = store.close_doctor(current, until)
            if store.has_booking_from(doctor_id, _now()):
                with suppress(StaleRecord):
                    store.reopen_doctor(closed)
                raise DoctorHasBookings(
                    f"Doctor '{doctor_id}' has future appointments or unexpired holds; cancel or release them "
                    "(or let the holds expire) before deleting the doctor."
                )
            with suppress(DoctorNotFound):  # gone by the time we wrote: ours retried by the SDK, or a racing delete
                store.delete_doctor(closed, until, not_after=_now() + DELETE_LEASE_MARGIN)
            return
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while being deleted; retry.")


def _update_doctor(
    store: SchedulingStore, doctor_id: str, change: Callable[[Doctor], DoctorIn], if_match: Versions
) -> Doctor:
    for _ in _attempts(DOCTOR_WRITE_ATTEMPTS):
        current = _doctor_record(store, doctor_id)
        _check_if_match(current.doctor, if_match)
        draft = change(current.doctor)
        updated = Doctor(
            **draft.model_dump(),
            id=current.doctor.id,
            created_at=current.doctor.created_at,
            updated_at=_now(),
            version=current.doctor.version + 1,
        )
        try:
            store.replace_doctor(updated, current, move_fence=_booking_terms(updated) != _booking_terms(current.doctor))
        except StaleRecord:
            continue
        return updated
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while being updated; retry.")


def _booking_terms(doctor: Doctor) -> dict[str, Any]:
    return doctor.model_dump(mode="json", include=set(BOOKING_TERMS))


def _check_if_match(current: Doctor, if_match: Versions) -> None:
    """`If-Match` must name the current version; the write is then conditional on that version."""
    if if_match is not None and current.version not in if_match:
        raise PreconditionFailed(f"The doctor's current version is {current.version}; If-Match named another.")


def _doctor_record(store: SchedulingStore, doctor_id: str) -> DoctorRecord:
    if not is_doctor_id(doctor_id):
        raise DoctorNotFound(doctor_id)
    return store.get_doctor(doctor_id)


# Availability


def free_slots(
    store: SchedulingStore, doctor_id: str, from_text: str | None, to_text: str | None
) -> list[PublishedSlot]:
    doctor = get_doctor(store, doctor_id)
    zone = doctor.zone
    now = _now()
    window = slot_window(from_text, to_text, zone, now)
    # Only starts the doctor's notice and horizon allow now (never the past) are offered.
    start, end = bookable_times(doctor.rules, now).clip(window.start, window.end)
    if start >= end:
        return []
    # A slot that starts inside the window may end after it, so bookings up to the longest slot past it count;
    # with a daily cap, every booking of the window's local days counts.
    first, last = start, end + LONGEST_BOOKING
    if doctor.rules.max_per_day is not None:
        first = min(first, day_bounds(local_day(start, zone), zone)[0])
        last = max(last, day_bounds(local_day(end, zone), zone)[1])
    booked = store.booked_intervals(doctor_id, first, last, LONGEST_BOOKING, now)
    full = full_days(booked, zone, doctor.rules.max_per_day)
    return [
        slot
        for slot in free_of(published_slots(doctor, start, end), booked)
        if not full or local_day(slot.start, zone) not in full
    ]


# Appointments


def book(store: SchedulingStore, doctor_id: str, request: BookingRequest) -> Appointment:
    """Book a slot, or convert the hold `request.hold_id` names into an appointment."""
    if request.hold_id is not None:
        return _convert_hold(store, doctor_id, request.hold_id, request)
    missing = [name for name in ("start", "location") if getattr(request, name) is None]
    if missing or request.start is None or request.location is None:
        raise InvalidInput([FieldProblem(name, "is required unless hold_id is given") for name in missing])
    for _ in _attempts(BOOKING_ATTEMPTS):
        current = _doctor_record(store, doctor_id)
        now = _now()
        _check_bookable(current.doctor, request.start, request.location, now)
        appointment = _new_appointment(current.doctor, request.start, request.location, request.patient, now)
        day_lock = _count_the_day(store, current.doctor, appointment.start, now)
        patient_lock = _check_the_patient(store, appointment)
        try:
            return store.book(appointment, current.fence, LONGEST_BOOKING, day_lock, patient_lock).in_own_timezone()
        except StaleRecord:
            continue  # the hours changed under us: validate again against what is stored now
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while booking; retry.")


# Holds


def hold(store: SchedulingStore, doctor_id: str, request: HoldRequest) -> Hold:
    for _ in _attempts(BOOKING_ATTEMPTS):
        current = _doctor_record(store, doctor_id)
        now = _now()
        _check_bookable(current.doctor, request.start, request.location, now)
        start = request.start.astimezone(UTC)
        held = Hold(
            id=new_hold_id(start),
            doctor_id=doctor_id,
            start=start,
            end=start + timedelta(minutes=current.doctor.slot_minutes),
            location=request.location,
            timezone=current.doctor.timezone,
            status="held",
            # whole seconds, as stored and compared: the answer's expires_at is the exact moment the hold lapses
            expires_at=(now + timedelta(seconds=request.ttl_seconds)).replace(microsecond=0),
            created_at=now,
        )
        day_lock = _count_the_day(store, current.doctor, held.start, now)
        try:
            return _in_own_timezone(store.hold(held, current.fence, LONGEST_BOOKING, day_lock))
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while holding; retry.")


def get_hold(store: SchedulingStore, doctor_id: str, hold_id: str) -> Hold:
    """The hold as of now: a `held` record past its `expires_at` reads `expired`."""
    if not is_doctor_id(doctor_id) or not is_hold_id(hold_id):
        raise HoldNotFound(doctor_id, hold_id)
    stored = store.get_hold(doctor_id, hold_id)
    if stored.status == "held" and stored.expires_at <= _now():
        return stored.model_copy(update={"status": "expired"})
    return stored


def release_hold(store: SchedulingStore, doctor_id: str, hold_id: str) -> None:
    """Free a held slot at once; releasing a released or expired hold again changes nothing."""
    for _ in _attempts(BOOKING_ATTEMPTS):
        current = get_hold(store, doctor_id, hold_id)
        if current.status in {"released", "expired"}:
            return
        if current.status == "booked":
            raise HoldConverted(f"Hold '{hold_id}' became appointment '{current.appointment_id}'; cancel that instead.")
        try:
            store.release_hold(current, _now())
            return
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Hold '{hold_id}' kept changing while releasing it; retry.")


def _convert_hold(store: SchedulingStore, doctor_id: str, hold_id: str, request: BookingRequest) -> Appointment:
    """The held slot becomes an appointment, once: converting again answers the same appointment."""
    for _ in _attempts(BOOKING_ATTEMPTS):
        current = get_hold(store, doctor_id, hold_id)
        if current.status == "booked" and current.appointment_id:
            return get_appointment(store, doctor_id, current.appointment_id)
        if current.status == "expired":
            raise HoldExpired(hold_id, "expired")
        if current.status == "released":
            raise HoldReleased(hold_id, "released")
        _check_matches_hold(current, request)
        now = _now()
        if current.start < now:  # a hold keeps its slot until it expires, but a slot that has begun is past
            raise InvalidInput([FieldProblem("hold_id", "holds a slot that has already started")], "Too late to book.")
        appointment = Appointment(
            id=new_appointment_id(current.start),
            doctor_id=doctor_id,
            location=current.location,
            start=current.start.astimezone(UTC),
            end=current.end.astimezone(UTC),
            status="booked",
            timezone=current.timezone,
            patient=request.patient,
            hold_id=hold_id,
            created_at=now,
        )
        patient_lock = _check_the_patient(store, appointment)
        try:
            return store.convert_hold(current, appointment, patient_lock).in_own_timezone()
        except StaleRecord:
            continue  # converted, released or expired meanwhile: read it again and answer that
    raise ConcurrentUpdate(f"Hold '{hold_id}' kept changing while converting it; retry.")


def _check_matches_hold(held: Hold, request: BookingRequest) -> None:
    problems = []
    if request.start is not None and request.start != held.start:
        problems.append(FieldProblem("start", f"must be the held slot's start {rfc3339(held.start)} or left out"))
    if request.location is not None and request.location != held.location:
        problems.append(FieldProblem("location", f"must be the held location '{held.location}' or left out"))
    if problems:
        raise InvalidInput(problems, "The booking does not match the hold.")


def _in_own_timezone(held: Hold) -> Hold:
    zone = ZoneInfo(held.timezone)
    return held.model_copy(update={"start": held.start.astimezone(zone), "end": held.end.astimezone(zone)})


def list_patient_appointments(
    store: SchedulingStore,
    patient_id: str,
    start: datetime | None,
    end: datetime | None,
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    """A patient's appointments with every doctor, ascending by start (those booked with `patient.id`)."""
    if start and end and end <= start:
        raise InvalidInput([FieldProblem("to", "must be later than from")], "Query parameter 'to' is not valid.")
    return store.list_patient_appointments(patient_id, start, end, status, limit, next_token)


def get_appointment(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    start = appointment_start(appointment_id)
    if start is None or not is_doctor_id(doctor_id):
        raise AppointmentNotFound(doctor_id, appointment_id)
    return store.get_appointment(doctor_id, appointment_id, start)


def list_appointments(
    store: SchedulingStore,
    doctor_id: str,
    from_text: str | None,
    to_text: str | None,
    status: AppointmentStatus | None,
    limit: int,
    next_token: str | None,
) -> Page[Appointment]:
    doctor = get_doctor(store, doctor_id)
    start, end = optional_window(from_text, to_text, doctor.zone)
    return store.list_appointments(doctor_id, start, end, status, limit, next_token)


def cancel(store: SchedulingStore, doctor_id: str, appointment_id: str, reason: str | None) -> Appointment:
    """Cancel once; asking again (or an SDK retry of our own write) answers the stored cancellation unchanged."""
    for _ in _attempts(BOOKING_ATTEMPTS):
        appointment = get_appointment(store, doctor_id, appointment_id)
        if appointment.status == "cancelled":
            return appointment
        _check_transition(appointment, "cancelled", _now())
        _check_cutoff(store, appointment, _now())
        cancelled = appointment.model_copy(
            update={"status": "cancelled", "cancelled_at": _now(), "cancel_reason": reason}
        )
        try:
            return store.cancel(cancelled, read_status=appointment.status).in_own_timezone()
        except AppointmentNotActive:
            continue  # checked in, completed or rescheduled meanwhile: decide again on what is stored
    raise ConcurrentUpdate(f"Appointment '{appointment_id}' kept changing while cancelling it; retry.")


# Lifecycle


def check_in(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "checked_in")


def complete(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "completed")


def mark_no_show(store: SchedulingStore, doctor_id: str, appointment_id: str) -> Appointment:
    return _change_status(store, doctor_id, appointment_id, "no_show")


def _change_status(store: SchedulingStore, doctor_id: str, appointment_id: str, to: AppointmentStatus) -> Appointment:
    """One conditional update; repeating the change that produced the current status answers it unchanged."""
    for _ in _attempts(BOOKING_ATTEMPTS):
        appointment = get_appointment(store, doctor_id, appointment_id)
        if appointment.status == to:
            return appointment
        now = _now()
        _check_transition(appointment, to, now)
        try:
            return store.transition(appointment, to, STAMPS[to], now, sources_of(to)).in_own_timezone()
        except AppointmentNotActive:
            continue  # another change came first: decide again on what is stored
    raise ConcurrentUpdate(f"Appointment '{appointment_id}' kept changing; retry.")


def _check_transition(appointment: Appointment, to: AppointmentStatus, now: datetime) -> None:
    allowed = NEXT_STATUSES[appointment.status]
    if to not in allowed:
        raise TransitionNotAllowed(
            f"Appointment '{appointment.id}' is {appointment.status}; it cannot become {to}.",
            appointment.status,
            list(allowed),
        )
    reason = too_early_or_late(to, appointment.start, appointment.end, now)
    if reason:
        raise TransitionNotAllowed(
            f"Appointment '{appointment.id}' cannot become {to} now: {reason}.", appointment.status, list(allowed)
        )


def reschedule(store: SchedulingStore, doctor_id: str, appointment_id: str, request: RescheduleRequest) -> Appointment:
    old = get_appointment(store, doctor_id, appointment_id)
    if old.status != "booked":
        raise TransitionNotAllowed(
            f"Appointment '{appointment_id}' is {old.status}; only a booked appointment can be rescheduled.",
            old.status,
            list(NEXT_STATUSES[old.status]),
        )
    location = request.location or old.location
    for _ in _attempts(BOOKING_ATTEMPTS):
        current = _doctor_record(store, doctor_id)
        now = _now()
        _check_cutoff(store, old, now, current.doctor)
        _check_bookable(current.doctor, request.start, location, now)
        if request.start == old.start:
            raise InvalidInput([FieldProblem("start", "is the appointment's current slot; choose another slot")])
        new = _new_appointment(current.doctor, request.start, location, old.patient, now).model_copy(
            update={"replaces": old.id}
        )
        cancelled_old = old.model_copy(
            update={"status": "cancelled", "cancelled_at": now, "cancel_reason": "rescheduled", "replaced_by": new.id}
        )
        day_lock = _count_the_day(store, current.doctor, new.start, now, leaving=old.id)
        patient_lock = _check_the_patient(store, new, moving=old.id)
        try:
            return store.reschedule(
                new, cancelled_old, current.fence, LONGEST_BOOKING, day_lock, patient_lock
            ).in_own_timezone()
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while rescheduling; retry.")


def _count_the_day(
    store: SchedulingStore, doctor: Doctor, start: datetime, now: datetime, leaving: str | None = None
) -> DayLock | None:
    """With a daily cap: refuse a full day, else the day's lock as counted, for the write to check. The lock's
    version is read before the count, so any booking of that day that commits after it was read fails ours."""
    cap = doctor.rules.max_per_day
    if cap is None:
        return None
    zone = doctor.zone
    day = local_day(start, zone)
    version = store.day_version(doctor.id, day)
    first, last = day_bounds(day, zone)
    taken = taken_per_day(store.booked_intervals(doctor.id, first, last, LONGEST_BOOKING, now), zone, leaving)[day]
    if taken >= cap:
        raise DayFull(f"Doctor '{doctor.id}' takes at most {cap} appointments on {day.isoformat()}; that day is full.")
    return DayLock(day, version)


def _check_the_patient(
    store: SchedulingStore, appointment: Appointment, moving: str | None = None
) -> PatientLock | None:
    """With `patient.id`: refuse a time the patient already has (with any doctor), else the patient's lock as read,
    for the write to check. The lock is read before the look, so a booking of the patient that commits after it
    was read fails ours."""
    patient_id = appointment.patient.id if appointment.patient else None
    if patient_id is None:
        return None
    version = store.patient_version(patient_id)
    busy = store.patient_busy(patient_id, appointment.start, appointment.end, LONGEST_BOOKING, ignoring=moving)
    if busy is not None:
        raise PatientBusy(*busy)
    return PatientLock(patient_id, version)


def _check_cutoff(
    store: SchedulingStore, appointment: Appointment, now: datetime, doctor: Doctor | None = None
) -> None:
    """Cancelling or moving is possible until `cancel_cutoff_minutes` before the start (0: no cut-off)."""
    if doctor is None:
        try:
            doctor = store.get_doctor(appointment.doctor_id).doctor
        except DoctorNotFound:
            return  # a deleted doctor's (past) appointments keep no policy
    cutoff = doctor.rules.cancel_cutoff_minutes
    if cutoff and now > appointment.start - timedelta(minutes=cutoff):
        raise TooLateToChange(
            f"Appointment '{appointment.id}' can be cancelled or moved until {cutoff} minutes before its start."
        )


def _check_bookable(doctor: Doctor, start: datetime, location: str, now: datetime) -> None:
    problems = []
    if location not in doctor.locations:
        problems.append(FieldProblem("location", "is not one of the doctor's locations"))
    if (too_soon_or_late := bookable_times(doctor.rules, now).problem(start)) is not None:
        problems.append(FieldProblem("start", too_soon_or_late))
    elif (slot := published_slot_at(doctor, start)) is None:
        problems.append(FieldProblem("start", "is not the start of a published slot of this doctor"))
    elif location in doctor.locations and location not in slot.locations:
        offered = ", ".join(f"'{place}'" for place in slot.locations)
        problems.append(FieldProblem("location", f"is not offered at this slot; it is held at {offered}"))
    if problems:
        raise InvalidInput(problems, "This appointment cannot be booked.")


def _new_appointment(
    doctor: Doctor, start: datetime, location: str, patient: Patient | None, now: datetime
) -> Appointment:
    start_utc = start.astimezone(UTC)
    return Appointment(
        id=new_appointment_id(start_utc),
        doctor_id=doctor.id,
        location=location,
        start=start_utc,
        end=start_utc + timedelta(minutes=doctor.slot_minutes),
        status="booked",
        timezone=doctor.timezone,
        patient=patient,
        created_at=now,
    )
