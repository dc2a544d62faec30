"""What every model shares: unknown fields refused, texts that must not be blank."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationInfo


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# The validation context of records read back from the table: rules added later for what callers send (control
# characters) must not make an older record unreadable.
STORED: dict[str, bool] = {"stored": True}


def _no_control_characters(value: str, info: ValidationInfo) -> str:
    """Names and addresses are one line of printable text: no NUL, newline, escape or other control character
    (Unicode category Cc: C0, DEL, C1), which would end up in lists, logs of others' systems and letters."""
    if isinstance(info.context, dict) and info.context.get("stored"):
        return value
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("must not contain a control character (U+0000-U+001F, U+007F-U+009F)")
    return value


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_not_blank),
    AfterValidator(_no_control_characters),
]
Address = Annotated[
    str,
    StringConstraints(min_length=1, max_length=300),
    AfterValidator(_not_blank),
    AfterValidator(_no_control_characters),
]
# A patient's name as given with a booking: may be blank as before, but one line of printable text.
PatientName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_control_characters)]


# A patient id as the caller's systems issue it (an MRN, a UUID). Limited to characters a URL path carries
# unencoded (letters, digits, `.`, `_`, `~`, `:`, `@`, `-`), so `GET /patients/{id}/appointments` reaches every
# patient a booking can name, whatever the gateway does with percent-encoding.
PatientId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._~:@-]*$")]
