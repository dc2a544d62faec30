"""Slot generation cost: windows of a full 24-hour schedule in New York (crossing the spring-forward, so the day
with a clock change is always in), today's generator and the one before issue 12 (tests/support/old_slots.py)
taking turns in the same run.

Timed in CPU time of this process (the machine's other work moves the wall clock far more than the CPU time);
medians of REPEATS runs. Prints numbers; asserts nothing about time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduling.domain.slots import published_slots
from scheduling.models import WEEKDAYS, DoctorIn
from tests.support import old_slots

REPEATS = 15
TARGET_US = 1.5  # per slot (issue 12)
CASES = [(5, 31), (5, 16), (5, 8), (5, 4), (10, 31), (20, 31), (60, 31)]


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


@dataclass(frozen=True)
class Row:
    case: str
    slots: int
    today_ms: list[float]
    before_ms: list[float]

    @property
    def today_us_per_slot(self) -> float:
        return statistics.median(self.today_ms) * 1e3 / self.slots

    @property
    def before_us_per_slot(self) -> float:
        return statistics.median(self.before_ms) * 1e3 / self.slots


def _cpu_ms(generate: Callable[[DoctorIn, datetime, datetime], Iterator[Any]], *args: Any) -> tuple[int, float]:
    began = time.process_time()
    count = sum(1 for _ in generate(*args))
    return count, (time.process_time() - began) * 1e3


def measure(doctor: DoctorIn, days: int) -> Row:
    start = datetime(2027, 3, 1, tzinfo=UTC)  # spans the New York spring-forward
    end = start + timedelta(days=days)
    today: list[float] = []
    before: list[float] = []
    _cpu_ms(published_slots, doctor, start, end)  # warm-up: zoneinfo caches, allocator
    _cpu_ms(old_slots.published_slots, doctor, start, end)
    for _ in range(REPEATS):
        count, spent = _cpu_ms(published_slots, doctor, start, end)
        today.append(spent)
        old_count, spent = _cpu_ms(old_slots.published_slots, doctor, start, end)
        before.append(spent)
        assert old_count == count, (old_count, count)
    return Row(f"{days} days x {doctor.slot_minutes}-min", count, today, before)


def rows() -> list[Row]:
    return [measure(full_week_doctor(slot_minutes), days) for slot_minutes, days in CASES]


def main() -> None:
    print(f"Slot generation (America/New_York, 24 h every day, {REPEATS} runs each, CPU time, medians)")
    print(f"{'case':<22}{'slots':>8}{'today ms':>10}{'µs/slot':>9}{'before ms':>11}{'µs/slot':>9}")
    for row in rows():
        print(
            f"{row.case:<22}{row.slots:>8}{statistics.median(row.today_ms):>10.2f}{row.today_us_per_slot:>9.2f}"
            f"{statistics.median(row.before_ms):>11.2f}{row.before_us_per_slot:>9.2f}"
        )


if __name__ == "__main__":
    main()
