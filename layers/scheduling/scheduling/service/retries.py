"""Retry pacing of the service's optimistic writes: how many attempts, and a jittered pause between them."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

# A booking re-validates after the doctor's hours changed under it (or a transaction held the doctor's fence).
BOOKING_ATTEMPTS = 5


def attempts(count: int) -> Iterator[int]:
    """Attempt numbers, with a short jittered pause before each retry so racing callers fall out of step."""
    for attempt in range(count):
        if attempt:
            time.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311  # jitter, not security
        yield attempt
