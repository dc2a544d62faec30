"""The OpenAPI 3.1 document of the whole API, merged from the three functions' resolvers.

`python -m local.openapi` writes `docs/openapi.json`; a test fails when the committed file is stale.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_PATH = ROOT / "docs" / "openapi.json"
FUNCTION_MODULES = ("functions.doctors.app", "functions.availability.app", "functions.appointments.app")
DESCRIPTION = """Scheduling API of the hospital: doctors, their published slots, and appointments.

Every request is signed with AWS SigV4 (service `execute-api`); errors are RFC 9457 problem documents
(`application/problem+json`). Times are RFC 3339 with an offset. Request bodies are limited to 64 KiB (413);
list pages to 100 items; slot searches to 31 days."""


def build_openapi() -> dict[str, Any]:
    import importlib

    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    merge = OpenAPIMerge(
        title="Hospital scheduling API",
        version="1.0.0",
        description=DESCRIPTION,
        security_schemes={"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header"}},  # type: ignore[dict-item]
        security=[{"sigv4": []}],
        on_conflict="error",
    )
    for module in FUNCTION_MODULES:
        merge.add_schema(importlib.import_module(module).app.get_openapi_schema())
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.path[:0] = [str(ROOT / "layers" / "scheduling"), str(ROOT)]
    from local.template import function_environment, load_template, resources, table_names

    template = load_template()
    for function in resources(template, "AWS::Serverless::Function"):  # the functions read settings at import
        for name, value in function_environment(template, function, table_names(template)).items():
            os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    OPENAPI_PATH.write_text(render(build_openapi()))
    print(f"wrote {OPENAPI_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
