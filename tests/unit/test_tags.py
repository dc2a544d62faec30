"""One matching rule for search terms (domain/tags.py), used by the native search and by FHIR `$find` alike."""

from __future__ import annotations

import pytest

from scheduling.domain.tags import location_tag, names


@pytest.mark.parametrize(
    ("term", "text", "named"),
    [
        ("north  wing", "North Wing", True),
        (" NORTH\twing ", "north wing", True),
        ("Straße", "STRASSE", True),  # case folding, not lowering
        ("north wing", "northwing", False),
        ("north wing", "north-wing", False),
        ("north", "north wing", False),
    ],
)
def test_a_term_names_a_text_with_the_same_words_whatever_the_case_and_spacing(
    term: str, text: str, named: bool
) -> None:
    assert names(term, text) is named
    assert (location_tag(term) == location_tag(text)) is named  # the index keys agree with the matching
