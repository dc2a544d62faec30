"""The one place that turns errors into HTTP: RFC 9457 problem responses, and the resolver every function uses."""

from __future__ import annotations

import base64
import binascii
import json
import traceback
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from scheduling.errors import (
    AppointmentNotActive,
    AppointmentNotFound,
    BadRequest,
    ConcurrentUpdate,
    DoctorHasBookings,
    DoctorNotFound,
    FieldProblem,
    IdempotencyConflict,
    InvalidInput,
    PreconditionFailed,
    SchedulingError,
    ServiceUnavailable,
    SlotTaken,
    problems_from_pydantic,
)
from scheduling.observability import logger, metrics, traced

PROBLEM_JSON = "application/problem+json"
MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
RETRY_AFTER_SECONDS = "1"

# error class -> (status, problem type slug, title)
PROBLEM_TYPES: dict[type[SchedulingError], tuple[HTTPStatus, str, str]] = {
    InvalidInput: (HTTPStatus.UNPROCESSABLE_ENTITY, "validation-error", "The request is not valid"),
    BadRequest: (HTTPStatus.BAD_REQUEST, "bad-request", "The request cannot be read"),
    DoctorNotFound: (HTTPStatus.NOT_FOUND, "doctor-not-found", "Doctor not found"),
    AppointmentNotFound: (HTTPStatus.NOT_FOUND, "appointment-not-found", "Appointment not found"),
    SlotTaken: (HTTPStatus.CONFLICT, "slot-taken", "The slot is already booked"),
    DoctorHasBookings: (HTTPStatus.CONFLICT, "doctor-has-bookings", "The doctor has future appointments"),
    AppointmentNotActive: (HTTPStatus.CONFLICT, "appointment-not-active", "The appointment is not booked"),
    ConcurrentUpdate: (HTTPStatus.CONFLICT, "concurrent-update", "Other changes kept winning the race"),
    IdempotencyConflict: (HTTPStatus.CONFLICT, "request-in-progress", "A request with this key is in progress"),
    PreconditionFailed: (HTTPStatus.PRECONDITION_FAILED, "precondition-failed", "The doctor has changed"),
    ServiceUnavailable: (HTTPStatus.SERVICE_UNAVAILABLE, "service-unavailable", "Temporarily unavailable"),
}


class FieldError(BaseModel):
    path: str = Field(examples=["schedule.monday[0].end"])
    message: str = Field(examples=["must be after start 10:00"])


class SlotRef(BaseModel):
    start: str = Field(description="The slot that is already booked.", examples=["2035-06-04T13:30:00+00:00"])


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered (`application/problem+json`)."""

    type: str = Field(examples=["/problems/slot-taken"])
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(None, description="Every bad field, for validation problems.")
    slot: SlotRef | None = Field(None, description="The contested slot, for `slot-taken`.")


ETAG_HEADER: OpenAPIResponseHeader = {
    "description": "Version of the doctor; send it back in `If-Match` to update safely.",
    "schema": {"type": "string"},
}
LOCATION_HEADER: OpenAPIResponseHeader = {"description": "Path of the created resource.", "schema": {"type": "string"}}
RETRY_AFTER_HEADER: OpenAPIResponseHeader = {"description": "Seconds to wait.", "schema": {"type": "string"}}
# The `from`/`to` query parameters of slot searches and appointment lists.
TIME_BOUND = "RFC 3339 date-time with an offset, or a date (midnight in the doctor's time zone)."
TIME_BOUND_MAX_LENGTH = 40
ALWAYS_POSSIBLE = (422, 500, 503)
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
        answers[status] = {"description": HTTPStatus(status).phrase, "content": {PROBLEM_JSON: {"model": Problem}}}
        if status in {HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.CONFLICT}:
            answers[status]["headers"] = {"Retry-After": RETRY_AFTER_HEADER}
    return answers


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
    status, slug, title = next(PROBLEM_TYPES[kind] for kind in type(error).__mro__ if kind in PROBLEM_TYPES)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(error, InvalidInput):
        extra = _errors(error.problems)
    if isinstance(error, SlotTaken):
        extra = {"slot": {"start": error.slot_start.isoformat()}}
    if isinstance(error, ServiceUnavailable | IdempotencyConflict | ConcurrentUpdate):
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return problem(status, slug, title, error.detail, extra, headers)


def validation_error_response(error: RequestValidationError) -> Response[str]:
    errors = list(error.errors())
    if any(item.get("type") == "json_invalid" for item in errors):
        return problem(
            HTTPStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", "The request body is not valid JSON."
        )
    problems = problems_from_pydantic(errors)
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "validation-error",
        "The request is not valid",
        "Some fields are missing or not valid.",
        _errors(problems),
    )


def create_resolver() -> APIGatewayRestResolver:
    """A REST resolver with pydantic validation and every error mapped to a problem response."""
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(SchedulingError)
    def _scheduling_error(error: SchedulingError) -> Response[str]:
        if isinstance(error, ServiceUnavailable):
            logger.warning("database unavailable after retries", extra={"cause": _cause(error)})
            metrics.add_metric(name="DatabaseUnavailable", unit=MetricUnit.Count, value=1)
        if isinstance(error, SlotTaken):
            metrics.add_metric(name="BookingConflicts", unit=MetricUnit.Count, value=1)
        return scheduling_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        return validation_error_response(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media(error: RequestUnsupportedContentType) -> Response[str]:
        return problem(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as application/json.",
        )

    @app.not_found
    def _not_found(error: NotFoundError) -> Response[str]:
        return problem(HTTPStatus.NOT_FOUND, "not-found", "Not found", "No such route.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        # A bug: log where it happened for us (not its message: it may quote patient data), answer without it.
        logger.error("unhandled error", extra={"error_type": type(error).__name__, "where": _frames(error)})
        return problem(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "internal-error",
            "Internal error",
            "Something went wrong on our side; it has been logged.",
        )

    return app


def _cause(error: BaseException) -> str:
    """The class of the underlying AWS error (e.g. ProvisionedThroughputExceededException), never its text."""
    cause = error.__cause__
    code = (getattr(cause, "response", None) or {}).get("Error", {}).get("Code")
    return str(code or type(cause).__name__)


def _frames(error: BaseException) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(error.__traceback__)]


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def lambda_handler_for(app: APIGatewayRestResolver) -> LambdaHandler:
    """The fixed decorator stack every function uses: correlation id and cold start in logs, traces, metrics."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        rejection = _reject_unreadable_body(event)
        if rejection is not None:
            return _proxy_result(rejection)
        return app.resolve(event, context)

    return cast(LambdaHandler, lambda_handler)


def _reject_unreadable_body(event: dict[str, Any]) -> Response[str] | None:
    """Bodies over 64 KiB are 413 and non-JSON bodies 415, before any parsing; merge-patch+json reads as JSON."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded") and body:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return scheduling_error_response(BadRequest("The body is not UTF-8 text."))
        event["body"], event["isBase64Encoded"] = body, False
    size = len(body.encode())
    if size > MAX_BODY_BYTES:
        return problem(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            f"The body is {size} bytes; the limit is {MAX_BODY_BYTES}.",
        )
    if not body:
        return None
    headers = event.get("headers") or {}
    names = [name for name in headers if name.lower() == "content-type"]
    media_type = headers[names[0]].split(";")[0].strip().lower() if names else ""
    if media_type and media_type not in JSON_MEDIA_TYPES:
        return problem(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            f"Send the body as application/json, not {media_type}.",
        )
    for name in names:  # powertools parses only application/json
        headers[name] = "application/json"
    return None


def _proxy_result(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": response.headers,
        "body": response.body,
        "isBase64Encoded": False,
    }
