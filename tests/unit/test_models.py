"""Input validation: doctor field rules (pydantic), opening-hour rules (domain), times, zones, JSON nesting."""

from __future__ import annotations

import shutil
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from scheduling.domain.merge_patch import apply_merge_patch
from scheduling.domain.rules import check_opening_hours
from scheduling.errors import InvalidInput, field_path
from scheduling.http.problems import SlotRef
from scheduling.http.raw_body import nests_deeper_than
from scheduling.models import DoctorIn, Slot, parse_rfc3339, rfc3339

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


def opening_hour_problems(doctor: DoctorIn) -> list[tuple[str, str]]:
    try:
        check_opening_hours(doctor)
    except InvalidInput as error:
        return [(problem.path, problem.message) for problem in error.problems]
    return []


@pytest.mark.parametrize(
    ("second_start", "problems"),
    [
        ("12:00", []),
        ("11:59", [("schedule.monday[1].start", "overlaps 09:00-12:00 on the same day")]),
    ],
)
def test_touching_intervals_do_not_overlap_but_one_minute_more_does(
    second_start: str, problems: list[tuple[str, str]]
) -> None:
    doctor = DoctorIn.model_validate(
        {**VALID, "schedule": {"monday": [{"start": "09:00", "end": "12:00"}, {"start": second_start, "end": "13:00"}]}}
    )

    assert opening_hour_problems(doctor) == problems


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


# Times, dates, integers and zone names (the strict parsing rules; their HTTP answers: tests/functional)


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2035-06-04T09:30:00-04:00", datetime(2035, 6, 4, 13, 30, tzinfo=UTC)),
        ("2035-06-04t13:30:00z", datetime(2035, 6, 4, 13, 30, tzinfo=UTC)),
        ("2035-06-04 13:30:00.5+00:00", datetime(2035, 6, 4, 13, 30, 0, 500000, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("8999-12-31T23:59:59Z", datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("8999-12-31T23:59:59-00:00", datetime(8999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_rfc3339_text_with_an_offset_in_the_supported_range_is_read(text: str, instant: datetime) -> None:
    assert parse_rfc3339(text) == instant


@pytest.mark.parametrize(
    ("text", "error_type"),
    [
        ("1796634000", "rfc3339_date_time"),
        ("2035-06-04", "rfc3339_date_time"),
        ("2035-06-04T09:30:00", "rfc3339_date_time"),
        ("2035-06-04T09:30-04:00", "rfc3339_date_time"),
        ("2035-06-04T09:30:00+0400", "rfc3339_date_time"),
        ("\u0662035-06-04T09:30:00Z", "rfc3339_date_time"),  # a non-ASCII digit
        ("2035-02-30T09:30:00Z", "datetime_from_date_parsing"),
        ("1969-12-31T23:59:59Z", "instant_out_of_range"),
        ("1970-01-01T00:59:59+01:00", "instant_out_of_range"),
        ("9000-01-01T00:00:00Z", "instant_out_of_range"),
        ("8999-12-31T23:30:00-05:00", "instant_out_of_range"),
        ("0001-01-01T00:00:00+01:00", "instant_out_of_range"),
        ("9999-12-31T23:59:59-23:59", "instant_out_of_range"),
    ],
)
def test_other_time_text_is_refused_with_a_reason(text: str, error_type: str) -> None:
    with pytest.raises(ValidationError) as raised:
        parse_rfc3339(text)

    assert [error["type"] for error in raised.value.errors()] == [error_type]


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2035, 1, 8, 9, 30, tzinfo=UTC),
        datetime(2035, 1, 8, 9, 30, tzinfo=ZoneInfo("Europe/London")),
        datetime(2035, 1, 8, 9, 30, tzinfo=ZoneInfo("Etc/GMT")),
        datetime(2035, 1, 8, 9, 30, tzinfo=timezone(timedelta(0))),
    ],
)
def test_a_zero_offset_is_written_z_by_models_and_problems_alike(instant: datetime) -> None:
    written = Slot(start=instant, end=instant, locations=["1 Road"]).model_dump(mode="json")["start"]

    assert written == rfc3339(instant) == "2035-01-08T09:30:00Z"
    assert SlotRef(start=instant).model_dump(mode="json") == {"start": written}


def test_other_offsets_are_written_as_they_are() -> None:
    instant = datetime(2035, 1, 8, 9, 30, tzinfo=ZoneInfo("Asia/Kathmandu"))

    assert rfc3339(instant) == "2035-01-08T09:30:00+05:45"


@pytest.mark.parametrize("slot_minutes", ["30", 30.0, True, None])
def test_slot_minutes_is_a_json_integer(slot_minutes: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        DoctorIn.model_validate({**VALID, "slot_minutes": slot_minutes})

    assert paths_of(raised.value) == ["slot_minutes"]


def test_time_zone_names_are_tzdatas_list_minus_factory() -> None:
    listed = set(resources.files("tzdata").joinpath("zones").read_text().split())

    accepted = {name for name in listed if _accepts_zone(name)}

    assert listed - accepted == {"Factory"}
    assert {"UTC", "Etc/UTC", "US/Eastern", "America/New_York"} <= accepted


def test_the_hosts_zone_files_do_not_count(tmp_path: Path) -> None:
    """A zone file on the host's TZPATH that tzdata does not list is refused, though `zoneinfo` could load it."""
    shutil.copyfile(resources.files("tzdata").joinpath("zoneinfo", "UTC"), tmp_path / "localtime")  # type: ignore[arg-type]
    (tmp_path / "posix").mkdir()
    shutil.copyfile(tmp_path / "localtime", tmp_path / "posix" / "Europe_Somewhere")
    zoneinfo.reset_tzpath([str(tmp_path)])
    try:
        loadable = "localtime" in zoneinfo.available_timezones()
        refused = [name for name in ("localtime", "posix/Europe_Somewhere") if not _accepts_zone(name)]
    finally:
        zoneinfo.reset_tzpath()

    assert loadable
    assert refused == ["localtime", "posix/Europe_Somewhere"]


def _accepts_zone(name: str) -> bool:
    try:
        DoctorIn.model_validate({**VALID, "timezone": name})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "deeper"),
    [
        ("[" * 32 + "]" * 32, False),
        ("[" * 33 + "]" * 33, True),
        ('{"a":' * 33 + "1" + "}" * 33, True),
        ("[" * 33, True),
        ('{"a": "' + "[" * 100 + '"}', False),
        ('{"a": "\\"' + "[" * 100 + '"}', False),  # an escaped quote does not end the string
        ('{"a": "\\\\", "b": ' + "[" * 33 + "]" * 33 + "}", True),  # an escaped backslash does not escape
        ('"' + "[" * 100, False),  # an unterminated string swallows the rest: the parser refuses it
        ("[1]," * 1000, False),
    ],
    ids=[
        "32 arrays",
        "33 arrays",
        "33 objects",
        "unclosed",
        "in a string",
        "escaped quote",
        "escaped backslash",
        "unterminated string",
        "many flat",
    ],
)
def test_json_nesting_is_measured_outside_strings(text: str, deeper: bool) -> None:
    assert nests_deeper_than(text, 32) is deeper
