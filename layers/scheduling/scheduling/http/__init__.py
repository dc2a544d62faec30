"""The native HTTP edge: query text and headers in, typed values to the service, problem+json out."""

from scheduling.http.actor import ACTING_USER_HEADER, request_actor
from scheduling.http.dependencies import on_the_request_clock, scheduling_clock
from scheduling.http.handler import LambdaHandler, lambda_handler_for
from scheduling.http.openapi_docs import (
    ETAG_HEADER,
    LOCATION_HEADER,
    RETRY_AFTER_HEADER,
    TIME_BOUND,
    TIME_BOUND_MAX_LENGTH,
    WITH_A_BODY,
    documented,
)
from scheduling.http.problems import PROBLEM_JSON, Problem, problem, scheduling_error_response
from scheduling.http.query_text import INSTANT, query_instant
from scheduling.http.resolver import create_resolver

__all__ = [
    "ACTING_USER_HEADER",
    "ETAG_HEADER",
    "INSTANT",
    "LOCATION_HEADER",
    "PROBLEM_JSON",
    "RETRY_AFTER_HEADER",
    "TIME_BOUND",
    "TIME_BOUND_MAX_LENGTH",
    "WITH_A_BODY",
    "LambdaHandler",
    "Problem",
    "create_resolver",
    "documented",
    "lambda_handler_for",
    "on_the_request_clock",
    "problem",
    "query_instant",
    "request_actor",
    "scheduling_clock",
    "scheduling_error_response",
]
