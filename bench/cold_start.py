"""Cold start the way Lambda runs it: a fresh CPython 3.13 importing the *built* artifact from a read-only copy.

- The artifact is `sam build`'s output (function directory + layer). On an x86_64 machine the layer is built as
  its x86_64 twin (same lock, `LAYER_PLATFORM=manylinux2014_x86_64`), because the arm64 extension modules cannot
  load here; everything else is the same build.
- `sys.path` is Lambda's order: the function (/var/task), the layer (/opt/python/lib/python3.13/site-packages,
  /opt/python), then the runtime's boto3 (/var/lang/lib/python3.13/site-packages), installed from
  bench/runtime-sdk.txt and compiled like the runtime's own; then the standard library.
- Nothing can write bytecode: the copies have no write permission and the interpreter runs with `-B`
  (PYTHONDONTWRITEBYTECODE); the file count is checked after every run. Root ignores permissions, so `-B` is
  what really holds, and the check proves it.
- The floor (bench/floor_app.py: a bare powertools resolver with validation and a boto3 client) is packed the
  same way, on the same layer. Each artifact is also run from a copy without any `.pyc` of ours (the layer as
  it shipped before, minus its own botocore), which is what every cold start paid when the layer had no
  bytecode, and with the X-Ray SDK enabled (DisableTracerSdk=false: powertools' Tracer patches botocore).

Timed inside the process, from before the first import to a ready DynamoDB client, so interpreter start-up
(the same for all) is left out; wall-clock and CPU time are both taken, and the ratio to the floor uses CPU
time, which the machine's other work disturbs far less. One discarded run per variant, then rounds in which
all variants take turns.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, median, p95, prepare_environment

RUNS = 15
FUNCTIONS = ("DoctorsFunction", "AvailabilityFunction", "AppointmentsFunction")
FLOOR = "floor: bare resolver + boto3 client"
OUR_CLIENT = "from scheduling.store import dynamodb_client; dynamodb_client(None)"
WORK = ROOT / ".aws-sam" / "bench"
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam"))
PROBE = """
import sys, time
began, began_cpu = time.perf_counter(), time.process_time()
sys.path[:0] = {path!r}
import app
{client}
print(time.perf_counter() - began, time.process_time() - began_cpu)
"""


@dataclass(frozen=True)
class Variant:
    name: str
    task: Path  # the function's directory (/var/task)
    layer: Path  # the layer's python/ directory (/opt/python)
    client: str
    xray: bool = False  # the X-Ray SDK enabled (DisableTracerSdk=false)


def python313() -> str:
    found = os.environ.get("PYTHON313", "")
    if not found:
        sys.exit("error: the cold-start benchmark runs CPython 3.13 (the Lambda runtime); set PYTHON313")
    return found


def build_artifact() -> Path:
    """`sam build` into .aws-sam/bench, with the layer for this machine's architecture."""
    arm = platform.machine() in {"aarch64", "arm64"}
    environment = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "LAYER_PLATFORM": "manylinux2014_aarch64" if arm else "manylinux2014_x86_64",
    }
    build = WORK / "build"
    subprocess.run(
        [SAM_CLI, "build", "--build-dir", str(build), "--cache-dir", str(WORK / "cache")],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    return build


def install_runtime_sdk() -> Path:
    """boto3 and its dependencies for CPython 3.13, with their own bytecode, as the runtime ships them."""
    runtime = WORK / "runtime"
    if not (runtime / "boto3").is_dir():
        shutil.rmtree(runtime, ignore_errors=True)
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "--no-compile"),
                *("--python-version", "3.13", "--only-binary=:all:", "--target", str(runtime)),
                *("-r", str(ROOT / "bench" / "runtime-sdk.txt")),
            ],
            check=True,
        )
        subprocess.run([python313(), "-m", "compileall", "-q", "-j", "0", str(runtime)], check=True)
    return runtime


def read_only_copy(source: Path, target: Path, *, keep_bytecode: bool) -> Path:
    ignore = None if keep_bytecode else shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(source, target, ignore=ignore)
    for path in [target, *target.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return target


def file_count(*roots: Path) -> int:
    return sum(1 for root in roots for _ in root.rglob("*"))


def time_import(variant: Variant, runtime: Path, environment: dict[str, str]) -> tuple[float, float]:
    """Seconds from the first import to a ready client: (wall clock, CPU)."""
    path = [str(variant.task), str(variant.layer / "lib" / "python3.13" / "site-packages"), str(variant.layer)]
    code = PROBE.format(path=[*path, str(runtime)], client=variant.client)
    before = file_count(variant.task, variant.layer, runtime)
    if variant.xray:
        environment = {
            **environment,
            "POWERTOOLS_TRACE_DISABLED": "false",
            "LAMBDA_TASK_ROOT": str(variant.task),
            "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
        }
    result = subprocess.run(
        [python313(), "-S", "-E", "-B", "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=variant.task,
    )
    if file_count(variant.task, variant.layer, runtime) != before:
        raise RuntimeError(f"{variant.name} wrote files into the read-only artifact")
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def variants(build: Path, scratch: Path) -> list[Variant]:
    layer = build / "SchedulingLayer" / "python"
    compiled_layer = read_only_copy(layer, scratch / "layer" / "python", keep_bytecode=True)
    bare_layer = read_only_copy(layer, scratch / "layer-no-pyc" / "python", keep_bytecode=False)
    floor_task = scratch / "floor-src"
    floor_task.mkdir()
    shutil.copy(ROOT / "bench" / "floor_app.py", floor_task / "app.py")
    # Compiled as the functions' Makefiles compile their app.py, so that the floor is packed the same way.
    subprocess.run(
        [python313(), "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", str(floor_task / "app.py")],
        check=True,
    )
    found = [
        Variant(FLOOR, read_only_copy(floor_task, scratch / "floor", keep_bytecode=True), compiled_layer, ""),
        Variant(
            f"{FLOOR}, no .pyc", read_only_copy(floor_task, scratch / "floor-bare", keep_bytecode=False), bare_layer, ""
        ),
    ]
    for function in FUNCTIONS:
        task = read_only_copy(build / function, scratch / function, keep_bytecode=True)
        bare = read_only_copy(build / function, scratch / f"{function}-bare", keep_bytecode=False)
        found.append(Variant(function, task, compiled_layer, OUR_CLIENT))
        found.append(Variant(f"{function}, no .pyc", bare, bare_layer, OUR_CLIENT))
        found.append(Variant(f"{function}, X-Ray SDK", task, compiled_layer, OUR_CLIENT, xray=True))
    before = os.environ.get("COLD_START_BEFORE_BUILD")  # an older build (same layout), measured as it shipped
    if before:
        old_layer = read_only_copy(Path(before) / "SchedulingLayer" / "python", scratch / "before", keep_bytecode=True)
        for function in FUNCTIONS:
            task = read_only_copy(Path(before) / function, scratch / f"{function}-before", keep_bytecode=True)
            found.append(Variant(f"{function}, before", task, old_layer, OUR_CLIENT))
    return found


def layer_sizes(build: Path) -> dict[str, tuple[int, int]]:
    """Unzipped and zipped bytes of the built layer (zipped as `sam deploy` does: deflate)."""
    sizes = {}
    for layer in ("SchedulingLayer",):
        root = build / layer
        files = [path for path in sorted(root.rglob("*")) if path.is_file()]
        with tempfile.TemporaryFile() as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    archive.write(path, path.relative_to(root))
            zipped = handle.tell()
        sizes[layer] = (sum(path.stat().st_size for path in files), zipped)
    return sizes


def rows() -> tuple[list[tuple[str, float, float, float, float]], dict[str, tuple[int, int]]]:
    """(variant, median ms, p95 ms, CPU median ms, ratio of CPU medians to the floor's) and the layers' sizes.

    The ratio compares CPU time, which other work on the machine disturbs far less than wall-clock time; the
    files come from the page cache after the discarded run, so the two differ by waiting for a core.
    """
    environment = prepare_environment()
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    build = build_artifact()
    runtime = install_runtime_sdk()
    with tempfile.TemporaryDirectory(prefix="cold-start-") as directory:
        try:
            found = variants(build, Path(directory))
            timings: dict[str, list[tuple[float, float]]] = {variant.name: [] for variant in found}
            for variant in found:
                time_import(variant, runtime, environment)
            for _ in range(RUNS):
                for variant in found:
                    timings[variant.name].append(time_import(variant, runtime, environment))
        finally:
            for path in [Path(directory), *Path(directory).rglob("*")]:
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    floor = median([cpu for _, cpu in timings[FLOOR]])
    table = []
    for name, values in timings.items():
        wall = [seconds for seconds, _ in values]
        cpu = median([seconds for _, seconds in values])
        table.append((name, median(wall) * 1e3, p95(wall) * 1e3, cpu * 1e3, cpu / floor))
    return table, layer_sizes(build)
