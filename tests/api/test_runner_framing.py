"""Malformed HTTP framing gets a problem+json answer at once, never a hang or an HTML page.

Raw sockets, because HTTP clients refuse to send most of these requests. Each socket has a timeout (5 s, or the
runner's deadline plus 5 s): an answer that does not come (or a connection left open after a refusal) fails the
test. The slow-client cases run a server of their own in this process, with deadlines of a second.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.gateway import Gateway
from local.http_server import Limits, LocalServer, make_request_handler
from local.routing import Router
from tests.api.conftest import Api
from tests.support.waiting import until

ANSWER_SECONDS = 5
LONG = "a" * 40_000  # over the runner's 32 KiB request line and 8 KiB header line


def connect(base_url: str, timeout: float = ANSWER_SECONDS) -> socket.socket:
    address = urlsplit(base_url)
    return socket.create_connection((address.hostname, address.port), timeout=timeout)


def read_answer(connection: socket.socket) -> tuple[http.client.HTTPResponse, Any]:
    answer = http.client.HTTPResponse(connection)
    answer.begin()
    return answer, json.loads(answer.read())


def send_raw(api: Api, request: bytes) -> tuple[http.client.HTTPResponse, Any, socket.socket]:
    connection = connect(api.base_url)
    connection.sendall(request)
    answer, body = read_answer(connection)
    return answer, body, connection


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        pytest.param(b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", 400, id="negative length"),
        pytest.param(b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", 400, id="text length"),
        pytest.param(
            b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
            400,
            id="two lengths",
        ),
        pytest.param(
            b"POST /doctors HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            411,
            id="chunked body",
        ),
        pytest.param(f"GET /doctors?q={LONG} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 414, id="long url"),
        pytest.param(f"GET /doctors HTTP/1.1\r\nHost: x\r\nX-Long: {LONG}\r\n\r\n".encode(), 431, id="long header"),
        pytest.param(b"GET /doctors HTTP/2.0\r\nHost: x\r\n\r\n", 400, id="unsupported version"),
        pytest.param(b"GET /doctors nonsense HTTP/1.1\r\nHost: x\r\n\r\n", 400, id="bad request line"),
        pytest.param(
            b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5_000 + b"\r\n\r\n{}",
            413,
            id="length of 5000 digits",
        ),
        pytest.param(
            b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
            413,
            id="length of 23 digits",
        ),
        pytest.param(
            b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: \xd9\xa3\r\n\r\n{}", 400, id="non-ascii digits"
        ),
        pytest.param(b"GET /doctors\r\n\r\n", 400, id="http/0.9 request line"),
        pytest.param(b"GET /doctors HTTP/1.2\r\nHost: x\r\n\r\n", 400, id="http/1.2"),
        pytest.param(b"GET /doctors HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, id="header without colon"),
        pytest.param(b"GET /doctors HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", 400, id="space in header name"),
        pytest.param(b"GET /doctors HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, id="folded header"),
        pytest.param(
            b"GET /doctors HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(101)) + b"\r\n",
            431,
            id="101 headers",
        ),
    ],
)
def test_malformed_framing_is_refused_with_a_problem_and_the_connection_closed(
    api: Api, request_bytes: bytes, status: int
) -> None:
    answer, body, connection = send_raw(api, request_bytes)
    with connection:
        assert answer.status == status
        assert answer.getheader("Content-Type") == "application/problem+json"
        if status == 413:  # API Gateway's REQUEST_TOO_LARGE, rendered from the template's gateway responses
            assert body["code"] == "REQUEST_TOO_LARGE"
        else:
            assert body["status"] == status
        assert body["detail"]
        assert connection.recv(1) == b""  # closed by the runner, not left waiting for the rest


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_unknown_methods_are_403_as_api_gateway_answers_them(api: Api, method: str) -> None:
    answer, body, connection = send_raw(api, f"{method} /doctors HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    with connection:
        assert answer.status == 403
        assert answer.getheader("Content-Type") == "application/problem+json"
        assert body["code"] == "MISSING_AUTHENTICATION_TOKEN"


def test_head_is_403_like_any_method_without_a_route_and_carries_no_body(api: Api) -> None:
    """The outside tester saw `HEAD /doctors` answer 405; the template has no HEAD routes, so API Gateway answers
    403 MISSING_AUTHENTICATION_TOKEN, and a HEAD answer has no body: the next request on the connection is read."""
    request = b"HEAD /doctors HTTP/1.1\r\nHost: x\r\n\r\nGET /doctors?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", urlsplit(api.base_url).port or 80), timeout=30) as connection:
        connection.sendall(request)
        head = http.client.HTTPResponse(connection, method="HEAD")
        head.begin()
        head.read()
        following = http.client.HTTPResponse(connection, method="GET")
        following.begin()

        assert (head.status, head.getheader("Content-Type")) == (403, "application/problem+json")
        assert following.status == 200
        assert "items" in json.loads(following.read())


def test_a_refusal_does_not_spoil_the_next_request_on_another_connection(api: Api) -> None:
    send_raw(api, b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")[2].close()

    assert api.get("/doctors", params={"limit": 1}).status_code == 200


def test_a_leading_zero_length_and_http_1_0_are_served(api: Api) -> None:
    answer, body, connection = send_raw(api, b"GET /doctors?limit=1 HTTP/1.0\r\nContent-Length: 0000\r\n\r\n")
    with connection:
        assert answer.status == 200
        assert "items" in body
        assert connection.recv(1) == b""  # HTTP/1.0 without keep-alive: closed after the answer


def test_a_request_head_that_never_ends_is_408_after_the_head_deadline(api: Api) -> None:
    """Many clients stop inside their headers; each is answered 408 once its 10 s are up, and closed."""
    connections = [connect(api.base_url, timeout=10 + ANSWER_SECONDS) for _ in range(50)]
    try:
        for connection in connections:
            connection.sendall(b"GET /doctors HTTP/1.1\r\nHost: x\r\n")  # no empty line: the head goes on
        for connection in connections:
            answer, body = read_answer(connection)
            assert answer.status == 408
            assert body["status"] == 408
            assert connection.recv(1) == b""
    finally:
        for connection in connections:
            connection.close()
    assert api.get("/doctors", params={"limit": 1}).status_code == 200


QUICK = Limits(head_seconds=1, body_seconds=1, idle_seconds=2, max_connections=4)
DRIP_SECONDS = 0.3


@pytest.fixture
def quick_server() -> Iterator[str]:
    """A server with one-second deadlines and four connections, in front of a gateway with no routes (403s)."""
    server = LocalServer(("127.0.0.1", 0), make_request_handler(Gateway(Router([]), {}), False, QUICK), QUICK)
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    server.close_connections()


def drip(connection: socket.socket, data: bytes, sent: list[int]) -> None:
    """Send one byte every DRIP_SECONDS, never pausing long enough for a per-read timeout, until refused or
    answered; `sent` counts the bytes that went out."""
    for byte in data:
        try:
            connection.sendall(bytes([byte]))
        except OSError:
            return  # refused and closed
        sent.append(byte)
        time.sleep(DRIP_SECONDS)


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GET /doctors HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 100 + b"\r\n\r\n", id="slow head"),
        pytest.param(b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", id="slow body"),
    ],
)
def test_a_request_trickling_in_is_408_when_its_whole_deadline_passes(quick_server: str, request_bytes: bytes) -> None:
    with connect(quick_server) as connection:
        if b"Content-Length" in request_bytes:
            connection.sendall(request_bytes)  # the head at once, then the body a byte at a time
            request_bytes = b"{" + b" " * 99
        sent: list[int] = []
        dripping = threading.Thread(target=drip, args=(connection, request_bytes, sent), daemon=True)
        dripping.start()
        answer, body = read_answer(connection)
        sent_when_answered = len(sent)

    assert answer.status == 408
    assert body["status"] == 408
    # The request's whole deadline (1 s) ended it mid-trickle: a per-read timeout would have let every byte in.
    assert sent_when_answered < len(request_bytes)


def test_a_new_connection_that_sends_nothing_is_closed_without_an_answer(quick_server: str) -> None:
    with connect(quick_server) as connection:
        assert connection.recv(1) == b""  # after the 1 s head deadline, before the socket's 5 s timeout


def test_connections_past_the_bound_are_503_at_once(quick_server: str) -> None:
    held = [connect(quick_server) for _ in range(QUICK.max_connections)]
    try:
        for connection in held:  # each is being served (waiting for its request), so each holds a place
            connection.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_answer(connection)[0].status == 403
        with connect(quick_server) as extra:
            answer, body = read_answer(extra)
            assert answer.status == 503
            assert answer.getheader("Retry-After") == "1"
            assert body["status"] == 503
    finally:
        for connection in held:
            connection.close()

    def served_again() -> bool:
        with connect(quick_server) as again:
            again.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            return read_answer(again)[0].status == 403

    until(served_again, "a place freed once the server notices the closes")
