"""The template as CloudFormation receives it: `template.yaml` after the SAM transform, cached by content.

The transform runs in the SAM CLI's interpreter (the uv tool `make` installs, SAM_CLI=/path/to/sam, or
SAM_PYTHON=/path/to/python) with one script for the runner and the template tests alike (tools/sam_transform.py):
its `samtranslator` is the one `sam deploy` pairs with, and its pins clash with the dev environment's. The result
is kept in `.aws-sam/local/` under a hash of the template, the script, the parameters and the SAM CLI's
installation, so only the first `make run` (or test session) after a change pays the second it takes.
docs/local-runner.md says why this is not a committed snapshot.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
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


def _installed(python: Path) -> str:
    """When the SAM CLI's environment was (re)installed: a new SAM CLI, and so a new translator, transforms anew."""
    try:
        return str(python.parent.parent.stat().st_mtime_ns)
    except OSError:
        return ""


def transformed_template(
    template: Path = ROOT / "template.yaml", parameters: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The transformed template of `template` (CloudFormation JSON), a fresh copy (callers may change it).
    `parameters` are passed as CloudFormation would; those not given keep the template's defaults."""
    arguments = [f"{name}={value}" for name, value in sorted((parameters or {}).items())]
    python = sam_python()
    key = template.read_bytes() + TRANSFORM_SCRIPT.read_bytes() + "\0".join([*arguments, _installed(python)]).encode()
    cached = CACHE / f"transformed-{hashlib.sha256(key).hexdigest()[:16]}.json"
    if cached.exists():
        found: dict[str, Any] = json.loads(cached.read_text())
        return found
    if not python.exists():
        raise TransformUnavailable(
            f"the SAM transform needs the SAM CLI's interpreter ({python}): run `make tools` or set SAM_CLI"
        )
    done = subprocess.run(  # our own script, our own interpreter
        [str(python), str(TRANSFORM_SCRIPT), *arguments],
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
