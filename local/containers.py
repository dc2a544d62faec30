"""The container engine `sam local` runs the functions in: Docker when its engine answers, else podman.

podman serves the Docker API from `podman system service` on a socket in `.sam-image/`, and the SAM CLI is
pointed at it with DOCKER_HOST. What these machines need from podman is in `containers.conf` below: runc (crun
fails on hybrid cgroups), cgroupfs, and default ulimits the host accepts. The SAM CLI creates its containers
on the engine's default bridge network (it ignores `--docker-network host`), so a container reaches this
machine at the bridge's gateway address: the local DynamoDB listens there (local/sam_local.py).
"""

from __future__ import annotations

import json
import os
import shutil
import socket as sockets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
PODMAN_NETWORK = "podman"  # rootful podman's default bridge (10.88.0.0/16, gateway 10.88.0.1)
START_TIMEOUT_SECONDS = 60


class EngineUnavailable(RuntimeError):
    """Neither Docker's engine nor podman can run containers here."""


@dataclass
class Engine:
    name: str  # "docker" or "podman"
    environment: dict[str, str]  # what the SAM CLI and the engine's CLI need (DOCKER_HOST, CONTAINERS_CONF)
    service: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def run(self, *arguments: str, stdin: bytes | None = None, check: bool = True) -> str:
        """The engine's own CLI (`docker ...` or `podman ...`); its output."""
        done = subprocess.run(
            [self.name, *arguments],
            input=stdin,
            env={**os.environ, **self.environment},
            capture_output=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise EngineUnavailable(f"{self.name} {arguments[0]} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def has_image(self, image: str) -> bool:
        return bool(self.run("images", "-q", image, check=False).strip())

    def gateway(self) -> str:
        """The address containers on the default bridge reach this machine at."""
        if self.name == "podman":
            network = json.loads(self.run("network", "inspect", PODMAN_NETWORK))[0]
            return str(network["subnets"][0]["gateway"])
        network = json.loads(self.run("network", "inspect", "bridge"))[0]
        return str(network["IPAM"]["Config"][0]["Gateway"])

    def stop(self) -> None:
        if self.service is not None:
            self.service.terminate()
            self.service.wait(timeout=30)
            self.service = None


def start_engine(state: Path) -> Engine:
    """Docker if its engine answers; else podman's service, started on `state`/podman.sock (stop it after)."""
    if shutil.which("docker") and _answers(["docker", "info"], os.environ):
        return Engine("docker", {})
    if not shutil.which("podman"):
        raise EngineUnavailable(
            "sam local needs Docker's engine or podman: apt-get install podman runc (make sam-tools does it as root)"
        )
    state.mkdir(parents=True, exist_ok=True)
    conf = state / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    socket = state / "podman.sock"
    environment = {"CONTAINERS_CONF": str(conf), "DOCKER_HOST": f"unix://{socket}"}
    socket.unlink(missing_ok=True)
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{socket}"],
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=(state / "podman.log").open("wb"),
        start_new_session=True,  # Ctrl-C on `make sam-api` stops it through Engine.stop, not twice
    )
    engine = Engine("podman", environment, service)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _pings(socket):
        if service.poll() is not None or time.monotonic() > deadline:
            engine.stop()
            raise EngineUnavailable(f"podman's service did not start: see {state / 'podman.log'}")
        time.sleep(0.2)
    return engine


def _pings(path: Path) -> bool:
    """The Docker API's /_ping answered OK on the unix socket at `path`."""
    try:
        with sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(path))
            connection.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            return b" 200 " in connection.recv(4096).split(b"\r\n", 1)[0]
    except OSError:
        return False


def _answers(command: list[str], environment: dict[str, str] | os._Environ[str]) -> bool:
    if not shutil.which(command[0]):
        return False
    done = subprocess.run(command, env=dict(environment), capture_output=True, check=False, timeout=60)
    return done.returncode == 0
