"""The service's one clock; tests replace `clock.now`. Retry pacing is in `scheduling.service.retries`."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
