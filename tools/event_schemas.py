"""JSON Schema (2020-12) of every domain event, from the pydantic models the events function publishes with.

`python -m tools.event_schemas` (`make openapi`) writes `docs/events/<type>.schema.json`, one per
CloudEvents type; a test fails when a committed file is stale or missing.
"""

from __future__ import annotations

import json
from typing import Any

from local.paths import ROOT, use_source_tree

SCHEMAS_DIR = ROOT / "docs" / "events"


def build_schemas() -> dict[str, dict[str, Any]]:
    """File name -> the schema of one event type: the CloudEvent envelope with that `type` and its `data`."""
    from scheduling.events.models import EVENT_TYPES, CloudEvent, full_type

    schemas = {}
    for short, data_model in EVENT_TYPES.items():
        schema = CloudEvent[data_model].model_json_schema(mode="serialization")  # type: ignore[valid-type]
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{full_type(short)}.schema.json"
        schema["title"] = full_type(short)
        schema["description"] = (
            f"A `{full_type(short)}` CloudEvent as carried in the EventBridge `detail` (detail-type = its type)."
        )
        schema["properties"]["type"] = {"const": full_type(short), "title": "Type", "type": "string"}
        schemas[f"{full_type(short)}.schema.json"] = schema
    return schemas


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    use_source_tree()
    SCHEMAS_DIR.mkdir(parents=True, exist_ok=True)
    for name, schema in build_schemas().items():
        (SCHEMAS_DIR / name).write_text(render(schema))
    print(f"wrote {len(build_schemas())} schemas to {SCHEMAS_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
