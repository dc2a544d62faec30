"""`local/env.json`, the `sam local --env-vars` file: every function pointed at `make sam-api`'s DynamoDB and tables.

Derived from the template: for each function, the variables that name a resource (`!Ref` a table or the bus,
given their local names) and the endpoint variables the template declares empty for AWS. The SAM CLI overrides
only what the template declares, so nothing else can go in. Run `python -m local.sam_env` after changing the
functions' environment (a test fails while env.json is stale); `--dynamodb-url` writes another endpoint.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from local.paths import ROOT
from local.template import event_bus_names, function_environment, load_template, resources, table_names

ENV_JSON = ROOT / "local" / "env.json"
DYNAMODB_PORT = 8000  # the port of the DynamoDB `make sam-api` starts (DYNAMODB_PORT to change)
# Where containers on rootful podman's default bridge reach this machine (local/containers.py): the SAM CLI
# puts its containers there, so 127.0.0.1 would be the container itself.
DEFAULT_DYNAMODB_URL = f"http://10.88.0.1:{DYNAMODB_PORT}"
ENDPOINT_SUFFIX = "_ENDPOINT_URL"


def sam_environment(template: dict[str, Any], dynamodb_url: str = DEFAULT_DYNAMODB_URL) -> dict[str, dict[str, str]]:
    """Function logical id -> the variables `sam local` must override for it. The embedded moto that serves
    DynamoDB answers EventBridge too, so every endpoint variable gets the same URL."""
    tables = table_names(template)
    named = {**tables, **event_bus_names(template)}
    declared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    overrides: dict[str, dict[str, str]] = {}
    for function, body in resources(template, "AWS::Serverless::Function").items():
        raw = {**declared, **body["Properties"].get("Environment", {}).get("Variables", {})}
        resolved = function_environment(template, function, tables)
        overrides[function] = {
            name: dynamodb_url if name.endswith(ENDPOINT_SUFFIX) else resolved[name]
            for name, value in sorted(raw.items())
            if name.endswith(ENDPOINT_SUFFIX) or (isinstance(value, dict) and value.get("Ref") in named)
        }
    return overrides


def write(path: Path = ENV_JSON, dynamodb_url: str = DEFAULT_DYNAMODB_URL) -> Path:
    path.write_text(json.dumps(sam_environment(load_template(), dynamodb_url), indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dynamodb-url", default=DEFAULT_DYNAMODB_URL)
    parser.add_argument("--output", type=Path, default=ENV_JSON)
    args = parser.parse_args(argv)
    write(args.output, args.dynamodb_url)


if __name__ == "__main__":
    main()
