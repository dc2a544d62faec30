"""Query text that needs more than a type: instants, where no doctor's zone can give a plain date a meaning."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, ValidationError

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.models import SUPPORTED_RANGE, parse_rfc3339

INSTANT = f"RFC 3339 date-time with an offset, from {SUPPORTED_RANGE}."


def query_instant(name: str, text: str | None) -> datetime | None:
    """An instant from query text, for queries that span people in different zones (so no plain dates)."""
    if text is None:
        return None
    try:
        return parse_rfc3339(text)
    except ValidationError as error:
        raise InvalidInput(
            [FieldProblem(name, error.errors()[0]["msg"])], f"Query parameter '{name}' is not valid."
        ) from None


def _digits_only(value: object) -> object:
    """Query integers are written with digits only: `1.0`, `+5`, ` 5` and `5_0` are not 50 or 5 here."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number written with digits only")
    return value


# A query parameter that is an integer, read strictly (pydantic's lax mode would take "1.0" and "5_0").
QueryInt = Annotated[int, BeforeValidator(_digits_only)]
