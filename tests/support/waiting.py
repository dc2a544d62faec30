"""Waiting on a condition: poll until it holds. The timeout is generous and only tells "reached" from "never";
no test asserts how fast anything happens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

PATIENCE_SECONDS = 60.0  # the machine is shared: a wait ends as soon as its condition holds


def until(
    condition: Callable[[], Any],
    what: str = "the condition",
    wait_seconds: float = PATIENCE_SECONDS,
    every: float = 0.2,
) -> Any:
    """What `condition()` answers once it is truthy (polled every `every` seconds); fails the test naming `what`
    when it never is within `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what} ({wait_seconds:.0f} s)"
        time.sleep(every)
    return found
