"""The base image `sam local` builds its function images on: AWS's, or a stand-in made from Debian packages.

The SAM CLI builds, per function, an image FROM the base with its own runtime interface emulator and the
layers added (samcli/local/docker/lambda_image.py), so the base needs only what the python3.13 runtime has
under the emulator: CPython 3.13, the runtime interface client (`awslambdaric`) and the SDK in /var/runtime, a
/var/runtime/bootstrap, and /bin/sh with coreutils for the CLI's `RUN mv ... && chmod ...`.

Where `public.ecr.aws/lambda/python:3.13` cannot be pulled, the stand-in is a Debian trixie root (mmdebstrap,
packages only extracted: no root, no maintainer scripts) with Debian's CPython 3.13, the wheels of
runtime-client.txt and bench/runtime-sdk.txt (the SDK the runtime ships; both exported from uv.lock), compiled,
and imported into the engine once; it is kept there and in `.sam-image/` (gitignored) until `make clean`.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from local.containers import Engine, EngineUnavailable
from local.paths import ROOT

OFFICIAL = "public.ecr.aws/lambda/python:3.13"
STAND_IN = "localhost/hospital-scheduling/lambda-python:3.13"
HERE = Path(__file__).resolve().parent
PULL_TIMEOUT_SECONDS = 120
DEBIAN_PACKAGES = "python3.13-minimal,libpython3.13-stdlib,libstdc++6,dash,coreutils"
# The host's architecture as pip's wheel platform.
WHEEL_PLATFORMS = {
    "x86_64": "manylinux2014_x86_64",
    "aarch64": "manylinux2014_aarch64",
    "arm64": "manylinux2014_aarch64",
}
IMAGE_CHANGES = (
    "ENV LAMBDA_TASK_ROOT=/var/task",
    "ENV LAMBDA_RUNTIME_DIR=/var/runtime",
    "ENV LANG=C.UTF-8",
    "ENV TZ=:/etc/localtime",
    "ENV PATH=/usr/local/bin:/usr/bin:/bin",
    "WORKDIR /var/task",
    'ENTRYPOINT ["/var/runtime/bootstrap"]',
)


def host_wheel_platform() -> str:
    return WHEEL_PLATFORMS[platform.machine()]


def base_image(engine: Engine, state: Path, python313: str, say: object = print) -> str:
    """AWS's image if the engine has it or can pull it, else the stand-in (built once)."""
    if engine.has_image(OFFICIAL):
        return OFFICIAL
    if engine.has_image(STAND_IN):
        return STAND_IN
    try:
        pulled = subprocess.run(
            [engine.name, "pull", "--quiet", OFFICIAL],
            env={**_environ(), **engine.environment},
            capture_output=True,
            timeout=PULL_TIMEOUT_SECONDS,
            check=False,
        )
        if pulled.returncode == 0:
            return OFFICIAL
    except subprocess.TimeoutExpired:
        pass
    if callable(say):
        say(f"{OFFICIAL} cannot be pulled here: building {STAND_IN} from Debian packages (once)")
    build_stand_in(engine, state / "root", python313)
    return STAND_IN


def build_stand_in(engine: Engine, root: Path, python313: str) -> None:
    """The Debian root at `root`, imported into the engine as STAND_IN."""
    if not shutil.which("mmdebstrap"):
        raise EngineUnavailable("the stand-in image needs Debian's mmdebstrap: sudo apt-get install mmdebstrap")
    shutil.rmtree(root, ignore_errors=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    _check(["mmdebstrap", "--quiet", "--mode=chrootless", "--variant=extract", f"--include={DEBIAN_PACKAGES}",
            "trixie", str(root)])  # fmt: skip
    for directory in ("bin", "sbin", "lib", "lib64"):  # merged /usr, which the extract variant does not link
        (root / "usr" / directory).mkdir(parents=True, exist_ok=True)
        if not (root / directory).exists():
            (root / directory).symlink_to(f"usr/{directory}")
    loader = root / "usr" / "lib" / "x86_64-linux-gnu" / "ld-linux-x86-64.so.2"
    if loader.exists() and not (root / "usr" / "lib64" / loader.name).exists():
        (root / "usr" / "lib64" / loader.name).symlink_to(f"../lib/x86_64-linux-gnu/{loader.name}")
    if not (root / "usr" / "bin" / "sh").exists():
        (root / "usr" / "bin" / "sh").symlink_to("dash")
    for directory in ("var/task", "var/runtime", "opt"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    runtime_locks = ["-r", str(HERE / "runtime-client.txt"), "-r", str(ROOT / "bench" / "runtime-sdk.txt")]
    _check([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--require-hashes", "--no-compile",
            "--only-binary=:all:", "--platform", host_wheel_platform(), "--python-version", "3.13",
            "--implementation", "cp", "--target", str(root / "var" / "runtime"), *runtime_locks])  # fmt: skip
    shutil.copy(HERE / "bootstrap", root / "var" / "runtime" / "bootstrap")
    (root / "var" / "runtime" / "bootstrap").chmod(0o755)
    _check([python313, "-m", "compileall", "-q", "-j", "0", str(root / "usr" / "lib" / "python3.13"),
            str(root / "var" / "runtime")])  # fmt: skip
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    assert tar.stdout is not None
    changes = [argument for change in IMAGE_CHANGES for argument in ("--change", change)]
    engine.run("import", *changes, "-", STAND_IN, stdin=tar.stdout.read())
    tar.wait()


def _check(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EngineUnavailable(f"{Path(command[0]).name} failed while building {STAND_IN}:\n{done.stderr}")


def _environ() -> dict[str, str]:
    return dict(os.environ)
