"""Malformed HTTP framing gets a problem+json answer at once, never a hang or an HTML page.

Raw sockets, because HTTP clients refuse to send most of these requests. Each socket has a 5 s timeout: an
answer that does not come (or a connection left open after a refusal) fails the test.
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import Api

ANSWER_SECONDS = 5
LONG = "a" * 40_000  # over the runner's 32 KiB request line and 8 KiB header line


def send_raw(api: Api, request: bytes) -> tuple[http.client.HTTPResponse, Any, socket.socket]:
    address = urlsplit(api.base_url)
    connection = socket.create_connection((address.hostname, address.port), timeout=ANSWER_SECONDS)
    connection.sendall(request)
    answer = http.client.HTTPResponse(connection)
    answer.begin()
    return answer, json.loads(answer.read()), connection


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
    ],
)
def test_malformed_framing_is_refused_with_a_problem_and_the_connection_closed(
    api: Api, request_bytes: bytes, status: int
) -> None:
    answer, body, connection = send_raw(api, request_bytes)
    with connection:
        assert answer.status == status
        assert answer.getheader("Content-Type") == "application/problem+json"
        assert body["status"] == status
        assert body["detail"]
        assert connection.recv(1) == b""  # closed by the runner, not left waiting for the rest


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_unknown_methods_are_405_with_the_methods_the_path_has(api: Api, method: str) -> None:
    answer, body, connection = send_raw(api, f"{method} /doctors HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    with connection:
        assert answer.status == 405
        assert answer.getheader("Content-Type") == "application/problem+json"
        assert answer.getheader("Allow") == "GET, POST"
        assert body["status"] == 405


def test_a_refusal_does_not_spoil_the_next_request_on_another_connection(api: Api) -> None:
    send_raw(api, b"POST /doctors HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")[2].close()

    assert api.get("/doctors", params={"limit": 1}).status_code == 200
