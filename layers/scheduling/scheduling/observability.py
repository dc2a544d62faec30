"""Logger, tracer and metrics, configured once from POWERTOOLS_* settings in the template's Globals.

Never log request bodies: they carry patient data.

The X-Ray SDK (powertools Tracer) is loaded only when POWERTOOLS_TRACE_DISABLED is not true: importing it
creates X-Ray clients and costs more cold start than the rest of a function (docs/performance.md). Lambda and
API Gateway active tracing still trace every request without it; the SDK adds DynamoDB subsegments.
"""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from scheduling.errors import DayFull, PatientBusy, SchedulingError, ServiceUnavailable, SlotTaken

# Reads publish no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_sdk_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in {"true", "1"}


def traced(handler: Handler) -> Handler:
    """The handler wrapped in an X-Ray subsegment with DynamoDB calls patched, when the SDK is enabled."""
    if not tracing_sdk_enabled():
        return handler
    from aws_lambda_powertools import Tracer

    tracer = Tracer(patch_modules=["botocore"])
    # Traces hold no patient id: no response (it holds the answer), no error (its message may quote one); the SDK's
    # DynamoDB subsegments record table names and capacity, never keys or values (tests/unit/test_observability.py).
    return cast(Handler, tracer.capture_lambda_handler(handler, capture_response=False, capture_error=False))


def record_refusal(error: SchedulingError) -> None:
    """What an operator watches among the refusals every edge answers (native problems and FHIR outcomes
    alike): the database giving up after retries, and booking conflicts."""
    if isinstance(error, ServiceUnavailable):
        logger.warning("database unavailable after retries", extra={"cause": _cause(error)})
        metrics.add_metric(name="DatabaseUnavailable", unit=MetricUnit.Count, value=1)
    if isinstance(error, SlotTaken | PatientBusy | DayFull):  # SlotHeld is a SlotTaken
        metrics.add_metric(name="BookingConflicts", unit=MetricUnit.Count, value=1)


def log_unhandled(error: BaseException) -> None:
    """A bug: log where it happened for us (not its message: it may quote patient data)."""
    frames = [f"{frame.filename}:{frame.lineno} {frame.name}" for frame in traceback.extract_tb(error.__traceback__)]
    logger.error("unhandled error", extra={"error_type": type(error).__name__, "where": frames})


def _cause(error: BaseException) -> str:
    """The class of the underlying AWS error (e.g. ProvisionedThroughputExceededException), never its text; a
    cancelled transaction adds its per-item reason codes (e.g. `[None, ItemCollectionSizeLimitExceeded]`)."""
    cause = error.__cause__
    response = getattr(cause, "response", None) or {}
    code = str(response.get("Error", {}).get("Code") or type(cause).__name__)
    reasons = [str(reason.get("Code")) for reason in response.get("CancellationReasons", [])]
    return f"{code} [{', '.join(reasons)}]" if reasons else code
