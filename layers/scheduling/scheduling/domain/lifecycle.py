"""The appointment lifecycle: which status may follow which, and when (docs/design.md, "Lifecycle").

booked ─┬─ check-in (from 2 h before start until its end) ─→ checked_in ─┬─ complete ─→ completed
        ├─ no-show (once it has started) ─→ no_show                        └─ cancel ─→ cancelled
        └─ cancel ─→ cancelled
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduling.models import AppointmentStatus

CHECK_IN_OPENS = timedelta(hours=2)

NEXT_STATUSES: dict[AppointmentStatus, tuple[AppointmentStatus, ...]] = {
    "booked": ("checked_in", "no_show", "cancelled"),
    "checked_in": ("completed", "cancelled"),
    "completed": (),
    "no_show": (),
    "cancelled": (),
}
# The timestamp each status change records.
STAMPS: dict[AppointmentStatus, str] = {
    "checked_in": "checked_in_at",
    "completed": "completed_at",
    "no_show": "no_show_at",
    "cancelled": "cancelled_at",
}


def sources_of(status: AppointmentStatus) -> tuple[AppointmentStatus, ...]:
    """The statuses from which `status` may be reached."""
    return tuple(source for source, targets in NEXT_STATUSES.items() if status in targets)


def too_early_or_late(to: AppointmentStatus, start: datetime, end: datetime, now: datetime) -> str | None:
    """Why the clock does not allow the change now, or None."""
    if to == "checked_in" and not start - CHECK_IN_OPENS <= now < end:
        return "check-in is open from 2 hours before the start until the appointment's end"
    if to == "no_show" and now < start:
        return "a no-show can be recorded only once the appointment has started"
    return None
