"""Moto's TransactWriteItems, rolled back item by item instead of by a deep copy of every table it touches.

Moto copies each whole table at the start of every transaction so that it can roll back a failed one. Every
booking is a transaction, so on a runner that has served a few thousand bookings each transaction spent most
of its time copying, under the one-operation-at-a-time lock, until callers timed out. The embedded DynamoDB
runs each write alone (no read or write overlaps it, local/dynamodb.py), so remembering just the items a
transaction addresses (at most 100) and putting them back on failure is the same rollback. The stream records
the failed steps appended are dropped too, so a rolled-back write never reaches the domain events (moto's own
rollback restored them with the table copy).
"""

from __future__ import annotations

import copy
import types
from typing import Any


def install() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(DynamoDBBackend.transact_write_items, "item_rollback", False):
        return
    original = DynamoDBBackend.transact_write_items

    def deepcopy_except_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    setattr(models, "copy", types.SimpleNamespace(deepcopy=deepcopy_except_tables))  # noqa: B010  # a module global

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        streams = {
            id(table): (table.stream_shard, len(table.stream_shard.items))
            for table in self.tables.values()
            if table.stream_shard is not None
        }
        for action in transact_items:
            operation, request = next(iter(action.items()))
            table = self.tables.get(request.get("TableName"))
            if table is None:
                continue
            key = request["Item"] if operation == "Put" else request.get("Key", {})
            if table.hash_key_attr not in key or (table.has_range_key and table.range_key_attr not in key):
                continue  # moto itself rejects it before writing anything
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.has_range_key else None
            saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                bucket = table.items[hash_value] if range_value is not None else table.items
                slot = range_value if range_value is not None else hash_value
                if item is None:
                    bucket.pop(slot, None)
                else:
                    bucket[slot] = item
            for shard, length in streams.values():
                del shard.items[length:]
            raise

    transact_write_items.item_rollback = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
