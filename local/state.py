"""The embedded tables' items kept across restarts: a snapshot file in a state directory (`make run`: `.local-state/`).

Moto keeps everything in memory. What is kept here is the items of every table the stack created (the
indexes are computed from them at each query, as moto does), pickled under the embedded DynamoDB's write lock
so that the snapshot is one consistent point between two operations, then written to a temporary file and
renamed over the last one (a crash while saving leaves the previous snapshot whole). It is saved every
`every_seconds` when some write ran since the last save, and on a clean stop (Ctrl-C, SIGTERM). So a restart
after a clean stop has every committed write, and one after a crash (kill -9, power loss) has what was committed
up to `every_seconds` before it.

At start the stack is deployed as usual (empty tables), then the items are put back into its tables, bypassing
the stream: a restored item is not a new write and publishes no domain event again. The roles, the event bus
and what it carried (`/_local/events`) are not kept: they are the template's, or a log of one run.
A snapshot is moto's own objects pickled: one that a newer moto cannot read is reported and set aside
(`<file>.unreadable`), and the runner starts empty rather than refusing to start.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.iam import ACCOUNT, REGION
from local.rwlock import ReadWriteLock

SNAPSHOT = "dynamodb.pickle"
FORMAT = 1


def _tables() -> dict[str, Any]:
    from moto.dynamodb.models import dynamodb_backends

    tables: dict[str, Any] = dynamodb_backends[ACCOUNT][REGION].tables
    return tables


def _pickled() -> bytes:
    """Every table's items, pickled (under the write lock, or in a forked copy made under it)."""
    tables = {name: table.items for name, table in _tables().items()}
    return pickle.dumps({"format": FORMAT, "tables": tables}, protocol=pickle.HIGHEST_PROTOCOL)


class LocalState:
    """Restores the tables' items from `folder` and saves them there, every `every_seconds` and at `stop`."""

    def __init__(self, folder: Path, lock: ReadWriteLock, writes: Callable[[], int], every_seconds: float) -> None:
        """`writes`: how many write operations the embedded DynamoDB has run (a save is needed when it grew)."""
        self.folder = folder
        self.path = folder / SNAPSHOT
        self._lock = lock
        self._writes = writes
        self._every = every_seconds
        self._saved_writes = -1
        self.restored = 0  # items put back by `restore`
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def discard(self) -> None:
        """FRESH: start empty (the next save replaces what was kept)."""
        self.path.unlink(missing_ok=True)

    def restore(self, table_names: list[str]) -> int:
        """Put the snapshot's items back into the (just created, empty) tables; the number of items restored."""
        if not self.path.exists():
            return 0
        try:
            snapshot = pickle.loads(self.path.read_bytes())  # noqa: S301  # our own file, written by `save`
            if snapshot.get("format") != FORMAT:
                raise ValueError(f"snapshot format {snapshot.get('format')!r}, expected {FORMAT}")
        except Exception as error:  # an older or newer moto, a damaged file: keep it aside, start empty
            aside = self.path.with_name(self.path.name + ".unreadable")
            self.path.replace(aside)
            print(f"Local state not restored ({error}); set aside as {aside}", file=sys.stderr, flush=True)
            return 0
        restored = 0
        tables = _tables()
        with self._lock:
            for name in table_names:
                items = snapshot["tables"].get(name)
                if items is None or name not in tables:
                    continue
                tables[name].items = items
                restored += sum(len(value) if isinstance(value, dict) else 1 for value in items.values())
            self._saved_writes = self._writes()  # what was just restored needs no save
        self.restored = restored
        return restored

    def save(self) -> None:
        """Save now, in this process (at `stop`: nothing runs any more)."""
        with self._lock:  # between two operations: no half-applied transaction in the snapshot
            writes = self._writes()
            if writes == self._saved_writes:
                return
            data = _pickled()
        self._write(data)
        self._saved_writes = writes

    def save_in_background(self) -> None:
        """Save while the runner goes on: a forked copy of the process pickles and writes the snapshot, so the
        write lock is held only for the fork (milliseconds), not for the pickling (a hospital's 29,000 items took
        1-3 s, every bookings' p99 under load was that stall). The copy is the process's memory at one instant
        between two operations, as the lock makes it; it closes every inherited descriptor first (a worker's
        pipe, the server's socket), so nothing of the runner waits on it, and ends without the runner's exit."""
        with self._lock:
            writes = self._writes()
            if writes == self._saved_writes:
                return
            child = os.fork()
            if child == 0:  # the copy: only this thread, and no descriptor of the runner's
                code = 1
                try:
                    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                    self._write(_pickled())
                    code = 0
                finally:
                    os._exit(code)
        _, status = os.waitpid(child, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise OSError(f"the saving copy of the runner ended with status {status}")
        self._saved_writes = writes

    def _write(self, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".saving")
        with temporary.open("wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        temporary.replace(self.path)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                self.save_in_background()
            except OSError as error:  # a full disk must not stop the runner: say so, try again later
                print(f"Local state not saved: {error}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        """Stop the periodic saves and save once more (call before the embedded DynamoDB stops)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.save()
