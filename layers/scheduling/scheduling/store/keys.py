"""Key layout (docs/data-model.md). All items of a doctor live under one partition `DOCTOR#<id>`:
- `PROFILE`                          the doctor; GSI1 (`DOCTORS`, `<name>#<id>`) lists doctors by name
- `FENCE`                            the doctor's booking fence (a small counter every booking checks)
- `SLOT#<start UTC>`                 a booked appointment; the key itself makes the slot start unique
- `SLOT#<start UTC>`  (kind `hold`)   a hold's lock on its slot, free again once `expires_at` has passed
- `HOLD#<hold id>`                   the hold's record (status, expiry, the appointment it became)
- `DAY#<local date>`                 the day lock of a doctor with a daily cap: a version each booking bumps
- `CANCELLED#<start UTC>#<appt id>`  a cancelled appointment, kept forever
- `TAG#<tag digest>`                 a search tag of the doctor (a location or specialty); GSI1 (`TAG#<digest>`,
                                     `<doctor id>`) lists the doctors with that tag
A patient's partition `PATIENT#<patient id>`:
- `LOCK`                             a version every booking of the patient bumps (serialises them)
- `TIME#<start UTC>#<appt id>`       a copy of each of the patient's appointments, for overlap and listing
Both appointment kinds carry LSI1SK `APPT#<start UTC>#<appt id>`, so one Query lists or finds them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduling.domain.tags import Tag

ONE_SECOND = timedelta(seconds=1)
PROFILE = "PROFILE"
FENCE = "FENCE"
DOCTOR_PREFIX = "DOCTOR#"
SLOT_PREFIX = "SLOT#"
HOLD_PREFIX = "HOLD#"
CANCELLED_PREFIX = "CANCELLED#"
SERIES_PREFIX = "SERIES#"
WAIT_PREFIX = "WAIT#"
WAIT_LOCK_PREFIX = "WAITLOCK#"
WAITLIST_ENTRY = "waitlist_entry"  # on an offered hold's claim and record: the entry it was offered to
DOCTORS_PARTITION = "DOCTORS"
BY_NAME_INDEX = "GSI1"
BY_START_INDEX = "LSI1"
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_key(instant: datetime) -> str:
    """Fixed-width UTC text, so keys sort in time order."""
    return instant.astimezone(UTC).strftime(_UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, _UTC_FORMAT).replace(tzinfo=UTC)


def doctor_pk(doctor_id: str) -> str:
    return f"{DOCTOR_PREFIX}{doctor_id}"


def slot_sk(start: datetime) -> str:
    return f"{SLOT_PREFIX}{utc_key(start)}"


def cancelled_sk(start: datetime, appointment_id: str) -> str:
    return f"{CANCELLED_PREFIX}{utc_key(start)}#{appointment_id}"


PATIENT_LOCK = "LOCK"
PATIENT_TIME_PREFIX = "TIME#"


def patient_pk(patient_id: str) -> str:
    return f"PATIENT#{patient_id}"


def patient_time_sk(start: datetime, appointment_id: str) -> str:
    return f"{PATIENT_TIME_PREFIX}{utc_key(start)}#{appointment_id}"


def day_sk(day: date) -> str:
    return f"DAY#{day.isoformat()}"


def hold_sk(hold_id: str) -> str:
    return f"{HOLD_PREFIX}{hold_id}"


def appointment_lsi_sk(start: datetime, appointment_id: str) -> str:
    return f"APPT#{utc_key(start)}#{appointment_id}"


TAG_PREFIX = "TAG#"


def tag_text(tag: Tag) -> str:
    """A tag as stored in its item's `tag` attribute, e.g. `LOCATION#north wing`, and as hashed into its key."""
    return f"{tag.facet.upper()}#{tag.value}"


def tag_key_part(tag: Tag | str) -> str:
    """A fixed-size stand-in for a tag (or its stored text) in keys: addresses run to 300 characters, keys have
    byte limits."""
    text = tag if isinstance(tag, str) else tag_text(tag)
    return TAG_PREFIX + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def profile_key(doctor_id: str) -> dict[str, Any]:
    return key(doctor_pk(doctor_id), PROFILE)


def fence_key(doctor_id: str) -> dict[str, Any]:
    return key(doctor_pk(doctor_id), FENCE)
