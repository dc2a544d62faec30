"""What every model shares: unknown fields refused, texts that must not be blank."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_not_blank)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_not_blank)]


# A patient id as the caller's systems issue it (an MRN, a UUID). Limited to characters a URL path carries
# unencoded (letters, digits, `.`, `_`, `~`, `:`, `@`, `-`), so `GET /patients/{id}/appointments` reaches every
# patient a booking can name, whatever the gateway does with percent-encoding.
PatientId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._~:@-]*$")]
