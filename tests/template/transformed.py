"""The SAM transform of template.yaml, as CloudFormation receives it, for a given parameter set: the local
runner's (local/transformed.py, cached by content), plus what the template tests read from it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from local.transformed import transformed_template as local_transform

ROOT = Path(__file__).resolve().parents[2]


def transformed_template(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """A fresh copy (tests may change it) of the transform under `parameters`, made as the local runner makes it."""
    return local_transform(parameters=parameters)


def samconfig_parameters(environment: str) -> dict[str, str]:
    """The parameter overrides `sam deploy --config-env <environment>` passes (samconfig.toml)."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = config[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    pairs = re.findall(r'(\w+)="([^"]*)"', overrides) if isinstance(overrides, str) else []
    return dict(pairs)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}
