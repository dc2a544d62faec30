"""Appointments: book (a slot or a hold), list, read, check in, complete, no-show, cancel and reschedule."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.metrics import MetricUnit

from scheduling import service
from scheduling.config import AppointmentsSettings
from scheduling.http import (
    LOCATION_HEADER,
    TIME_BOUND,
    TIME_BOUND_MAX_LENGTH,
    WITH_A_BODY,
    create_resolver,
    documented,
    lambda_handler_for,
)
from scheduling.models import (
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


def scheduling_store() -> SchedulingStore:
    """The one provider of the store; tests may swap it through `app.dependency_overrides`."""
    return store_for(settings)


Store = Annotated[SchedulingStore, Depends(scheduling_store)]


def _book(request: dict[str, Any], request_key: str, store: SchedulingStore) -> dict[str, Any]:
    booking = BookingRequest.model_validate(request["body"])
    return service.book(store, request["doctor_id"], booking, request_key).model_dump(mode="json")


@cache
def book_once() -> IdempotentRunner:
    """Built on the first keyed booking: the idempotency utility is not needed at cold start otherwise."""
    from scheduling.idempotency import IdempotentRunner

    return IdempotentRunner(settings, _book, name="book-appointment")


def _created(appointment: Appointment) -> Response[Appointment]:
    return Response(
        status_code=201,
        content_type="application/json",
        body=appointment,
        headers={"Location": f"/doctors/{appointment.doctor_id}/appointments/{appointment.id}"},
    )


@app.post(
    "/doctors/<doctor_id>/appointments",
    summary="Book a free published slot",
    tags=TAGS,
    responses=documented(201, "The booked appointment", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def book(
    doctor_id: str,
    store: Store,
    booking: Annotated[BookingRequest, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(alias="idempotency-key", min_length=1, max_length=255, description="Retry-safe booking key."),
    ] = None,
) -> Response[Appointment]:
    if idempotency_key is None:
        appointment = service.book(store, doctor_id, booking)
    else:
        body = booking.model_dump(mode="json")
        appointment = Appointment.model_validate(
            book_once()(app.lambda_context, doctor_id, idempotency_key, body, store=store)
        )
    metrics.add_metric(name="AppointmentsBooked", unit=MetricUnit.Count, value=1)
    logger.info("appointment booked", extra={"doctor_id": doctor_id, "appointment_id": appointment.id})
    return _created(appointment)


@app.get(
    "/doctors/<doctor_id>/appointments",
    summary="List a doctor's appointments by start",
    tags=TAGS,
    responses=documented(200, "A page of appointments", 404),
)
def list_appointments(
    doctor_id: str,
    store: Store,
    from_: Annotated[str | None, Query(alias="from", max_length=TIME_BOUND_MAX_LENGTH, description=TIME_BOUND)] = None,
    to: Annotated[str | None, Query(max_length=TIME_BOUND_MAX_LENGTH, description=TIME_BOUND)] = None,
    status: Annotated[AppointmentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> AppointmentsPage:
    page = service.list_appointments(store, doctor_id, from_, to, status, limit, next_token)
    return AppointmentsPage(items=page.items, next_token=page.next_token)


@app.get(
    "/doctors/<doctor_id>/appointments/<appointment_id>",
    summary="Read an appointment, booked or cancelled",
    tags=TAGS,
    responses=documented(200, "The appointment", 404),
)
def get_appointment(doctor_id: str, appointment_id: str, store: Store) -> Appointment:
    return service.get_appointment(store, doctor_id, appointment_id)


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/cancel",
    summary="Cancel an appointment (repeat-safe)",
    tags=TAGS,
    responses=documented(200, "The cancelled appointment", *WITH_A_BODY, 404, 409),
)
def cancel(
    doctor_id: str, appointment_id: str, store: Store, request: Annotated[CancelRequest | None, Body()] = None
) -> Appointment:
    reason = request.reason if request else None
    appointment = service.cancel(store, doctor_id, appointment_id, reason)
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
    doctor_id: str, appointment_id: str, request: Annotated[RescheduleRequest, Body()], store: Store
) -> Response[Appointment]:
    appointment = service.reschedule(store, doctor_id, appointment_id, request)
    metrics.add_metric(name="AppointmentsRescheduled", unit=MetricUnit.Count, value=1)
    logger.info(
        "appointment rescheduled",
        extra={"doctor_id": doctor_id, "appointment_id": appointment_id, "new_appointment_id": appointment.id},
    )
    return _created(appointment)


def _changed(appointment: Appointment, change: str, metric: str) -> Appointment:
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
def check_in(doctor_id: str, appointment_id: str, store: Store) -> Appointment:
    return _changed(service.check_in(store, doctor_id, appointment_id), "appointment checked in", "CheckedIn")


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/complete",
    summary="Record a checked-in appointment as completed",
    tags=TAGS,
    responses=LIFECYCLE_ANSWERS,
)
def complete(doctor_id: str, appointment_id: str, store: Store) -> Appointment:
    return _changed(service.complete(store, doctor_id, appointment_id), "appointment completed", "Completed")


@app.post(
    "/doctors/<doctor_id>/appointments/<appointment_id>/no-show",
    summary="Record that the patient did not come (once the appointment has started)",
    tags=TAGS,
    responses=LIFECYCLE_ANSWERS,
)
def no_show(doctor_id: str, appointment_id: str, store: Store) -> Appointment:
    return _changed(service.mark_no_show(store, doctor_id, appointment_id), "appointment no-show", "NoShows")


@app.post(
    "/doctors/<doctor_id>/appointments/series",
    summary="Book a course of 2-12 appointments, all or none",
    tags=TAGS,
    responses=documented(201, "The series and its appointments", *WITH_A_BODY, 404, 409),
)
def book_series(doctor_id: str, store: Store, request: Annotated[SeriesRequest, Body()]) -> Response[Series]:
    series = service.book_series(store, doctor_id, request)
    metrics.add_metric(name="AppointmentsBooked", unit=MetricUnit.Count, value=len(series.appointments))
    logger.info("series booked", extra={"doctor_id": doctor_id, "series_id": series.series_id})
    return Response(
        status_code=201,
        content_type="application/json",
        body=series,
        headers={"Location": f"/doctors/{doctor_id}/appointments/series/{series.series_id}"},
    )


@app.get(
    "/doctors/<doctor_id>/appointments/series/<series_id>",
    summary="Read a series' appointments as they are now",
    tags=TAGS,
    responses=documented(200, "The series", 404),
)
def get_series(doctor_id: str, series_id: str, store: Store) -> Series:
    return service.get_series(store, doctor_id, series_id)


@app.post(
    "/doctors/<doctor_id>/appointments/series/<series_id>/cancel",
    summary="Cancel a series' future booked appointments (repeat-safe)",
    tags=TAGS,
    responses=documented(200, "The series as it is after the cancel", *WITH_A_BODY, 404),
)
def cancel_series(
    doctor_id: str, series_id: str, store: Store, request: Annotated[CancelRequest | None, Body()] = None
) -> Series:
    series = service.cancel_series(store, doctor_id, series_id, request.reason if request else None)
    logger.info("series cancelled", extra={"doctor_id": doctor_id, "series_id": series_id})
    return series


WAITLIST = ["Waitlist"]


@app.post(
    "/doctors/<doctor_id>/waitlist",
    summary="Wait for a slot in a window: a freed slot is offered as a hold",
    tags=WAITLIST,
    responses=documented(201, "The waitlist entry", *WITH_A_BODY, 404, 409, headers={"Location": LOCATION_HEADER}),
)
def join_waitlist(doctor_id: str, store: Store, request: Annotated[WaitlistRequest, Body()]) -> Response[WaitlistEntry]:
    entry = service.join_waitlist(store, doctor_id, request)
    logger.info("waitlist joined", extra={"doctor_id": doctor_id, "entry_id": entry.id})
    return Response(
        status_code=201,
        content_type="application/json",
        body=entry,
        headers={"Location": f"/doctors/{doctor_id}/waitlist/{entry.id}"},
    )


@app.get(
    "/doctors/<doctor_id>/waitlist",
    summary="List a doctor's waitlist, oldest first",
    tags=WAITLIST,
    responses=documented(200, "A page of waitlist entries", 404),
)
def list_waitlist(
    doctor_id: str,
    store: Store,
    status: Annotated[WaitlistStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> WaitlistPage:
    page = service.list_waitlist(store, doctor_id, status, limit, next_token)
    return WaitlistPage(items=page.items, next_token=page.next_token)


@app.get(
    "/doctors/<doctor_id>/waitlist/<entry_id>",
    summary="Read a waitlist entry",
    tags=WAITLIST,
    responses=documented(200, "The waitlist entry", 404),
)
def get_waitlist_entry(doctor_id: str, entry_id: str, store: Store) -> WaitlistEntry:
    return service.get_waitlist_entry(store, doctor_id, entry_id)


@app.delete(
    "/doctors/<doctor_id>/waitlist/<entry_id>",
    summary="Leave the waitlist (an offered hold is released); repeat-safe",
    tags=WAITLIST,
    responses=documented(204, "Removed", 404, 409),
)
def leave_waitlist(doctor_id: str, entry_id: str, store: Store) -> Response[None]:
    service.leave_waitlist(store, doctor_id, entry_id)
    return Response(status_code=204)


lambda_handler = lambda_handler_for(app)
