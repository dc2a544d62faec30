"""Search tags: how a doctor's locations and specialties are indexed and matched.

A search term matches a tag when both read the same after case folding and collapsing runs of whitespace, so
"North  Wing" finds "north wing". Pure: the store keys index items by these tags.
"""

from __future__ import annotations

from scheduling.models import DoctorIn


def location_tag(address: str) -> str:
    return "LOCATION#" + _normalised(address)


def specialty_tag(specialty: str) -> str:
    return "SPECIALTY#" + _normalised(specialty)


def doctor_tags(doctor: DoctorIn) -> frozenset[str]:
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
