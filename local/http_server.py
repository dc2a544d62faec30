"""HTTP/1.1 on localhost: reads each request within deadlines, hands it to the gateway, writes the answer back.

What is malformed (local/http_framing.py) or too slow is answered with a problem document and the connection
is closed, never left hanging. Every wait is a total deadline, however slowly the bytes trickle in:
- a request head (request line and headers) not complete `head_seconds` after its first byte is 408;
- a body not complete `body_seconds` after its head is 408;
- a new connection that sends nothing for `head_seconds`, or a kept-alive one nothing for `idle_seconds`
  between requests, is closed without an answer (nothing was asked);
- past `max_connections` open connections, a new one is answered 503 + Retry-After and closed at once.
Unknown methods reach the gateway, which answers 403 MISSING_AUTHENTICATION_TOKEN as API Gateway does.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from local.gateway import Gateway, HttpRequest
from local.http_framing import (
    MAX_HEADER_COUNT,
    MAX_HEADER_LINE,
    MAX_HEADERS,
    MAX_REQUEST_LINE,
    Refused,
    RequestLine,
    body_length,
    expects_continue,
    keeps_alive,
    parse_header_line,
    parse_request_line,
    strip_line_end,
)
from local.problems import problem

DRAIN_SECONDS = 0.5  # after an error answer, unread input is read and dropped for at most this long in all
CHUNK = 65536


@dataclass(frozen=True)
class Limits:
    head_seconds: float = 10.0  # the whole request head, from its first byte (a new connection: from accept)
    body_seconds: float = 10.0  # the whole body, from the end of the head
    idle_seconds: float = 60.0  # a kept-alive connection with no next request is closed after this
    max_connections: int = 512  # open at once; more are answered 503


class LocalServer(ThreadingHTTPServer):
    """A thread per connection, at most `limits.max_connections` of them; `close_connections` ends them all."""

    daemon_threads = True
    request_queue_size = 256  # many clients connect at once in the concurrency tests

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], limits: Limits | None = None
    ) -> None:
        super().__init__(address, handler)
        self.limits = limits or Limits()
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            _turn_away(request, self.limits.max_connections)
            super().shutdown_request(request)  # not ours to release: the slot was never taken
            return
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            served = request in self._open  # it may be shut twice: by its thread, and by a Ctrl-C in the accept
            self._open.discard(request)
        super().shutdown_request(request)
        if served:
            self._slots.release()

    def close_connections(self) -> None:
        """Shut every open connection, so that no handler thread keeps serving one after the stop."""
        with self._lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _turn_away(connection: socket.socket, limit: int) -> None:
    """503 without reading the request (beyond what already arrived): sent from the accepting thread, never waiting."""
    detail = f"The runner serves at most {limit} connections at once."
    answer = problem(HTTPStatus.SERVICE_UNAVAILABLE, detail, {"Connection": "close"})
    body = answer["body"].encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in answer["headers"].items())
    status = HTTPStatus.SERVICE_UNAVAILABLE
    data = f"HTTP/1.1 {int(status)} {status.phrase}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body
    try:
        connection.setblocking(False)
        while connection.recv(CHUNK):  # what already arrived, so that the close is not a reset
            pass
    except OSError:
        pass
    try:
        connection.send(data)  # a fresh connection's send buffer takes it whole
        connection.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class DeadlineReader:
    """Reads a connection by deadlines (a time by which a whole head or body must be in), not per-read timeouts."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self._buffer = bytearray()

    @property
    def pending(self) -> bool:
        """Bytes of a next request (pipelined) are already here."""
        return bool(self._buffer)

    def readline(self, limit: int, deadline: float) -> bytes:
        """A line with its `\\n`; or `limit + 1` bytes without one (too long); or all that came before the end."""
        while True:
            end = self._buffer.find(b"\n", 0, limit + 1)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buffer) > limit:
                return self._take(limit + 1)
            if not self._fill(deadline):
                return self._take(len(self._buffer))

    def read(self, size: int, deadline: float) -> bytes:
        """`size` bytes, or fewer if the input ended; TimeoutError at the deadline."""
        while len(self._buffer) < size and self._fill(deadline):
            pass
        return self._take(min(size, len(self._buffer)))

    def wait(self, deadline: float) -> bool:
        """True once a byte is here, False if the input ended first; TimeoutError at the deadline."""
        return self.pending or self._fill(deadline)

    def drain(self, deadline: float) -> None:
        """Read and drop input until it ends or the deadline passes."""
        self._buffer.clear()
        try:
            while self._fill(deadline):
                self._buffer.clear()
        except (TimeoutError, OSError):
            pass

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self._connection.settimeout(remaining)
        chunk = self._connection.recv(CHUNK)
        self._buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken


class RequestTimedOut(Exception):
    """The head or the body did not arrive in time."""


def logged_target(gateway: Gateway, method: str, target: str) -> str:
    """What the access log says of a request's target: its route's template, as API Gateway's `resourcePath`
    (`/patients/{patient_id}/appointments`); never the path or the query string, which carry patient ids
    (`/patients/p-123/...`, `Appointment?patient=Patient%2Fp-123`). The runner's own pages by their path."""
    path = urlsplit(target).path
    route = gateway.router.match(method, path).route
    if route is not None:
        return route.path
    if path in gateway.pages or path in gateway.queries:
        return path
    return "(no route)"


def make_request_handler(
    gateway: Gateway, access_log: bool, limits: Limits | None = None
) -> type[BaseHTTPRequestHandler]:
    bounds = limits or Limits()

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "scheduling-local"

        def setup(self) -> None:
            super().setup()
            self.reader = DeadlineReader(self.connection)
            self.first_request = True

        def handle_one_request(self) -> None:
            self.requestline, self.request_version, self.command = "", self.protocol_version, ""
            self.close_connection = True
            silence = bounds.head_seconds if self.first_request else bounds.idle_seconds
            self.first_request = False
            try:
                if not self.reader.wait(time.monotonic() + silence):
                    return  # the client closed the connection
            except (TimeoutError, OSError):
                return  # nothing was asked (a silent new connection, or idle between requests): no answer
            try:
                request, keep_alive = self._read_request(time.monotonic() + bounds.head_seconds)
                self.connection.settimeout(bounds.idle_seconds)  # for writing the answer
                self._send(gateway.handle(request))
                self.close_connection = not keep_alive
            except Refused as refused:
                self._refuse(refused.status, refused.detail)
            except RequestTimedOut as timed_out:
                self._refuse(HTTPStatus.REQUEST_TIMEOUT, str(timed_out))
            except OSError:
                pass  # the client went away (or the runner is stopping): nothing to answer

        def _read_request(self, head_deadline: float) -> tuple[HttpRequest, bool]:
            """The request, and whether the connection stays open after it."""
            try:
                line = self._read_request_line(head_deadline)
                headers = self._read_headers(head_deadline)
            except TimeoutError:
                raise RequestTimedOut(f"The request head did not arrive within {bounds.head_seconds:g} s.") from None
            length = body_length(headers)
            if length and expects_continue(self.request_version, headers):
                self.connection.settimeout(bounds.body_seconds)
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                body = self.reader.read(length, time.monotonic() + bounds.body_seconds)
            except TimeoutError:
                late = f"The body did not arrive within {bounds.body_seconds:g} s ({length} bytes announced)."
                raise RequestTimedOut(late) from None
            if len(body) < length:
                short = f"The input ended after {len(body)} of the {length} bytes announced."
                raise Refused(HTTPStatus.BAD_REQUEST, short)
            request = HttpRequest(self.command, line.target, headers, body, self.client_address[0])
            return request, keeps_alive(line.version, headers)

        def _read_request_line(self, deadline: float) -> RequestLine:
            raw = self.reader.readline(MAX_REQUEST_LINE, deadline)
            while raw in {b"\r\n", b"\n"}:  # empty lines before a request are allowed (RFC 9112, 2.2)
                raw = self.reader.readline(MAX_REQUEST_LINE, deadline)
            if len(raw) > MAX_REQUEST_LINE:
                raise Refused(HTTPStatus.REQUEST_URI_TOO_LONG, f"The request line is over {MAX_REQUEST_LINE} bytes.")
            if not raw.endswith(b"\n"):
                raise Refused(HTTPStatus.BAD_REQUEST, "The input ended within the request line.")
            line = parse_request_line(raw)
            self.requestline = strip_line_end(raw).decode("latin-1")
            self.command, self.request_version = line.method, line.version
            return line

        def _read_headers(self, deadline: float) -> list[tuple[str, str]]:
            headers: list[tuple[str, str]] = []
            total = 0
            while True:
                raw = self.reader.readline(MAX_HEADER_LINE, deadline)
                if raw in {b"\r\n", b"\n"}:
                    return headers
                if len(raw) > MAX_HEADER_LINE:
                    too_long = f"A header line is over {MAX_HEADER_LINE} bytes."
                    raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, too_long)
                if not raw.endswith(b"\n"):
                    raise Refused(HTTPStatus.BAD_REQUEST, "The input ended within the request head.")
                total += len(raw)
                if total > MAX_HEADERS or len(headers) >= MAX_HEADER_COUNT:
                    too_many = f"The headers are over {MAX_HEADERS} bytes or {MAX_HEADER_COUNT} lines."
                    raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, too_many)
                headers.append(parse_header_line(raw))

        def _refuse(self, status: HTTPStatus, detail: str) -> None:
            """Answer a request the runner will not read further, then end the connection cleanly."""
            self.log_error("%d %s", int(status), detail)
            self.close_connection = True
            try:
                self.connection.settimeout(DRAIN_SECONDS)
                if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:  # API Gateway's own answer: its gateway response
                    answer = gateway.gateway_response("REQUEST_TOO_LARGE", "Request Too Long")
                    answer["headers"]["Connection"] = "close"
                else:
                    answer = problem(status, detail, {"Connection": "close"})
                self._send(answer)
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                return
            self.reader.drain(time.monotonic() + DRAIN_SECONDS)  # unread input would make the close a reset

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
                if name.lower() not in {"content-length", "transfer-encoding"}:
                    for value in values:
                        self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """One line per answer: the route's template, never the path or the query (patient ids)."""
            if access_log:
                method, _, rest = self.requestline.partition(" ")
                target = logged_target(gateway, method, rest.rpartition(" ")[0] or rest)
                status = code.value if isinstance(code, HTTPStatus) else code
                sys.stderr.write(f'{self.address_string()} "{method} {target}" {status} {size}\n')

        def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's name
            if access_log:
                sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return RequestHandler
