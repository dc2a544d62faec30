"""The stand-in for API Gateway: a request is routed to its function's workers, or answered by the runner.

The runner answers, as problem+json: 404 (no route; API Gateway says 403), 405 (the path has other methods),
503 + Retry-After (every worker busy past the queue bound, or the worker ended mid-request), 502 (the function
raised or failed to start), 504 (it outlived its timeout). It also serves a few pages of its own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from local import docs_pages
from local.docs_pages import Page
from local.dynamodb import EmbeddedDynamoDB
from local.events import build_event
from local.principal import NotAuthenticated, identity_of
from local.problems import BadQuery, problem
from local.routing import Router
from local.template import ApiRoute
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
    ) -> None:
        self.router = router
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

    @property
    def methods(self) -> frozenset[str]:
        """Every method some route has, plus HEAD and OPTIONS (answered 405 with the path's methods)."""
        return self.router.methods | {"HEAD", "OPTIONS"}

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
            if found.allowed or request.method not in self.methods:
                detail = f"{request.method} is not allowed on {target.path}."
                return problem(HTTPStatus.METHOD_NOT_ALLOWED, detail, {"Allow": ", ".join(found.allowed)})
            return problem(HTTPStatus.NOT_FOUND, f"No route for {target.path}.")
        return self._call(found.route, found.path_parameters, request)

    def _call(self, route: ApiRoute, path_parameters: dict[str, str], request: HttpRequest) -> dict[str, Any]:
        """The route's function called as API Gateway calls it, as the caller the request is signed by (or the
        local developer, unsigned: local/principal.py); a bad signature is 403, as on AWS."""
        try:
            caller = identity_of(request.method, request.target, request.headers, request.body)
        except NotAuthenticated as error:
            return problem(HTTPStatus.FORBIDDEN, str(error))
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
            return problem(HTTPStatus.GATEWAY_TIMEOUT, "The function did not answer within its timeout.")
        except FunctionFailed as error:  # what API Gateway answers when a function crashes
            _report(function, error)
            return problem(HTTPStatus.BAD_GATEWAY, "The function failed.")

    def stop(self) -> None:
        """End every function's workers at once, then wait for them."""
        ended = [worker for workers in self.functions.values() for worker in workers.end()]
        for worker in ended:
            worker.reap()

    def _workers_page(self) -> Page:
        described = {name: workers.describe() for name, workers in self.functions.items()}
        return "application/json", json.dumps(described)


def _report(function: str, error: Exception) -> None:
    sys.stderr.write(f"{function}: {error}\n")
