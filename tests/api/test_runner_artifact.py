"""`--artifact`: the runner serves what `sam build` produced, in Lambda's path order, and nothing from the source.

A fake minimal build is made in a temporary folder the way the build Makefiles do it (each function's `app.py` in
`<build>/<FunctionLogicalId>/`, the `scheduling` package in `<build>/SchedulingLayer/python/`); the layer's
third-party packages come from this interpreter, as the runtime's would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from local.paths import ROOT
from local.process import free_port, start_runner
from local.template import function_code, load_template
from tests.api.conftest import own_runner

FUNCTIONS = function_code(load_template())
SOURCE = (str(ROOT / "layers"), str(ROOT / "functions"))


def fake_build(folder: Path) -> Path:
    build = folder / "build"
    for name, code in FUNCTIONS.items():
        (build / name).mkdir(parents=True)
        shutil.copy(ROOT / code.code_uri / "app.py", build / name / "app.py")
    shutil.copytree(
        ROOT / "layers" / "scheduling" / "scheduling",
        build / "SchedulingLayer" / "python" / "scheduling",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return build


def test_it_serves_the_built_functions_with_the_function_first_then_the_layer(tmp_path: Path) -> None:
    build = fake_build(tmp_path)
    with own_runner(
        tmp_path, "--artifact", str(build), environment={"LOCAL_CONCURRENCY": "1", "LOCAL_PRESTART": "true"}
    ) as runner:
        created = runner.api.post("/doctors", json={"name": "Built", "locations": ["1 Road"]})
        read = runner.api.get(f"/doctors/{created.json()['id']}")
        workers = {name: runner.workers(name) for name in FUNCTIONS}

    assert created.status_code == 201
    assert read.json()["name"] == "Built"
    for name, (worker,) in workers.items():
        assert worker["handler_file"] == str(build / name / "app.py")
        assert worker["sys_path"][:2] == [str(build / name), str(build / "SchedulingLayer" / "python")]
        assert not [entry for entry in worker["sys_path"] if entry.startswith(SOURCE) or entry == str(ROOT)]


@pytest.mark.parametrize(
    ("remove", "complaint"),
    [
        ("SchedulingLayer/python/scheduling/models/doctors.py", "No module named 'scheduling.models.doctors'"),
        ("AppointmentsFunction", "AppointmentsFunction"),
    ],
)
def test_a_file_missing_from_the_build_stops_it_at_start(tmp_path: Path, remove: str, complaint: str) -> None:
    build = fake_build(tmp_path)
    missing = build / remove
    if missing.is_dir():
        shutil.rmtree(missing)
    else:
        missing.unlink()
    log = tmp_path / "runner.log"

    with pytest.raises(RuntimeError, match="did not start"):
        start_runner(free_port(), log, "--no-seed", "--artifact", str(build))

    assert "Local API not started" in log.read_text()
    assert complaint in log.read_text()
