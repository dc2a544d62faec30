"""`settled_by(now)`: the stamp bound a transaction checks instead of reading a version (domain/settled.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scheduling.domain.settled import settled, settled_by

INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


@given(now=INSTANTS, seconds_before=st.integers(min_value=-60, max_value=60))
def test_a_stamp_at_or_before_the_bound_is_exactly_a_settled_one(now: datetime, seconds_before: int) -> None:
    stamp = (now - timedelta(seconds=16 + seconds_before)).replace(microsecond=0)  # stamps are whole seconds

    assert (stamp <= settled_by(now)) == settled(False, stamp, now)
