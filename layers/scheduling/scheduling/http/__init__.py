"""The HTTP edge, one job per module.

- `problems`: domain errors (their rows in `scheduling.error_table`) as RFC 9457 problem responses;
- `openapi_docs`: what the OpenAPI document says about responses, headers and query text;
- `raw_body`: checks on the raw request body (size, media type, encoding, nesting) before anything parses it;
- `query_text`: query values that need more than a type (instants, time bounds), and bad bounds named as them;
- `actor`: who is calling (IAM principal, `X-Acting-User`), as the `Actor` the service records;
- `resolver`: the REST resolver every function uses, with the problem mapping registered;
- `handler`: the fixed decorator stack (logs, traces, metrics) around a resolver.

Functions import what they need from here.
"""

from scheduling.http.actor import ACTING_USER_HEADER, request_actor
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
    "problem",
    "query_instant",
    "query_time_bound",
    "request_actor",
    "scheduling_error_response",
]
