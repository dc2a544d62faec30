"""Reading `from`/`to` query values: RFC 3339 instants with an offset, or plain local dates.

Both are held to the same rules as every time in a request body (`scheduling.models.Instant`): the same
RFC 3339 layout, and the supported range, checked on the instant a value names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import END_OF_INSTANTS, check_supported, parse_local_date, parse_rfc3339

DEFAULT_SLOT_WINDOW = timedelta(days=7)
MAX_SLOT_WINDOW = timedelta(days=31)
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def parse_instant(name: str, text: str, zone: ZoneInfo) -> datetime:
    """An aware datetime in the supported range; a plain date (itself in the range of dates) means local
    midnight in `zone`."""
    if _PLAIN_DATE.fullmatch(text):
        return _checked(name, lambda: check_supported(datetime.combine(parse_local_date(text), time(0), tzinfo=zone)))
    return _checked(name, lambda: parse_rfc3339(text))


def _checked(name: str, read: Callable[[], datetime]) -> datetime:
    try:
        return read()
    except ValidationError as error:
        [problem] = error.errors()
        also = ", or a date (YYYY-MM-DD)" if problem["type"] == "rfc3339_date_time" else ""
        raise _invalid(name, f"{problem['msg']}{also}") from None


def slot_window(from_text: str | None, to_text: str | None, zone: ZoneInfo, now: datetime) -> Window:
    """The window the free-slot search covers: from now for seven days unless told otherwise, at most 31 days.

    The default end stops at the end of the supported range, so every slot offered can be booked."""
    start = parse_instant("from", from_text, zone) if from_text else now
    end = parse_instant("to", to_text, zone) if to_text else min(start + DEFAULT_SLOT_WINDOW, END_OF_INSTANTS)
    if end <= start:
        raise _invalid("to", "must be later than from")
    if end - start > MAX_SLOT_WINDOW:
        raise _invalid("to", f"the window may span at most {MAX_SLOT_WINDOW.days} days")
    return Window(start, end)


def optional_window(
    from_text: str | None, to_text: str | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    start = parse_instant("from", from_text, zone) if from_text else None
    end = parse_instant("to", to_text, zone) if to_text else None
    if start and end and end <= start:
        raise _invalid("to", "must be later than from")
    return start, end


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput([FieldProblem(name, message)], f"Query parameter '{name}' is not valid.")
