"""Use cases: each route calls one of these with typed values. They combine the pure domain with the store.

Writes that race other writes are retried here, against a fresh read, a bounded number of times: a
conditional write that fails because another one won is not the caller's fault (docs/design.md).

- `clock`         the one clock (tests replace `clock.now`) and retry pacing
- `doctors`       doctors: create, read, list, replace, merge-patch, delete
- `availability`  free slots of one doctor, and across doctors
- `checks`        checks every booking path shares (bookable slot, daily cap, patient's time, cut-off)
- `appointments`  book, cancel, reschedule
- `holds`         hold, read, release, convert
- `lifecycle`     check in, complete, no-show
- `queries`       appointment reads and lists
- `waitlist`      join, read, list, leave; offers of freed slots (run by `reactions`)
- `reactions`     the stream's reactions: waitlist offers and their outcomes
- `series`        a course of appointments: book all or none, read, cancel the future ones
"""

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
