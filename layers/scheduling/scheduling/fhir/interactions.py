"""FHIR reads and searches (ITI-118 included): each reads through `scheduling.service` and maps the answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from scheduling.domain.slots import on_the_doctors_clock
from scheduling.errors import DoctorNotFound
from scheduling.fhir import resources
from scheduling.fhir.bundles import SearchPage, keyset_page, native_page
from scheduling.fhir.ids import (
    BookedId,
    PendingId,
    ProposedId,
    address_named,
    parse_appointment_id,
    parse_location_id,
)
from scheduling.fhir.outcomes import FhirRequestError, Issue, invalid, not_found
from scheduling.fhir.resources import NATIVE_STATUS, Resource
from scheduling.fhir.search import SearchQuery, matches, typed_reference
from scheduling.models import Appointment, AppointmentStatus, Doctor, TimeBound, rfc3339
from scheduling.service import (
    clock,
    free_slots,
    get_appointment,
    get_doctor,
    get_hold,
    held_times,
    list_appointments,
    list_doctors,
    list_patient_appointments,
)
from scheduling.store import Page, SchedulingStore

# Appointments that occupy their slot: a busy Slot.
OCCUPYING: frozenset[AppointmentStatus] = frozenset({"booked", "checked_in", "completed", "no_show"})


def _doctor(store: SchedulingStore, doctor_id: str, resource_type: str) -> Doctor:
    try:
        return get_doctor(store, doctor_id)
    except DoctorNotFound:
        raise not_found(f"{resource_type}/{doctor_id} is not known.") from None


# Practitioner


def read_practitioner(store: SchedulingStore, doctor_id: str) -> Resource:
    return resources.practitioner(_doctor(store, doctor_id, "Practitioner"))


def search_practitioners(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    query.check_known({"name", "name:exact", "name:contains", "_id"})
    count, state = query.count(), query.page_token()
    if (ids := query.values("_id")) != []:
        return SearchPage(_known_doctors(store, ids, resources.practitioner), None, None)
    wanted = query.string("name")

    def expand(doctor: Doctor) -> list[Resource]:
        return [resources.practitioner(doctor)] if wanted is None or matches(*wanted, doctor.name) else []

    return native_page(lambda token, size: list_doctors(store, size, token), expand, count, state)


def _known_doctors(store: SchedulingStore, ids: list[str], to_resource: Callable[[Doctor], Resource]) -> list[Resource]:
    found = []
    for value in ids:
        for doctor_id in value.split(","):
            try:
                found.append(to_resource(get_doctor(store, doctor_id)))
            except DoctorNotFound:
                continue
    return found


# Location


def read_location(store: SchedulingStore, location_id: str) -> Resource:
    key = parse_location_id(location_id)
    if key is None:
        raise not_found(f"Location/{location_id} is not known.")
    doctor = _doctor(store, key.doctor_id, "Location")
    address = address_named(doctor.locations, key.address_hash)
    if address is None:
        raise not_found(f"Location/{location_id} is not known.")
    return resources.location(doctor, address)


def search_locations(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    query.check_known({"name", "name:exact", "name:contains", "address", "address:exact", "address:contains"})
    count, state = query.count(), query.page_token()
    wanted = query.string("name") or query.string("address")

    def expand(doctor: Doctor) -> list[Resource]:
        return [
            resources.location(doctor, address)
            for address in doctor.locations
            if wanted is None or matches(*wanted, address)
        ]

    return native_page(lambda token, size: list_doctors(store, size, token), expand, count, state)


# Schedule


def read_schedule(store: SchedulingStore, doctor_id: str) -> Resource:
    return resources.schedule(_doctor(store, doctor_id, "Schedule"), clock.now())


def search_schedules(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    query.check_known({"actor", "_id", "active"})
    count, state = query.count(), query.page_token()
    now = clock.now()
    doctor_ids = list(query.values("_id"))
    for value in query.values("actor"):
        for part in value.split(","):
            kind, ident = typed_reference(part, ("Practitioner", "Location"), "actor", query.base)
            if kind == "Practitioner":
                doctor_ids.append(ident)
            elif (key := parse_location_id(ident)) is not None:
                doctor_ids.append(key.doctor_id)
    if query.values("actor") or query.values("_id"):
        return SearchPage(_known_doctors(store, doctor_ids, lambda doctor: resources.schedule(doctor, now)))
    return native_page(
        lambda token, size: list_doctors(store, size, token),
        lambda doctor: [resources.schedule(doctor, now)],
        count,
        state,
    )


# Slot


def search_slots(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    """Free slots as the native slot search finds them for the same window; `status=busy` adds booked ones,
    `status=busy-tentative` held ones."""
    query.check_known({"schedule", "start", "status"})
    count, state = query.count(), query.page_token()
    schedules = query.reference("schedule", "Schedule")
    if len(schedules) != 1:
        raise FhirRequestError(
            HTTPStatus.BAD_REQUEST,
            [Issue("too-costly", "Search Slots of one Schedule: schedule=Schedule/[id].", "schedule")],
        )
    statuses = set(query.tokens("status")) or {"free"}
    unknown = statuses - {"free", "busy", "busy-tentative", "busy-unavailable", "entered-in-error"}
    if unknown:
        raise invalid(f"Unknown Slot status {sorted(unknown)}.", "status")
    bounds = query.bounds("start")
    doctor_id = schedules[0]
    keyed: list[tuple[str, Resource]] = []
    try:
        if "free" in statuses:
            for slot in map(on_the_doctors_clock, free_slots(store, doctor_id, bounds.lower, bounds.upper)):
                keyed.append((f"{_stamp(slot.start)}0", resources.free_slot(doctor_id, slot)))
        if "busy" in statuses:
            for booked in _all_appointments(store, doctor_id, bounds.lower, bounds.upper):
                if booked.status in OCCUPYING:
                    keyed.append((f"{_stamp(booked.start)}1{booked.id}", resources.busy_slot(booked)))
        if "busy-tentative" in statuses:
            for start, end in held_times(store, doctor_id, bounds.lower, bounds.upper):
                keyed.append((f"{_stamp(start)}2", resources.held_slot(doctor_id, start, end)))
    except DoctorNotFound:
        return SearchPage([], None, 0)
    keyed.sort(key=lambda pair: pair[0])
    return keyset_page(keyed, count, state)


def _all_appointments(
    store: SchedulingStore, doctor_id: str, lower: TimeBound | None, upper: TimeBound | None
) -> list[Appointment]:
    found: list[Appointment] = []
    token = None
    while True:
        page = list_appointments(store, doctor_id, lower, upper, None, 100, token)
        found += page.items
        if page.next_token is None:
            return found
        token = page.next_token


def _stamp(instant: datetime) -> str:
    return rfc3339(instant.astimezone(UTC))


# Appointment


def read_appointment(store: SchedulingStore, appointment_id: str) -> Resource:
    key = parse_appointment_id(appointment_id)
    if isinstance(key, BookedId):
        return resources.appointment(get_appointment(store, key.doctor_id, key.appointment_id))
    if isinstance(key, PendingId):
        return resources.pending(get_hold(store, key.doctor_id, key.hold_id))
    if isinstance(key, ProposedId):
        return read_proposed(store, key)
    raise not_found(f"Appointment/{appointment_id} is not known.")


def read_proposed(store: SchedulingStore, key: ProposedId) -> Resource:
    """A proposed appointment is its slot while that is still free at that location (nothing is stored)."""
    just_after = key.start + timedelta(seconds=1)
    try:
        slots = [
            on_the_doctors_clock(slot)
            for slot in free_slots(store, key.doctor_id, TimeBound(instant=key.start), TimeBound(instant=just_after))
        ]
    except DoctorNotFound:
        raise not_found("The proposed appointment's practitioner is not known.") from None
    for slot in slots:
        address = address_named(slot.locations, key.address_hash)
        if slot.start == key.start and address is not None:
            return resources.proposed(key.doctor_id, None, slot, address)
    raise not_found("The proposed appointment is no longer available; find another with $find.")


def search_appointments(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    """ITI-118: a patient's or a practitioner's appointments, by `date` and `status`."""
    query.check_known({"patient", "practitioner", "actor", "date", "status"})
    count, state = query.count(), query.page_token()
    patients = query.reference("patient", "Patient")
    practitioners = query.reference("practitioner", "Practitioner")
    if len(patients) > 1 or len(practitioners) > 1:
        raise invalid(
            "Give at most one patient and one practitioner.", "patient" if len(patients) > 1 else "practitioner"
        )
    if not patients and not practitioners:
        raise FhirRequestError(
            HTTPStatus.BAD_REQUEST,
            [Issue("too-costly", "Search appointments of a patient or a practitioner (patient=, practitioner=).")],
        )
    wanted = query.tokens("status")
    unknown = set(wanted) - {*NATIVE_STATUS, "proposed", "pending", "arrived", "entered-in-error", "waitlist"}
    if unknown:
        raise invalid(f"Unknown Appointment status {sorted(unknown)}.", "status")
    natives = {NATIVE_STATUS[code] for code in wanted if code in NATIVE_STATUS}
    if wanted and not natives:
        return SearchPage([], None, 0)  # holds (pending) and proposals are not listed: docs/fhir.md
    status: AppointmentStatus | None = next(iter(natives)) if len(natives) == 1 else None
    bounds = query.bounds("date")
    doctor_id = practitioners[0] if practitioners else None

    def keep(booked: Appointment) -> list[Resource]:
        if natives and booked.status not in natives:
            return []
        if doctor_id is not None and booked.doctor_id != doctor_id:
            return []
        return [resources.appointment(booked)]

    if patients:
        start, end = bounds.instants()

        def fetch_patient(token: str | None, size: int) -> Page[Appointment]:
            return list_patient_appointments(store, patients[0], start, end, status, size, token)

        return native_page(fetch_patient, keep, count, state)
    assert doctor_id is not None

    def fetch_doctor(token: str | None, size: int) -> Page[Appointment]:
        return list_appointments(store, doctor_id, bounds.lower, bounds.upper, status, size, token)

    try:
        return native_page(fetch_doctor, keep, count, state)
    except DoctorNotFound:
        return SearchPage([], None, 0)
