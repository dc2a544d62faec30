"""HTTP/1.1 on localhost: reads requests strictly, hands them to the gateway, writes its answers back.

Malformed framing is answered with a problem document and the connection is closed, never left hanging:
a request line over 32 KiB is 414; a header line over 8 KiB or headers over 16 KiB in all are 431; a
`Content-Length` that is not one non-negative integer is 400; `Transfer-Encoding` (chunked bodies) is 411;
a body over API Gateway's 10 MB is 413; a body that stops arriving is 408. Unknown methods reach the
gateway, which answers 405.
"""

from __future__ import annotations

import base64
import socket
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.gateway import Gateway, HttpRequest
from local.problems import problem

# API Gateway refuses a request line over about 10 KB. The runner allows more because the contract fuzzing
# (tests/api/test_fuzzing.py) sends invalid query values percent-encoded to over 24 KB, and 414 is not in the
# document: the function's 422 is what it checks.
MAX_REQUEST_LINE = 32 * 1024
MAX_HEADER_LINE = 8 * 1024
MAX_HEADERS = 16 * 1024
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
IDLE_SECONDS = 60.0  # a kept-alive connection with no next request is closed after this
BODY_SECONDS = 10.0  # a body that stops arriving for this long is 408
DRAIN_SECONDS = 0.5  # after an error answer, unread input is read and dropped for at most this long


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many clients connect at once in the concurrency tests


def make_request_handler(gateway: Gateway, access_log: bool) -> type[BaseHTTPRequestHandler]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "scheduling-local"
        timeout = IDLE_SECONDS

        def handle_one_request(self) -> None:
            try:
                self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
                if not self.raw_requestline:
                    self.close_connection = True
                    return
                if len(self.raw_requestline) > MAX_REQUEST_LINE:
                    self.requestline, self.request_version, self.command = "", self.protocol_version, ""
                    self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, f"The request line is over {MAX_REQUEST_LINE} bytes.")
                    return
                if not self.parse_request():  # it answered through send_error
                    return
                self._serve()
                self.wfile.flush()
            except TimeoutError:
                self.close_connection = True  # idle too long between requests

        def _serve(self) -> None:
            header_lines = [len(name) + len(value) + 4 for name, value in self.headers.items()]
            if any(length > MAX_HEADER_LINE for length in header_lines):
                self._refuse(
                    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"A header line is over {MAX_HEADER_LINE} bytes."
                )
                return
            if sum(header_lines) > MAX_HEADERS:
                self._refuse(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"The headers are over {MAX_HEADERS} bytes.")
                return
            if self.headers.get("Transfer-Encoding") is not None:
                self._refuse(HTTPStatus.LENGTH_REQUIRED, "Send the body with a Content-Length, not chunked.")
                return
            lengths = self.headers.get_all("Content-Length") or ["0"]
            if len(set(lengths)) != 1 or not lengths[0].strip().isdigit() or not lengths[0].strip().isascii():
                self._refuse(HTTPStatus.BAD_REQUEST, "Content-Length must be one non-negative integer.")
                return
            length = int(lengths[0])
            if length > MAX_BODY:
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body is over {MAX_BODY} bytes.")
                return
            self.connection.settimeout(BODY_SECONDS)
            try:
                body = self.rfile.read(length) if length else b""
            except TimeoutError:
                body = None
            self.connection.settimeout(IDLE_SECONDS)
            if body is None or len(body) < length:
                self._refuse(HTTPStatus.REQUEST_TIMEOUT, f"The body did not arrive ({length} bytes announced).")
                return
            request = HttpRequest(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
            self._send(gateway.handle(request))

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The standard library's framing errors (bad request line, too many headers) as problems."""
            status = HTTPStatus(code)
            if status == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:
                status = HTTPStatus.BAD_REQUEST  # the runner answers no 5xx but 503 for what a client sent
            if not self.request_version or self.request_version == "HTTP/0.9":
                self.request_version = self.protocol_version
            self._refuse(status, explain or message or status.description)

        def _refuse(self, status: HTTPStatus, detail: str) -> None:
            """Answer a request the runner will not read further, then end the connection cleanly."""
            self.log_error("%d %s", int(status), detail)
            self._send(problem(status, detail, {"Connection": "close"}))
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
                self.connection.settimeout(DRAIN_SECONDS)
                while self.connection.recv(65536):  # unread input would make the close a reset, losing the answer
                    pass
            except OSError:
                pass

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

        def log_message(self, format: str, *args: Any) -> None:  # BaseHTTPRequestHandler's name
            if access_log:
                sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return RequestHandler
