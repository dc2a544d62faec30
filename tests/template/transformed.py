"""The SAM transform of template.yaml, as CloudFormation receives it, for a given parameter set (cached).

The transform runs in the SAM CLI's interpreter (tools/sam_transform.py), whose translator pins clash
with ours. Parameters not given keep the template's defaults, as CloudFormation does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = Path(os.environ.get("SAM_CLI", str(ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam")))


@cache
def _transform(parameters: tuple[tuple[str, str], ...]) -> str:
    result = subprocess.run(
        [str(SAM_CLI.parent / "python"), str(Path(__file__).resolve().parents[2] / "tools" / "sam_transform.py")]
        + [f"{name}={value}" for name, value in parameters],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def transformed_template(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """A fresh copy (tests may change it) of the transform under `parameters`."""
    template: dict[str, Any] = json.loads(_transform(tuple(sorted((parameters or {}).items()))))
    return template


def samconfig_parameters(environment: str) -> dict[str, str]:
    """The parameter overrides `sam deploy --config-env <environment>` passes (samconfig.toml)."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = config[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    pairs = re.findall(r'(\w+)="([^"]*)"', overrides) if isinstance(overrides, str) else []
    return dict(pairs)


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}
