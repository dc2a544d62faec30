"""Search tags: how a doctor's locations and specialties are indexed and matched.

A search term matches a tag when both read the same after case folding and collapsing runs of whitespace, so
"North  Wing" finds "north wing". Pure: a tag is a facet and a normalised value; how it is written in keys and
items is the store's business (`store/keys.py`).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from scheduling.models import DoctorIn

Facet = Literal["location", "specialty"]


class Tag(NamedTuple):
    facet: Facet
    value: str  # normalised: case folded, runs of whitespace collapsed


def location_tag(address: str) -> Tag:
    return Tag("location", _normalised(address))


def specialty_tag(specialty: str) -> Tag:
    return Tag("specialty", _normalised(specialty))


def doctor_tags(doctor: DoctorIn) -> frozenset[Tag]:
    """Every tag a doctor is found by."""
    return frozenset(
        [location_tag(address) for address in doctor.locations]
        + [specialty_tag(specialty) for specialty in doctor.specialties]
    )


def names(term: str, text: str) -> bool:
    """Whether a search term names a location or specialty: the same words, ignoring case and spacing."""
    return _normalised(term) == _normalised(text)


def matching_locations(doctor: DoctorIn, location: str) -> frozenset[str]:
    """The doctor's own spellings of the locations a search term names (none if the doctor has no such one)."""
    return frozenset(address for address in doctor.locations if names(location, address))


def practises(doctor: DoctorIn, specialty: str) -> bool:
    return any(names(specialty, own) for own in doctor.specialties)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())
