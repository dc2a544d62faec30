"""Use cases: typed values in, the pure domain and the store combined, racing writes retried (docs/design.md)."""

from scheduling.service import clock
from scheduling.service.appointments import book, cancel, reschedule
from scheduling.service.availability import SlotSearch, free_slots, search_slots
from scheduling.service.doctors import (
    Versions,
    create_doctor,
    delete_doctor,
    get_doctor,
    list_doctors,
    patch_doctor,
    replace_doctor,
)
from scheduling.service.holds import get_hold, held_times, hold, release_hold
from scheduling.service.lifecycle import check_in, complete, mark_no_show
from scheduling.service.queries import get_appointment, list_appointments, list_patient_appointments
from scheduling.service.series import book_series, cancel_series, get_series
from scheduling.service.waitlist import get_waitlist_entry, join_waitlist, leave_waitlist, list_waitlist

__all__ = [
    "SlotSearch",
    "Versions",
    "book",
    "book_series",
    "cancel",
    "cancel_series",
    "check_in",
    "clock",
    "complete",
    "create_doctor",
    "delete_doctor",
    "free_slots",
    "get_appointment",
    "get_doctor",
    "get_hold",
    "get_series",
    "get_waitlist_entry",
    "held_times",
    "hold",
    "join_waitlist",
    "leave_waitlist",
    "list_appointments",
    "list_doctors",
    "list_patient_appointments",
    "list_waitlist",
    "mark_no_show",
    "patch_doctor",
    "release_hold",
    "replace_doctor",
    "reschedule",
    "search_slots",
]
