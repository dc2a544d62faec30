"""A course of appointments (a series): which starts it asks for, and why there are at most 12.

Why 12 (docs/design.md, "A course of appointments"): a series is booked in ONE DynamoDB transaction, and
TransactWriteItems takes at most 100 items. Per appointment it writes the slot item and, with a patient id,
the patient's copy (2 items), and with a daily cap at most one day lock per distinct local day (1 item);
once per series it checks the doctor's fence, bumps the patient's lock and writes the series record (3 items).
So n appointments cost at most 3n + 3 items: 12 -> 39, well inside 100 (the ceiling would be 32). 12 covers
the courses clinics book in one go (12 weekly physiotherapy sessions, a quarter of dialysis weeks) and keeps
the transaction, and the Queries that check each slot before it, small.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import rfc3339

MIN_SERIES = 2
MAX_SERIES = 12
MAX_EVERY_DAYS = 365
_SERIES_ID = re.compile(r"[0-9a-f]{32}")


def new_series_id() -> str:
    return secrets.token_hex(16)


def is_series_id(text: str) -> bool:
    return bool(_SERIES_ID.fullmatch(text))


def repeated_starts(first: datetime, every_days: int, count: int, zone: ZoneInfo) -> list[datetime]:
    """`count` starts `every_days` local calendar days apart at the same local wall time as `first` (so a
    series keeps its hour across a daylight-saving change), in UTC."""
    local = first.astimezone(zone)
    starts = []
    for index in range(count):
        wall = (local + timedelta(days=every_days * index)).replace(tzinfo=None)
        starts.append(wall.replace(tzinfo=zone).astimezone(UTC))
    return starts


def check_series_starts(starts: list[datetime], slot_minutes: int) -> list[datetime]:
    """The starts in time order, in UTC; none twice and none overlapping another of the series (422 otherwise)."""
    ordered = sorted(start.astimezone(UTC) for start in starts)
    length = timedelta(minutes=slot_minutes)
    problems = [
        FieldProblem("starts", f"{rfc3339(later)} overlaps {rfc3339(earlier)} of the same series")
        for earlier, later in pairwise(ordered)
        if later < earlier + length
    ]
    if problems:
        raise InvalidInput(problems, "The series' appointments must not overlap each other.")
    return ordered
