"""RFC 9457 problem responses (`application/problem+json`): domain errors rendered from their row in
`scheduling.error_table` (status, type, title, `Retry-After`), and the edge's own refusals (body, route, bug).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from scheduling.error_table import row_for
from scheduling.errors import (
    FieldProblem,
    InvalidInput,
    SchedulingError,
    SeriesSlotsTaken,
    SlotTaken,
    TransitionNotAllowed,
    problems_from_pydantic,
)
from scheduling.models import Instant

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    path: str = Field(examples=["schedule.monday[0].end"])
    message: str = Field(examples=["must be after start 10:00"])


class SlotRef(BaseModel):
    start: Instant = Field(
        description="The slot asked for, which a booking or a hold already takes (the detail names that booking "
        "when it starts elsewhere: the doctor's slots changed).",
        examples=["2035-06-04T13:30:00Z"],
    )


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered (`application/problem+json`)."""

    type: str = Field(examples=["/problems/slot-taken"])
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, description="Every bad field, for validation problems.")
    slot: SlotRef | None = Field(None, description="The contested slot, for `slot-taken` and `slot-held`.")
    slots: list[SlotRef] | None = Field(None, description="Every slot of a series that is not free.")
    current_status: str | None = Field(None, description="The appointment's status, for `invalid-transition`.")
    allowed: list[str] | None = Field(None, description="The statuses it may move to, for `invalid-transition`.")


def problem(
    status: HTTPStatus,
    slug: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = {"type": f"/problems/{slug}", "title": title, "status": int(status), "detail": detail, **(extra or {})}
    return Response(
        status_code=int(status),
        content_type=PROBLEM_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def _errors(problems: list[FieldProblem]) -> dict[str, Any]:
    return {"errors": [{"path": item.path, "message": item.message} for item in problems]}


def scheduling_error_response(error: SchedulingError) -> Response[str]:
    row = row_for(error)
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput):
        extra = _errors(error.problems)
    if isinstance(error, SlotTaken):
        extra = {"slot": SlotRef(start=error.slot_start).model_dump(mode="json")}
    if isinstance(error, SeriesSlotsTaken):
        extra["slots"] = [SlotRef(start=start).model_dump(mode="json") for start in error.slot_starts]
    if isinstance(error, TransitionNotAllowed):
        extra = {"current_status": error.current, "allowed": error.allowed}
    return problem(row.status, row.problem, row.title, error.detail, extra, row.headers())


def validation_error_response(error: RequestValidationError, body: str | None = None) -> Response[str]:
    """`body`: the request's body text, to tell an empty body (no JSON: 400) and a JSON `null` (no object: 422)
    from each other where the route finds its body missing."""
    errors = list(error.errors())
    if any(item.get("type") == "json_invalid" for item in errors):
        return problem(
            HTTPStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", "The request body is not valid JSON."
        )
    if any(_body_missing(item) for item in errors) and not body:
        return problem(
            HTTPStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", "The request body is empty; send a JSON object."
        )
    errors = [_no_object(item) if _body_missing(item) else item for item in errors]
    problems = problems_from_pydantic([_once(item) for item in errors])
    problems = list(dict.fromkeys(problems))  # a repeated parameter fails each type of a union alike: said once
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "validation-error",
        "The request is not valid",
        "Some fields are missing or not valid.",
        _errors(problems),
    )


def _body_missing(error: dict[str, Any]) -> bool:
    return tuple(error.get("loc", ())) == ("body",) and error.get("type") == "missing"


def _no_object(error: dict[str, Any]) -> dict[str, Any]:
    """A body the route found missing although one was sent: the JSON `null` (as an array is refused)."""
    return {**error, "msg": "must be a JSON object, not null"}


def _once(error: dict[str, Any]) -> dict[str, Any]:
    """A query parameter or header this API reads once, sent several times (powertools hands its values over as a
    list): said so, rather than as the list's type error."""
    location = error.get("loc", ())
    if location and location[0] in {"query", "header"} and isinstance(error.get("input"), list):
        return {**error, "msg": "may be given once"}
    return error


def unsupported_media_type(media_type: str | None = None, accepted: str = "application/json") -> Response[str]:
    """`accepted`: the media types the route takes, as words (PATCH takes a merge patch too)."""
    detail = f"Send the body as {accepted}, not {media_type}." if media_type else None
    return problem(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "Unsupported media type",
        detail or f"Send the body as {accepted}.",
    )


def body_too_large(size: int, limit: int) -> Response[str]:
    return problem(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "body-too-large",
        "Request body too large",
        f"The body is {size} bytes; the limit is {limit}.",
    )


def json_too_deep(limit: int) -> Response[str]:
    return problem(
        HTTPStatus.BAD_REQUEST,
        "json-too-deep",
        "JSON nested too deeply",
        f"The body nests arrays and objects more than {limit} levels deep; this API reads at most {limit}.",
    )


def json_number_too_long(digits: int) -> Response[str]:
    return problem(
        HTTPStatus.BAD_REQUEST,
        "json-number-too-long",
        "JSON number too long",
        f"The body has a number with more than {digits} digits; this API reads numbers of at most {digits}.",
    )


def route_not_found() -> Response[str]:
    return problem(HTTPStatus.NOT_FOUND, "not-found", "Not found", "No such route.")


def internal_error() -> Response[str]:
    return problem(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "internal-error",
        "Internal error",
        "Something went wrong on our side; it has been logged.",
    )
