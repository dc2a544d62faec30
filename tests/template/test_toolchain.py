"""One lock: what the Lambda packages install is exported from uv.lock, and must not go stale.

`make lock` re-resolves uv.lock and exports the layer's, the FHIR function's and the runtime SDK's requirements
from it (hash-pinned). Each export names the command that wrote it; running that command again must give the
committed file, so an edit of pyproject.toml's pins that was not followed by `make lock` fails here.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = os.environ.get("UV", str(ROOT / ".tools" / "uv" / "bin" / "uv"))
EXPORTS = [
    "layers/scheduling/requirements.txt",
    "functions/fhir/requirements.txt",
    "bench/runtime-sdk.txt",
    "local/sam_image/runtime-client.txt",
]


@pytest.mark.parametrize("export", EXPORTS)
def test_each_export_is_what_uv_lock_gives_today(export: str, tmp_path: Path) -> None:
    committed = (ROOT / export).read_text()
    command = shlex.split(committed.splitlines()[1].removeprefix("#"))
    assert command[:2] == ["uv", "export"], f"{export} does not name the uv export that wrote it"
    assert command[-2:] == ["-o", export]
    again = tmp_path / "again.txt"
    subprocess.run([UV, *command[1:-2], "--quiet", "-o", str(again)], cwd=ROOT, check=True)
    header = 2  # uv's two comment lines, the second naming the output file
    assert again.read_text().splitlines()[header:] == committed.splitlines()[header:], f"{export} is stale: `make lock`"


def test_the_layer_leaves_out_what_the_runtime_ships() -> None:
    packages = {line.split("==")[0] for line in (ROOT / EXPORTS[0]).read_text().splitlines() if "==" in line}
    assert "pydantic" in packages
    assert not packages & {"boto3", "botocore", "s3transfer", "jmespath", "urllib3"}


def test_the_top_level_holds_no_requirements_files() -> None:
    assert not list(ROOT.glob("requirements*"))


def test_every_build_makefile_uses_the_one_python313_check() -> None:
    makefiles = [*ROOT.glob("functions/*/Makefile"), *ROOT.glob("layers/*/Makefile")]
    assert len(makefiles) >= 8
    for makefile in makefiles:
        text = makefile.read_text()
        assert "tools/python313.mk" in text, f"{makefile} does not include tools/python313.mk"
        assert "$(check_python313)" in text
        assert "PYTHON313 ?=" not in text, f"{makefile} defines its own PYTHON313"
