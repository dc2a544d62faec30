"""The OpenAPI 3.1 document of the whole API, merged from the resolvers of every function in the template.

`python -m tools.openapi` (`make openapi`) writes `docs/openapi.json`; a test fails when the committed file is stale.
"""

from __future__ import annotations

import json
import os
from typing import Any

from local.environment import OFFLINE_AWS, export_functions_environment
from local.paths import OPENAPI_PATH, ROOT, use_source_tree

DESCRIPTION = """Scheduling API of the hospital: doctors, their published slots, holds, and appointments.

Every request is signed with AWS SigV4 (service `execute-api`); errors are RFC 9457 problem documents
(`application/problem+json`). Times are RFC 3339 with an offset. Request bodies are limited to 64 KiB (413);
list pages to 100 items; slot searches to 31 days.

The schemas say what the server enforces: request bodies refuse unknown fields (a merge patch may name one only
as `null`, which removes nothing), times carry their format and the years of the supported range, integers and
lengths their bounds. What a schema cannot say (a slot on the doctor's grid, the booking horizon and notice of
`rules`, a window of at most 31 days) is in the descriptions, and refused with 422 problem+json.

The examples fit together and succeed as written with the clock at 2035-06-01T12:00:00Z: a doctor created from
`DoctorIn`'s examples, then any request body's example (a `hold_id` or a path id being the one the API issued).
At any other time, move every date-time in them by the fewest whole weeks that bring 2035-06-01T12:00:00Z to now
or later, keeping its wall-clock time in the doctor's zone (America/New_York, so the offset follows summer time):
the slots then fall on the same weekdays and hours, after the notice and inside the 90-day horizon of the
example rules. The examples book the same patient at the same times, so on one API each needs a doctor of its own
and the patient free (tests/functional/test_openapi_examples.py with the clock set,
tests/api/test_openapi_examples_http.py over HTTP on the real clock)."""


FHIR_PREFIX = "/fhir/"


def is_native(path: str) -> bool:
    """Whether a template route belongs to the native API (documented here) rather than the FHIR facade."""
    return not path.startswith(FHIR_PREFIX)


def function_modules() -> list[str]:
    """The module of every function that serves native API routes, as the template names them (`functions.x.app`).

    The FHIR facade (`/fhir/R4`) is not in this document: its contract is FHIR's, told by its CapabilityStatement
    (`GET /fhir/R4/metadata`) and docs/fhir.md."""
    from local.template import api_routes, load_template

    files = sorted({route.module_file for route in api_routes(load_template()) if is_native(route.path)})
    return [".".join(file.relative_to(ROOT).with_suffix("").parts) for file in files]


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
    for module in function_modules():
        merge.add_schema(importlib.import_module(module).app.get_openapi_schema())
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    use_source_tree()
    export_functions_environment()  # the functions read their settings at import
    os.environ.setdefault("AWS_DEFAULT_REGION", OFFLINE_AWS["AWS_DEFAULT_REGION"])
    OPENAPI_PATH.write_text(render(build_openapi()))
    print(f"wrote {OPENAPI_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
