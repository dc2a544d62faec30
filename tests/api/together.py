"""Real concurrent HTTP calls, started together behind a barrier, and the overlap check every round ends with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import requests


def simultaneously(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Start every call at the same moment, each on its own thread and connection."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def overlapping_pairs(appointments: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of appointments whose `[start, end)` ranges overlap in time (ids), from API or stored bodies."""
    ordered = sorted(
        (datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"]), item["id"])
        for item in appointments
    )
    clashes = []
    for index, (_, end, first) in enumerate(ordered):
        for start, _, second in ordered[index + 1 :]:
            if start >= end:
                break
            clashes.append((first, second))
    return clashes
