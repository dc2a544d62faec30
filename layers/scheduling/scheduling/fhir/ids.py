"""FHIR resource ids for what we store under other keys. A FHIR id is at most 64 of `[A-Za-z0-9-.]`, and every id
here carries what one keyed read needs (the doctor, and the appointment, hold or slot), so a read is one GetItem.

- Practitioner and Schedule: the doctor id (32 hex digits).
- Location: `{doctor id}-{12 hex digits of the address's SHA-256}`. Scoped to the doctor because the address alone
  cannot be read back: nothing indexes doctors by address, so a read by an address hash would read every doctor.
  The same street address of two doctors is therefore two Locations (docs/fhir.md).
- Appointment, booked (any status since): `{doctor id}-{appointment id}` (62 characters).
- Appointment, proposed by `$find`: `p.{doctor id}.{slot start, UTC}.{location hash}` (64): nothing is stored, the
  id itself names the slot.
- Appointment, pending (a hold): `h.{doctor id}.{slot start, UTC}.{hold secret}`, the two 128-bit numbers in base 62
  (22 characters each) to fit in 64; whoever knows it may book or release the hold, as with the native hold id.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime

from scheduling.models.time import EARLIEST_INSTANT, END_OF_INSTANTS

_ALPHABET = string.digits + string.ascii_letters  # base 62, ordered like ASCII
_B62_WIDTH = 22  # 62**22 > 2**128
_TIME = "%Y%m%dT%H%M%SZ"
_DOCTOR = r"[0-9a-f]{32}"
_STAMP = r"\d{8}T\d{6}Z"
_BOOKED = re.compile(rf"^({_DOCTOR})-({_STAMP}-[0-9a-f]{{12}})$")
_PROPOSED = re.compile(rf"^p\.({_DOCTOR})\.({_STAMP})\.([0-9a-f]{{12}})$")
_PENDING = re.compile(rf"^h\.([0-9A-Za-z]{{{_B62_WIDTH}}})\.({_STAMP})\.([0-9A-Za-z]{{{_B62_WIDTH}}})$")
_LOCATION = re.compile(rf"^({_DOCTOR})-([0-9a-f]{{12}})$")
_HOLD = re.compile(rf"^({_STAMP})-([0-9a-f]{{32}})$")


def location_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:12]


def location_id(doctor_id: str, address: str) -> str:
    return f"{doctor_id}-{location_hash(address)}"


@dataclass(frozen=True)
class LocationKey:
    doctor_id: str
    address_hash: str


def parse_location_id(text: str) -> LocationKey | None:
    match = _LOCATION.match(text)
    return LocationKey(match.group(1), match.group(2)) if match else None


def address_named(addresses: list[str], address_hash: str) -> str | None:
    """The one of `addresses` whose hash is `address_hash`."""
    return next((address for address in addresses if location_hash(address) == address_hash), None)


@dataclass(frozen=True)
class BookedId:
    doctor_id: str
    appointment_id: str


@dataclass(frozen=True)
class ProposedId:
    doctor_id: str
    start: datetime
    address_hash: str


@dataclass(frozen=True)
class PendingId:
    doctor_id: str
    hold_id: str


AppointmentKey = BookedId | ProposedId | PendingId


def booked_id(doctor_id: str, appointment_id: str) -> str:
    return f"{doctor_id}-{appointment_id}"


def proposed_id(doctor_id: str, start: datetime, address: str) -> str:
    return f"p.{doctor_id}.{_stamp(start)}.{location_hash(address)}"


def pending_id(doctor_id: str, hold_id: str) -> str:
    match = _HOLD.match(hold_id)
    if not match or not re.fullmatch(_DOCTOR, doctor_id):
        raise ValueError("not a doctor id and hold id of ours")
    return f"h.{_b62(int(doctor_id, 16))}.{match.group(1)}.{_b62(int(match.group(2), 16))}"


def parse_appointment_id(text: str) -> AppointmentKey | None:
    """What an Appointment id names, or None when it is no id of ours."""
    if match := _BOOKED.match(text):
        return BookedId(match.group(1), match.group(2))
    if match := _PROPOSED.match(text):
        start = _parse_stamp(match.group(2))
        return ProposedId(match.group(1), start, match.group(3)) if start else None
    if match := _PENDING.match(text):
        doctor, secret = _from_b62(match.group(1)), _from_b62(match.group(3))
        if doctor is None or secret is None:
            return None
        return PendingId(f"{doctor:032x}", f"{match.group(2)}-{secret:032x}")
    return None


def slot_id(doctor_id: str, start: datetime, busy: bool = False) -> str:
    return f"{doctor_id}-{_stamp(start)}{'-busy' if busy else ''}"


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime(_TIME)


def _parse_stamp(text: str) -> datetime | None:
    """The instant, or None when it is no instant or lies outside the supported range (no id of ours does)."""
    try:
        instant = datetime.strptime(text, _TIME).replace(tzinfo=UTC)
    except ValueError:
        return None
    return instant if EARLIEST_INSTANT <= instant < END_OF_INSTANTS else None


def _b62(number: int) -> str:
    digits = []
    for _ in range(_B62_WIDTH):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _from_b62(text: str) -> int | None:
    number = 0
    for char in text:
        number = number * 62 + _ALPHABET.index(char)
    return number if number < 2**128 else None
