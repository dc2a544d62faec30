"""Checks on the raw request body, before anything parses it: size, encoding and media type."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aws_lambda_powertools.event_handler import Response

from scheduling.errors import BadRequest
from scheduling.http.problems import body_too_large, scheduling_error_response, unsupported_media_type

MAX_BODY_BYTES = 64 * 1024
JSON_MEDIA_TYPES = frozenset({"application/json", "application/merge-patch+json"})


def reject_unreadable_body(event: dict[str, Any]) -> Response[str] | None:
    """Bodies over 64 KiB are 413 and non-JSON bodies 415, before any parsing; merge-patch+json reads as JSON.

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
        return unsupported_media_type(media_type)
    for name in names:  # powertools parses only application/json
        headers[name] = "application/json"
    return None
