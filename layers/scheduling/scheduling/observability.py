"""Logger, tracer and metrics, configured once from POWERTOOLS_* settings in the template's Globals.

Never log request bodies: they carry patient data.

The X-Ray SDK (powertools Tracer) is loaded only when POWERTOOLS_TRACE_DISABLED is not true: importing it
creates X-Ray clients and costs more cold start than the rest of a function (docs/performance.md). Lambda and
API Gateway active tracing still trace every request without it; the SDK adds DynamoDB subsegments.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics

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
    return cast(Handler, tracer.capture_lambda_handler(handler, capture_response=False))
