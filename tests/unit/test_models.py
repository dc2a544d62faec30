"""Doctor input validation: field rules (pydantic) and opening-hour rules (domain)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from scheduling.domain.merge_patch import apply_merge_patch
from scheduling.domain.rules import check_opening_hours
from scheduling.errors import InvalidInput, field_path
from scheduling.models import DoctorIn

VALID: dict[str, Any] = {"name": "Ada", "locations": ["1 Road"]}


def paths_of(error: ValidationError) -> list[str]:
    return [field_path(item["loc"]) for item in error.errors()]


def test_defaults() -> None:
    doctor = DoctorIn.model_validate(VALID)

    assert (doctor.timezone, doctor.slot_minutes, doctor.schedule, doctor.overrides) == ("UTC", 30, {}, {})


@pytest.mark.parametrize("end", ["24:00", "23:59", "00:30"])
def test_accepts_closing_times_up_to_midnight(end: str) -> None:
    doctor = DoctorIn.model_validate({**VALID, "schedule": {"monday": [{"start": "00:00", "end": end}]}})

    assert doctor.schedule["monday"][0].end == end


@pytest.mark.parametrize("clock", ["24:00", "7:00", "07:60", "0700", "", "noon"])
def test_rejects_bad_opening_times(clock: str) -> None:
    with pytest.raises(ValidationError) as raised:
        DoctorIn.model_validate({**VALID, "schedule": {"monday": [{"start": clock, "end": "23:00"}]}})

    assert paths_of(raised.value) == ["schedule.monday[0].start"]


def test_override_keys_are_dates() -> None:
    doctor = DoctorIn.model_validate({**VALID, "overrides": {"2026-12-25": []}})

    assert [day.isoformat() for day in doctor.overrides] == ["2026-12-25"]


def test_opening_hour_rules_report_every_problem_with_its_path() -> None:
    doctor = DoctorIn.model_validate(
        {
            **VALID,
            "slot_minutes": 60,
            "schedule": {
                "monday": [{"start": "09:00", "end": "12:00"}, {"start": "08:00", "end": "10:00"}],
                "friday": [{"start": "09:00", "end": "09:30"}],
            },
            "overrides": {"2026-12-24": [{"start": "12:00", "end": "12:00"}]},
        }
    )

    with pytest.raises(InvalidInput) as raised:
        check_opening_hours(doctor)

    assert {(problem.path, problem.message) for problem in raised.value.problems} == {
        ("schedule.monday[0].start", "overlaps 08:00-10:00 on the same day"),
        ("schedule.friday[0].end", "09:00-09:30 is shorter than one 60-minute slot"),
        ("overrides.2026-12-24[0].end", "must be after start 12:00"),
    }


def test_touching_intervals_do_not_overlap() -> None:
    doctor = DoctorIn.model_validate(
        {**VALID, "schedule": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": "12:00", "end": "13:00"}]}}
    )

    check_opening_hours(doctor)


@pytest.mark.parametrize(
    ("target", "patch", "merged"),
    [
        ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),
        ({"a": {"x": 1, "y": 2}}, {"a": {"y": None, "z": 3}}, {"a": {"x": 1, "z": 3}}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
        ({"a": 1}, {"b": {"c": None}}, {"a": 1, "b": {}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: dict[str, Any], patch: dict[str, Any], merged: dict[str, Any]) -> None:
    assert apply_merge_patch(target, patch) == merged


@pytest.mark.parametrize(
    ("location", "path"),
    [(("schedule", "monday", 0, "end"), "schedule.monday[0].end"), ((), "body"), (("locations", 3), "locations[3]")],
)
def test_field_paths_read_like_json(location: tuple[Any, ...], path: str) -> None:
    assert field_path(location) == path
