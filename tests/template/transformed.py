"""The SAM transform of template.yaml, as CloudFormation receives it, for a given parameter set (cached).

The transform runs in the SAM CLI's interpreter (tools/sam_transform.py), whose translator pins clash
with ours. Parameters not given keep the template's defaults, as CloudFormation does. Each result is kept in
`.aws-sam/test-transforms/` under a hash of the template, the script, the interpreter and the parameters, so the
xdist workers and later runs reuse it instead of starting the SAM CLI's interpreter again.
"""

from __future__ import annotations

import hashlib
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


SCRIPT = ROOT / "tools" / "sam_transform.py"
CACHE = ROOT / ".aws-sam" / "test-transforms"


@cache
def _transform(parameters: tuple[tuple[str, str], ...]) -> str:
    arguments = [f"{name}={value}" for name, value in parameters]
    python = SAM_CLI.parent / "python"
    key = b"\0".join([(ROOT / "template.yaml").read_bytes(), SCRIPT.read_bytes(), str(python).encode()])
    cached = CACHE / f"{hashlib.sha256(key + repr(arguments).encode()).hexdigest()[:24]}.json"
    if cached.exists():
        return cached.read_text()
    result = subprocess.run(
        [str(python), str(SCRIPT), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(result.stdout)
    partial.replace(cached)  # another worker never reads half a file
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
