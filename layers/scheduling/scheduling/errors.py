"""Domain errors. Raised by the domain, the service and the store; answered through `scheduling.error_table` only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduling.models import rfc3339


@dataclass(frozen=True)
class FieldProblem:
    """One bad input field: `path` reads like `schedule.monday[0].end`."""

    path: str
    message: str


class SchedulingError(Exception):
    """Base of every error the API answers on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(SchedulingError):
    """The request is well-formed but breaks a rule; lists every bad field."""

    def __init__(self, problems: list[FieldProblem], detail: str = "The request has invalid fields.") -> None:
        super().__init__(detail)
        self.problems = problems


class InvalidBound(InvalidInput):
    """A bound of a time window (`from` or `to`) breaks a rule: `name` says which and the problem says why. Each
    edge names it as the parameter it came from."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__([FieldProblem(name, reason)], f"The window's '{name}' {reason}.")
        self.name = name


class BadRequest(SchedulingError):
    """The request cannot be read at all (e.g. malformed JSON, a token we never issued)."""


class DoctorNotFound(SchedulingError):
    def __init__(self, doctor_id: str) -> None:
        super().__init__(f"No doctor with id '{doctor_id}'.")
        self.doctor_id = doctor_id


class AppointmentNotFound(SchedulingError):
    def __init__(self, doctor_id: str, appointment_id: str) -> None:
        super().__init__(f"Doctor '{doctor_id}' has no appointment with id '{appointment_id}'.")


class SlotTaken(SchedulingError):
    """The doctor already has an appointment in this slot. `start` is the slot the caller asked for; `booked`, when
    given, the (start, end) of the booking in the way, which starts elsewhere when the doctor's slots changed."""

    def __init__(self, doctor_id: str, start: datetime, booked: tuple[datetime, datetime] | None = None) -> None:
        self.slot_start = start
        super().__init__(
            f"The slot starting {rfc3339(start)} of doctor '{doctor_id}' is already booked{_in_the_way(start, booked)}."
        )


class SlotHeld(SlotTaken):
    """An unexpired hold reserves the slot (or one overlapping it)."""

    def __init__(self, doctor_id: str, start: datetime, held: tuple[datetime, datetime] | None = None) -> None:
        super().__init__(doctor_id, start)
        self.detail = (
            f"The slot starting {rfc3339(start)} of doctor '{doctor_id}' is held{_in_the_way(start, held)}; "
            "try another slot."
        )
        self.args = (self.detail,)


class SeriesSlotsTaken(SlotTaken):
    """Some starts of a series are booked or held: the series books none of them."""

    def __init__(self, doctor_id: str, starts: list[datetime]) -> None:
        super().__init__(doctor_id, starts[0])
        self.slot_starts = sorted(starts)
        named = ", ".join(rfc3339(start) for start in self.slot_starts)
        self.detail = f"These slots of doctor '{doctor_id}' are not free: {named}; nothing was booked."
        self.args = (self.detail,)


def _in_the_way(start: datetime, booked: tuple[datetime, datetime] | None) -> str:
    """Where the booking in the way lies, when it does not start at the asked slot (a changed grid)."""
    if booked is None or booked[0] == start:
        return ""
    return f" (a booking from {rfc3339(booked[0])} to {rfc3339(booked[1])} overlaps it)"


class SeriesNotFound(SchedulingError):
    def __init__(self, doctor_id: str, series_id: str) -> None:
        super().__init__(f"Doctor '{doctor_id}' has no series with id '{series_id}'.")


class WaitlistEntryNotFound(SchedulingError):
    def __init__(self, doctor_id: str, entry_id: str) -> None:
        super().__init__(f"Doctor '{doctor_id}' has no waitlist entry with id '{entry_id}'.")


class AlreadyWaiting(SchedulingError):
    """The patient already waits on this doctor's list in an overlapping window."""


class HoldNotFound(SchedulingError):
    def __init__(self, doctor_id: str, hold_id: str) -> None:
        super().__init__(f"Doctor '{doctor_id}' has no hold with id '{hold_id}'.")


class HoldNotUsable(SchedulingError):
    """The hold cannot be converted any more; `status` says why (expired or released)."""

    def __init__(self, hold_id: str, status: str) -> None:
        super().__init__(f"Hold '{hold_id}' is {status}; hold the slot again or book it directly.")
        self.status = status


class HoldExpired(HoldNotUsable):
    pass


class HoldReleased(HoldNotUsable):
    pass


class HoldConverted(SchedulingError):
    """A hold that became an appointment cannot be released; cancel the appointment instead."""


class TransitionNotAllowed(SchedulingError):
    """The appointment's status (or the time) does not allow this change."""

    def __init__(self, detail: str, current: str, allowed: list[str]) -> None:
        super().__init__(detail)
        self.current = current
        self.allowed = allowed


class PatientBusy(SchedulingError):
    """The patient already has an active appointment or an unexpired hold at an overlapping time (with any
    doctor); the message calls it a booking, as the store's look does not say which of the two it found."""

    def __init__(self, start: datetime, end: datetime) -> None:
        super().__init__(
            f"The patient already has a booking (an appointment or a hold) from {rfc3339(start)} to "
            f"{rfc3339(end)}; choose another time."
        )


class DayFull(SchedulingError):
    """The doctor's local day already holds `max_per_day` appointments and holds."""


class TooLateToChange(SchedulingError):
    """The doctor's cancellation cut-off has passed for this appointment."""


class DoctorHasBookings(SchedulingError):
    """A doctor with future booked appointments cannot be deleted."""


class AppointmentNotActive(SchedulingError):
    """The appointment was cancelled, so it cannot be rescheduled."""


class PatientMismatch(SchedulingError):
    """A reschedule names a patient the appointment is not booked for (another patient, or none): nothing is
    moved. Its detail names the appointment, never the appointment's own patient."""


class PreconditionFailed(SchedulingError):
    """`If-Match` named a version that is not the current one."""


class ConcurrentUpdate(SchedulingError):
    """Other writes kept winning the race for the same record; nothing was changed, the caller may retry."""


class StaleRecord(ConcurrentUpdate):
    """A conditional write found the record changed since it was read. The service re-reads and tries again;
    it reaches HTTP (as `ConcurrentUpdate`) only if that never settles."""


class IdempotencyConflict(SchedulingError):
    """Same `Idempotency-Key` is in flight right now."""


class ServiceUnavailable(SchedulingError):
    """The database kept failing after our retries; the caller may retry later."""


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """`('schedule', 'monday', 0, 'end')` -> `schedule.monday[0].end`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def problems_from_pydantic(errors: list[dict]) -> list[FieldProblem]:  # type: ignore[type-arg]
    """Pydantic's error list as field problems; a leading 'body'/'query'/'path'/'header' is dropped."""
    problems = []
    for error in errors:
        location = list(error.get("loc", ()))
        if location and location[0] in {"body", "query", "path", "header"}:
            location = location[1:]
        problems.append(FieldProblem(field_path(location), str(error.get("msg", "is not valid"))))
    return problems
