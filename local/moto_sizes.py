"""Moto's item sizes, computed without rebuilding every nested value.

Moto sizes an item (for the 1 MB page of a Query, the 16 MB of a BatchGetItem) with `DynamoType.size`, which
wraps each value of a map in a new `DynamoType` and so copies the whole subtree below it again, at every level.
For a doctor profile of ~10 KB (a year of date overrides: a map of lists of maps) that made sizing most of a
BatchGetItem's time: 100 profiles took 0.5 s in the embedded DynamoDB (py-spy, docs/performance.md), and the
search across 500 doctors reads five such batches. The same sum is computed here by walking the values as
they are; tests/functional/test_local_moto_sizes.py checks it equals moto's for every attribute type.
"""

from __future__ import annotations

from typing import Any


def _bytes(value: Any) -> int:
    return len(value if isinstance(value, bytes) else value.encode("utf-8"))


def size_of(kind: str, value: Any) -> int:
    """Moto's DynamoType({kind: value}).size(), for a value whose lists and maps hold DynamoType (or raw) values."""
    if kind == "N":
        return len(str(value))
    if kind in {"SS", "NS", "BS"}:
        return sum(size_of(kind[0], one) for one in value)
    if kind == "L":
        return sum(_size(one) for one in value)
    if kind == "M":
        return sum(_bytes(key) + _size(one) for key, one in value.items())
    if isinstance(value, bool):
        return 1
    return _bytes(value)


def _size(value: Any) -> int:
    if isinstance(value, dict):  # a raw {"S": ...} that moto had not wrapped
        kind, inner = next(iter(value.items()))
        return size_of(kind, inner)
    return size_of(value.type, value.value)


def install() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(DynamoType.size, "walked", False):
        return

    def size(self: Any) -> int:
        return size_of(self.type, self.value)

    size.walked = True  # type: ignore[attr-defined]
    DynamoType.size = size  # type: ignore[method-assign]
