"""API Gateway's own answers (GatewayResponses in template.yaml), rendered as API Gateway renders them.

A response template is Velocity with `$context` variables: `$context.error.messageString` is the message as an
already-quoted JSON string, every other variable is substituted raw, and a reference to a variable that is not
set stays as written (Velocity's rule), which is how a template using one that API Gateway does not have shows up.
"""

from __future__ import annotations

import json
import re

_REFERENCE = re.compile(r"\$(!?)(?:\{context\.([\w.]*\w)\}|context\.([\w.]*\w))")


def render(template_body: str, context: dict[str, str]) -> str:
    """`context`: variable -> raw value, without `$context.` (e.g. {"error.message": "Missing Authentication
    Token", "error.responseType": "MISSING_AUTHENTICATION_TOKEN"}); `error.messageString` is derived."""
    variables = dict(context)
    if "error.message" in variables:
        variables.setdefault("error.messageString", json.dumps(variables["error.message"]))

    def substitute(found: re.Match[str]) -> str:
        quiet, name = found.group(1), found.group(2) or found.group(3)
        if name in variables:
            return variables[name]
        return "" if quiet else found.group(0)

    return _REFERENCE.sub(substitute, template_body)
