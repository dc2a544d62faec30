"""Pagination: a page of a list, and its token (the last evaluated key, opaque to callers, accepted only for the
query that issued it)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scheduling.errors import FieldProblem, InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def encode_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps({name: value["S"] for name, value in last_key.items()}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(
    token: str, names: set[str], fixed: dict[str, str], within: dict[str, tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Accept only tokens this API could have issued for this very query: same key names, same partition, and a
    sort key inside the query's range (DynamoDB refuses a start key outside it)."""
    invalid = InvalidInput([FieldProblem("next_token", "is not a token this API issued for this list")])
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == names
        and all(isinstance(value, str) and 0 < len(value) <= 1024 for value in decoded.values())
        and all(decoded[name] == value for name, value in fixed.items())
        and all(first <= decoded[name] <= last for name, (first, last) in (within or {}).items())
    )
    if not valid:
        raise invalid
    return {name: {"S": value} for name, value in decoded.items()}
