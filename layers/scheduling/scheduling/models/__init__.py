"""Pydantic models: what the API accepts and answers, one module per resource. Stored records have their own
codec in `scheduling.store.items`."""

from __future__ import annotations

from scheduling.models.actor import LOCAL_PRINCIPAL, Actor, HistoryEntry, HistoryStatus
from scheduling.models.appointments import (
    Appointment,
    AppointmentsPage,
    AppointmentStatus,
    BookingRequest,
    CancelRequest,
    Patient,
    RescheduleRequest,
)
from scheduling.models.base import Address, Name, StrictModel
from scheduling.models.doctors import (
    MAX_INTERVALS_PER_DAY,
    MAX_LOCATIONS,
    MAX_OVERRIDES,
    WEEKDAYS,
    BookingRules,
    Doctor,
    DoctorIn,
    DoctorSlot,
    DoctorSlotsPage,
    DoctorsPage,
    Interval,
    Slot,
    SlotsPage,
    Weekday,
)
from scheduling.models.holds import DEFAULT_HOLD_SECONDS, Hold, HoldRequest, HoldStatus
from scheduling.models.series import SERIES_MAX, SERIES_MIN, Series, SeriesRequest
from scheduling.models.slots_json import LocalSlot, slots_page_json
from scheduling.models.time import (
    END_OF_INSTANTS,
    SUPPORTED_RANGE,
    AcceptedInstant,
    Instant,
    LocalDate,
    check_supported,
    parse_local_date,
    parse_rfc3339,
    rfc3339,
)

__all__ = [
    "DEFAULT_HOLD_SECONDS",
    "END_OF_INSTANTS",
    "LOCAL_PRINCIPAL",
    "MAX_INTERVALS_PER_DAY",
    "MAX_LOCATIONS",
    "MAX_OVERRIDES",
    "SERIES_MAX",
    "SERIES_MIN",
    "SUPPORTED_RANGE",
    "WEEKDAYS",
    "AcceptedInstant",
    "Actor",
    "Address",
    "Appointment",
    "AppointmentStatus",
    "AppointmentsPage",
    "BookingRequest",
    "BookingRules",
    "CancelRequest",
    "Doctor",
    "DoctorIn",
    "DoctorSlot",
    "DoctorSlotsPage",
    "DoctorsPage",
    "HistoryEntry",
    "HistoryStatus",
    "Hold",
    "HoldRequest",
    "HoldStatus",
    "Instant",
    "Interval",
    "LocalDate",
    "LocalSlot",
    "Name",
    "Patient",
    "RescheduleRequest",
    "Series",
    "SeriesRequest",
    "Slot",
    "SlotsPage",
    "StrictModel",
    "Weekday",
    "check_supported",
    "parse_local_date",
    "parse_rfc3339",
    "rfc3339",
    "slots_page_json",
]
