"""When a hold stops taking its time: for its own conversion at `expires_at`, for everyone else a margin later.

The rule (docs/design.md, "No overlap, no orphan, no ghost"): a conversion commits only if the time it read just
before its write is before `expires_at`; every other writer (a booking, a hold, a reschedule, the daily cap's
count, the patient's look) and the free-slot search count the hold as taking its time until `expires_at +
HOLD_EXPIRY_MARGIN` by the time it read before its look. A conversion that commits is therefore seen by every
look that treats the hold as gone, unless the conversion's write took longer than the margin (less the clock
skew between the two instances) from its clock reading to its commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# At least the function timeout (template.yaml Globals, 15 s; tests/template/test_hold_margin.py checks): a
# conversion's write is sent within that of its clock reading, or never. Clock skew between Lambda hosts is
# milliseconds, so the margin also exceeds skew by far.
HOLD_EXPIRY_MARGIN = timedelta(seconds=15)


def expiry_after(now: datetime, ttl: timedelta) -> datetime:
    """`expires_at` for a hold made at `now`: a whole second (as answered and stored), rounded up, so a hold
    never lasts less than its ttl (and less than a second more)."""
    exact = now + ttl
    whole = exact.replace(microsecond=0)
    return whole if whole == exact else whole + timedelta(seconds=1)


def convertible(expires_at: datetime, now: datetime) -> bool:
    """Whether the hold's own conversion may still commit at `now` (read just before its write)."""
    return now < expires_at


def still_takes_its_time(expires_at: datetime, now: datetime) -> bool:
    """Whether a hold keeps its slot (and its patient's time, and its place in the day's count) at `now`, for
    every writer and reader other than its own conversion."""
    return now < free_for_others_at(expires_at)


def free_for_others_at(expires_at: datetime) -> datetime:
    """The first instant another writer may take a hold's time (a waitlist offer's timer fires then)."""
    return expires_at + HOLD_EXPIRY_MARGIN


def counted_until(expires_at: datetime) -> datetime:
    """The instant from which no writer or reader counts the hold any more: its items may go only then."""
    return expires_at + HOLD_EXPIRY_MARGIN


def lapsed_by(now: datetime) -> datetime:
    """The latest `expires_at` of a hold whose time another writer may take at `now`."""
    return now - HOLD_EXPIRY_MARGIN
