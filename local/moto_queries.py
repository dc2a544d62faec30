"""Moto's Query without sorting the whole table first, and without copying the items it answers.

Moto (5.x) starts every Query with `Table.all_items()`: every item of the table, sorted by its key. A Query of
one partition then keeps that partition's items, and a Query of an index keeps the items in the index and sorts
them again by the index's key and the table's key. With a month of bookings for 500 doctors (~30,000 items)
that sort took 0.5-0.7 s for each Query, even for a partition of three items (profiled with py-spy,
docs/performance.md): every booking (its overlap Query), every list and every search was slowed by the size of
the whole table.

While a Query runs, `all_items` here answers only what that Query would keep anyway, in an order it does not
depend on: the one partition's items within the Query's sort key condition (moto then filters them by
partition and by that condition, as before, and sorts them by sort key) for a table Query, or every item
unsorted for an index Query (moto sorts what it keeps by the index's key and the table's key, a total order, so
the first order is irrelevant). Scans and everything else keep moto's sorted list. Moto sizes (and sorts)
every item it walks, even those outside the sort key condition, so a booking's overlap Query (a few hours of
one doctor) cost as much as the doctor's whole partition: under the booking load, sizing was 40% of the Query
time (py-spy). The override is per thread, as reads run together (local/dynamodb.py).

Moto then deep-copies every item it answers (so that a projection cannot change the stored item) and sizes each
one twice (for the 1 MB page). For `GET /doctors?limit=100` over profiles of ~12 KB (nested maps of a year of
date overrides) the copy was 73% and the sizing 22% of the Query (py-spy), which took 2-3 s: past botocore's 1 s
read timeout, so the list answered `503`. Here a Query that projects nothing (no ProjectionExpression, and the
table itself or an index projecting ALL) answers the stored items themselves: nothing changes them before the
answer is written, since the embedded DynamoDB writes the whole answer while it holds its read lock, which no
write can take meanwhile (local/dynamodb.py). A projecting Query is still copied (moto's index projection
changes the copy). Each item is sized once per Query. tests/functional/test_local_moto_queries.py compares the
answers with moto's own.
"""

from __future__ import annotations

import copy
import threading
import types
from typing import Any

_scope = threading.local()


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto.dynamodb.models.table's `copy.deepcopy`: skipped for the answer of a Query that projects nothing."""
    if getattr(_scope, "shared", False):
        return value
    return copy.deepcopy(value, memo)


def install() -> None:
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "partition_first", False):
        return
    original_query = Table.query
    original_all_items = Table.all_items
    original_size = Item.size

    def all_items(self: Any) -> Any:
        only = getattr(_scope, "items", None)
        if only is not None and only[0] is self:
            return only[1]()
        return original_all_items(self)

    def size(self: Any) -> int:
        sizes = getattr(_scope, "sizes", None)
        if sizes is None:
            return int(original_size(self))
        known = sizes.get(id(self))
        if known is None:
            known = sizes[id(self)] = original_size(self)
        return int(known)

    def partition(table: Any, hash_key: Any) -> list[Any]:
        bucket = table.items.get(hash_key) if hash_key is not None else None
        if bucket is None:
            return []
        return list(bucket.values()) if table.range_key_attr else [bucket]

    def every_item(table: Any) -> list[Any]:
        if not table.range_key_attr:
            return list(table.items.values())
        return [item for bucket in table.items.values() for item in bucket.values()]

    def projects_nothing(table: Any, index_name: str | None, projection_expressions: Any) -> bool:
        if projection_expressions:
            return False
        if not index_name:
            return True
        index = next((one for one in table.all_indexes() if one.name == index_name), None)
        return index is not None and (index.projection or {}).get("ProjectionType") == "ALL"

    def in_range(items: list[Any], comparison: str | None, bounds: list[Any]) -> list[Any]:
        if not comparison:
            return items
        return [item for item in items if item.range_key is not None and item.range_key.compare(comparison, bounds)]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]  # its position
        if index_name:
            chosen = (self, lambda: every_item(self))
        elif hash_key is None:  # not a Query moto answers from one partition: as moto does it
            return original_query(self, hash_key, *args, **kwargs)
        else:
            comparison, bounds = args[0], args[1]  # range_comparison, range_objs: always positional
            chosen = (self, lambda: in_range(partition(self, hash_key), comparison, bounds))
        projections = kwargs.get("projection_expressions") if len(args) < 6 else args[5]  # its position
        previous = (getattr(_scope, "items", None), getattr(_scope, "shared", False), getattr(_scope, "sizes", None))
        _scope.items = chosen
        _scope.shared = projects_nothing(self, index_name, projections)
        _scope.sizes = {}
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _scope.items, _scope.shared, _scope.sizes = previous

    query.partition_first = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
    setattr(table_module, "copy", types.SimpleNamespace(copy=copy.copy, deepcopy=_deepcopy))  # noqa: B010  # module global
