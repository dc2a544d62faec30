"""Building and running the artifact the way Lambda does: `sam build`, the runtime's SDK, the bytecode's header,
and one execution environment per built function (local/workers.py) started by a given Python."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import Pipe
from pathlib import Path

from local import lambda_runtime
from local.environment import OFFLINE_AWS, QUIET_POWERTOOLS
from local.packages import FunctionPackage, artifact_packages
from local.sam_local import sam_build as local_sam_build
from local.template import function_environment, load_template, table_names
from local.workers import Worker, runtime_settings
from tests.template import zygote

ROOT = Path(__file__).resolve().parents[2]
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam"))
ARM64 = "manylinux2014_aarch64"
# The arm64 extension modules cannot load on x86_64: there the layer is built as its twin (same lock, Makefile).
TWIN = ARM64 if platform.machine() in {"aarch64", "arm64"} else "manylinux2014_x86_64"
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH_FLAGS = 0b01  # hash-based, source not checked (PEP 552)
ENVIRONMENT_TIMEOUT_SECONDS = 120  # a function's timeout in the artifact checks: emulated handlers are slow


def sam_build(root: Path, layer_platform: str) -> Path:
    """`<root>/build`: sam build's output, the layer's wheels for `layer_platform`."""
    build = local_sam_build(root, layer_platform)
    assert build.returncode == 0, build.stdout + build.stderr
    return root / "build"


# `sam build`'s outputs, kept across tests, xdist workers and pytest runs under a hash of what goes into them
# (`make clean` removes them with .aws-sam): the tests only read a build, so one per set of inputs is enough.
BUILDS = ROOT / ".aws-sam" / "test-builds"
BUILD_INPUTS = ("template.yaml", "functions", "layers", "tools/python313.mk", "Makefile", "bench/runtime-sdk.txt")


def inputs_digest(*extra: str) -> str:
    """A hash of every file `sam build` reads (sources, requirements, build Makefiles, the SAM CLI's pinned version
    in the Makefile) and of `extra` (the platform, the interpreters used)."""
    digest = hashlib.sha256("\0".join(extra).encode())
    for name in BUILD_INPUTS:
        path = ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def shared_build(layer_platform: str) -> Path:
    """`<root>/build` (sam build's output with the layer's wheels for `layer_platform`) and `<root>/runtime` (the
    runtime's SDK), made once per set of inputs: the first worker to ask builds under a lock, the others wait and
    reuse it. Older builds for the same platform are removed."""
    python313 = os.environ.get("PYTHON313", "")
    key = f"{layer_platform}-{inputs_digest(layer_platform, SAM_CLI, python313, sys.executable)}"
    root = BUILDS / key
    BUILDS.mkdir(parents=True, exist_ok=True)
    with (BUILDS / f"{layer_platform}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        if not (root / "complete").exists():
            for old in BUILDS.glob(f"{layer_platform}-*"):
                shutil.rmtree(old)
            sam_build(root, layer_platform)
            install_runtime_sdk(root / "runtime")
            (root / "complete").touch()
    return root


def install_runtime_sdk(target: Path) -> Path:
    """boto3 and its dependencies as the python3.13 runtime ships them (bench/runtime-sdk.txt)."""
    runtime = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "--no-compile"),
            *("--target", str(target), "-r", str(ROOT / "bench" / "runtime-sdk.txt")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert runtime.returncode == 0, runtime.stderr
    return target


def pyc_header(path: Path) -> tuple[bytes, int]:
    """A .pyc's magic number and its flags (PEP 552)."""
    header = path.read_bytes()[:8]
    return header[:4], int.from_bytes(header[4:8], "little")


def sources(package: Path) -> list[Path]:
    return [path for path in package.rglob("*.py") if "__pycache__" not in path.parts]


def compiled(source: Path) -> Path:
    return source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"


# What every function imports from the same directories (the layer's pydantic and powertools, the runtime's
# boto3): a forked environment finds them imported (tests/template/zygote.py).
PRELOADED = ("boto3", "pydantic", "aws_lambda_powertools.event_handler", "aws_lambda_powertools.logging")


@contextmanager
def execution_environments(
    build: Path,
    runtime: Path,
    python: Sequence[str],
    endpoint: str,
    start_timeout_seconds: float,
    *,
    forked: bool = False,
) -> Iterator[dict[str, Worker]]:
    """One started worker per built function: `python` (with `-S -B`, so that only the standard library, the
    artifact and `runtime` are importable and nothing is written) runs local/lambda_runtime.py, which puts the
    function's directory and its layers first on `sys.path`; `runtime`, the runtime's boto3, comes after them,
    in Lambda's order. The workers start in parallel, as their cold starts are the slow part. `forked`: one
    interpreter imports PRELOADED from the layers and forks the workers (tests/template/zygote.py), where each
    would otherwise import them itself."""
    template = load_template()
    tables = table_names(template)
    packages: dict[str, FunctionPackage] = {}
    environments: dict[str, dict[str, str]] = {}
    for name, package in artifact_packages(template, build).items():
        environments[name] = {
            "PATH": os.environ.get("PATH", ""),
            **function_environment(template, name, tables),
            **OFFLINE_AWS,
            **QUIET_POWERTOOLS,
            "POWERTOOLS_LOG_LEVEL": "ERROR",
            "DYNAMODB_ENDPOINT_URL": endpoint,
            "EVENTS_ENDPOINT_URL": endpoint,  # moto's server answers EventBridge too
        }
        packages[name] = replace(package, layer_dirs=(*package.layer_dirs, runtime))
    if forked:
        workers = _forked(packages, environments, [*python, "-S", "-B"], start_timeout_seconds)
    else:
        workers = {
            name: Worker.start(
                package,
                environments[name],
                ENVIRONMENT_TIMEOUT_SECONDS,
                python=[*python, "-S", "-B"],
                start_timeout_seconds=start_timeout_seconds,
            )
            for name, package in packages.items()
        }
    failures: list[str] = []

    def wait(worker: Worker) -> None:
        try:
            worker.wait_ready()
        except Exception as error:  # reported below, once every worker has started or failed
            failures.append(f"{worker.function}: {error}")

    threads = [threading.Thread(target=wait, args=(worker,)) for worker in workers.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not failures, "\n".join(failures)
        yield workers
    finally:
        for worker in workers.values():
            worker.stop()


def _forked(
    packages: dict[str, FunctionPackage],
    environments: dict[str, dict[str, str]],
    python: Sequence[str],
    start_timeout_seconds: float,
) -> dict[str, Worker]:
    """The workers of `packages`, forked by one zygote after it imported PRELOADED from their shared layers."""
    [layer_dirs] = {package.layer_dirs for package in packages.values()}  # one layer set, or the preload would lie
    first = next(iter(environments.values()))
    common = {
        key: value for key, value in first.items() if all(other.get(key) == value for other in environments.values())
    }
    pipes = {name: Pipe() for name in packages}
    settings = {
        "layer_dirs": [str(folder) for folder in layer_dirs],
        "preload": PRELOADED,
        "environments": [
            {
                "settings": runtime_settings(package, pipes[name][1].fileno(), ENVIRONMENT_TIMEOUT_SECONDS),
                "environment": environments[name],
            }
            for name, package in packages.items()
        ],
    }
    process = subprocess.Popen(
        [*python, "-I", "-c", lambda_runtime.BOOTSTRAP, zygote.__file__, lambda_runtime.__file__, json.dumps(settings)],
        env=common,
        pass_fds=[theirs.fileno() for _, theirs in pipes.values()],
        process_group=0,
    )
    for _, theirs in pipes.values():
        theirs.close()
    # the zygote's process for each: ending one ends them all, as `execution_environments` does at its end
    return {name: Worker(name, ours, process, start_timeout_seconds) for name, (ours, _) in pipes.items()}
