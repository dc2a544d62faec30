"""Checks on the raw request body before the resolver parses it: size, encoding, media type, nesting, top level."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import Response

from scheduling.errors import BadRequest, FieldProblem, InvalidInput
from scheduling.http.problems import (
    body_too_large,
    json_number_too_long,
    json_too_deep,
    scheduling_error_response,
    unsupported_media_type,
)

MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})
PATCH_MEDIA_TYPES = "application/merge-patch+json or application/json"  # as a 415 on PATCH names them
# Our deepest document is 4 levels (overrides -> date -> interval list -> interval). Python's parser and
# validators recurse per level and fail with RecursionError near 1,000 levels, which a 2 KB body reaches.
MAX_JSON_DEPTH = 32
# A JSON string, or an unterminated one up to the end (never fails, so it never backtracks: linear time).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
# Python refuses to read integers over 4,300 digits (a ValueError deep in the parser); no number this API
# takes needs more than a few, so any number with more than 100 digits is refused before parsing.
MAX_NUMBER_DIGITS = 100
_LONG_DIGITS = re.compile(f"[0-9]{{{MAX_NUMBER_DIGITS + 1},}}")


def reject_unreadable_body(event: dict[str, Any]) -> Response[str] | None:
    """Bodies over 64 KiB are 413, non-JSON bodies 415, JSON nested over 32 levels or with numbers over 100
    digits 400, a JSON array 422.

    Normalises the event in place for the resolver: a base64 body is decoded, the JSON media types read as
    `application/json` (powertools parses only that one).
    """
    body = event.get("body") or ""
    if event.get("isBase64Encoded") and body:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
            return scheduling_error_response(BadRequest("The body is not UTF-8 text."))
        event["body"], event["isBase64Encoded"] = body, False
    size = len(body.encode())
    if size > MAX_BODY_BYTES:
        return body_too_large(size, MAX_BODY_BYTES)
    if not body:
        return None
    headers = event.get("headers") or {}
    names = [name for name in headers if name.lower() == "content-type"]
    media_type = headers[names[0]].split(";")[0].strip().lower() if names else ""
    if media_type and media_type not in JSON_MEDIA_TYPES:
        patching = str(event.get("httpMethod", "")).upper() == "PATCH"
        return unsupported_media_type(media_type, PATCH_MEDIA_TYPES if patching else "application/json")
    for name in names:  # powertools parses only application/json
        headers[name] = "application/json"
    return _unreadable_json(body)


def _unreadable_json(body: str) -> Response[str] | None:
    if nests_deeper_than(body, MAX_JSON_DEPTH):
        return json_too_deep(MAX_JSON_DEPTH)
    if has_a_number_longer_than(body, MAX_NUMBER_DIGITS):
        return json_number_too_long(MAX_NUMBER_DIGITS)
    if has_a_non_json_number(body):
        return scheduling_error_response(
            BadRequest("The body is not valid JSON: NaN, Infinity and -Infinity are not JSON numbers (RFC 8259).")
        )
    if (twice := a_name_given_twice(body)) is not None:
        return scheduling_error_response(BadRequest(twice))
    if _is_json_array(body):
        # powertools validates a list body against an object parameter as its first element; we refuse it.
        return scheduling_error_response(InvalidInput([FieldProblem("body", "must be a JSON object, not an array")]))
    return None


class _NonJsonConstant(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonJsonConstant(name)


def has_a_non_json_number(text: str) -> bool:
    """Python's parser (and so powertools') reads NaN and Infinity, which JSON does not have."""
    if "NaN" not in text and "Infinity" not in text:
        return False
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except _NonJsonConstant:
        return True
    except ValueError:
        return False  # malformed for another reason: the parser's 400
    return False


class _NameGivenTwice(ValueError):
    pass


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            raise _NameGivenTwice(name)
        seen.add(name)
    return dict(pairs)


def a_name_given_twice(text: str) -> str | None:
    """Why the body is refused if an object in it names a member more than once, else None. RFC 8259 says names
    SHOULD be unique and parsers differ on which value wins (Python's takes the last): we refuse rather than
    guess. The name is said (a field name, never a value); malformed text is left to the parser's 400."""
    if text.count('"') < 4:
        return None  # fewer than two strings: no object with two members
    try:
        json.loads(text, object_pairs_hook=_unique_names)
    except _NameGivenTwice as twice:
        return f"The body is refused: an object in it names the member {json.dumps(str(twice)[:100])} more than once."
    except ValueError:
        return None
    return None


def _is_json_array(text: str) -> bool:
    if not text.lstrip().startswith("["):
        return False
    try:
        json.loads(text)  # at most 32 levels deep by now; malformed text is left to the parser's 400
    except ValueError:
        return False
    return True


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether JSON `text` opens more than `limit` arrays or objects inside one another (strings ignored).

    Linear in the text and done by the regex engine; bodies with at most `limit` brackets, nearly all of them,
    are answered by two counts. Malformed text gets an answer too, and the parser then rejects it anyway.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def has_a_number_longer_than(text: str, digits: int) -> bool:
    """Whether JSON `text` has a number (outside strings) with a run of more than `digits` digits."""
    if not _LONG_DIGITS.search(text):
        return False  # nearly every body: one scan, no string stripping
    return bool(re.search(f"[0-9]{{{digits + 1},}}", _JSON_STRING.sub("", text)))
