"""HTTP/1.0 and HTTP/1.1 request heads, parsed strictly: anything malformed is `Refused` with the status to answer.

Pure functions over bytes (no sockets, no clocks); local/http_server.py reads the bytes within its deadlines.

- The request line is exactly `METHOD SP target SP HTTP/1.0|HTTP/1.1`: anything else (HTTP/0.9's `GET /path`,
  HTTP/2.0, extra words, control characters) is 400; over MAX_REQUEST_LINE bytes it is 414.
- A header line is `name: value` with a token name: a line without a colon, a space before the colon, a folded
  (indented) line or a control character is 400; a line over MAX_HEADER_LINE, headers over MAX_HEADERS in all or
  more than MAX_HEADER_COUNT lines are 431.
- `Content-Length` is one run of ASCII digits (RFC 9110's `1*DIGIT`; repeated only with the same value), else 400.
  Its size is judged without `int()` on the whole text, so a number of any length over MAX_BODY is 413 (5,000
  digits included), never a crash. `Transfer-Encoding` (chunked bodies) is 411.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

# API Gateway refuses a request line over about 10 KB. The runner allows more because the contract fuzzing
# (tests/api/test_fuzzing.py) sends invalid query values percent-encoded to over 24 KB, and 414 is not in the
# document: the function's 422 is what it checks.
MAX_REQUEST_LINE = 32 * 1024
MAX_HEADER_LINE = 8 * 1024
MAX_HEADERS = 16 * 1024
MAX_HEADER_COUNT = 100
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
VERSIONS = ("HTTP/1.0", "HTTP/1.1")

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: methods and header names
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # horizontal tab is allowed in header values
DIGITS = re.compile(r"[0-9]+")


class Refused(Exception):
    """The request cannot be served as framed: answer `status` with `detail` and close the connection."""

    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class RequestLine:
    method: str
    target: str
    version: str


def strip_line_end(line: bytes) -> bytes:
    """The line without its `\\r\\n` (or bare `\\n`, which HTTP/1.1 allows a server to accept)."""
    return line.removesuffix(b"\n").removesuffix(b"\r")


def parse_request_line(line: bytes) -> RequestLine:
    text = strip_line_end(line).decode("latin-1")
    parts = text.split(" ")
    if len(parts) != 3 or not all(parts) or CONTROL.search(text) or "\t" in text:
        raise Refused(HTTPStatus.BAD_REQUEST, "The request line must be `METHOD target HTTP/1.1` (or HTTP/1.0).")
    method, target, version = parts
    if not TOKEN.fullmatch(method):
        raise Refused(HTTPStatus.BAD_REQUEST, "The method is not a token.")
    if version not in VERSIONS:
        raise Refused(HTTPStatus.BAD_REQUEST, f"Only {' and '.join(VERSIONS)} are served, not {version[:20]!r}.")
    return RequestLine(method, target, version)


def parse_header_line(line: bytes) -> tuple[str, str]:
    text = strip_line_end(line).decode("latin-1")
    if text[:1] in {" ", "\t"}:
        raise Refused(HTTPStatus.BAD_REQUEST, "Folded (indented) header lines are not accepted.")
    name, colon, value = text.partition(":")
    if not colon or not TOKEN.fullmatch(name):
        raise Refused(HTTPStatus.BAD_REQUEST, "A header line is not `name: value` with a token name.")
    value = value.strip(" \t")
    if CONTROL.search(value):
        raise Refused(HTTPStatus.BAD_REQUEST, f"The {name} header has a control character.")
    return name, value


def header_values(headers: list[tuple[str, str]], wanted: str) -> list[str]:
    return [value for name, value in headers if name.lower() == wanted.lower()]


def body_length(headers: list[tuple[str, str]]) -> int:
    """The number of body bytes the request announces (0 without a `Content-Length`)."""
    if header_values(headers, "Transfer-Encoding"):
        raise Refused(HTTPStatus.LENGTH_REQUIRED, "Send the body with a Content-Length, not chunked.")
    lengths = header_values(headers, "Content-Length")
    if not lengths:
        return 0
    if len(set(lengths)) != 1 or not DIGITS.fullmatch(lengths[0]):
        raise Refused(HTTPStatus.BAD_REQUEST, "Content-Length must be one non-negative integer.")
    significant = lengths[0].lstrip("0") or "0"
    if len(significant) > len(str(MAX_BODY)) or int(significant) > MAX_BODY:  # int() only on a few digits
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body is over {MAX_BODY} bytes.")
    return int(significant)


def keeps_alive(version: str, headers: list[tuple[str, str]]) -> bool:
    """HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes it unless told `keep-alive`."""
    options = {option.strip().lower() for value in header_values(headers, "Connection") for option in value.split(",")}
    if version == "HTTP/1.0":
        return "keep-alive" in options
    return "close" not in options


def expects_continue(version: str, headers: list[tuple[str, str]]) -> bool:
    return version == "HTTP/1.1" and any(value.lower() == "100-continue" for value in header_values(headers, "Expect"))
