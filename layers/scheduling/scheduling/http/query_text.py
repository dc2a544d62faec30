"""Query text that needs more than a type: instants, where no doctor's zone can give a plain date a meaning."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from scheduling.errors import FieldProblem, InvalidInput
from scheduling.http.problems import scheduling_error_response
from scheduling.models import SUPPORTED_RANGE, parse_rfc3339

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

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


# Query parameters that are integers. Powertools reads them in pydantic's lax mode ("1.0", "+5" and "5_0" would
# pass), and a validator added to the parameter's annotation breaks its OpenAPI bounds, so they are checked here.
INTEGER_PARAMETERS = frozenset({"limit"})


def reject_loose_integers(event: dict[str, Any]) -> Response[str] | None:
    """A `422` naming the first integer query parameter not written with digits only; None if all are."""
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        if name in INTEGER_PARAMETERS and any(not (value.isascii() and value.isdigit()) for value in values or []):
            problem = FieldProblem(name, "must be a whole number written with digits only")
            return scheduling_error_response(InvalidInput([problem], f"Query parameter '{name}' is not valid."))
    return None
