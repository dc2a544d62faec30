"""Minimum notice and booking horizon: which slot starts are close enough, and far enough, from now to book.

A slot may be booked when `now + min_notice_minutes <= start <= now + horizon_days` (both ends included; a
horizon day is 24 hours of elapsed time, not a calendar day). The slot search and booking share this rule, so a
slot is offered exactly when it may be booked (docs/availability.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling.models import BookingRules


@dataclass(frozen=True, slots=True)
class BookableTimes:
    """The instants at which a slot may start, as of `now`: from `earliest` to `latest` (None: no limit)."""

    now: datetime
    earliest: datetime
    latest: datetime | None
    rules: BookingRules

    def clip(self, start: datetime, end: datetime) -> tuple[datetime, datetime]:
        """The part of the half-open window `[start, end)` where slots may start (empty when start >= end)."""
        if self.latest is not None:
            end = min(end, self.latest + timedelta.resolution)  # `latest` itself is bookable
        return max(start, self.earliest), end

    def problem(self, start: datetime) -> str | None:
        """Why a slot starting at `start` may not be booked now, or None if its start is bookable."""
        if start < self.now:
            return "is in the past"
        if start < self.earliest:
            return (
                f"is less than {self.rules.min_notice_minutes} minutes from now; "
                "this doctor requires that much notice (rules.min_notice_minutes)"
            )
        if self.latest is not None and start > self.latest:
            return (
                f"is more than {self.rules.horizon_days} days from now; "
                "this doctor takes bookings only that far ahead (rules.horizon_days)"
            )
        return None


def bookable_times(rules: BookingRules, now: datetime) -> BookableTimes:
    latest = None if rules.horizon_days is None else now + timedelta(days=rules.horizon_days)
    return BookableTimes(now, now + timedelta(minutes=rules.min_notice_minutes), latest, rules)
