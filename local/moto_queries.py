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

Moto then deep-copies every item it answers and sizes each one twice (for the 1 MB page). For
`GET /doctors?limit=100` over profiles of ~12 KB (nested maps of a year of date overrides) the copy was 73% and
the sizing 22% of the Query (py-spy), which took 2-3 s: past botocore's 1 s read timeout, so the list answered
`503`. The copy only isolates the answer from later writes: moto's projections (the index's, the
ProjectionExpression's) build new items and change nothing. Here a Query answers the stored items themselves:
nothing changes them before the answer is written, since the embedded DynamoDB writes the whole answer while it
holds its read lock, which no write can take meanwhile (local/dynamodb.py). Each item is sized once per Query.
A ProjectionExpression of plain top-level names (the booking's overlap Query: `SK, #end, #status, expires_at`)
keeps those attributes as they are instead of moto's round trip through Python values
(`to_regular_json`, then back), which was a quarter of that Query's time; other projections are moto's.
tests/functional/test_local_moto_queries.py compares the answers with moto's own.
"""

from __future__ import annotations

import copy
import re
import threading
import types
from typing import Any

_scope = threading.local()
_originals: dict[str, Any] = {}  # moto's own, for `uninstall`
_LIST_ELEMENT = re.compile(r"\[\d+\]$")  # moto's projection path `name[3]`: a list element


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """moto.dynamodb.models.table's `copy.deepcopy`: skipped for the answer of a Query."""
    if getattr(_scope, "sizes", None) is not None:
        return value
    return copy.deepcopy(value, memo)


def partition(table: Any, hash_key: Any) -> list[Any]:
    bucket = table.items.get(hash_key) if hash_key is not None else None
    if bucket is None:
        return []
    return list(bucket.values()) if table.range_key_attr else [bucket]


def every_item(table: Any) -> list[Any]:
    if not table.range_key_attr:
        return list(table.items.values())
    return [item for bucket in table.items.values() for item in bucket.values()]


def in_range(items: list[Any], comparison: str | None, bounds: list[Any]) -> list[Any]:
    if not comparison:
        return items
    return [item for item in items if item.range_key is not None and item.range_key.compare(comparison, bounds)]


def install() -> None:
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "partition_first", False):
        return
    original_query = Table.query
    original_all_items = Table.all_items
    original_size = Item.size
    original_project = Item.project

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

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]  # its position
        if index_name:
            chosen = (self, lambda: every_item(self))
        elif hash_key is None:  # not a Query moto answers from one partition: as moto does it
            return original_query(self, hash_key, *args, **kwargs)
        else:
            comparison, bounds = args[0], args[1]  # range_comparison, range_objs: always positional
            chosen = (self, lambda: in_range(partition(self, hash_key), comparison, bounds))
        previous = (getattr(_scope, "items", None), getattr(_scope, "sizes", None))
        _scope.items = chosen
        _scope.sizes = {}
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _scope.items, _scope.sizes = previous

    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        names = [path[0] for path in projection_expressions if len(path) == 1 and not _LIST_ELEMENT.search(path[0])]
        if len(names) < len(projection_expressions):
            return original_project(self, projection_expressions)
        kept = Item(self.hash_key, self.range_key, {})
        dict.update(kept.attrs, {name: self.attrs[name] for name in names if name in self.attrs})
        return kept

    _originals.update(
        query=original_query,
        all_items=original_all_items,
        size=original_size,
        project=original_project,
        copy=vars(table_module)["copy"],
    )
    query.partition_first = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
    Item.project = project  # type: ignore[method-assign]
    setattr(table_module, "copy", types.SimpleNamespace(copy=copy.copy, deepcopy=_deepcopy))  # noqa: B010  # module global


def uninstall() -> None:
    """Put moto's own back (the tests compare the two in one process)."""
    from moto.dynamodb.models import table as table_module
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    if not getattr(Table.query, "partition_first", False):
        return
    Table.query = _originals["query"]  # type: ignore[method-assign]
    Table.all_items = _originals["all_items"]  # type: ignore[method-assign]
    Item.size = _originals["size"]  # type: ignore[method-assign]
    Item.project = _originals["project"]  # type: ignore[method-assign]
    setattr(table_module, "copy", _originals["copy"])  # noqa: B010  # a module global
