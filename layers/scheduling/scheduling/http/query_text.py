"""Query text read into typed values at the edge: instants, time bounds (an instant or a plain date), integers;
and the words that name a bad bound as the query parameter it came from."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from scheduling.errors import FieldProblem, InvalidBound, InvalidInput, SchedulingError
from scheduling.http.problems import scheduling_error_response
from scheduling.models import SUPPORTED_RANGE, TimeBound, parse_local_date, parse_rfc3339

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response

INSTANT = f"RFC 3339 date-time with an offset, from {SUPPORTED_RANGE}."
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_T = TypeVar("_T")
_LOWER_BOUND = re.compile(r"(?<= than )from$|(?<= after )from$")


def query_detail(name: str) -> str:
    return f"Query parameter '{name}' is not valid."


def _not_empty(name: str, text: str) -> None:
    """An empty `from=` is refused on every route (not read as absent): a client that meant a value sent none."""
    if not text:
        raise InvalidInput([FieldProblem(name, "must not be empty")], query_detail(name))


def query_instant(name: str, text: str | None) -> datetime | None:
    """An instant from query text, for queries that span people in different zones (so no plain dates)."""
    if text is None:
        return None
    _not_empty(name, text)
    try:
        return parse_rfc3339(text)
    except ValidationError as error:
        raise InvalidInput([FieldProblem(name, error.errors()[0]["msg"])], query_detail(name)) from None


def query_time_bound(name: str, text: str | None) -> TimeBound | None:
    """A bound of a doctor's window from query text: an RFC 3339 instant with an offset, or a plain date (a day
    in the supported range of dates, which the doctor's zone turns into an instant). None if absent; empty is
    refused."""
    if text is None:
        return None
    _not_empty(name, text)
    if _PLAIN_DATE.fullmatch(text):
        return TimeBound(day=_read(name, lambda: parse_local_date(text)))
    return TimeBound(instant=_read(name, lambda: parse_rfc3339(text)))


def _read(name: str, read: Callable[[], _T]) -> _T:
    try:
        return read()
    except ValidationError as error:
        [problem] = error.errors()
        also = ", or a date (YYYY-MM-DD)" if problem["type"] == "rfc3339_date_time" else ""
        raise InvalidInput([FieldProblem(name, f"{problem['msg']}{also}")], query_detail(name)) from None


def in_query_terms(error: SchedulingError, parameter: Callable[[str], str] = str) -> SchedulingError:
    """A window's bad bound (`from`, `to`) named as the query parameter it came from, as both edges answer it:
    `parameter` says which that is (the native edge's parameters are the bounds' own names)."""
    if not isinstance(error, InvalidBound):
        return error
    name = parameter(error.name)
    # a reason may name the other bound ("must be later than from"): as the edge names that one too
    problems = [FieldProblem(name, _LOWER_BOUND.sub(parameter("from"), item.message)) for item in error.problems]
    return InvalidInput(problems, query_detail(name))


# Query parameters that are integers. Powertools reads them in pydantic's lax mode ("1.0", "+5" and "5_0" would
# pass), and a validator added to the parameter's annotation breaks its OpenAPI bounds, so they are checked here.
INTEGER_PARAMETERS = frozenset({"limit"})


def reject_loose_integers(event: dict[str, Any], taken: Collection[str] = INTEGER_PARAMETERS) -> Response[str] | None:
    """A `422` naming the first integer query parameter not written with digits only; None if all are. `taken`:
    the integer parameters the route takes (one it does not take is ignored, as every unknown parameter is)."""
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        if name in taken and any(not (value.isascii() and value.isdigit()) for value in values or []):
            problem = FieldProblem(name, "must be a whole number written with digits only")
            return scheduling_error_response(InvalidInput([problem], query_detail(name)))
    return None


def reject_empty_parameters(event: dict[str, Any], not_empty: Collection[str]) -> Response[str] | None:
    """A `422` naming the first query parameter of `not_empty` sent empty: those the route declares with a minimum
    length (`next_token`, http/handler.py reads them from the route), refused as an empty `from=` is, in the same
    words, rather than read as absent: a client that sends one meant a value, and page 1 again would loop it
    over the same page."""
    for name, values in (event.get("multiValueQueryStringParameters") or {}).items():
        if name in not_empty and any(value == "" for value in values or []):
            return scheduling_error_response(
                InvalidInput([FieldProblem(name, "must not be empty")], query_detail(name))
            )
    return None
