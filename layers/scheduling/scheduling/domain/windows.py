"""The window rule, once: which stretch of time a search covers.

A window runs from `from` (included) to `to` (excluded). The free-slot search and the holds that keep slots read
a window of at most 31 days, seven days from now unless told otherwise; a list of appointments may leave either
bound open. In every window `to` is after `from`.

The edges give the bounds as typed values (`scheduling.models.TimeBound`: an instant, or a day that means its
midnight in the doctor's zone); here a day meets its zone, and the supported range is checked on the instant it
names. Errors name the bound (`from`, `to`) and the reason; the edges say where the bound came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from pydantic import ValidationError

from scheduling.errors import InvalidBound
from scheduling.models import END_OF_INSTANTS, TimeBound, check_supported

DEFAULT_SLOT_WINDOW = timedelta(days=7)
MAX_SLOT_WINDOW = timedelta(days=31)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(start: datetime | None, end: datetime | None, now: datetime) -> Window:
    """The window a free-slot search covers: from now for seven days unless told otherwise, at most 31 days.

    The default end stops at the end of the supported range, so every slot offered can be booked."""
    start = start or now
    end = end or min(start + DEFAULT_SLOT_WINDOW, END_OF_INSTANTS)
    check_order(start, end)
    if end - start > MAX_SLOT_WINDOW:
        raise InvalidBound("to", f"must be at most {MAX_SLOT_WINDOW.days} days after from")
    return Window(start, end)


def check_order(start: datetime | None, end: datetime | None) -> None:
    """`to` after `from`, when both are given."""
    if start is not None and end is not None and end <= start:
        raise InvalidBound("to", "must be later than from")


def slot_window(start: TimeBound | None, end: TimeBound | None, zone: tzinfo, now: datetime) -> Window:
    """`window` of bounds whose days are local days in `zone`."""
    return window(resolve("from", start, zone), resolve("to", end, zone), now)


def optional_window(
    start: TimeBound | None, end: TimeBound | None, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """Bounds that may stay open (days local to `zone`), `to` after `from` when both are given."""
    lower, upper = resolve("from", start, zone), resolve("to", end, zone)
    check_order(lower, upper)
    return lower, upper


def resolve(name: str, bound: TimeBound | None, zone: tzinfo) -> datetime | None:
    """The instant a bound names in `zone`, in the supported range (a day's midnight may fall outside it)."""
    if bound is None:
        return None
    try:
        return check_supported(bound.at(zone))
    except ValidationError as error:
        [problem] = error.errors()
        raise InvalidBound(name, problem["msg"]) from None
