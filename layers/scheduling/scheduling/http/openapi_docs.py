"""What the OpenAPI document says beyond the models: each route's answers, response headers, query text."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from pydantic import WithJsonSchema

from scheduling.error_table import statuses_with_retry_after
from scheduling.http.problems import PROBLEM_JSON, Problem
from scheduling.models import SUPPORTED_RANGE
from scheduling.models.time import ACCEPTED_DATE_SCHEMA, ACCEPTED_INSTANT_SCHEMA

ETAG_HEADER: OpenAPIResponseHeader = {
    "description": "Version of the doctor; send it back in `If-Match` to update safely.",
    "schema": {"type": "string"},
}
LOCATION_HEADER: OpenAPIResponseHeader = {"description": "Path of the created resource.", "schema": {"type": "string"}}
RETRY_AFTER_HEADER: OpenAPIResponseHeader = {"description": "Seconds to wait.", "schema": {"type": "string"}}
# The `from`/`to` query parameters of slot searches and appointment lists.
TIME_BOUND = (
    "RFC 3339 date-time with an offset, or a date (midnight in the doctor's time zone); "
    f"the instant must be from {SUPPORTED_RANGE}."
)
TIME_BOUND_MAX_LENGTH = 40
# Query text as the document describes it: the layouts and years the edge accepts. Documentation only: the text is
# parsed where it always was (`query_instant`, scheduling.domain.windows), so the answers to bad text are unchanged.
InstantText = Annotated[str, WithJsonSchema({**ACCEPTED_INSTANT_SCHEMA, "maxLength": TIME_BOUND_MAX_LENGTH})]
TimeBoundText = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "maxLength": TIME_BOUND_MAX_LENGTH, "anyOf": [ACCEPTED_INSTANT_SCHEMA, ACCEPTED_DATE_SCHEMA]}
    ),
]
ALWAYS_POSSIBLE = (422, 500, 503)
# RFC 9110 renamed these two; Python 3.13's `HTTPStatus` says so, 3.11's does not. Pinned, so the document is
# the same whichever Python generates it.
RFC_9110_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}
WITH_A_BODY = (400, 413, 415)


def documented(
    success: int,
    description: str,
    *problems: int,
    headers: dict[str, OpenAPIResponseHeader] | None = None,
) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses of a route: its success answer plus the problem answers it can give."""
    answers: dict[int, OpenAPIResponse] = {success: {"description": description}}
    if headers:
        answers[success]["headers"] = headers
    if success == HTTPStatus.NO_CONTENT:
        answers[success]["content"] = {}
    for status in sorted({*problems, *ALWAYS_POSSIBLE}):
        phrase = RFC_9110_PHRASES.get(status) or HTTPStatus(status).phrase
        answers[status] = {"description": phrase, "content": {PROBLEM_JSON: {"model": Problem}}}
        if status in statuses_with_retry_after():
            answers[status]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    return answers
