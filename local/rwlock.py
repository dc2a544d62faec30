"""A readers-writer lock with timeouts: any number of readers together, or one writer alone; a waiting writer
goes first (new readers wait behind it), so a stream of reads cannot starve the writes.

`with lock:` takes it for writing, as a plain `threading.Lock` would be used.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType


class ReadWriteLock:
    def __init__(self) -> None:
        self._state = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._busy_since = 0.0
        self.busy_seconds = 0.0  # wall-clock time during which anyone held the lock (parallel reads counted once)

    def acquire_read(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._state:
            while self._writing or self._writers_waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._state.wait(left)
            if self._readers == 0:
                self._busy_since = time.perf_counter()
            self._readers += 1
            return True

    def release_read(self) -> None:
        with self._state:
            self._readers -= 1
            if self._readers == 0:
                self.busy_seconds += time.perf_counter() - self._busy_since
                self._state.notify_all()

    def acquire_write(self, timeout: float = -1) -> bool:
        deadline = None if timeout < 0 else time.monotonic() + timeout
        with self._state:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._state.wait(left)
                self._writing = True
                self._busy_since = time.perf_counter()
                return True
            finally:
                self._writers_waiting -= 1
                if not self._writing:
                    self._state.notify_all()  # readers held back by this writer may go on

    def release_write(self) -> None:
        with self._state:
            self._writing = False
            self.busy_seconds += time.perf_counter() - self._busy_since
            self._state.notify_all()

    def __enter__(self) -> ReadWriteLock:
        self.acquire_write()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release_write()
