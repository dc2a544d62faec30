"""The service's one clock: `now()` reads the clock of the current request, the system's unless an edge installed
another (`reading`). Retry pacing is not here: `scheduling.service.retries`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_now() -> datetime:
    return datetime.now(UTC)


_current: ContextVar[Clock] = ContextVar("scheduling_clock", default=system_now)


def now() -> datetime:
    return _current.get()()


@contextmanager
def reading(clock: Clock) -> Iterator[None]:
    """Every `now()` inside the block (in this thread or task) reads `clock`; the previous clock comes back after."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)
