"""The one table from domain errors to what both edges answer: HTTP status, problem type and title, FHIR issue code.

`scheduling.http.problems` renders a row as RFC 9457 problem+json, `scheduling.fhir.outcomes` as an
OperationOutcome; neither chooses a status or a `Retry-After` of its own for a domain error. A new class in
`scheduling.errors` gets its row here (`tests/unit/test_error_table.py` fails until it has one). A subclass
declared elsewhere (the store's, the service's) answers as its nearest ancestor with a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from scheduling.errors import (
    AlreadyWaiting,
    AppointmentNotActive,
    AppointmentNotFound,
    BadRequest,
    ConcurrentUpdate,
    DayFull,
    DoctorHasBookings,
    DoctorNotFound,
    HoldConverted,
    HoldExpired,
    HoldNotFound,
    HoldNotUsable,
    HoldReleased,
    IdempotencyConflict,
    InvalidBound,
    InvalidInput,
    PatientBusy,
    PatientMismatch,
    PreconditionFailed,
    SchedulingError,
    SeriesNotFound,
    SeriesSlotsTaken,
    ServiceUnavailable,
    SlotHeld,
    SlotTaken,
    StaleRecord,
    TooLateToChange,
    TransitionNotAllowed,
    WaitlistEntryNotFound,
)

RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class ErrorRow:
    """How both edges answer one domain error."""

    status: HTTPStatus
    problem: str  # the problem type's slug: its `type` is `/problems/<problem>`
    title: str  # the problem's `title`
    fhir_code: str  # the OperationOutcome's `issue.code` (http://hl7.org/fhir/issue-type)
    retry_after: int | None = None  # seconds, sent as `Retry-After`: the caller may send the same request again

    def headers(self) -> dict[str, str]:
        """The response headers the row asks for (the `Retry-After` rule, written once)."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


_CONFLICT, _RULE = HTTPStatus.CONFLICT, "business-rule"
_CONCURRENT_UPDATE = ErrorRow(
    _CONFLICT, "concurrent-update", "Other changes kept winning the race", "transient", RETRY_AFTER_SECONDS
)

ERROR_TABLE: dict[type[SchedulingError], ErrorRow] = {
    InvalidInput: ErrorRow(HTTPStatus.UNPROCESSABLE_ENTITY, "validation-error", "The request is not valid", _RULE),
    InvalidBound: ErrorRow(HTTPStatus.UNPROCESSABLE_ENTITY, "validation-error", "The request is not valid", _RULE),
    BadRequest: ErrorRow(HTTPStatus.BAD_REQUEST, "bad-request", "The request cannot be read", "invalid"),
    DoctorNotFound: ErrorRow(HTTPStatus.NOT_FOUND, "doctor-not-found", "Doctor not found", "not-found"),
    AppointmentNotFound: ErrorRow(HTTPStatus.NOT_FOUND, "appointment-not-found", "Appointment not found", "not-found"),
    SeriesNotFound: ErrorRow(HTTPStatus.NOT_FOUND, "series-not-found", "Series not found", "not-found"),
    WaitlistEntryNotFound: ErrorRow(
        HTTPStatus.NOT_FOUND, "waitlist-entry-not-found", "Waitlist entry not found", "not-found"
    ),
    HoldNotFound: ErrorRow(HTTPStatus.NOT_FOUND, "hold-not-found", "Hold not found", "not-found"),
    SlotTaken: ErrorRow(_CONFLICT, "slot-taken", "The slot is already booked", "conflict"),
    SlotHeld: ErrorRow(_CONFLICT, "slot-held", "The slot is held", "conflict"),
    SeriesSlotsTaken: ErrorRow(_CONFLICT, "series-slots-taken", "Slots of the series are not free", "conflict"),
    AlreadyWaiting: ErrorRow(_CONFLICT, "already-waiting", "The patient already waits in that window", "duplicate"),
    HoldExpired: ErrorRow(_CONFLICT, "hold-expired", "The hold has expired", "conflict"),
    HoldReleased: ErrorRow(_CONFLICT, "hold-released", "The hold was released", "conflict"),
    HoldConverted: ErrorRow(_CONFLICT, "hold-booked", "The hold became an appointment", "conflict"),
    PatientBusy: ErrorRow(_CONFLICT, "patient-busy", "The patient is booked elsewhere at that time", "conflict"),
    PatientMismatch: ErrorRow(
        _CONFLICT, "patient-mismatch", "The appointment is not booked for the patient named", _RULE
    ),
    DayFull: ErrorRow(_CONFLICT, "day-full", "The doctor's day is fully booked", _RULE),
    TooLateToChange: ErrorRow(_CONFLICT, "too-late", "Too late to cancel or reschedule", _RULE),
    TransitionNotAllowed: ErrorRow(_CONFLICT, "invalid-transition", "The appointment cannot change that way", _RULE),
    DoctorHasBookings: ErrorRow(_CONFLICT, "doctor-has-bookings", "Appointments or holds not yet over", _RULE),
    AppointmentNotActive: ErrorRow(_CONFLICT, "appointment-not-active", "The appointment is not booked", _RULE),
    ConcurrentUpdate: _CONCURRENT_UPDATE,
    # The service re-reads and tries again; a `StaleRecord` reaches an edge only if that never settles.
    StaleRecord: _CONCURRENT_UPDATE,
    IdempotencyConflict: ErrorRow(
        _CONFLICT, "request-in-progress", "A request with this key is in progress", "transient", RETRY_AFTER_SECONDS
    ),
    PreconditionFailed: ErrorRow(
        HTTPStatus.PRECONDITION_FAILED, "precondition-failed", "The doctor has changed", "conflict"
    ),
    ServiceUnavailable: ErrorRow(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "service-unavailable",
        "Temporarily unavailable",
        "transient",
        RETRY_AFTER_SECONDS,
    ),
}
# Bases that only name a family; never raised themselves, so they have no row.
NEVER_RAISED: tuple[type[SchedulingError], ...] = (SchedulingError, HoldNotUsable)


def row_for(error: SchedulingError) -> ErrorRow:
    """The row of the error's class, or of its nearest ancestor with one."""
    for kind in type(error).__mro__:
        if kind in ERROR_TABLE:
            return ERROR_TABLE[kind]
    raise LookupError(f"{type(error).__name__} has no row in the error table")


def statuses_with_retry_after() -> frozenset[HTTPStatus]:
    """The statuses whose answers may carry `Retry-After` (what the OpenAPI document says of them)."""
    return frozenset(row.status for row in ERROR_TABLE.values() if row.retry_after is not None)
