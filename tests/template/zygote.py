"""One interpreter that imports what every function imports from the same place, then forks one execution
environment per function, each running local/lambda_runtime.py as a worker of its own does.

Under qemu an arm64 cold start costs about 14 s of CPU, 9 of them importing boto3, pydantic and powertools, which
every function imports from the same layer and runtime directories; forked after those imports, the nine
environments cost one import of them instead of nine (tests/template/test_built_artifact_arm64.py). Each
environment then has its own environment variables, puts its function's directory and the layers on `sys.path`
in Lambda's order and imports its own handler, as a fresh interpreter would.

Run as `python -S -B -I -c <BOOTSTRAP> <this file> <lambda_runtime.py> <settings JSON>` (local/lambda_runtime.py's
BOOTSTRAP), with every environment's connection inherited; like local/lambda_runtime.py it imports nothing but
the standard library.
Settings: {"layer_dirs": [...], "preload": [module, ...], "environments": [{"settings": {...}, "environment":
{...}}, ...]}, each "settings" being what local/lambda_runtime.py takes. The zygote ends when every environment has
ended; SIGTERM ends them all.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import signal
import sys
from types import FrameType, ModuleType


def main(runtime_file: str, settings_json: str) -> int:
    settings = json.loads(settings_json)
    shared = list(settings["layer_dirs"])
    sys.path[:0] = shared
    for name in settings["preload"]:
        importlib.import_module(name)
    del sys.path[: len(shared)]  # each environment puts its function's directory and the layers back, in order
    runtime = _loaded(runtime_file)
    connections = [environment["settings"]["fd"] for environment in settings["environments"]]
    children: list[int] = []
    for environment in settings["environments"]:
        pid = os.fork()
        if pid == 0:
            own = environment["settings"]["fd"]
            for fd in connections:
                if fd != own:
                    os.close(fd)
            os.environ.clear()
            os.environ.update(environment["environment"])
            os._exit(runtime.main(json.dumps(environment["settings"])))
        children.append(pid)
    for fd in connections:
        os.close(fd)

    def end_them(signum: int, frame: FrameType | None) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, end_them)
    for _ in children:
        os.wait()
    return 0


def _loaded(path: str) -> ModuleType:
    """local/lambda_runtime.py, loaded under the name its bootstrap gives it (the repository is not on `sys.path`)."""
    spec = importlib.util.spec_from_file_location("local_lambda_runtime", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
