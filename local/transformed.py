"""The template as CloudFormation receives it: `template.yaml` after the SAM transform, cached by content.

The transform runs in the SAM CLI's interpreter (the uv tool `make` installs, SAM_CLI=/path/to/sam, or
SAM_PYTHON=/path/to/python), with the same
script the template tests use (tools/sam_transform.py): its `samtranslator` is the one `sam deploy` pairs
with, and its pins clash with the dev environment's. The result is kept in `.aws-sam/local/` under a hash of the
template and of the script, so only the first `make run` after a template change pays the second it takes.
docs/local-runner.md says why this is not a committed snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from local.paths import ROOT

TRANSFORM_SCRIPT = ROOT / "tools" / "sam_transform.py"
CACHE = ROOT / ".aws-sam" / "local"


class TransformUnavailable(RuntimeError):
    """The SAM CLI's interpreter is missing or the transform failed."""


def sam_python() -> Path:
    """SAM_PYTHON, else the interpreter beside SAM_CLI or beside the SAM CLI `make` installs (.tools)."""
    if os.environ.get("SAM_PYTHON"):
        return Path(os.environ["SAM_PYTHON"])
    sam = Path(os.environ.get("SAM_CLI") or ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam")
    return sam.parent / "python"


def transformed_template(template: Path = ROOT / "template.yaml") -> dict[str, Any]:
    """The transformed template of `template` (CloudFormation JSON, parameters at their defaults)."""
    digest = hashlib.sha256(template.read_bytes() + TRANSFORM_SCRIPT.read_bytes()).hexdigest()[:16]
    cached = CACHE / f"transformed-{digest}.json"
    if cached.exists():
        found: dict[str, Any] = json.loads(cached.read_text())
        return found
    python = sam_python()
    if not python.exists():
        raise TransformUnavailable(
            f"the SAM transform needs the SAM CLI's interpreter ({python}): run `make tools` or set SAM_CLI"
        )
    done = subprocess.run(  # our own script, our own interpreter
        [str(python), str(TRANSFORM_SCRIPT)],
        env={**os.environ, "SAM_TEMPLATE": str(template)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise TransformUnavailable(f"the SAM transform of {template} failed:\n{done.stderr}")
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(done.stdout)
    partial.replace(cached)  # parallel runners never read half a file
    transformed: dict[str, Any] = json.loads(done.stdout)
    return transformed
