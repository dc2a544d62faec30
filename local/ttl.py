"""DynamoDB Time to Live for the embedded tables: moto never deletes expired items, so this does, now and then.

Each deletion is made the way DynamoDB's TTL makes it: a REMOVE record in the table's stream whose
`userIdentity` is the service principal `dynamodb.amazonaws.com` (what turns an expired hold's claim into
`hold.expired`). On AWS the deletion comes "typically within a few days" of the expiry; here within
`LOCAL_TTL_SWEEP_SECONDS` (default 5). Runs under the embedded DynamoDB's lock, like any operation.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Any

from local.supervised import SupervisedThread

TTL_IDENTITY = {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


def sweep(backend: Any, ttl_attributes: dict[str, str], now: float) -> int:
    """Delete every item whose TTL attribute is a number of epoch seconds at or before `now`; answers how many."""
    deleted = 0
    for table_name, attribute in ttl_attributes.items():
        table = backend.tables.get(table_name)
        if table is None:
            continue
        # every item, unsorted: moto's all_items() sorts the whole table, which took longer than the sweep itself
        items = [i for b in table.items.values() for i in b.values()] if table.range_key_attr else table.items.values()
        expired = [
            (item.hash_key, item.range_key)
            for item in list(items)
            if attribute in item.attrs
            and item.attrs[attribute].type == "N"
            and float(item.attrs[attribute].value) <= now
        ]
        for hash_key, range_key in expired:
            before = len(table.stream_shard.items) if table.stream_shard is not None else 0
            if table.delete_item(hash_key, range_key) is not None:
                deleted += 1
                if table.stream_shard is not None and len(table.stream_shard.items) > before:
                    table.stream_shard.items[-1].record["userIdentity"] = dict(TTL_IDENTITY)
    return deleted


class TimeToLive:
    def __init__(self, lock: AbstractContextManager[Any], ttl_attributes: dict[str, str], every_seconds: float) -> None:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        self._lock = lock
        self._attributes = ttl_attributes
        self.deleted = 0
        self._thread = SupervisedThread("time-to-live", self._sweep, every_seconds)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def describe(self) -> dict[str, Any]:
        return self._thread.describe(deleted=self.deleted)

    def _sweep(self) -> bool:
        with self._lock:
            self.deleted += sweep(self._backend, self._attributes, time.time())
        return False  # periodic: the next sweep after `every_seconds`
