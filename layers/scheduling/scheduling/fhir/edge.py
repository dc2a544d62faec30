"""The FHIR function's HTTP edge: its resolver, with every error answered as an OperationOutcome, and the raw
body checks (size, media type, encoding, nesting) answered the same way."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from functools import partial
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from scheduling.errors import SchedulingError
from scheduling.fhir.outcomes import (
    body_problem,
    error_response,
    internal_error,
    route_not_found,
    unsupported_media_type,
)
from scheduling.http.dependencies import on_the_request_clock
from scheduling.http.query_text import in_query_terms
from scheduling.http.raw_body import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MAX_NUMBER_DIGITS,
    a_name_given_twice,
    has_a_non_json_number,
    has_a_number_longer_than,
    nests_deeper_than,
)
from scheduling.observability import log_unhandled, record_refusal

FHIR_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json", "application/x-www-form-urlencoded"})


def create_fhir_resolver() -> APIGatewayRestResolver:
    """A REST resolver whose errors are OperationOutcomes. No pydantic validation of routes: FHIR parameters
    repeat and carry prefixes (`start=ge...`), so `scheduling.fhir.search` reads them."""
    app = APIGatewayRestResolver()
    app.use(middlewares=[on_the_request_clock])

    @app.exception_handler(SchedulingError)
    def _scheduling_error(error: SchedulingError) -> Response[str]:
        record_refusal(error)
        event = app.current_event
        operation = (event.path_parameters or {}).get("operation")
        reading, holding = event.http_method == "GET", operation == "$hold"
        query = event.multi_value_query_string_parameters or {}
        named = in_query_terms(error, partial(sent_parameter, query))
        return error_response(named, reading=reading, holding=holding)

    @app.not_found
    def _not_found(error: NotFoundError) -> Response[str]:
        return route_not_found()

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        log_unhandled(error)
        return internal_error()

    return app


def reject_unreadable_fhir_body(event: dict[str, Any]) -> Response[str] | None:
    """Bodies over 64 KiB are 413, other media types than FHIR JSON 415, bodies that are not UTF-8, nest over
    32 levels or have numbers over 100 digits 400. A base64 body is decoded in place for the resolver."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded") and body:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, ValueError):
            return body_problem(HTTPStatus.BAD_REQUEST, "The body is not UTF-8 text.")
        event["body"], event["isBase64Encoded"] = body, False
    size = len(body.encode())
    if size > MAX_BODY_BYTES:
        return body_problem(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body is {size} bytes; the limit is {MAX_BODY_BYTES}."
        )
    if not body:
        return None
    headers = event.get("headers") or {}
    names = [name for name in headers if name.lower() == "content-type"]
    media_type = headers[names[0]].split(";")[0].strip().lower() if names else ""
    if media_type and media_type not in FHIR_MEDIA_TYPES:
        return unsupported_media_type(media_type)
    if media_type == "application/x-www-form-urlencoded":
        return None  # a POST search (`_search`): parameters, not JSON
    return _unreadable_json(body)


def _unreadable_json(body: str) -> Response[str] | None:
    if nests_deeper_than(body, MAX_JSON_DEPTH):
        return body_problem(HTTPStatus.BAD_REQUEST, f"The body nests more than {MAX_JSON_DEPTH} levels deep.")
    if has_a_number_longer_than(body, MAX_NUMBER_DIGITS):
        return body_problem(HTTPStatus.BAD_REQUEST, f"The body has a number with more than {MAX_NUMBER_DIGITS} digits.")
    if has_a_non_json_number(body):
        return body_problem(HTTPStatus.BAD_REQUEST, "NaN, Infinity and -Infinity are not JSON numbers (RFC 8259).")
    if (twice := a_name_given_twice(body)) is not None:
        return body_problem(HTTPStatus.BAD_REQUEST, twice)
    return None


def base_url(event: dict[str, Any]) -> str:
    """The server's base as the caller reached it: `https://{host}/{stage}/fhir/R4` behind API Gateway (which
    sets X-Forwarded-Proto), `http://{host}/fhir/R4` from the local runner."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    host = headers.get("host", "localhost")
    scheme = headers.get("x-forwarded-proto", "http")
    context = event.get("requestContext") or {}
    stage = context.get("stage")
    prefix = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    return f"{scheme}://{host}{prefix}/fhir/R4"


# The FHIR search parameters a window's bound (`from`, `to`) can come from, in the order they are looked for in
# the request: `$find`'s start and end, a Slot search's start prefixes, an Appointment search's date prefixes.
_BOUND_PARAMETERS = {"from": ("start", "date"), "to": ("end", "start", "date")}


def sent_parameter(query: Mapping[str, Any], bound: str) -> str:
    """The FHIR search parameter the caller sent for a window's bound (docs/fhir.md)."""
    candidates = _BOUND_PARAMETERS[bound]
    return next((candidate for candidate in candidates if candidate in query), candidates[0])
