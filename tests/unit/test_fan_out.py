"""The store's fan-out really issues its calls at once: the round budgets in tests/functional/test_capacity.py
count a fan-out as one round, which is only honest if this holds."""

from __future__ import annotations

import threading
from functools import partial

import pytest

from scheduling.store.client import MAX_CONCURRENT_CALLS
from scheduling.store.fan_out import fan_out


def test_as_many_calls_as_the_pool_allows_all_run_at_the_same_time() -> None:
    # Each call waits until every one of them has started: run one after another, the first would time out.
    together = threading.Barrier(MAX_CONCURRENT_CALLS, timeout=10)

    def call(number: int) -> int:
        together.wait()
        return number

    assert fan_out([partial(call, number) for number in range(MAX_CONCURRENT_CALLS)]) == list(
        range(MAX_CONCURRENT_CALLS)
    )


def test_a_failed_call_is_raised_to_the_caller() -> None:
    def fails() -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fan_out([lambda: 1, fails, lambda: 3])


def test_the_botocore_pool_has_a_connection_for_every_call() -> None:
    from scheduling.store.client import CLIENT_CONFIG

    assert CLIENT_CONFIG.max_pool_connections == MAX_CONCURRENT_CALLS  # type: ignore[attr-defined]
