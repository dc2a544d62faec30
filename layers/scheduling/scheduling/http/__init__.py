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
    InstantText,
    TimeBoundText,
    documented,
)
from scheduling.http.problems import PROBLEM_JSON, Problem, problem, scheduling_error_response
from scheduling.http.query_text import INSTANT, in_query_terms, query_instant, query_time_bound
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
    "InstantText",
    "LambdaHandler",
    "Problem",
    "TimeBoundText",
    "create_resolver",
    "documented",
    "in_query_terms",
    "lambda_handler_for",
    "on_the_request_clock",
    "problem",
    "query_instant",
    "query_time_bound",
    "request_actor",
    "scheduling_clock",
    "scheduling_error_response",
]
