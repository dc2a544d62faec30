"""HTTP request -> API Gateway REST (v1) proxy event, as API Gateway sends it to a function."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.template import ApiRoute


def build_event(
    route: ApiRoute,
    method: str,
    raw_path: str,
    path_parameters: dict[str, str],
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    caller: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event for `method raw_path` (path and query as sent) matched to `route`; `caller` is the identity
    API Gateway's `AWS_IAM` authorizer sets (userArn, caller, user, accessKey: local/principal.py)."""
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
            "identity": {
                "sourceIp": source_ip,
                "userAgent": multi_headers.get("User-Agent", [None])[-1],
                "accountId": "123456789012" if caller else None,
                **(caller or {}),
            },
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }
