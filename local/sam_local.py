"""The real SAM CLI's `sam local` against the embedded DynamoDB with the sample doctors: make sam-api, sam-invoke.

  python -m local.sam_local api [--port 3000]       sam local start-api
  python -m local.sam_local invoke events/x.json    sam local invoke of the function the sample targets

What it sets up, in order (local/containers.py, local/sam_image/): a container engine (Docker, else podman's
service); the base image (AWS's, else the Debian stand-in, built once); `sam build` into .sam-image/build with
the layer's wheels for this machine and the functions' architecture set to it (arm64 functions cannot run on
an x86_64 host without binfmt emulation, which these machines lack); the embedded DynamoDB on the engine's
bridge gateway at DYNAMODB_PORT (8000), the template's tables and the sample doctors; an env.json for that
address (the repository's env.json when it is the same). Everything stops with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.containers import Engine, EngineUnavailable, start_engine
from local.dynamodb import EmbeddedDynamoDB
from local.environment import OFFLINE_AWS
from local.paths import ROOT
from local.routing import Router
from local.sam_env import DYNAMODB_PORT, ENV_JSON, sam_environment
from local.sam_image import base_image, host_wheel_platform
from local.seed import seed_sample_doctors
from local.template import (
    api_routes,
    create_tables,
    event_bus_names,
    function_environment,
    load_template,
    stream_consumers,
    table_names,
)

STATE = ROOT / ".sam-image"
SAM_CLI = os.environ.get("SAM_CLI", str(ROOT / ".tools" / "aws-sam-cli" / "bin" / "sam"))
HOST_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
DYNAMODB_WAIT_SECONDS = 0.9  # under botocore's 1 s read timeout, as the runner's (local/dynamodb.py)


@dataclass
class SamLocal:
    """What `sam local` runs with: pass `arguments()` after the subcommand, with `environment` exported."""

    engine: Engine
    image: str
    template: Path  # the built template
    env_vars: Path
    dynamodb: EmbeddedDynamoDB
    doctors: list[str]

    @property
    def environment(self) -> dict[str, str]:
        # A container's first answer can take longer than the SAM CLI's default 20 s on a busy two-core machine
        # (seen while the rest of the suite ran beside it, and 120 s was once too few there): a slow start is not
        # a failure of what we serve.
        return {
            **os.environ,
            "SAM_CLI_TELEMETRY": "0",
            "SAM_CLI_CONTAINER_CONNECTION_TIMEOUT": os.environ.get("SAM_CLI_CONTAINER_CONNECTION_TIMEOUT", "300"),
            **self.engine.environment,
        }

    def reset(self, seed: bool = True) -> None:
        """Empty DynamoDB (moto's reset), then the template's tables again, and the sample doctors if `seed`."""
        import requests

        requests.post(f"{self.dynamodb.url}/moto-api/reset", timeout=30).raise_for_status()
        self.doctors = prepare_tables(self.dynamodb.url, seed)

    def arguments(self) -> list[str]:
        return ["-t", str(self.template), "--env-vars", str(self.env_vars), "--invoke-image", self.image,
                "--skip-pull-image"]  # fmt: skip


@contextmanager
def sam_local(python313: str, port: int = DYNAMODB_PORT, built_by: Path | None = None) -> Iterator[SamLocal]:
    """Engine, image, build, DynamoDB with the seed and env.json ready; all stopped afterwards. `built_by`: a
    `sam build` output for this machine's wheels to use instead of building again (the tests' shared build)."""
    engine = start_engine(STATE)
    dynamodb = None
    try:
        image = base_image(engine, STATE, python313)
        built = build(python313, built_by)
        _bridge_up(engine, image)
        for name, value in OFFLINE_AWS.items():
            os.environ.setdefault(name, value)
        dynamodb = EmbeddedDynamoDB(DYNAMODB_WAIT_SECONDS, host=engine.gateway(), port=port)
        doctors = prepare_tables(dynamodb.url)
        yield SamLocal(engine, image, built, env_file(dynamodb.url), dynamodb, doctors)
    finally:
        if dynamodb is not None:
            dynamodb.stop()
        engine.stop()


def sam_build(root: Path, layer_platform: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """`sam build` into `<root>/build` (its cache in `<root>/cache`), the layer's wheels for `layer_platform`
    (the layer's build Makefile reads LAYER_PLATFORM), with `environment` over this process's."""
    return subprocess.run(
        [SAM_CLI, "build", "--build-dir", str(root / "build"), "--cache-dir", str(root / "cache")],
        cwd=ROOT,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", "LAYER_PLATFORM": layer_platform, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def build(python313: str, built_by: Path | None = None) -> Path:
    """`sam build` for this machine's architecture (or a copy of `built_by`, one made the same way); the built
    template's path."""
    if built_by is not None:
        shutil.rmtree(STATE / "build", ignore_errors=True)
        shutil.copytree(built_by, STATE / "build", symlinks=True)
    else:
        done = sam_build(STATE, host_wheel_platform(), PYTHON313=python313)
        if done.returncode != 0:
            raise EngineUnavailable(f"sam build failed:\n{done.stdout}{done.stderr}")
    built = STATE / "build" / "template.yaml"
    # Architectures and CompatibleArchitectures lists: the one value they hold becomes this machine's.
    text = re.sub(r"^(\s*)- (arm64|x86_64)$", rf"\g<1>- {HOST_ARCHITECTURE}", built.read_text(), flags=re.MULTILINE)
    built.write_text(text)
    return built


def prepare_tables(endpoint: str, seed: bool = True) -> list[str]:
    """The template's tables and event bus (the same moto serves EventBridge), and the sample doctors' ids."""
    import boto3

    template = load_template()
    tables = table_names(template)
    create_tables(boto3.client("dynamodb", endpoint_url=endpoint), template, tables)
    events = boto3.client("events", endpoint_url=endpoint)
    for bus in event_bus_names(template).values():
        if bus not in {found["Name"] for found in events.list_event_buses()["EventBuses"]}:
            events.create_event_bus(Name=bus)
    if not seed:
        return []
    return seed_sample_doctors(endpoint, function_environment(template, "DoctorsFunction", tables)["TABLE_NAME"])


def env_file(dynamodb_url: str) -> Path:
    """The repository's env.json when it names this endpoint, else a copy for it in .sam-image/."""
    wanted = sam_environment(load_template(), dynamodb_url)
    if ENV_JSON.exists() and json.loads(ENV_JSON.read_text()) == wanted:
        return ENV_JSON
    path = STATE / "env.json"
    path.write_text(json.dumps(wanted, indent=2) + "\n")
    return path


def _bridge_up(engine: Engine, image: str) -> None:
    """The bridge's gateway address exists on this machine once a container has used the network."""
    engine.run("run", "--rm", "--entrypoint", "/bin/true", image)


def target_function(event: dict[str, Any], template: dict[str, Any] | None = None) -> str:
    """The logical id of the function a sample event is for: its route in the template, or the stream's consumer."""
    template = template or load_template()
    if "httpMethod" in event:
        match = Router(api_routes(template)).match(event["httpMethod"], event["resource"])
        if match.route is None:
            raise ValueError(f"no route in template.yaml for {event['httpMethod']} {event['resource']}")
        return match.route.function
    if event.get("Records", [{}])[0].get("eventSource") == "aws:dynamodb":
        return next(iter(stream_consumers(template)))
    raise ValueError("not an API Gateway event or a DynamoDB stream record")


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # Ctrl-C and SIGTERM alike: the SAM CLI, DynamoDB and podman's service end too


def _run(command: list[str], environment: dict[str, str]) -> int:
    """The SAM CLI until it ends, or until we are stopped: then it is told to stop (it removes its containers)."""
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--python313", default=os.environ.get("PYTHON313") or sys.executable)
    commands = parser.add_subparsers(dest="command", required=True)
    api = commands.add_parser("api", help="sam local start-api")
    api.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    invoke = commands.add_parser("invoke", help="sam local invoke of one events/ sample")
    invoke.add_argument("event", type=Path)
    args = parser.parse_args(argv)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # also when started in the background (SIGINT ignored)
        signal.signal(stop_signal, _stop)
    dynamodb_port = int(os.environ.get("DYNAMODB_PORT", str(DYNAMODB_PORT)))
    try:
        with sam_local(args.python313, dynamodb_port) as local:
            print(f"DynamoDB: {local.dynamodb.url} (tables {', '.join(table_names(load_template()).values())}); "
                  f"sample doctors {', '.join(local.doctors)}; image {local.image}", flush=True)  # fmt: skip
            if args.command == "api":
                command = [SAM_CLI, "local", "start-api", "--port", str(args.port), *local.arguments()]
            else:
                function = target_function(json.loads(args.event.read_text()))
                command = [SAM_CLI, "local", "invoke", function, "-e", str(args.event), *local.arguments()]
            code = _run(command, local.environment)
    except EngineUnavailable as error:
        sys.exit(f"sam local not started: {error}")
    except KeyboardInterrupt:
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    main()
