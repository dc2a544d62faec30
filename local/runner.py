"""Docker-free local API: serves every route of `template.yaml` on localhost, invoking the real handlers.

- Builds API Gateway REST proxy events (v1) from HTTP requests and turns handler results back into HTTP.
- Each function runs in worker processes that import its module once and serve one request at a time, as
  Lambda execution environments do (LOCAL_CONCURRENCY per function, default 8). Separate processes matter:
  powertools keeps the current event in process-wide state, so two requests must never share an interpreter.
- Embedded DynamoDB: moto's server in this process, with the template's tables; or `DYNAMODB_ENDPOINT_URL`
  for another one. Moto is not safe for overlapping operations (it applies a TransactWriteItems step by step),
  so each DynamoDB *operation* holds a lock; requests never do.

Run: `python -m local.runner [--port 3000] [--no-seed]` (the Makefile's `make run`).
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
for extra_path in (ROOT / "layers" / "scheduling", ROOT):
    if str(extra_path) not in sys.path:
        sys.path.insert(0, str(extra_path))

from local.template import (  # noqa: E402  # the layer must be importable first
    ApiRoute,
    api_routes,
    create_tables,
    function_environment,
    load_template,
    table_names,
)

SAMPLE_DOCTORS = ROOT / "local" / "sample_doctors.json"
LOCAL_ENVIRONMENT = {
    # moto and botocore need credentials and a region; none of them reach AWS.
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # No X-Ray daemon here, and metrics would print an EMF blob per request.
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LambdaContext:
    """What powertools reads from the Lambda context object."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:local"
    deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


MOTO_TIME = {"operations": 0, "seconds": 0.0}  # served at /_local/moto-stats, for the load benchmark


class EmbeddedDynamoDB:
    """Moto's DynamoDB over HTTP on a free local port, one operation at a time."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """One line per DynamoDB call would drown the runner's own output."""

        from local import moto_transactions

        moto_transactions.install()
        moto = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def one_operation_at_a_time(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            with lock:
                began = time.perf_counter()
                try:
                    return list(moto(environ, start_response))  # the whole answer is produced under the lock
                finally:
                    MOTO_TIME["operations"] += 1
                    MOTO_TIME["seconds"] += time.perf_counter() - began

        self._server = make_server("127.0.0.1", 0, one_operation_at_a_time, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name="embedded-dynamodb", daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()


@cache
def openapi_json() -> tuple[str, str]:
    from local.openapi import build_openapi, render

    return "application/json", render(build_openapi())


@cache
def swagger_ui() -> tuple[str, str]:
    """Swagger UI with its script and style inlined from powertools' package: works offline."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui as assets
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    folder = Path(assets.__file__).parent
    page = generate_swagger_html(
        spec=openapi_json()[1],
        swagger_js=(folder / "swagger-ui-bundle.min.js").read_text(),
        swagger_css=(folder / "swagger-ui.min.css").read_text(),
        swagger_base_url="",
        oauth2_config=None,
    )
    return "text/html; charset=utf-8", page


_environment_handler: Handler | None = None


def _start_environment(module_name: str, handler: str) -> None:
    """Worker process start-up (a Lambda init phase): import the function module once."""
    global _environment_handler  # noqa: PLW0603  # one handler per worker process, like a Lambda environment
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    _environment_handler = getattr(importlib.import_module(module_name), handler)


def _invoke_in_environment(function_name: str, timeout_seconds: float, event: dict[str, Any]) -> dict[str, Any]:
    assert _environment_handler is not None
    context = LambdaContext(
        function_name=function_name,
        aws_request_id=str(uuid.uuid4()),
        deadline=time.monotonic() + timeout_seconds,
    )
    return _environment_handler(event, context)


class ExecutionEnvironments:
    """Worker processes for one function, started on demand; each serves one request at a time."""

    def __init__(self, function_name: str, module_name: str, handler: str, limit: int, timeout_seconds: float) -> None:
        self._function_name, self._timeout = function_name, timeout_seconds
        self._pool = ProcessPoolExecutor(
            max_workers=limit,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_environment,
            initargs=(module_name, handler),
        )

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        return self._pool.submit(_invoke_in_environment, self._function_name, self._timeout, event).result()

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class LocalApi:
    """The template's routes bound to in-process handlers."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.routes = api_routes(template)
        self.timeout_seconds = int(template.get("Globals", {}).get("Function", {}).get("Timeout", 10))
        self._environments: dict[str, ExecutionEnvironments] = {}
        self.concurrency = int(os.environ.get("LOCAL_CONCURRENCY", "8"))
        self.pages: dict[str, Callable[[], tuple[str, str]]] = {
            "/openapi.json": openapi_json,
            "/docs": swagger_ui,
            "/_local/moto-stats": lambda: ("application/json", json.dumps(MOTO_TIME)),
        }

    def load_handlers(self) -> None:
        for route in self.routes:
            if route.function not in self._environments:
                module_name = ".".join(route.module_file.relative_to(ROOT).with_suffix("").parts)
                self._environments[route.function] = ExecutionEnvironments(
                    route.function, module_name, route.handler, self.concurrency, self.timeout_seconds
                )

    def stop(self) -> None:
        for environments in self._environments.values():
            environments.stop()

    def match(self, method: str, path: str) -> tuple[ApiRoute | None, dict[str, str], list[str]]:
        """The route for `method path`, its path parameters, and the methods the path allows."""
        allowed: list[str] = []
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            allowed.append(route.method)
            if route.method == method:
                return route, {name: unquote(value) for name, value in found.groupdict().items()}, allowed
        return None, {}, allowed

    def invoke(self, route: ApiRoute, event: dict[str, Any]) -> dict[str, Any]:
        return self._environments[route.function].invoke(event)


def build_event(
    route: ApiRoute,
    method: str,
    raw_path: str,
    path_parameters: dict[str, str],
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as API Gateway would send it."""
    parsed = urlsplit(raw_path)
    query = parse_qs(parsed.query, keep_blank_values=True)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    try:
        text_body: str | None = body.decode() if body else None
        is_base64 = False
    except UnicodeDecodeError:
        text_body, is_base64 = base64.b64encode(body).decode(), True
    request_id = str(uuid.uuid4())
    return {
        "resource": route.path,
        "path": parsed.path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": route.path,
            "httpMethod": method,
            "path": f"/local{parsed.path}",
            "stage": "local",
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": multi_headers.get("User-Agent", [None])[-1]},
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def make_request_handler(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "scheduling-local"

        def _serve(self) -> None:
            method = self.command
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if method == "GET" and path in api.pages:
                # Swagger UI links its document as /docs?format=json, as powertools serves it.
                wanted = "/openapi.json" if path == "/docs" and "format=json" in urlsplit(self.path).query else path
                content_type, page = api.pages[wanted]()
                self._send({"statusCode": 200, "headers": {"Content-Type": content_type}, "body": page})
                return
            route, path_parameters, allowed = api.match(method, path)
            if route is None:
                if allowed:
                    self._problem(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}.", allowed)
                else:
                    self._problem(HTTPStatus.NOT_FOUND, f"No route for {path}.")
                return
            event = build_event(
                route, method, self.path, path_parameters, list(self.headers.items()), body, self.client_address[0]
            )
            try:
                result = api.invoke(route, event)
            except Exception as error:  # what API Gateway answers when a function crashes
                sys.stderr.write(f"handler {route.function} crashed: {error!r}\n")
                self._problem(HTTPStatus.BAD_GATEWAY, "The function failed.")
                return
            self._send(result)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

        def _send(self, result: dict[str, Any]) -> None:
            payload = result.get("body") or ""
            data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
            self.send_response(int(result.get("statusCode", 200)))
            headers: dict[str, list[str]] = {
                name: [str(value)] for name, value in (result.get("headers") or {}).items()
            }
            for name, values in (result.get("multiValueHeaders") or {}).items():
                headers[name] = [str(value) for value in values]
            for name, values in headers.items():
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                    for value in values:
                        self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _problem(self, status: HTTPStatus, detail: str, allowed: list[str] | None = None) -> None:
            body = {"type": "about:blank", "title": status.phrase, "status": int(status), "detail": detail}
            headers = {"Content-Type": "application/problem+json"}
            if allowed:
                headers["Allow"] = ", ".join(sorted(set(allowed)))
            self._send({"statusCode": int(status), "headers": headers, "body": json.dumps(body)})

        def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's name
            if os.environ.get("LOCAL_ACCESS_LOG", "true") == "true":
                sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return RequestHandler


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once in the concurrency tests


def seed_sample_doctors(api: LocalApi) -> list[str]:
    """Create the sample doctors through the real POST /doctors handler."""
    route, _, _ = api.match("POST", "/doctors")
    assert route is not None
    created = []
    for doctor in json.loads(SAMPLE_DOCTORS.read_text()):
        event = build_event(
            route,
            "POST",
            "/doctors",
            {},
            [("Content-Type", "application/json")],
            json.dumps(doctor).encode(),
            "127.0.0.1",
        )
        result = api.invoke(route, event)
        if result["statusCode"] != HTTPStatus.CREATED:
            raise RuntimeError(f"seeding failed: {result['body']}")
        created.append(json.loads(result["body"])["id"])
    return created


@dataclass
class Runtime:
    """What `start` set up, so that `main` can serve it and tear it down."""

    server: LocalServer
    api: LocalApi
    seeded: list[str]
    embedded: EmbeddedDynamoDB | None = None
    endpoint: str = ""

    def stop(self) -> None:
        self.server.server_close()
        self.api.stop()
        if self.embedded is not None:
            self.embedded.stop()


def start(port: int, host: str = "127.0.0.1", seed: bool = True) -> Runtime:
    """Prepare DynamoDB and the functions, and bind the server (not yet serving)."""
    for name, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    template = load_template()
    tables = table_names(template)
    embedded = None
    if not os.environ.get("DYNAMODB_ENDPOINT_URL"):
        embedded = EmbeddedDynamoDB()
        os.environ["DYNAMODB_ENDPOINT_URL"] = embedded.url  # the worker processes inherit it
    endpoint = os.environ["DYNAMODB_ENDPOINT_URL"]

    import boto3

    create_tables(boto3.client("dynamodb", endpoint_url=endpoint), template, tables)
    api = LocalApi(template)
    shared: dict[str, str] = {}
    for route in api.routes:
        for name, value in function_environment(template, route.function, tables).items():
            if shared.setdefault(name, value) != value:
                raise RuntimeError(f"{name} differs between functions; the local runner shares one environment")
    for name, value in shared.items():
        os.environ.setdefault(name, value)  # what the caller exported wins, e.g. POWERTOOLS_LOG_LEVEL
    api.load_handlers()
    seeded = seed_sample_doctors(api) if seed else []
    server = LocalServer((host, port), make_request_handler(api))
    return Runtime(server, api, seeded, embedded, endpoint)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C: worker processes and the embedded DynamoDB end too


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-seed", action="store_true", help="start with empty tables")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    runtime = start(args.port, args.host, seed=not args.no_seed)
    where = f"embedded (moto, in memory, at {runtime.endpoint})" if runtime.embedded else runtime.endpoint
    print(f"DynamoDB: {where}; sample doctors: {', '.join(runtime.seeded) or 'none'}", flush=True)
    print(f"Local API running on http://{args.host}:{runtime.server.server_port} (Ctrl-C to stop)", flush=True)
    try:
        runtime.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
        print("Local API stopped.", flush=True)


if __name__ == "__main__":
    main()
