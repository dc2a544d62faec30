"""The fixed decorator stack every function's Lambda handler wears: logs, traces, metrics, raw-body checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from scheduling.http.query_text import reject_loose_integers
from scheduling.http.raw_body import reject_unreadable_body
from scheduling.observability import logger, metrics, traced

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
BodyCheck = Callable[[dict[str, Any]], "Response[str] | None"]


def lambda_handler_for(app: APIGatewayRestResolver, check_body: BodyCheck = reject_unreadable_body) -> LambdaHandler:
    """The fixed decorator stack every function uses: correlation id and cold start in logs, traces, metrics.

    `check_body` answers a body that cannot be read (the FHIR function answers with an OperationOutcome)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    @traced
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        rejection = check_body(event) or reject_loose_integers(event)
        if rejection is not None:
            return _proxy_result(rejection)
        return app.resolve(event, context)

    return cast(LambdaHandler, lambda_handler)


def _proxy_result(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": response.headers,
        "body": response.body,
        "isBase64Encoded": False,
    }
