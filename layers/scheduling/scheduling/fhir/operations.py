"""The IHE Scheduling operations on Appointment: `$find` (ITI-115), `$hold` (ITI-116), `$book` (ITI-117).

Input `Parameters` are parsed with `fhir.resources` (R4B), imported on the first operation that has a body, so
reads and searches never load it. Parameter names are IHE's (`appointment-reference`, `location-reference`,
`location-string`, `patient-reference`) and, where IHE took them from the Argonaut guide, Argonaut's too
(`appt-id`, `appt-resource`, `patient-id`, `cancelled-appt-id`, `comment`). Every rule is the service's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC
from http import HTTPStatus
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from scheduling.domain.slots import on_the_doctors_clock
from scheduling.domain.tags import names, practises
from scheduling.errors import DoctorNotFound, InvalidInput, problems_from_pydantic
from scheduling.fhir import resources
from scheduling.fhir.bundles import SearchPage, keyset_page, native_page
from scheduling.fhir.ids import (
    AppointmentKey,
    BookedId,
    PendingId,
    ProposedId,
    address_named,
    location_hash,
    parse_appointment_id,
    parse_location_id,
)
from scheduling.fhir.outcomes import FhirRequestError, Issue, invalid, invalid_body, not_found, not_supported
from scheduling.fhir.resources import Resource
from scheduling.fhir.search import SearchQuery, reference_id, time_bound
from scheduling.models import (
    Actor,
    BookingRequest,
    DoctorSlot,
    HoldRequest,
    Patient,
    RescheduleRequest,
    Slot,
    TimeBound,
    rfc3339,
)
from scheduling.service import (
    SlotSearch,
    book,
    cancel,
    free_slots,
    get_appointment,
    get_doctor,
    get_hold,
    release_hold,
    reschedule,
    search_slots,
)
from scheduling.service import hold as hold_slot
from scheduling.store import Page, SchedulingStore

M = TypeVar("M", bound=BaseModel)
FIND_PARAMETERS = {"start", "end", "practitioner", "location", "location-reference", "location-string", "specialty"}


class OperationInput:
    """A `Parameters` body, checked against FHIR R4B by `fhir.resources`, read by parameter name."""

    def __init__(self, body: str | None, base: str | None = None) -> None:
        self.base = base  # this server's base URL as the caller reached it: absolute references to it are ours
        if not body:
            raise invalid("Send a Parameters resource as the body.", "Parameters", code="required")
        try:
            document = json.loads(body)
        except ValueError:
            raise invalid("The body is not valid JSON.", code="structure") from None
        if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
            raise invalid("The body must be a Parameters resource.", "resourceType", code="structure")
        from fhir.resources.R4B.parameters import Parameters  # only operations with a body need it

        try:
            Parameters.model_validate(document)
        except ValidationError as error:
            given = document.get("parameter")
            named = [_name_of(item) for item in given] if isinstance(given, list) else []
            raise invalid_body(list(error.errors()), "Parameters", named) from None  # type: ignore[arg-type]
        self.parameters: list[dict[str, Any]] = document.get("parameter") or []

    def named(self, *names: str) -> list[dict[str, Any]]:
        return [parameter for parameter in self.parameters if parameter.get("name") in names]

    def text(self, parameter: dict[str, Any]) -> str | None:
        """The value as query text: a Reference's `reference`, or a primitive value."""
        for key, value in parameter.items():
            if key == "valueReference" and isinstance(value, dict):
                found = value.get("reference")
                return found if isinstance(found, str) else None
            if key.startswith("value") and isinstance(value, str | int):
                return str(value)
        return None

    def as_query(self, names: set[str]) -> dict[str, list[str]]:
        query: dict[str, list[str]] = {}
        for parameter in self.parameters:
            name = parameter.get("name")
            text = self.text(parameter)
            if isinstance(name, str) and text is not None:
                query.setdefault(name, []).append(text)
        unknown = {name for name in query if name not in names | {"_count"}}
        for name in unknown:
            query.pop(name)
        return query

    def resource(self, *names: str) -> dict[str, Any] | None:
        """The Appointment given under one of `names` (another resource type there is a 400, not ignored)."""
        found = [parameter.get("resource") for parameter in self.named(*names) if parameter.get("resource")]
        if not found:
            return None
        if not isinstance(found[0], dict) or found[0].get("resourceType") != "Appointment":
            raise invalid(f"Parameter '{names[-1]}' must hold an Appointment resource.", names[-1])
        return found[0]


def _name_of(parameter: Any) -> str | None:
    name = parameter.get("name") if isinstance(parameter, dict) else None
    return name if isinstance(name, str) and name else None


# $find


def find(store: SchedulingStore, query: SearchQuery) -> SearchPage:
    """Proposed appointments, one per free slot and location. With practitioners (or Location references, which
    name their practitioner) each one's free slots, with `total`; otherwise the search across doctors by
    `location-string` and/or `specialty`, paged as that search pages."""
    query.check_known(FIND_PARAMETERS)
    count, state = query.count(), query.page_token()
    texts_of = {"start": query.one("start"), "end": query.one("end")}
    # what was sent is read first: an unreadable start is named as such, before any complaint of a missing end
    read = {name: time_bound(name, text) for name, text in texts_of.items() if text is not None}
    missing = [name for name in texts_of if name not in read]
    if missing:
        raise invalid(f"$find needs {' and '.join(missing)} (dateTime).", missing[0], code="required")
    start, end = read["start"], read["end"]
    practitioners = query.reference("practitioner", "Practitioner")
    places = {
        (place.doctor_id, place.address_hash)
        for name in ("location", "location-reference")
        for ident in query.reference(name, "Location")
        if (place := parse_location_id(ident)) is not None
    }
    wanted_places = bool(query.values("location") or query.values("location-reference"))
    texts = query.values("location-string")
    specialties = query.tokens("specialty")
    if practitioners or wanted_places:
        doctor_ids = practitioners or [doctor_id for doctor_id, _ in sorted(places)]
        # the practitioners' own windows, as the native search of one doctor reads them (a date is a local day)
        keyed = _proposals(store, doctor_ids, (start, end), places if wanted_places else None, texts, specialties)
        return keyset_page(keyed, count, state, with_total=True)
    if len(texts) > 1 or len(specialties) > 1:
        name = "location-string" if len(texts) > 1 else "specialty"
        raise not_supported(f"Across practitioners, $find takes one {name}.", name)
    if not texts and not specialties:
        raise FhirRequestError(
            HTTPStatus.BAD_REQUEST,
            [Issue("too-costly", "$find needs a practitioner, a location (reference or string) or a specialty.")],
        )
    search = SlotSearch(
        location=texts[0] if texts else None,
        specialty=specialties[0] if specialties else None,
        start=start.at(UTC),
        end=end.at(UTC),
        limit=count,
        next_token=None,
    )

    def fetch(token: str | None, size: int) -> Page[DoctorSlot]:
        return search_slots(store, replace(search, limit=size, next_token=token))

    def expand(found: DoctorSlot) -> list[Resource]:
        slot = Slot(start=found.start, end=found.end, locations=found.locations)
        return [
            resources.proposed(found.doctor_id, found.doctor_name, slot, address)
            for address in found.locations
            if not texts or names(texts[0], address)
        ]

    return native_page(fetch, expand, count, state)


def _proposals(
    store: SchedulingStore,
    doctor_ids: list[str],
    window: tuple[TimeBound | None, TimeBound | None],
    places: set[tuple[str, str]] | None,
    texts: list[str],
    specialties: list[str],
) -> list[tuple[str, Resource]]:
    keyed: list[tuple[str, Resource]] = []
    for doctor_id in dict.fromkeys(doctor_ids):
        try:
            doctor = get_doctor(store, doctor_id)
        except DoctorNotFound:
            continue
        if specialties and not any(practises(doctor, wanted) for wanted in specialties):
            continue
        for slot in map(on_the_doctors_clock, free_slots(store, doctor.id, *window)):
            for address in slot.locations:
                if places is not None and (doctor.id, location_hash(address)) not in places:
                    continue
                if texts and not any(names(text, address) for text in texts):
                    continue
                order = doctor.locations.index(address) if address in doctor.locations else len(doctor.locations)
                key = f"{rfc3339(slot.start.astimezone(UTC))}{doctor.id}{order:02d}"
                keyed.append((key, resources.proposed(doctor.id, doctor.name, slot, address)))
    keyed.sort(key=lambda pair: pair[0])
    return keyed


# $hold


def hold(store: SchedulingStore, request: OperationInput, actor: Actor, request_key: str | None = None) -> Resource:
    """ITI-116: the proposed appointment becomes pending, backed by a hold (the native hold's default expiry); with
    a patient (`patient-reference`, `patient-id` or a Patient participant), the patient's time is held too. With
    `request_key` (a digest of the caller's Idempotency-Key and body) the hold's id is derived from it, as natively."""
    target = _target(request)
    if not isinstance(target, ProposedId):
        raise invalid("Only a proposed appointment (from $find) can be held.", "appointment-reference")
    doctor = get_doctor(store, target.doctor_id)
    address = _address(doctor.locations, target)
    patient = _patient(request, request.resource("appointment-resource", "appt-resource"))
    whom = {"id": patient.id} if patient is not None and patient.id else None
    asked = _model(HoldRequest, start=target.start, location=address, patient=whom)
    held = hold_slot(store, doctor.id, asked, request_key, actor=actor)
    return resources.pending(held, doctor.name)


# $book


def book_appointment(
    store: SchedulingStore, request: OperationInput, actor: Actor, request_key: str | None = None
) -> Resource:
    """ITI-117: book a proposed or pending appointment; with an Appointment whose status is `cancelled`, cancel a
    booked one (or release a pending one); with another start (or `cancelled-appt-id`), reschedule. With
    `request_key`, a booking of a proposed appointment derives its id from it (the other changes are repeat-safe
    by their own records: docs/design.md, "Exactly-once outcomes")."""
    target = _target(request)
    given = request.resource("appointment-resource", "appt-resource")
    cancelling = bool(given and given.get("status") == "cancelled")
    if isinstance(target, ProposedId):
        return _book_proposed(store, request, target, given, cancelling, actor, request_key)
    if isinstance(target, PendingId):
        if cancelling:
            release_hold(store, target.doctor_id, target.hold_id, actor=actor)
            return resources.pending(get_hold(store, target.doctor_id, target.hold_id))
        booking = _model(BookingRequest, hold_id=target.hold_id, patient=_patient(request, given))
        return resources.appointment(book(store, target.doctor_id, booking, actor=actor))
    return _change_booked(store, request, target, given, cancelling, actor)


def _book_proposed(
    store: SchedulingStore,
    request: OperationInput,
    target: ProposedId,
    given: dict[str, Any] | None,
    cancelling: bool,
    actor: Actor,
    request_key: str | None,
) -> Resource:
    if cancelling:
        raise invalid("A proposed appointment has nothing to cancel.", "appt-resource.status")
    doctor = get_doctor(store, target.doctor_id)
    address = _address(doctor.locations, target)
    replaced = _replaced(request)
    if replaced is None:
        booking = _model(BookingRequest, start=target.start, location=address, patient=_patient(request, given))
        return resources.appointment(book(store, doctor.id, booking, request_key, actor=actor), doctor.name)
    if replaced.doctor_id != doctor.id:
        raise InvalidInput([], "Rescheduling moves an appointment within one practitioner's schedule.")
    moving = _model(RescheduleRequest, start=target.start, location=address)
    moved = reschedule(store, doctor.id, replaced.appointment_id, moving, actor=actor)
    return resources.appointment(moved, doctor.name)


def _change_booked(
    store: SchedulingStore,
    request: OperationInput,
    target: BookedId,
    given: dict[str, Any] | None,
    cancelling: bool,
    actor: Actor,
) -> Resource:
    if cancelling:
        reason = _comment(request, given)
        return resources.appointment(cancel(store, target.doctor_id, target.appointment_id, reason, actor=actor))
    current = get_appointment(store, target.doctor_id, target.appointment_id)
    new_start = given.get("start") if given else None
    if isinstance(new_start, str) and new_start != rfc3339(current.start):
        moving = _model(RescheduleRequest, start=new_start)
        return resources.appointment(reschedule(store, target.doctor_id, target.appointment_id, moving, actor=actor))
    return resources.appointment(current)


def _target(request: OperationInput) -> AppointmentKey:
    texts = [  # (reference, the parameter sent)
        (text, str(parameter.get("name")))
        for parameter in request.named("appointment-reference", "appt-id")
        if (text := request.text(parameter)) is not None
    ]
    given = request.resource("appointment-resource", "appt-resource")
    if given is not None and isinstance(given.get("id"), str):
        texts.append((f"Appointment/{given['id']}", "appt-resource.id"))
    if not texts:
        raise invalid(
            "Name the appointment: appointment-reference (Reference), appt-id (uri) or appt-resource with its id.",
            "appointment-reference",
            code="required",
        )
    idents = {reference_id(text, "Appointment", sent, request.base) for text, sent in texts}
    if len(idents) > 1:
        raise invalid("The parameters name different appointments.", "appointment-reference")
    [ident] = idents
    key = parse_appointment_id(ident)
    if key is None:
        raise not_found(f"Appointment/{ident} is not known.")
    return key


def _address(addresses: list[str], target: ProposedId) -> str:
    address = address_named(addresses, target.address_hash)
    if address is None:
        raise not_found("The proposed appointment's location is no longer one of the practitioner's.")
    return address


def _replaced(request: OperationInput) -> BookedId | None:
    texts = [text for parameter in request.named("cancelled-appt-id") if (text := request.text(parameter))]
    if not texts:
        return None
    key = parse_appointment_id(reference_id(texts[0], "Appointment", "cancelled-appt-id", request.base))
    if not isinstance(key, BookedId):
        raise not_found("cancelled-appt-id names no booked appointment of this server.")
    return key


def _patient(request: OperationInput, given: dict[str, Any] | None) -> Patient | None:
    """The patient from `patient-id`/`patient-reference`, or the Patient participant of the Appointment."""
    candidates: list[tuple[str | None, str | None, str]] = []  # (reference, display, the parameter sent)
    for parameter in request.named("patient-id", "patient-reference"):
        value = parameter.get("valueReference")
        sent = str(parameter.get("name"))
        _refuse_identifier(value, sent)
        display = value.get("display") if isinstance(value, dict) else None
        candidates.append((request.text(parameter), display, sent))
    for participant in (given or {}).get("participant") or []:
        actor = participant.get("actor") or {}
        if actor.get("type") == "Patient":
            _refuse_identifier(actor, "appt-resource.participant.actor")
        ref = actor.get("reference")
        if (isinstance(ref, str) and "Patient/" in ref) or (not ref and isinstance(actor.get("display"), str)):
            candidates.append((ref, actor.get("display"), "appt-resource.participant.actor"))
    if not candidates:
        return None
    ref, display, sent = candidates[0]
    patient_id = reference_id(ref, "Patient", sent, request.base) if ref else None
    return _model(Patient, id=patient_id, name=display)


def _refuse_identifier(reference: Any, where: str) -> None:
    """A patient named by another system's identifier (system + value) is refused, not mapped: nothing here
    links another record system's numbering to our patient ids (docs/fhir.md, "References")."""
    if isinstance(reference, dict) and reference.get("identifier") is not None and not reference.get("reference"):
        raise not_supported(
            "A Patient named by identifier (system and value) is not supported: this server keeps no mapping "
            "from other systems' identifiers; reference the patient as 'Patient/[id]' with this server's id.",
            where,
        )


def _comment(request: OperationInput, given: dict[str, Any] | None) -> str | None:
    for parameter in request.named("comment"):
        if (text := request.text(parameter)) is not None:
            return text
    reason = (given or {}).get("cancelationReason") or {}
    text = reason.get("text") if isinstance(reason, dict) else None
    return text if isinstance(text, str) else None


def _model(model: type[M], **values: Any) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise InvalidInput(problems_from_pydantic(error.errors()), "The appointment cannot be booked so.") from None  # type: ignore[arg-type]
