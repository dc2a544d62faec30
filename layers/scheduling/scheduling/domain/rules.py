"""Cross-field rules of a doctor's opening hours that a per-field schema cannot express."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from itertools import pairwise

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import DoctorIn, Interval


def check_opening_hours(doctor: DoctorIn) -> None:
    """Raise `InvalidInput` listing every interval that is empty, too short for one slot, overlapping, or held at
    a location the doctor does not list."""
    slot_minutes, places = doctor.slot_minutes, frozenset(doctor.locations)
    problems = [
        *_day_problems("schedule", {str(day): hours for day, hours in doctor.schedule.items()}, slot_minutes, places),
        *_day_problems("overrides", {str(day): hours for day, hours in doctor.overrides.items()}, slot_minutes, places),
    ]
    if problems:
        raise InvalidInput(problems, "Some opening hours are not valid.")


def _day_problems(
    field: str, days: Mapping[str, list[Interval]], slot_minutes: int, places: Set[str]
) -> Iterable[FieldProblem]:
    for day, intervals in days.items():
        yield from _interval_problems(f"{field}.{day}", intervals, slot_minutes, places)


def _interval_problems(
    path: str, intervals: list[Interval], slot_minutes: int, places: Set[str]
) -> Iterable[FieldProblem]:
    for index, interval in enumerate(intervals):
        here = f"{path}[{index}]"
        for position, location in enumerate(interval.locations or ()):
            if location not in places:
                yield FieldProblem(
                    f"{here}.locations[{position}]", f"'{location}' is not one of the doctor's locations"
                )
        if interval.end_minute <= interval.start_minute:
            yield FieldProblem(f"{here}.end", f"must be after start {interval.start}")
        elif interval.end_minute - interval.start_minute < slot_minutes:
            yield FieldProblem(
                f"{here}.end", f"{interval.start}-{interval.end} is shorter than one {slot_minutes}-minute slot"
            )
    ordered = sorted(enumerate(intervals), key=lambda pair: pair[1].start_minute)
    for (_, earlier), (index, later) in pairwise(ordered):
        if later.start_minute < earlier.end_minute:
            yield FieldProblem(f"{path}[{index}].start", f"overlaps {earlier.start}-{earlier.end} on the same day")
