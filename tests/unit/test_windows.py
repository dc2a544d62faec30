"""The window rule in one place (`scheduling.domain.windows`): seven days from now unless told otherwise, at most
31 days, `to` after `from`; a day as a bound is midnight in the doctor's zone, in the supported range. And the
edge that reads query text into bounds (`scheduling.http.query_text`) and names a bad bound as its parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.domain.windows import MAX_SLOT_WINDOW, Window, optional_window, slot_window, window
from scheduling.errors import FieldProblem, InvalidBound, InvalidInput
from scheduling.http.query_text import in_query_terms, query_time_bound
from scheduling.models import END_OF_INSTANTS, TimeBound

NOW = datetime(2035, 6, 1, 12, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
SUPPORTED = "must be from 1970-01-01T00:00:00Z (included) to 9000-01-01T00:00:00Z (excluded)"


def day(text: str) -> TimeBound:
    return TimeBound(day=date.fromisoformat(text))


def at(text: str) -> TimeBound:
    return TimeBound(instant=datetime.fromisoformat(text))


def refused(error: pytest.ExceptionInfo[InvalidBound]) -> tuple[str, list[FieldProblem]]:
    return error.value.name, error.value.problems


# Defaults


def test_no_bounds_is_the_next_seven_days() -> None:
    assert window(None, None, NOW) == Window(NOW, NOW + timedelta(days=7))


def test_a_start_alone_runs_seven_days() -> None:
    start = datetime(2035, 7, 1, tzinfo=UTC)

    assert window(start, None, NOW) == Window(start, start + timedelta(days=7))


def test_an_end_alone_starts_now() -> None:
    end = NOW + timedelta(days=2)

    assert window(None, end, NOW) == Window(NOW, end)


def test_the_default_end_stops_at_the_end_of_the_supported_range() -> None:
    start = END_OF_INSTANTS - timedelta(days=2)

    assert window(start, None, NOW) == Window(start, END_OF_INSTANTS)


# At most 31 days, `to` after `from`


def test_a_window_of_exactly_31_days_is_allowed() -> None:
    assert window(NOW, NOW + MAX_SLOT_WINDOW, NOW).end == NOW + timedelta(days=31)


def test_a_second_more_than_31_days_names_to() -> None:
    with pytest.raises(InvalidBound) as error:
        window(NOW, NOW + MAX_SLOT_WINDOW + timedelta(seconds=1), NOW)

    assert refused(error) == ("to", [FieldProblem("to", "must be at most 31 days after from")])


@pytest.mark.parametrize("end", [NOW, NOW - timedelta(seconds=1), datetime(1970, 1, 1, tzinfo=UTC)])
def test_to_must_be_later_than_from(end: datetime) -> None:
    with pytest.raises(InvalidBound) as error:
        window(NOW, end, NOW)

    assert refused(error) == ("to", [FieldProblem("to", "must be later than from")])


def test_the_same_instant_written_with_odd_offsets_is_not_later() -> None:
    kathmandu = at("2035-06-04T09:00:00+05:45")
    chatham = at("2035-06-04T16:00:00+12:45")  # the same instant: 03:15Z

    with pytest.raises(InvalidBound):
        slot_window(kathmandu, chatham, NEW_YORK, NOW)


def test_an_end_before_now_without_a_start_is_refused() -> None:
    with pytest.raises(InvalidBound) as error:
        window(None, NOW - timedelta(days=1), NOW)

    assert error.value.name == "to"


@given(
    start=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(8999, 12, 1), timezones=st.just(UTC)),
    span=st.timedeltas(min_value=timedelta(days=-40), max_value=timedelta(days=40)),
)
def test_every_window_answered_is_within_the_rule(start: datetime, span: timedelta) -> None:
    end = start + span
    if timedelta(0) < span <= MAX_SLOT_WINDOW:
        assert window(start, end, NOW) == Window(start, end)
    else:
        with pytest.raises(InvalidBound) as error:
            window(start, end, NOW)
        assert error.value.name == "to"


# Days meet the doctor's zone


def test_a_day_is_midnight_in_the_doctors_zone() -> None:
    found = slot_window(day("2035-06-04"), day("2035-06-05"), NEW_YORK, NOW)

    assert found == Window(datetime(2035, 6, 4, 4, tzinfo=UTC), datetime(2035, 6, 5, 4, tzinfo=UTC))


def test_a_day_of_a_clock_change_is_23_hours() -> None:
    found = slot_window(day("2035-03-11"), day("2035-03-12"), NEW_YORK, NOW)

    assert found.end.astimezone(UTC) - found.start.astimezone(UTC) == timedelta(hours=23)


def test_the_first_day_east_of_greenwich_starts_before_the_supported_range() -> None:
    with pytest.raises(InvalidBound) as error:
        slot_window(day("1970-01-01"), None, ZoneInfo("Asia/Tokyo"), NOW)

    assert refused(error) == ("from", [FieldProblem("from", SUPPORTED)])


def test_the_last_day_west_of_greenwich_ends_after_the_supported_range() -> None:
    with pytest.raises(InvalidBound) as error:
        optional_window(None, day("9000-01-01"), ZoneInfo("America/Los_Angeles"))

    assert refused(error) == ("to", [FieldProblem("to", SUPPORTED)])


def test_the_last_day_in_the_range_defaults_to_the_end_of_it() -> None:
    found = slot_window(day("8999-12-31"), None, ZoneInfo("Pacific/Kiritimati"), NOW)

    assert found == Window(datetime(8999, 12, 30, 10, tzinfo=UTC), END_OF_INSTANTS)


def test_an_open_window_may_leave_either_bound_out() -> None:
    assert optional_window(None, None, NEW_YORK) == (None, None)
    assert optional_window(day("2035-06-04"), None, NEW_YORK) == (datetime(2035, 6, 4, 4, tzinfo=UTC), None)


def test_an_open_window_still_wants_to_after_from() -> None:
    with pytest.raises(InvalidBound) as error:
        optional_window(day("2035-06-04"), day("2035-06-04"), NEW_YORK)

    assert error.value.name == "to"


def test_a_bound_is_an_instant_or_a_day() -> None:
    with pytest.raises(ValueError, match="an instant or a day"):
        TimeBound()
    with pytest.raises(ValueError, match="an instant or a day"):
        TimeBound(instant=NOW, day=NOW.date())


# The edge: query text into bounds, and a bad bound named as its query parameter


def test_query_text_is_an_instant_or_a_plain_date() -> None:
    assert query_time_bound("from", "2035-06-04") == day("2035-06-04")
    assert query_time_bound("from", "2035-06-04T09:00:00+05:45") == at("2035-06-04T09:00:00+05:45")
    assert query_time_bound("from", None) is None
    with pytest.raises(InvalidInput) as refused:  # empty is refused on every route (docs/decisions.md)
        query_time_bound("from", "")
    assert refused.value.problems == [FieldProblem("from", "must not be empty")]


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "1969-12-31T23:59:59Z",
        "0",
        "1780000000",
        "1780000000.5",
        "2035-06-04T09:00:00",
        "2035-06-04T09:00:00+5:45",
        "2035-02-30",
        "tomorrow",
    ],
)
def test_bad_query_text_names_its_parameter(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        query_time_bound("to", text)

    assert error.value.detail == "Query parameter 'to' is not valid."
    assert [problem.path for problem in error.value.problems] == ["to"]


def test_a_bad_bound_is_named_as_the_query_parameter_it_came_from() -> None:
    bound = InvalidBound("to", "must be later than from")

    named = in_query_terms(bound)

    assert type(named) is InvalidInput
    assert named.detail == "Query parameter 'to' is not valid."
    assert named.problems == [FieldProblem("to", "must be later than from")]
    assert "Query parameter" not in bound.detail  # the domain says no HTTP words


def test_other_errors_pass_the_edge_unchanged() -> None:
    error = InvalidInput([FieldProblem("limit", "too big")])

    assert in_query_terms(error) is error
