"""Appointments: book (a slot or a hold), list, read, check in, complete, no-show, cancel and reschedule."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.metrics import MetricUnit

from scheduling import service
from scheduling.audit import audit
from scheduling.config import AppointmentsSettings
from scheduling.http import (
    LOCATION_HEADER,
    TIME_BOUND,
    TIME_BOUND_MAX_LENGTH,
    WITH_A_BODY,
    TimeBoundText,
    create_resolver,
    documented,
    lambda_handler_for,
    query_time_bound,
    request_actor,
)
from scheduling.models import (
    Actor,
    Appointment,
    AppointmentsPage,
    AppointmentStatus,
    BookingRequest,
    CancelRequest,
    RescheduleRequest,
    Series,
    SeriesRequest,
)
from scheduling.models.waitlist import WaitlistEntry, WaitlistPage, WaitlistRequest, WaitlistStatus
from scheduling.observability import logger, metrics
from scheduling.store import SchedulingStore, store_for

if TYPE_CHECKING:
    from scheduling.idempotency import IdempotentRunner

settings = AppointmentsSettings()  # read from the environment, fails at cold start if incomplete
app = create_resolver()
TAGS = ["Appointments"]
Created = TypeVar("Created", Appointment, Series, WaitlistEntry)


def scheduling_store() -> SchedulingStore:
    return store_for(settings)


Store = Annotated[SchedulingStore, Depends(scheduling_store)]
Caller = Annotated[Actor, Depends(request_actor)]


def _book(
    request: dict[str, Any], request_key: str, store: SchedulingStore, actor: Actor, booking: BookingRequest
) -> Appointment:
    """`request` (the doctor, the key and the body as JSON) is what the key stands for; `booking` is that body."""
    return service.book(store, request["doctor_id"], booking, request_key, actor=actor)


def _booked_again(kept: dict[str, Any], store: SchedulingStore, actor: Actor, booking: BookingRequest) -> Appointment:
    """A replay answers the appointment as stored now: its record kept only the ids (no patient name)."""
    return service.get_appointment(store, kept["doctor_id"], kept["id"])


@cache
def book_once() -> IdempotentRunner:
    """Built on the first keyed booking: the idempotency utility is not needed at cold start otherwise."""
    from scheduling.idempotency import IdempotentRunner

    return IdempotentRunner(settings, _book, name="book-appointment", keep=("doctor_id", "id"), replay=_booked_again)


def _created(body: Created, location: str) -> Response[Created]:
    """A 201 with what was made and where to read it."""
    return Response(status_code=201, content_type="application/json", body=body, headers={"Location": location})


def _appointment_created(appointment: Appointment) -> Response[Appointment]:
    return _created(appointment, f"/doctors/{appointment.doctor_id}/appointments/{appointment.id}")


@app.post(
    "/doctors/<doctor_id>/appointments",
    summary="Book a free published slot",
    tags=TAGS,
    responses=documented(201, "The booked appointment", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def book(
    doctor_id: str,
    store: Store,
    actor: Caller,
    booking: Annotated[BookingRequest, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(alias="idempotency-key", min_length=1, max_length=255, description="Retry-safe booking key."),
    ] = None,
) -> Response[Appointment]:
    appointment: Appointment
    if idempotency_key is None:
        appointment = service.book(store, doctor_id, booking, actor=actor)
    else:
        body = booking.model_dump(mode="json")  # the key's payload: the same key with another body is refused
        appointment = book_once()(
            app.lambda_context, doctor_id, idempotency_key, body, store=store, actor=actor, booking=booking
        )
    audit("appointment.book", actor, doctor_id, appointment.id, appointment.patient_id)
    metrics.add_metric(name="AppointmentsBooked", unit=MetricUnit.Count, value=1)
    logger.info("appointment booked", extra={"doctor_id": doctor_id, "appointment_id": appointment.id})
    return _appointment_created(appointment)


@app.get(
    "/doctors/<doctor_id>/appointments",
    summary="List a doctor's appointments by start",
    tags=TAGS,
    responses=documented(200, "A page of appointments", 404),
)
def list_appointments(
    doctor_id: str,
    store: Store,
    actor: Caller,
    from_: Annotated[
        TimeBoundText | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=TIME_BOUND)
    ] = None,
    to: Annotated[TimeBoundText | None, Query(max_length=TIME_BOUND_MAX_LENGTH, description=TIME_BOUND)] = None,
    status: Annotated[AppointmentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> AppointmentsPage:
    start, end = query_time_bound("from", from_), query_time_bound("to", to)
    page = service.list_appointments(store, doctor_id, start, end, status, limit, next_token)
    audit("appointment.list", actor, doctor_id, patients=[item.patient_id for item in page.items])
    return AppointmentsPage(items=page.items, next_token=page.next_token)


@app.get(
    "/doctors/<doctor_id>/appointments/<appointment_id>",
    summary="Read an appointment, booked or cancelled",
    tags=TAGS,
    responses=documented(200, "The appointment", 404),
)
def get_appointment(doctor_id: str, appointment_id: str, store: Store, actor: Caller) -> Appointment:
    appointment = service.get_appointment(store, doctor_id, appointment_id)
    audit("appointment.read", actor, doctor_id, appointment_id, appointment.patient_id)
    return appointment


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/cancel",
    summary="Cancel an appointment (repeat-safe)",
    tags=TAGS,
    responses=documented(200, "The cancelled appointment", *WITH_A_BODY, 404, 409),
)
def cancel(
    doctor_id: str,
    appointment_id: str,
    store: Store,
    actor: Caller,
    request: Annotated[CancelRequest | None, Body()] = None,
) -> Appointment:
    reason = request.reason if request else None
    appointment = service.cancel(store, doctor_id, appointment_id, reason, actor=actor)
    audit("appointment.cancel", actor, doctor_id, appointment_id, appointment.patient_id)
    metrics.add_metric(name="AppointmentsCancelled", unit=MetricUnit.Count, value=1)
    logger.info("appointment cancelled", extra={"doctor_id": doctor_id, "appointment_id": appointment_id})
    return appointment


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/reschedule",
    summary="Move an appointment to another slot, atomically",
    tags=TAGS,
    responses=documented(201, "The new appointment", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def reschedule(
    doctor_id: str, appointment_id: str, request: Annotated[RescheduleRequest, Body()], store: Store, actor: Caller
) -> Response[Appointment]:
    appointment = service.reschedule(store, doctor_id, appointment_id, request, actor=actor)
    audit(
        "appointment.reschedule",
        actor,
        doctor_id,
        appointment_id,
        appointment.patient_id,
        new_appointment_id=appointment.id,
    )
    metrics.add_metric(name="AppointmentsRescheduled", unit=MetricUnit.Count, value=1)
    logger.info(
        "appointment rescheduled",
        extra={"doctor_id": doctor_id, "appointment_id": appointment_id, "new_appointment_id": appointment.id},
    )
    return _appointment_created(appointment)


def _changed(appointment: Appointment, change: str, metric: str, actor: Actor) -> Appointment:
    action = f"appointment.{appointment.status}"  # appointment.checked_in, .completed, .no_show
    audit(action, actor, appointment.doctor_id, appointment.id, appointment.patient_id)
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    logger.info(change, extra={"doctor_id": appointment.doctor_id, "appointment_id": appointment.id})
    return appointment


LIFECYCLE_ANSWERS = documented(200, "The appointment as changed (or unchanged, when repeated)", 404, 409)


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/check-in",
    summary="Check the patient in (from 2 hours before the start until its end)",
    tags=TAGS,
    responses=LIFECYCLE_ANSWERS,
)
def check_in(doctor_id: str, appointment_id: str, store: Store, actor: Caller) -> Appointment:
    checked_in = service.check_in(store, doctor_id, appointment_id, actor=actor)
    return _changed(checked_in, "appointment checked in", "CheckedIn", actor)


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/complete",
    summary="Record a checked-in appointment as completed",
    tags=TAGS,
    responses=LIFECYCLE_ANSWERS,
)
def complete(doctor_id: str, appointment_id: str, store: Store, actor: Caller) -> Appointment:
    completed = service.complete(store, doctor_id, appointment_id, actor=actor)
    return _changed(completed, "appointment completed", "Completed", actor)


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/no-show",
    summary="Record that the patient did not come (once the appointment has started)",
    tags=TAGS,
    responses=LIFECYCLE_ANSWERS,
)
def no_show(doctor_id: str, appointment_id: str, store: Store, actor: Caller) -> Appointment:
    missed = service.mark_no_show(store, doctor_id, appointment_id, actor=actor)
    return _changed(missed, "appointment no-show", "NoShows", actor)


@app.post(
    "/doctors/<doctor_id>/appointments/series",
    summary="Book a course of 2-12 appointments, all or none",
    tags=TAGS,
    responses=documented(201, "The series and its appointments", *WITH_A_BODY, 404, 409),
)
def book_series(
    doctor_id: str, store: Store, request: Annotated[SeriesRequest, Body()], actor: Caller
) -> Response[Series]:
    series = service.book_series(store, doctor_id, request, actor=actor)
    for appointment in series.appointments:
        audit("appointment.book", actor, doctor_id, appointment.id, appointment.patient_id)
    metrics.add_metric(name="AppointmentsBooked", unit=MetricUnit.Count, value=len(series.appointments))
    logger.info("series booked", extra={"doctor_id": doctor_id, "series_id": series.series_id})
    return _created(series, f"/doctors/{doctor_id}/appointments/series/{series.series_id}")


@app.get(
    "/doctors/<doctor_id>/appointments/series/<series_id>",
    summary="Read a series' appointments as they are now",
    tags=TAGS,
    responses=documented(200, "The series", 404),
)
def get_series(doctor_id: str, series_id: str, store: Store, actor: Caller) -> Series:
    series = service.get_series(store, doctor_id, series_id)
    audit("appointment.list", actor, doctor_id, patients=[item.patient_id for item in series.appointments])
    return series


@app.post(
    "/doctors/<doctor_id>/appointments/series/<series_id>/cancel",
    summary="Cancel a series' future booked appointments (repeat-safe)",
    tags=TAGS,
    responses=documented(200, "The series as it is after the cancel", *WITH_A_BODY, 404),
)
def cancel_series(
    doctor_id: str,
    series_id: str,
    store: Store,
    actor: Caller,
    request: Annotated[CancelRequest | None, Body()] = None,
) -> Series:
    series = service.cancel_series(store, doctor_id, series_id, request.reason if request else None, actor=actor)
    for appointment in series.appointments:
        audit("appointment.cancel", actor, doctor_id, appointment.id, appointment.patient_id)
    logger.info("series cancelled", extra={"doctor_id": doctor_id, "series_id": series_id})
    return series


WAITLIST = ["Waitlist"]


@app.post(
    "/doctors/<doctor_id>/waitlist",
    summary="Wait for a slot in a window: a freed slot is offered as a hold",
    tags=WAITLIST,
    responses=documented(201, "The waitlist entry", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def join_waitlist(
    doctor_id: str, store: Store, request: Annotated[WaitlistRequest, Body()], actor: Caller
) -> Response[WaitlistEntry]:
    entry = service.join_waitlist(store, doctor_id, request)
    audit("waitlist.join", actor, doctor_id, patient_id=entry.patient_id, entry_id=entry.id)
    logger.info("waitlist joined", extra={"doctor_id": doctor_id, "entry_id": entry.id})
    return _created(entry, f"/doctors/{doctor_id}/waitlist/{entry.id}")


@app.get(
    "/doctors/<doctor_id>/waitlist",
    summary="List a doctor's waitlist, oldest first",
    tags=WAITLIST,
    responses=documented(200, "A page of waitlist entries", 404),
)
def list_waitlist(
    doctor_id: str,
    store: Store,
    actor: Caller,
    status: Annotated[WaitlistStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> WaitlistPage:
    page = service.list_waitlist(store, doctor_id, status, limit, next_token)
    audit("waitlist.list", actor, doctor_id, patients=[entry.patient_id for entry in page.items])
    return WaitlistPage(items=page.items, next_token=page.next_token)


@app.get(
    "/doctors/<doctor_id>/waitlist/<entry_id>",
    summary="Read a waitlist entry",
    tags=WAITLIST,
    responses=documented(200, "The waitlist entry", 404),
)
def get_waitlist_entry(doctor_id: str, entry_id: str, store: Store, actor: Caller) -> WaitlistEntry:
    entry = service.get_waitlist_entry(store, doctor_id, entry_id)
    audit("waitlist.read", actor, doctor_id, patient_id=entry.patient_id, entry_id=entry.id)
    return entry


@app.delete(
    "/doctors/<doctor_id>/waitlist/<entry_id>",
    summary="Leave the waitlist (an offered hold is released); repeat-safe",
    tags=WAITLIST,
    responses=documented(204, "Removed", 404, 409),
)
def leave_waitlist(doctor_id: str, entry_id: str, store: Store, actor: Caller) -> Response[None]:
    service.leave_waitlist(store, doctor_id, entry_id, actor=actor)
    audit("waitlist.leave", actor, doctor_id, entry_id=entry_id)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
