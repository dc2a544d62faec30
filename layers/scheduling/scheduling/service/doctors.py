"""Doctor use cases: create, read, list, replace, merge-patch and delete, with optimistic concurrency."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from scheduling.domain.booked import LONGEST_BOOKING
from scheduling.domain.delete_blockers import refusal
from scheduling.domain.ids import is_doctor_id, new_doctor_id
from scheduling.domain.merge_patch import apply_merge_patch
from scheduling.domain.rules import check_opening_hours
from scheduling.errors import (
    ConcurrentUpdate,
    DoctorHasBookings,
    DoctorNotFound,
    FieldProblem,
    InvalidInput,
    PreconditionFailed,
    StaleRecord,
    problems_from_pydantic,
)
from scheduling.models import Actor, Doctor, DoctorIn
from scheduling.service import clock
from scheduling.service.retries import attempts
from scheduling.store import DoctorRecord, Page, SchedulingStore

# A doctor write without If-Match re-reads and re-applies after each lost race; every lost race means another
# write committed, so with up to this many concurrent writers of one doctor every one of them lands.
DOCTOR_WRITE_ATTEMPTS = 16

# Fields that decide which slots are published and where: changing any of them moves the booking fence.
BOOKING_TERMS = frozenset({"timezone", "slot_minutes", "schedule", "overrides", "locations", "rules"})

# A delete closes the doctor to bookings for this long; if it dies half-way, bookings resume afterwards. It
# finishes only with this much of the lease left, which absorbs clock skew between Lambda instances.
DELETE_LEASE = timedelta(seconds=30)
DELETE_LEASE_MARGIN = timedelta(seconds=10)

Versions = frozenset[int] | None  # the versions an If-Match accepts; None when the caller set no precondition


def create_doctor(store: SchedulingStore, draft: DoctorIn, *, actor: Actor, doctor_id: str | None = None) -> Doctor:
    """A new doctor; `doctor_id` only for sample data that keeps its ids (local/seed.py), never from a request."""
    check_opening_hours(draft)
    now = clock.now()
    doctor = Doctor(
        **draft.model_dump(),
        id=doctor_id or new_doctor_id(),
        created_at=now,
        updated_at=now,
        created_by=actor.by,
        updated_by=actor.by,
        version=1,
    )
    return store.create_doctor(doctor).doctor


def get_doctor(store: SchedulingStore, doctor_id: str) -> Doctor:
    return doctor_record(store, doctor_id).doctor


def list_doctors(store: SchedulingStore, limit: int, next_token: str | None) -> Page[Doctor]:
    page = store.list_doctors(limit, next_token)
    return Page([record.doctor for record in page.items], page.next_token)


def replace_doctor(
    store: SchedulingStore, doctor_id: str, draft: DoctorIn, if_match: Versions, *, actor: Actor
) -> Doctor:
    check_opening_hours(draft)
    return _update_doctor(store, doctor_id, lambda _: draft, if_match, actor)


def patch_doctor(store: SchedulingStore, doctor_id: str, patch: Any, if_match: Versions, *, actor: Actor) -> Doctor:
    if not isinstance(patch, dict):
        raise InvalidInput([FieldProblem("body", "a merge patch must be a JSON object")])

    removed = [
        FieldProblem(name, "cannot be removed (null removes a field in a merge patch); it is required")
        for name, value in patch.items()
        if value is None and name in DoctorIn.model_fields and DoctorIn.model_fields[name].is_required()
    ]
    if removed:
        raise InvalidInput(removed)

    def patched(current: Doctor) -> DoctorIn:
        document = apply_merge_patch(current.model_dump(mode="json", include=set(DoctorIn.model_fields)), patch)
        try:
            draft = DoctorIn.model_validate(document)
        except ValidationError as error:
            raise InvalidInput(problems_from_pydantic(error.errors())) from None  # type: ignore[arg-type]
        check_opening_hours(draft)
        return draft

    return _update_doctor(store, doctor_id, patched, if_match, actor, keep_unchanged=True)


def delete_doctor(store: SchedulingStore, doctor_id: str, if_match: Versions) -> None:
    """Close the doctor to bookings first (a short lease), then look: while it is closed no booking can commit,
    so an empty look is final and the delete that follows leaves no booking behind."""
    for _ in attempts(DOCTOR_WRITE_ATTEMPTS):
        current = doctor_record(store, doctor_id)
        _check_if_match(current.doctor, if_match)
        closing_at = clock.now()
        until = closing_at + DELETE_LEASE
        try:
            closed = store.close_doctor(current, until, closing_at)
            now = clock.now()
            blockers = store.delete_blockers(doctor_id, now, LONGEST_BOOKING)
            if blockers:
                with suppress(StaleRecord):
                    store.reopen_doctor(closed, clock.now())
                raise DoctorHasBookings(refusal(doctor_id, blockers, now))
            with suppress(DoctorNotFound):  # gone by the time we wrote: ours retried by the SDK, or a racing delete
                store.delete_doctor(closed, until, not_after=clock.now() + DELETE_LEASE_MARGIN)
            return
        except StaleRecord:
            continue
    raise ConcurrentUpdate(f"Doctor '{doctor_id}' kept changing while being deleted; retry.")


def _update_doctor(
    store: SchedulingStore,
    doctor_id: str,
    change: Callable[[Doctor], DoctorIn],
    if_match: Versions,
    actor: Actor,
    *,
    keep_unchanged: bool = False,
) -> Doctor:
    """`keep_unchanged`: a change whose result is the current doctor writes nothing and answers the current doctor
    (same version, so other clients' If-Match still holds; no fence moved, no event): a merge patch that changes
    nothing (`{"id": null}`, current values restated)."""
    for _ in attempts(DOCTOR_WRITE_ATTEMPTS):
        current = doctor_record(store, doctor_id)
        _check_if_match(current.doctor, if_match)
        draft = change(current.doctor)
        if keep_unchanged and draft.model_dump() == current.doctor.model_dump(include=set(DoctorIn.model_fields)):
            return current.doctor
        updated = Doctor(
            **draft.model_dump(),
            id=current.doctor.id,
            created_at=current.doctor.created_at,
            updated_at=clock.now(),
            created_by=current.doctor.created_by,
            updated_by=actor.by,
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


def doctor_record(store: SchedulingStore, doctor_id: str) -> DoctorRecord:
    if not is_doctor_id(doctor_id):
        raise DoctorNotFound(doctor_id)
    return store.get_doctor(doctor_id)
