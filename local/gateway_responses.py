"""Renders a gateway response's body template the way API Gateway does (used by the template tests and the runner).

A gateway response template is not VTL: API Gateway substitutes `$context.*` variables and nothing else. Two of
them are JSON strings already, quotes included: `$context.error.messageString` (the message) and
`$context.error.validationErrorString`; every other variable is its raw text (`$context.error.message`,
`$context.error.responseType`, `$context.requestId`), so a template quotes those itself. A variable the context
does not carry renders as nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
# Variables API Gateway substitutes as a JSON string literal (quoted and escaped), from the raw variable named.
_QUOTED_FROM = {"error.messageString": "error.message", "error.validationErrorString": "error.validationErrors"}


def render(template_body: str, context: Mapping[str, str]) -> str:
    """`template_body` with each `$context.<name>` replaced; `context` maps names (`error.message`,
    `error.responseType`, `requestId`, ...) to their raw text."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _QUOTED_FROM:
            return json.dumps(context.get(_QUOTED_FROM[name], ""))
        return context.get(name, "")

    return _VARIABLE.sub(value, template_body)
