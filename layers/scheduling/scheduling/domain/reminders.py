"""Reminders: when each of a doctor's reminder offsets falls due for an appointment, and its schedule's name."""

from __future__ import annotations

from datetime import datetime, timedelta


def reminders_due(start: datetime, offsets: list[int], now: datetime) -> list[tuple[int, datetime]]:
    """(offset in minutes, due time) for each offset still ahead of `now`: one already past is never sent."""
    due = [(minutes, start - timedelta(minutes=minutes)) for minutes in sorted(set(offsets))]
    return [(minutes, at) for minutes, at in due if at > now]


def schedule_name(appointment_id: str, minutes: int) -> str:
    """One schedule per appointment and offset, named by them: creating it twice is a conflict, not a second one
    (EventBridge Scheduler names: 1-64 of letters, digits, `-`, `_`, `.`)."""
    return f"reminder-{appointment_id}-{minutes}"
