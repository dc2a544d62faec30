"""The `next_token` of a search across doctors: where the last page stopped, for the query that issued it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import parse_rfc3339, rfc3339


@dataclass(frozen=True)
class SlotCursor:
    start: datetime  # the window, fixed by the first page
    end: datetime
    after_start: datetime  # the last answered slot's start ...
    after_doctor: str  # ... and doctor id: the next page starts strictly after this pair


def encode_cursor(cursor: SlotCursor, query_key: str) -> str:
    fields = [rfc3339(cursor.start), rfc3339(cursor.end), rfc3339(cursor.after_start), cursor.after_doctor]
    raw = json.dumps([*fields, _digest(query_key, fields)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, query_key: str, longest_window: timedelta) -> SlotCursor:
    """Accept only a token this API issued for this very query (same location, specialty, from and to), for a
    window a first page could have had. The digest is not a secret: the checks on the window are what keep an
    edited token from reading more than any query may."""
    invalid = InvalidInput([FieldProblem("next_token", "is not a token this API issued for this search")])
    try:
        *fields, digest = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        start, end, after_start, after_doctor = fields
        if digest != _digest(query_key, fields) or not isinstance(after_doctor, str) or len(after_doctor) > 64:
            raise invalid
        cursor = SlotCursor(parse_rfc3339(start), parse_rfc3339(end), parse_rfc3339(after_start), after_doctor)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid from None
    if not cursor.start <= cursor.after_start < cursor.end <= cursor.start + longest_window:
        raise invalid
    return cursor


def _digest(query_key: str, fields: list[str]) -> str:
    return hashlib.blake2b("\n".join([query_key, *fields]).encode(), digest_size=8).hexdigest()
