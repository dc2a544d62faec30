"""Moto's Query without sorting the whole table first.

Moto (5.x) starts every Query with `Table.all_items()`: every item of the table, sorted by its key. A Query of
one partition then keeps that partition's items, and a Query of an index keeps the items in the index and sorts
them again by the index's key and the table's key. With a month of bookings for 500 doctors (~30,000 items)
that sort took 0.5-0.7 s for each Query, even for a partition of three items (profiled with py-spy,
docs/performance.md): every booking (its overlap Query), every list and every search was slowed by the size of
the whole table.

While a Query runs, `all_items` here answers only what that Query would keep anyway, in an order it does not
depend on: the one partition's items (moto then filters them by partition, as before, and sorts them by sort
key) for a table Query, or every item unsorted for an index Query (moto sorts what it keeps by the index's key
and the table's key, a total order, so the first order is irrelevant). Scans and everything else keep moto's
sorted list. The override is per thread, as reads run together (local/dynamodb.py).
tests/functional/test_local_moto_queries.py compares the answers with moto's own.
"""

from __future__ import annotations

import threading
from typing import Any

_scope = threading.local()


def install() -> None:
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "partition_first", False):
        return
    original_query = Table.query
    original_all_items = Table.all_items

    def all_items(self: Any) -> Any:
        only = getattr(_scope, "items", None)
        if only is not None and only[0] is self:
            return only[1]()
        return original_all_items(self)

    def partition(table: Any, hash_key: Any) -> list[Any]:
        bucket = table.items.get(hash_key) if hash_key is not None else None
        if bucket is None:
            return []
        return list(bucket.values()) if table.range_key_attr else [bucket]

    def every_item(table: Any) -> list[Any]:
        if not table.range_key_attr:
            return list(table.items.values())
        return [item for bucket in table.items.values() for item in bucket.values()]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]  # its position
        if index_name:
            chosen = (self, lambda: every_item(self))
        elif hash_key is None:  # not a Query moto answers from one partition: as moto does it
            return original_query(self, hash_key, *args, **kwargs)
        else:
            chosen = (self, lambda: partition(self, hash_key))
        previous = getattr(_scope, "items", None)
        _scope.items = chosen
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _scope.items = previous

    query.partition_first = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
