"""The stand-in for API Gateway: a request is routed to its function's workers, or answered by the runner.

API Gateway's own errors are the template's GatewayResponses rendered as API Gateway renders them
(local/gateway_responses.py): an unknown route or method is 403 MISSING_AUTHENTICATION_TOKEN (an IAM-auth API
says so rather than 404/405), a request over the stage's throttling limits 429 THROTTLED (local/throttling.py), a
function that outlives its timeout 504 INTEGRATION_TIMEOUT. The runner's own
answers stay problem+json: 503 + Retry-After (every worker busy past the queue bound, or the worker ended
mid-request), 502 (the function raised or failed to start). It also serves a few pages of its own.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from local import docs_pages
from local.docs_pages import Page
from local.dynamodb import EmbeddedDynamoDB
from local.events import build_event
from local.gateway_responses import render
from local.principal import NotAuthenticated, identity_of
from local.problems import BadQuery, problem
from local.routing import Router
from local.template import ApiRoute
from local.throttling import StageThrottle, stage_limits
from local.workers import Busy, FunctionFailed, FunctionTimedOut, FunctionWorkers, WorkerLost


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query, as sent
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


class Gateway:
    def __init__(
        self,
        router: Router,
        functions: dict[str, FunctionWorkers],
        embedded: EmbeddedDynamoDB | None = None,
        queries: dict[str, Callable[[str], Page]] | None = None,
        template: dict[str, Any] | None = None,
        throttle_scale: float = 1.0,
    ) -> None:
        self.router = router
        self.gateway_responses = _gateway_responses(template or {})
        self.throttle = StageThrottle(stage_limits(template or {}), throttle_scale)
        self.queries = queries or {}  # pages that read the query string, e.g. /_local/events
        self.functions = functions
        self.pages: dict[str, Callable[[], Page]] = {
            "/openapi.json": docs_pages.openapi_json,
            "/docs": docs_pages.swagger_ui,
            "/_local/workers": self._workers_page,
        }
        if embedded is not None:
            stats = embedded.stats
            self.pages["/_local/moto-stats"] = lambda: ("application/json", json.dumps(stats.as_dict()))

    def handle(self, request: HttpRequest) -> dict[str, Any]:
        """The proxy result (statusCode, headers, body) to send back."""
        target = urlsplit(request.target)
        if request.method == "GET" and target.path in self.pages:
            # Swagger UI links its document as /docs?format=json, as powertools serves it.
            wanted = "/openapi.json" if target.path == "/docs" and "format=json" in target.query else target.path
            content_type, page = self.pages[wanted]()
            return {"statusCode": 200, "headers": {"Content-Type": content_type}, "body": page}
        if request.method == "GET" and target.path in self.queries:
            try:
                content_type, page = self.queries[target.path](target.query)
            except BadQuery as error:
                return problem(HTTPStatus.BAD_REQUEST, str(error))
            return {"statusCode": 200, "headers": {"Content-Type": content_type}, "body": page}
        found = self.router.match(request.method, target.path)
        if found.route is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        route = found.route
        if not self.throttle.admit(route.method, route.path):
            return self.gateway_response("THROTTLED", "Too Many Requests")
        return self._call(route, found.path_parameters, request)

    def _call(self, route: ApiRoute, path_parameters: dict[str, str], request: HttpRequest) -> dict[str, Any]:
        """The route's function called as API Gateway calls it, as the caller the request is signed by (or the
        local developer, unsigned: local/principal.py); a bad signature is 403, as on AWS."""
        try:
            caller = identity_of(request.method, request.target, request.headers, request.body)
        except NotAuthenticated as error:
            return self.gateway_response("INVALID_SIGNATURE", str(error))
        event = build_event(
            route,
            request.method,
            request.target,
            path_parameters,
            request.headers,
            request.body,
            request.source_ip,
            caller,
        )
        return self.invoke(route.function, event)

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.functions[function].invoke(event)
        except Busy as error:
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, f"{error}; retry later.")
        except WorkerLost as error:
            _report(function, error)
            return problem(HTTPStatus.SERVICE_UNAVAILABLE, "The function's environment ended; retry.")
        except FunctionTimedOut as error:
            _report(function, error)
            return self.gateway_response("INTEGRATION_TIMEOUT", "Endpoint request timed out")
        except FunctionFailed as error:  # what API Gateway answers when a function crashes
            _report(function, error)
            return problem(HTTPStatus.BAD_GATEWAY, "The function failed.")

    def gateway_response(self, response_type: str, message: str) -> dict[str, Any]:
        """What API Gateway answers for `response_type`: the template's response for it, else its DEFAULT_4XX or
        DEFAULT_5XX, else API Gateway's own `{"message": ...}`."""
        status = GATEWAY_STATUS[response_type]
        default = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        declared = self.gateway_responses.get(response_type) or self.gateway_responses.get(default) or {}
        templates = declared.get("ResponseTemplates", {})
        body_template = templates.get("application/json", '{"message":$context.error.messageString}')
        headers = {"Content-Type": "application/json"}
        for name, value in declared.get("ResponseParameters", {}).get("Headers", {}).items():
            headers[name] = str(value).strip("'")  # a static value is quoted in the template
        context = {"error.message": message, "error.responseType": response_type, "requestId": str(uuid.uuid4())}
        return {
            "statusCode": int(declared.get("StatusCode", status)),
            "headers": headers,
            "body": render(body_template, context),
        }

    def stop(self) -> None:
        """End every function's workers at once, then wait for them."""
        ended = [worker for workers in self.functions.values() for worker in workers.end()]
        for worker in ended:
            worker.reap()

    def _workers_page(self) -> Page:
        described = {name: workers.describe() for name, workers in self.functions.items()}
        return "application/json", json.dumps(described)


# API Gateway's status for each of its own response types the runner produces.
GATEWAY_STATUS = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "REQUEST_TOO_LARGE": 413,
    "THROTTLED": 429,
    "INTEGRATION_TIMEOUT": 504,
}


def _gateway_responses(template: dict[str, Any]) -> dict[str, Any]:
    """The API's GatewayResponses as the template declares them (the one AWS::Serverless::Api)."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Api":
            found: dict[str, Any] = resource.get("Properties", {}).get("GatewayResponses", {})
            return found
    return {}


def _report(function: str, error: Exception) -> None:
    sys.stderr.write(f"{function}: {error}\n")
