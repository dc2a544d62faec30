"""The runner's periodic threads (the TTL sweeper and the one-time schedules) run supervised like the event
threads (local/supervised.py): a failing round is reported and retried, never the end of the thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from local.scheduler import LocalScheduler
from local.supervised import SupervisedThread
from local.ttl import TimeToLive

WAIT_SECONDS = 60  # generous: the machine is shared; every wait ends as soon as its condition holds


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def failing_twice(answer: Any) -> tuple[Callable[..., Any], list[int]]:
    """A stand-in that raises on its first two calls, then answers `answer`; and the list of its calls."""
    calls: list[int] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("injected")
        return answer

    return call, calls


@pytest.fixture
def stopping() -> Iterator[list[SupervisedThread | TimeToLive | LocalScheduler]]:
    started: list[SupervisedThread | TimeToLive | LocalScheduler] = []
    yield started
    for part in started:
        part.stop()


def test_the_ttl_sweeper_survives_failing_sweeps_and_reports_them(
    monkeypatch: pytest.MonkeyPatch, stopping: list[Any]
) -> None:
    sweep, _ = failing_twice(1)  # one item deleted by each sweep that goes through
    monkeypatch.setattr("local.ttl.sweep", sweep)
    ttl = TimeToLive(threading.Lock(), {"t": "ttl"}, every_seconds=0.01)
    stopping.append(ttl)

    ttl.start()
    eventually(lambda: ttl.deleted >= 2, "two sweeps after the two failures")

    health = ttl.describe()
    assert (health["name"], health["alive"], health["state"], health["errors"]) == ("time-to-live", True, "running", 2)
    assert health["last_error"] == "RuntimeError: injected"
    assert health["deleted"] >= 2


def test_the_scheduler_survives_failing_rounds_and_reports_them(
    aws: None, monkeypatch: pytest.MonkeyPatch, stopping: list[Any]
) -> None:
    scheduler = LocalScheduler("https://scheduler.us-east-1.amazonaws.com", ["group"], {}, every_seconds=0.01)
    run_due, calls = failing_twice(0)
    monkeypatch.setattr(scheduler, "run_due", run_due)
    stopping.append(scheduler)

    scheduler.start()
    eventually(lambda: len(calls) >= 4, "two rounds after the two failures")

    health = scheduler.describe()
    assert (health["name"], health["alive"], health["state"], health["errors"]) == ("scheduler", True, "running", 2)
    assert isinstance(datetime.fromisoformat(health["last_error_at"]), datetime)
