"""The embedded DynamoDB's readers-writer lock: reads together, a write alone, a waiting write before new reads."""

from __future__ import annotations

import threading
import time

from local.rwlock import ReadWriteLock

PATIENCE_SECONDS = 30  # generous: only tells "acquired" from "never"


def test_reads_hold_it_together_and_a_write_waits_for_them() -> None:
    lock = ReadWriteLock()

    first = lock.acquire_read(0)
    second = lock.acquire_read(0)
    write_while_read = lock.acquire_write(0)
    lock.release_read()
    lock.release_read()
    write_after = lock.acquire_write(0)
    read_while_written = lock.acquire_read(0)
    lock.release_write()

    assert (first, second) == (True, True)
    assert write_while_read is False
    assert write_after is True
    assert read_while_written is False


def test_a_waiting_write_goes_before_new_reads_and_then_reads_resume() -> None:
    lock = ReadWriteLock()
    assert lock.acquire_read(0)
    wrote = threading.Event()

    def write() -> None:
        if lock.acquire_write(PATIENCE_SECONDS):
            wrote.set()
            lock.release_write()

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not lock._writers_waiting and time.monotonic() < deadline:  # the writer is queued behind the read
        time.sleep(0.01)
    new_read_while_write_waits = lock.acquire_read(0)
    lock.release_read()
    writer.join(PATIENCE_SECONDS)
    read_after = lock.acquire_read(0)

    assert new_read_while_write_waits is False
    assert wrote.is_set()
    assert read_after is True


def test_with_takes_it_for_writing() -> None:
    lock = ReadWriteLock()

    with lock:
        read_inside = lock.acquire_read(0)
    read_after = lock.acquire_read(0)

    assert read_inside is False
    assert read_after is True
