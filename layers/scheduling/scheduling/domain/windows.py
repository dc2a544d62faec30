"""Reading `from`/`to` query values: RFC 3339 instants with an offset, or plain local dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.errors import FieldProblem, InvalidInput

DEFAULT_SLOT_WINDOW = timedelta(days=7)
MAX_SLOT_WINDOW = timedelta(days=31)
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def parse_instant(name: str, text: str, zone: ZoneInfo) -> datetime:
    """An aware datetime; a plain date means local midnight in `zone`."""
    if _PLAIN_DATE.match(text):
        try:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone)
        except ValueError:
            raise _invalid(name, f"'{text}' is not a calendar date") from None
    if not _RFC3339.match(text):
        raise _invalid(name, "must be an RFC 3339 date-time with an offset (e.g. 2026-12-07T09:00:00-05:00) or a date")
    try:
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(name, f"'{text}' is not a valid date-time") from None


def slot_window(from_text: str | None, to_text: str | None, zone: ZoneInfo, now: datetime) -> Window:
    """The window the free-slot search covers: from now for seven days unless told otherwise, at most 31 days."""
    start = parse_instant("from", from_text, zone) if from_text else now
    end = parse_instant("to", to_text, zone) if to_text else start + DEFAULT_SLOT_WINDOW
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
