"""Identifiers. An appointment id starts with its slot's UTC start, so it can be found with one keyed read."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime

_DOCTOR_ID = re.compile(r"^[0-9a-f]{32}$")
_APPOINTMENT_ID = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{12}$")
_ID_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def new_doctor_id() -> str:
    return uuid.uuid4().hex


def is_doctor_id(text: str) -> bool:
    return bool(_DOCTOR_ID.match(text))


def new_appointment_id(start: datetime, request_key: str | None = None) -> str:
    """Random, or with `request_key` (a digest of the caller's Idempotency-Key and request) derived from it, so a
    re-run of one request after its answer was lost finds the appointment its first attempt stored."""
    return f"{start.astimezone(UTC).strftime(_ID_TIME_FORMAT)}-{_tail(6, request_key)}"


def _tail(size: int, request_key: str | None) -> str:
    """`size` bytes as hex: random, or the first bytes of a hash of `request_key` (never the key itself)."""
    if request_key is None:
        return secrets.token_hex(size)
    return hashlib.sha256(request_key.encode()).hexdigest()[: 2 * size]


_HOLD_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{32}$")


def new_hold_id(start: datetime, request_key: str | None = None) -> str:
    """The slot start, then 128 random bits: whoever knows the id may book or release the hold. With `request_key`
    the bits are derived from it instead: only a caller who knows its Idempotency-Key (and body) can find them."""
    return f"{start.astimezone(UTC).strftime(_ID_TIME_FORMAT)}-{_tail(16, request_key)}"


def is_hold_id(text: str) -> bool:
    return bool(_HOLD_ID.match(text))


def hold_start(hold_id: str) -> datetime | None:
    """The slot start a hold id was minted for, or None when the text is no hold id of ours."""
    if not is_hold_id(hold_id):
        return None
    try:
        return datetime.strptime(hold_id[:16], _ID_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def appointment_start(appointment_id: str) -> datetime | None:
    """The slot start an appointment id was minted for, or None when the text is no id of ours."""
    match = _APPOINTMENT_ID.match(appointment_id)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), _ID_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
