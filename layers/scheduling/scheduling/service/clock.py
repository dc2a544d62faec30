"""The service's one clock and its retry pacing; tests replace `clock.now`."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime

# A booking re-validates after the doctor's hours changed under it (or a transaction held the doctor's fence).
BOOKING_ATTEMPTS = 5


def now() -> datetime:
    return datetime.now(UTC)


def attempts(count: int) -> Iterator[int]:
    """Attempt numbers, with a short jittered pause before each retry so racing callers fall out of step."""
    for attempt in range(count):
        if attempt:
            time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311  # jitter, not security
        yield attempt
