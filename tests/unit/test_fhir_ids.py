"""FHIR ids: every id we mint is a valid FHIR id (at most 64 of [A-Za-z0-9-.]) and reads back as what it names."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scheduling.fhir.ids import (
    BookedId,
    PendingId,
    ProposedId,
    booked_id,
    location_hash,
    location_id,
    parse_appointment_id,
    parse_location_id,
    pending_id,
    proposed_id,
    slot_id,
)

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
doctors = st.text("0123456789abcdef", min_size=32, max_size=32)
secrets = st.text("0123456789abcdef", min_size=32, max_size=32)
starts = st.integers(0, 7000 * 365 * 24 * 60).map(
    lambda minutes: datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)
addresses = st.text(min_size=1, max_size=300)


def stamp(start: datetime) -> str:
    return start.strftime("%Y%m%dT%H%M%SZ")


@given(doctors, starts, secrets, addresses)
def test_every_id_is_a_fhir_id_and_reads_back(doctor: str, start: datetime, secret: str, address: str) -> None:
    appointment = f"{stamp(start)}-{secret[:12]}"
    hold = f"{stamp(start)}-{secret}"
    minted = {
        "booked": booked_id(doctor, appointment),
        "proposed": proposed_id(doctor, start, address),
        "pending": pending_id(doctor, hold),
        "location": location_id(doctor, address),
        "slot": slot_id(doctor, start),
        "busy": slot_id(doctor, start, busy=True),
    }

    assert all(FHIR_ID.match(ident) for ident in minted.values()), minted
    assert parse_appointment_id(minted["booked"]) == BookedId(doctor, appointment)
    assert parse_appointment_id(minted["proposed"]) == ProposedId(doctor, start, location_hash(address))
    assert parse_appointment_id(minted["pending"]) == PendingId(doctor, hold)
    location = parse_location_id(minted["location"])
    assert location is not None
    assert (location.doctor_id, location.address_hash) == (doctor, location_hash(address))


def test_near_misses_are_no_ids_of_ours() -> None:
    doctor, stamp_text = "0f8fad5bd9cb469fa16570867728950e", "20350604T133000Z"
    assert parse_appointment_id(f"h.{'z' * 22}.{stamp_text}.{'0' * 22}") is None  # over 128 bits
    assert parse_appointment_id(f"p.{doctor}.20351340T133000Z.948595bd0490") is None  # no such date
    assert parse_appointment_id(f"{doctor.upper()}-{stamp_text}-0123456789ab") is None
    assert parse_appointment_id(f"{doctor}-{stamp_text}-0123456789a") is None
    assert parse_location_id(f"{doctor}-948595bd049") is None
