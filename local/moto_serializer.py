"""Moto's answers to the DynamoDB reads that return items, written with `json.dumps` instead of moto's generic
serializer.

Moto (5.x) serializes every answer by walking botocore's shape model member by member. For DynamoDB items that
walk is most of the cost of a read: a Query of 100 doctor profiles of ~10 KB (nested maps of a year of date
overrides) took 6 s in the embedded DynamoDB, three quarters of it in the serializer (profiled with py-spy,
docs/performance.md), so `GET /doctors?limit=100` answered 503. For the item reads (FAST) the answer moto built
is already the wire document of DynamoDB's JSON protocol, but for moto's own values (`DynamoType`), which
json.dumps writes as `{type: value}` as it meets them: moto's first pass turning every one into a dict
(`dynamo_to_dict`) is skipped too. Binary values go on the wire as base64. tests/functional/
test_local_moto_serializer.py checks that both serializers write the same document for items of every
attribute type; errors and every other operation keep moto's serializer (and its first pass).

The same goes for DynamoDB Streams' GetRecords, which the runner's stream pump calls after every write: its
records are already wire documents (moto keeps each record as the JSON it answers), but for the record's
creation time (a datetime, written as epoch seconds as moto's serializer writes it). Moto's serializer walking
the records' images was 14% of the runner's CPU under the booking load (py-spy, docs/performance.md).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

_originals: dict[str, Any] = {}  # moto's own, for `uninstall`
FAST = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
CONTENT_TYPE = "application/x-amz-json-1.0"


def _base64(value: Any) -> str:
    return value if isinstance(value, str) else base64.b64encode(value).decode("ascii")


def _wire(value: Any) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if isinstance(value, DynamoType):
        if value.type == "B":
            return {"B": _base64(value.value)}
        if value.type == "BS":
            return {"BS": [_base64(one) for one in value.value]}
        return {value.type: value.value}
    if hasattr(value, "to_json"):  # moto's Item
        return value.to_json()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not a DynamoDB wire value: {type(value).__name__}")


def serialize(result: Any) -> str:
    return json.dumps(result, default=_wire, separators=(",", ":"))


def _stream_wire(value: Any) -> Any:
    from moto.core.serialize import TimestampSerializer

    if isinstance(value, datetime):
        return TimestampSerializer._timestamp_unixtimestamp(value)
    return _wire(value)


def serialize_records(result: Any) -> str:
    return json.dumps(result, default=_stream_wire, separators=(",", ":"))


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    if getattr(DynamoHandler.serialized, "plain_json", False):
        return
    generic = DynamoHandler.serialized

    def keep_as_is(self: Any, result: object) -> None:
        ActionResult.__init__(self, result)
        self.first_pass_due = True

    def serialized(self: Any, action_result: Any) -> Any:
        result = action_result.result
        if isinstance(result, Exception) or self._get_action() not in FAST:
            if getattr(action_result, "first_pass_due", False):
                action_result._result = dynamo_to_dict(result)
                action_result.first_pass_due = False
            return generic(self, action_result)
        headers = {"Content-Type": CONTENT_TYPE}
        headers.update(self.response_headers)
        return 200, headers, serialize(result)

    _originals.update(serialized=generic, result_init=DynamoResult.__init__)
    serialized.plain_json = True  # type: ignore[attr-defined]
    DynamoHandler.serialized = serialized  # type: ignore[method-assign]
    DynamoResult.__init__ = keep_as_is  # type: ignore[method-assign]
    _install_streams()


def uninstall() -> None:
    """Put moto's own serializers back (the tests compare the two in one process)."""
    from moto.dynamodb.responses import DynamoHandler, DynamoResult
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    if not getattr(DynamoHandler.serialized, "plain_json", False):
        return
    DynamoHandler.serialized = _originals["serialized"]  # type: ignore[method-assign]
    DynamoResult.__init__ = _originals["result_init"]  # type: ignore[method-assign]
    DynamoDBStreamsHandler.serialized = _originals["streams"]  # type: ignore[method-assign]


def _install_streams() -> None:
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    generic = DynamoDBStreamsHandler.serialized

    def serialized(self: Any, action_result: Any) -> Any:
        result = action_result.result
        if isinstance(result, Exception) or self._get_action() != "GetRecords":
            return generic(self, action_result)
        headers = {"Content-Type": CONTENT_TYPE}
        headers.update(self.response_headers)
        return 200, headers, serialize_records(result)

    _originals["streams"] = generic
    serialized.plain_json = True  # type: ignore[attr-defined]
    DynamoDBStreamsHandler.serialized = serialized  # type: ignore[method-assign]
