"""The local runner's item sizes are moto's, for every attribute type and nesting."""

from __future__ import annotations

import pytest
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from local import moto_sizes
from tests.functional.test_local_moto_serializer import EVERY_TYPE


def test_every_attribute_type_has_moto_s_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DynamoType, "size", DynamoType.size)  # undone after the test
    nested = {"M": {"a": {"L": [{"M": dict(EVERY_TYPE)}, {"L": [{"N": "7"}, {"SS": ["x", "yy"]}]}]}, "ü": {"S": "é"}}}
    values = [DynamoType(value) for value in [*EVERY_TYPE.values(), nested]]
    item = Item(DynamoType({"S": "pk"}), DynamoType({"S": "sk"}), {**EVERY_TYPE, "nested": nested})

    by_moto = [value.size() for value in values] + [item.size()]
    moto_sizes.install()
    ours = [value.size() for value in values] + [item.size()]

    assert DynamoType.size.walked  # type: ignore[attr-defined]
    assert by_moto[-1] > 100  # the item with every type, nested too
    assert ours == by_moto
