"""Independent DynamoDB calls issued together: one round trip of latency for many calls.

boto3 clients are thread-safe; the pool is per container and sized with the client's connection pool, so no
call waits for a connection. A search across doctors issues one Query per doctor this way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache
from typing import TypeVar

from scheduling.store.client import MAX_CONCURRENT_CALLS

Result = TypeVar("Result")


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=MAX_CONCURRENT_CALLS, thread_name_prefix="dynamodb")


def fan_out(calls: Sequence[Callable[[], Result]]) -> list[Result]:
    """Run `calls` concurrently (up to MAX_CONCURRENT_CALLS at a time); results in the order of `calls`. A failure
    is raised as the first failed call in that order, once every call has ended (nothing of a request keeps
    running after it answered: a Lambda container is frozen between requests)."""
    if len(calls) <= 1:
        return [call() for call in calls]
    futures = [_pool().submit(call) for call in calls]
    wait(futures)
    return [future.result() for future in futures]
