"""Slot generation cost: a 31-day window of 5-minute slots over a full 24-hour schedule, and how cost grows.

Prints numbers; asserts nothing about time (machines here are noisy).
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from scheduling.domain.slots import published_slots
from scheduling.models import WEEKDAYS, DoctorIn

REPEATS = 15


def full_week_doctor(slot_minutes: int, timezone: str = "America/New_York") -> DoctorIn:
    return DoctorIn.model_validate(
        {
            "name": "Bench",
            "locations": ["1 Road"],
            "timezone": timezone,
            "slot_minutes": slot_minutes,
            "schedule": {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS},
        }
    )


def measure(doctor: DoctorIn, days: int) -> tuple[int, list[float]]:
    start = datetime(2027, 3, 1, tzinfo=UTC)  # spans the New York spring-forward
    end = start + timedelta(days=days)
    timings = []
    count = sum(1 for _ in published_slots(doctor, start, end))  # warm-up: zoneinfo caches, allocator
    for _ in range(REPEATS):
        began = time.perf_counter()
        count = sum(1 for _ in published_slots(doctor, start, end))
        timings.append(time.perf_counter() - began)
    return count, timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def rows() -> list[tuple[str, int, float, float, float]]:
    """(case, slots, median ms, p95 ms, µs per slot)."""
    table = []
    for slot_minutes, days in [(5, 31), (5, 16), (5, 8), (5, 4), (10, 31), (20, 31), (60, 31)]:
        count, timings = measure(full_week_doctor(slot_minutes), days)
        median = statistics.median(timings)
        table.append(
            (f"{days} days x {slot_minutes}-min", count, median * 1e3, p95(timings) * 1e3, median / count * 1e6)
        )
    return table


def main() -> None:
    print(f"Slot generation (America/New_York, 24 h every day, {REPEATS} runs each)")
    print(f"{'case':<22}{'slots':>8}{'median ms':>12}{'p95 ms':>10}{'µs/slot':>10}")
    for case, count, median, high, per_slot in rows():
        print(f"{case:<22}{count:>8}{median:>12.2f}{high:>10.2f}{per_slot:>10.2f}")


if __name__ == "__main__":
    main()
