"""The fixed decorator stack every function's Lambda handler wears: logs, traces, metrics, raw-body checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from annotated_types import MinLen
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.http.query_text import INTEGER_PARAMETERS, reject_empty_parameters, reject_loose_integers
from scheduling.http.raw_body import reject_unreadable_body
from scheduling.observability import logger, metrics, traced

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
BodyCheck = Callable[[dict[str, Any]], "Response[str] | None"]


def lambda_handler_for(app: APIGatewayRestResolver, check_body: BodyCheck = reject_unreadable_body) -> LambdaHandler:
    """The fixed decorator stack every function uses: correlation id and cold start in logs, traces, metrics.

    `check_body` answers a body that cannot be read (the FHIR function answers with an OperationOutcome)."""

    taken: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}

    def parameters_taken(event: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
        """The query parameters the event's route takes, and those of them it declares non-empty (a minimum
        length): read from the routes once, at the first event."""
        if not taken:
            for route in [*app._static_routes, *app._dynamic_routes]:
                params = route.dependant.query_params
                taken[(route.method, route.openapi_path)] = (
                    frozenset(param.alias for param in params),
                    frozenset(param.alias for param in params if _declared_non_empty(param.field_info.metadata)),
                )
        key = (str(event.get("httpMethod", "")).upper(), str(event.get("resource", "")))
        return taken.get(key, (frozenset(), frozenset()))

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        combine_list_headers(event)
        names, non_empty = parameters_taken(event)
        rejection = (
            check_body(event)
            or reject_loose_integers(event, INTEGER_PARAMETERS & names)
            or reject_empty_parameters(event, non_empty)
        )
        if rejection is not None:
            return _proxy_result(rejection)
        return app.resolve(event, context)

    return cast(LambdaHandler, lambda_handler)


def _declared_non_empty(metadata: list[Any]) -> bool:
    return any(isinstance(item, MinLen) and item.min_length > 0 for item in metadata)


# Headers whose value is a comma-separated list (RFC 9110 section 5.3): several lines of one mean one line of them all.
LIST_HEADERS = frozenset({"if-match", "if-none-match"})


def combine_list_headers(event: dict[str, Any]) -> None:
    """Several `If-Match` lines combined into one, as RFC 9110 combines field lines (powertools would otherwise
    hand the route a list where it reads one string)."""
    multi = event.get("multiValueHeaders") or {}
    for name, values in multi.items():
        if name.lower() in LIST_HEADERS and values and len(values) > 1:
            combined = ", ".join(values)
            multi[name] = [combined]
            headers = event.get("headers") or {}
            for single in [key for key in headers if key.lower() == name.lower()]:
                headers[single] = combined


def _proxy_result(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": response.headers,
        "body": response.body,
        "isBase64Encoded": False,
    }
