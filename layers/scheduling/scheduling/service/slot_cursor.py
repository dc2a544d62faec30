"""The `next_token` of a search across doctors: where the last page stopped, for the query that issued it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import parse_rfc3339, rfc3339


@dataclass(frozen=True)
class SlotCursor:
    after_start: datetime  # the last answered slot's start ...
    after_doctor: str  # ... and doctor id: the next page starts strictly after this pair
    end: datetime  # the window's end, fixed by the first page


def encode_cursor(cursor: SlotCursor, query_key: str) -> str:
    raw = json.dumps(
        [rfc3339(cursor.after_start), cursor.after_doctor, rfc3339(cursor.end), _digest(query_key)],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, query_key: str) -> SlotCursor:
    """Accept only a token this API issued for this very query (same location, specialty, from and to)."""
    invalid = InvalidInput([FieldProblem("next_token", "is not a token this API issued for this search")])
    try:
        after_start, after_doctor, end, digest = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if digest != _digest(query_key) or not isinstance(after_doctor, str):
            raise invalid
        return SlotCursor(parse_rfc3339(after_start), after_doctor, parse_rfc3339(end))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid from None


def _digest(query_key: str) -> str:
    return hashlib.blake2b(query_key.encode(), digest_size=8).hexdigest()
