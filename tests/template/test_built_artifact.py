"""The built artifact serves every sample event: `sam build`'s functions and layer, each function in its own
CPython 3.13 interpreter with only the artifact and the runtime's SDK importable, against moto's DynamoDB server.

The layer is built as its x86_64 twin on x86_64 machines (tests/template/conftest.py); `make arm64-check` runs
the same samples through the arm64 build under qemu (test_built_artifact_arm64.py). A dependency or a file the
package leaves out fails here, even where the development virtualenv has it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from local.template import load_template, resources
from tests.template.artifacts import (
    PYC_MAGIC_313,
    UNCHECKED_HASH_FLAGS,
    compiled,
    execution_environments,
    pyc_header,
    sources,
)
from tests.template.every_sample import SAMPLES, serve_every_sample

PYTHON313 = os.environ.get("PYTHON313", sys.executable if sys.version_info[:2] == (3, 13) else "")

pytestmark = [
    pytest.mark.skipif(not PYTHON313, reason="needs CPython 3.13 (make test sets PYTHON313)"),
]


def test_the_built_functions_and_layer_serve_every_sample_event(artifact: Path, dynamodb: str) -> None:
    build = artifact / "build"
    with execution_environments(build, artifact / "runtime", [PYTHON313], dynamodb, 60) as workers:
        served = serve_every_sample(lambda function, event: workers[function].invoke(event, 60))
        started = {name: worker.info for name, worker in workers.items()}

    assert sorted(set(served)) == SAMPLES
    layer, runtime = build / "SchedulingLayer" / "python", artifact / "runtime"
    for name, info in started.items():
        assert info["handler_file"] == str(build / name / "app.py")
        assert info["sys_path"][:3] == [str(build / name), str(layer), str(runtime)]


def test_the_built_functions_are_compiled_like_the_layer_for_zip_timestamps_to_not_matter(artifact: Path) -> None:
    build = artifact / "build"
    functions = [build / name for name in resources(load_template(), "AWS::Serverless::Function")]
    function_sources = [source for folder in functions for source in sources(folder)]
    layer_sources = sources(build / "SchedulingLayer" / "python" / "scheduling")

    assert all((folder / "app.py") in function_sources for folder in functions)  # and the FHIR function's packages
    missing = [source for source in function_sources if not compiled(source).is_file()]
    assert not missing
    headers = {pyc_header(compiled(source)) for source in [*function_sources, *layer_sources]}
    assert headers == {(PYC_MAGIC_313, UNCHECKED_HASH_FLAGS)}
    assert all(path.name.endswith(".cpython-313.pyc") for folder in functions for path in folder.rglob("*.pyc"))
