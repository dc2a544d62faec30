"""The runner's background threads, supervised: a step's failure (throttling from the embedded services, a bug,
anything) is written to stderr, counted and retried with a growing pause (capped), never the end of the thread.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

FIRST_PAUSE_SECONDS = 0.1
LONGEST_PAUSE_SECONDS = 5.0


class Health:
    """What one background thread is doing: running, retrying after errors, or stopped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.errors = 0
        self.consecutive_errors = 0
        self.last_error: str | None = None
        self.last_error_at: str | None = None
        self.stopped = False

    def failed(self, error: BaseException) -> int:
        """Record a failed step; answers how many failed in a row."""
        with self._lock:
            self.errors += 1
            self.consecutive_errors += 1
            self.last_error = f"{type(error).__name__}: {error}"[:500]
            self.last_error_at = _now()
            return self.consecutive_errors

    def succeeded(self) -> int:
        """Record a step that went through; answers how many had failed in a row before it."""
        with self._lock:
            before, self.consecutive_errors = self.consecutive_errors, 0
            return before

    def stop(self) -> None:
        with self._lock:
            self.stopped = True

    def as_dict(self, alive: bool, **counters: Any) -> dict[str, Any]:
        with self._lock:
            state = "stopped" if self.stopped else "retrying" if self.consecutive_errors else "running"
            return {
                "name": self.name,
                "alive": alive,
                "state": state if alive or self.stopped else "dead",
                "errors": self.errors,
                "consecutive_errors": self.consecutive_errors,
                "last_error": self.last_error,
                "last_error_at": self.last_error_at,
                **counters,
            }


def pause_after(failures: int, first: float = FIRST_PAUSE_SECONDS, longest: float = LONGEST_PAUSE_SECONDS) -> float:
    """Exponential backoff: `first`, doubling with each failure in a row, at most `longest`."""
    return float(min(longest, first * 2 ** max(0, failures - 1)))


def run_supervised(
    health: Health, step: Callable[[], bool], stopping: threading.Event, idle_seconds: float, first_pause: float
) -> None:
    """Run `step` until `stopping` is set. `step` answers whether it did work (else the loop idles for
    `idle_seconds`); an exception is reported once per streak (and again when the streak ends) and retried after
    a backoff. Nothing escapes: the thread lives as long as the runner."""
    while not stopping.is_set():
        try:
            worked = step()
        except Exception as error:  # every failure is reported and retried, none ends the loop
            failures = health.failed(error)
            if failures == 1:
                sys.stderr.write(f"{health.name}: {type(error).__name__}: {error}; retrying with backoff\n")
            stopping.wait(pause_after(failures, first_pause))
            continue
        if (failed_before := health.succeeded()) > 0:
            sys.stderr.write(f"{health.name}: recovered after {failed_before} failed attempts\n")
        if not worked:
            stopping.wait(idle_seconds)
    health.stop()


class SupervisedThread:
    """A daemon thread that runs `step` under `run_supervised` from `start()` until `stop()`. `step` answers
    whether it did work; when it did not, the thread idles `idle_seconds` (a periodic job answers False always)."""

    def __init__(
        self,
        name: str,
        step: Callable[[], bool],
        idle_seconds: float,
        first_pause: float = FIRST_PAUSE_SECONDS,
        thread_name: str | None = None,
    ) -> None:
        self.health = Health(name)
        self._step = step
        self._idle_seconds = idle_seconds
        self._first_pause = first_pause
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name or name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()

    def pause(self, seconds: float) -> None:
        """For a step that must wait within itself: a sleep that `stop()` ends early."""
        self._stopping.wait(seconds)

    def describe(self, **counters: Any) -> dict[str, Any]:
        """The thread's state for /_local/events/health, with the owner's counters."""
        return self.health.as_dict(self._thread.is_alive(), **counters)

    def _run(self) -> None:
        run_supervised(self.health, self._step, self._stopping, self._idle_seconds, self._first_pause)


def _now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat().replace("+00:00", "Z")
