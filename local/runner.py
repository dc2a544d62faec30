"""Docker-free local API: serves every route of `template.yaml` on localhost, invoking the real handlers.

Run: `python -m local.runner [--port 3000] [--host 127.0.0.1] [--no-seed] [--artifact .aws-sam/build]`
(the Makefile's `make run`). This module only wires the parts together and handles start and stop:

  local/settings.py     LOCAL_* settings (concurrency, queue and DynamoDB bounds)
  local/dynamodb.py     the embedded DynamoDB (moto's server, :8000 or DYNAMODB_PORT): reads together, writes alone
  local/stack.py        the transformed template (local/transformed.py) deployed into the embedded moto
  local/iam.py          each function's role credentials, and its policies enforced on every call
  local/packages.py     what each function's workers load: the source tree or a `sam build` artifact
  local/workers.py      worker processes per function (local/lambda_runtime.py inside each)
  local/gateway.py      routing a request to its function, or answering it (404, 405, 503, ...)
  local/http_server.py  connections, deadlines and answers (local/http_framing.py: what a well-formed head is)
  local/seed.py         the sample doctors; local/seed_hospital.py: a big hospital (`--seed hospital`)
  local/state.py        the tables' items kept across restarts (`--state DIR`; `--fresh` starts empty)
  local/domain_events.py  the table's stream -> the events function -> the embedded bus -> /_local/events
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.domain_events import LocalEvents
from local.dynamodb import EmbeddedDynamoDB
from local.environment import OFFLINE_AWS, QUIET_POWERTOOLS, worker_environment
from local.events import build_event
from local.gateway import Gateway
from local.http_server import LocalServer, make_request_handler
from local.iam import Authorizer, credentials
from local.lambda_runtime import LambdaContext
from local.packages import ArtifactIncomplete, artifact_packages, source_packages
from local.routing import Router
from local.seed import seed_sample_doctors
from local.seed_hospital import DOCTORS, seed_hospital, unpublished
from local.settings import InvalidSetting, RunnerSettings
from local.stack import LocalStack, deploy
from local.state import LocalState
from local.template import (
    TEMPLATE_PATH,
    api_routes,
    create_tables,
    event_bus_names,
    function_environment,
    load_template,
    table_names,
)
from local.transformed import TransformUnavailable, transformed_template
from local.workers import FunctionFailed, FunctionWorkers, InvokeError

# Imported from here before the split; new code imports them from local.events and local.lambda_runtime.
__all__ = ["LambdaContext", "build_event", "main", "start"]


@dataclass
class Runtime:
    """What `start` set up, so that `main` can serve it and tear it down."""

    server: LocalServer
    gateway: Gateway
    seeded: list[str]
    embedded: EmbeddedDynamoDB | None
    endpoint: str
    events: LocalEvents | None = None
    stack: LocalStack | None = None
    state: LocalState | None = None
    hospital: list[str] = field(default_factory=list)  # the big hospital's doctors, when seeded

    def stop(self) -> None:
        """Stop listening, end the open connections and every worker, save the state, then the embedded DynamoDB."""
        self.server.server_close()
        self.server.close_connections()
        if self.events is not None:
            self.events.stop()
        self.gateway.stop()
        if self.state is not None:
            self.state.stop()
        if self.embedded is not None:
            self.embedded.stop()


def start(
    port: int,
    host: str = "127.0.0.1",
    seed: bool = True,
    artifact: Path | None = None,
    state_dir: Path | None = None,
    fresh: bool = False,
    hospital_doctors: int = 0,
) -> Runtime:
    """Deploy the template's resources, prepare the functions, and bind the server (not yet serving).

    `state_dir`: keep the embedded tables' items there across restarts (`fresh`: forget what was kept);
    `hospital_doctors`: seed a big hospital of that many doctors (local/seed_hospital.py) as well."""
    settings = RunnerSettings.from_environment()
    for name, value in {**OFFLINE_AWS, **QUIET_POWERTOOLS}.items():
        os.environ.setdefault(name, value)
    template = load_template()
    packages = artifact_packages(template, artifact) if artifact else source_packages(template)
    transformed, embedded = _embedded_aws(settings)
    endpoint = os.environ["DYNAMODB_ENDPOINT_URL"]
    gateway = None
    events = None
    stack = None
    state = None
    try:
        import boto3

        session = boto3.Session()
        roles: dict[str, dict[str, str]] = {}
        if embedded is not None and transformed is not None:
            stack = deploy(session, endpoint, transformed)
            references = stack.references
            embedded.authorizer = Authorizer()
            for name in packages:
                roles[name] = credentials(session, endpoint, stack.roles[name], name)
                embedded.authorizer.grant(roles[name]["AWS_ACCESS_KEY_ID"], stack.roles[name], name)
            state = _restored(state_dir, fresh, embedded, stack, settings.state_save_seconds)
        else:  # another DynamoDB (DYNAMODB_ENDPOINT_URL): no CloudFormation there, the tables only
            references = {**event_bus_names(template), **table_names(template)}
            create_tables(session.client("dynamodb", endpoint_url=endpoint), template, table_names(template))
        timeout = float(template.get("Globals", {}).get("Function", {}).get("Timeout", 3))
        functions = {
            name: FunctionWorkers(
                package,
                worker_environment(template, name, references, roles.get(name)),
                settings.concurrency,
                settings.queue_wait_seconds,
                timeout,
            )
            for name, package in packages.items()
        }
        gateway = Gateway(
            Router(api_routes(template)), functions, embedded, template=template, throttle_scale=settings.throttle_scale
        )
        if settings.prestart:
            _prestart(functions)
        table = function_environment(template, "DoctorsFunction", references)["TABLE_NAME"]
        hospital = _hospital(endpoint, table, hospital_doctors, embedded is not None)
        if embedded is not None and stack is not None:
            events = LocalEvents.start(template, embedded, functions, settings, stack.tables, stack.buses)
            gateway.queries.update(events.pages() if events else {})
        seeded = seed_sample_doctors(endpoint, table) if seed else []
        if state is not None:
            state.start()
        server = LocalServer((host, port), make_request_handler(gateway, settings.access_log))
    except BaseException:
        _stop_started(state, events, gateway, embedded)
        raise
    return Runtime(server, gateway, seeded, embedded, endpoint, events, stack, state, hospital)


def _stop_started(
    state: LocalState | None, events: LocalEvents | None, gateway: Gateway | None, embedded: EmbeddedDynamoDB | None
) -> None:
    """What `start` had started when it failed, stopped in the order `Runtime.stop` uses."""
    if events is not None:
        events.stop()
    if gateway is not None:
        gateway.stop()
    if state is not None:
        state.stop()
    if embedded is not None:
        embedded.stop()


def _restored(
    folder: Path | None, fresh: bool, embedded: EmbeddedDynamoDB, stack: LocalStack, save_seconds: float
) -> LocalState | None:
    """The state kept in `folder` put back into the stack's tables (none with `fresh`); None without a folder."""
    if folder is None:
        return None
    state = LocalState(folder, embedded.lock, lambda: embedded.writes, save_seconds)
    if fresh:
        state.discard()
    state.restore(list(stack.tables.values()))
    return state


def _hospital(endpoint: str, table: str, doctors: int, embedded: bool) -> list[str]:
    """Seed the big hospital (before the stream is read: with the embedded moto, the seed is not published)."""
    if not doctors:
        return []
    with unpublished(table) if embedded else nullcontext():
        return seed_hospital(endpoint, table, doctors)


def _embedded_aws(settings: RunnerSettings) -> tuple[dict[str, Any] | None, EmbeddedDynamoDB | None]:
    """The transformed template and the embedded moto serving it, unless DYNAMODB_ENDPOINT_URL names another."""
    if os.environ.get("DYNAMODB_ENDPOINT_URL"):
        return None, None
    transformed = transformed_template(Path(os.environ.get("LOCAL_TEMPLATE") or TEMPLATE_PATH))
    try:
        embedded = EmbeddedDynamoDB(settings.dynamodb_wait_seconds, port=settings.dynamodb_port)
    except OSError as error:
        raise InvalidSetting(
            f"the embedded DynamoDB cannot listen on 127.0.0.1:{settings.dynamodb_port} ({error.strerror}); "
            "set DYNAMODB_PORT to another port (0: any free port)"
        ) from None
    os.environ["DYNAMODB_ENDPOINT_URL"] = embedded.url  # the workers inherit it
    os.environ["EVENTS_ENDPOINT_URL"] = embedded.url  # the embedded moto serves EventBridge too
    os.environ["SCHEDULER_ENDPOINT_URL"] = embedded.url  # and EventBridge Scheduler (local/scheduler.py)
    return transformed, embedded


def _prestart(functions: dict[str, FunctionWorkers]) -> None:
    """One worker per function, in parallel: a function that cannot be imported stops the runner now."""
    failures: list[str] = []

    def prestart(workers: FunctionWorkers) -> None:
        try:
            workers.prestart()
        except FunctionFailed as error:
            failures.append(str(error))
        except InvokeError:
            pass  # the runner is stopping while it starts

    threads = [threading.Thread(target=prestart, args=(workers,)) for workers in functions.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise FunctionFailed("\n".join(failures))


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # Ctrl-C and SIGTERM alike: the workers and the embedded DynamoDB end too


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-seed", action="store_true", help="start with empty tables")
    parser.add_argument(
        "--seed",
        choices=("samples", "hospital"),
        default="samples",
        help="hospital: also a big hospital (local/seed_hospital.py), unless a kept state has it",
    )
    parser.add_argument("--hospital-doctors", type=int, default=DOCTORS, help="the big hospital's size")
    parser.add_argument(
        "--state",
        type=Path,
        help="keep the embedded tables' items in this directory across restarts (`make run`: .local-state)",
    )
    parser.add_argument("--fresh", action="store_true", help="with --state: forget what was kept, start empty")
    parser.add_argument(
        "--artifact",
        type=Path,
        help="serve the built functions and layers in this `sam build` directory (e.g. .aws-sam/build) "
        "instead of the source tree",
    )
    args = parser.parse_args(argv)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # also when started in the background (SIGINT ignored)
        signal.signal(stop_signal, _stop)
    try:
        runtime = start(
            args.port,
            args.host,
            seed=not args.no_seed,
            artifact=args.artifact,
            state_dir=args.state,
            fresh=args.fresh,
            hospital_doctors=args.hospital_doctors if args.seed == "hospital" else 0,
        )
    except (InvalidSetting, ArtifactIncomplete, FunctionFailed, TransformUnavailable) as error:
        sys.exit(f"Local API not started: {error}")
    except KeyboardInterrupt:
        sys.exit("Local API stopped while starting.")
    code = f"built artifact {args.artifact.resolve()}" if args.artifact else "source tree"
    where = f"embedded (moto, in memory, at {runtime.endpoint})" if runtime.embedded else runtime.endpoint
    print(f"Functions: {code}; DynamoDB: {where}", flush=True)
    if runtime.stack is not None:
        print(f"{runtime.stack.describe()} (the template's, deployed into the embedded moto)", flush=True)
    if runtime.state is not None:
        print(f"State: {runtime.state.path} ({runtime.state.restored} items restored)", flush=True)
    print(f"Sample doctors: {', '.join(runtime.seeded) or 'none'}", flush=True)
    if runtime.hospital:
        print(f"Hospital: {len(runtime.hospital)} doctors ({runtime.hospital[0]}, ...)", flush=True)
    base = f"http://{args.host}:{runtime.server.server_port}"
    if runtime.events is not None:
        print(runtime.events.describe(base), flush=True)
    print(f"Local API running on {base} (Ctrl-C to stop)", flush=True)
    try:
        runtime.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not interrupt the stop
            signal.signal(stop_signal, signal.SIG_IGN)
        runtime.stop()
        print("Local API stopped.", flush=True)


def exit_now(code: int = 0) -> None:
    """End the process without the interpreter's teardown, once everything it owns has been stopped.

    After a load run the embedded DynamoDB holds hundreds of MB of Python objects, and the garbage collections
    of a normal interpreter exit took up to 30 s over them (one thread at full CPU after "Local API stopped").
    Nothing is left to clean up by then: the workers are reaped, the sockets closed, the output flushed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
    exit_now()
