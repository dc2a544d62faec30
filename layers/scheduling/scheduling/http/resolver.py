"""The REST resolver every function uses: pydantic validation on, every error answered as a problem."""

from __future__ import annotations

import traceback

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit

from scheduling.errors import DayFull, PatientBusy, SchedulingError, ServiceUnavailable, SlotTaken
from scheduling.http.problems import (
    internal_error,
    route_not_found,
    scheduling_error_response,
    unsupported_media_type,
    validation_error_response,
)
from scheduling.observability import logger, metrics


def create_resolver() -> APIGatewayRestResolver:
    """A REST resolver with pydantic validation and every error mapped to a problem response."""
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(SchedulingError)
    def _scheduling_error(error: SchedulingError) -> Response[str]:
        if isinstance(error, ServiceUnavailable):
            logger.warning("database unavailable after retries", extra={"cause": _cause(error)})
            metrics.add_metric(name="DatabaseUnavailable", unit=MetricUnit.Count, value=1)
        if isinstance(error, SlotTaken | PatientBusy | DayFull):  # SlotHeld is a SlotTaken
            metrics.add_metric(name="BookingConflicts", unit=MetricUnit.Count, value=1)
        return scheduling_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        return validation_error_response(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media(error: RequestUnsupportedContentType) -> Response[str]:
        return unsupported_media_type()

    @app.not_found
    def _not_found(error: NotFoundError) -> Response[str]:
        return route_not_found()

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        # A bug: log where it happened for us (not its message: it may quote patient data), answer without it.
        logger.error("unhandled error", extra={"error_type": type(error).__name__, "where": _frames(error)})
        return internal_error()

    return app


def _cause(error: BaseException) -> str:
    """The class of the underlying AWS error (e.g. ProvisionedThroughputExceededException), never its text."""
    cause = error.__cause__
    code = (getattr(cause, "response", None) or {}).get("Error", {}).get("Code")
    return str(code or type(cause).__name__)


def _frames(error: BaseException) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(error.__traceback__)]
