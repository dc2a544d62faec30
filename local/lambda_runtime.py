"""The inside of one execution environment: a fresh interpreter that imports one function and serves its events.

Started by local/workers.py as `python -I -c <bootstrap> <this file> <settings>`, so only the standard library
and this interpreter's site-packages are on `sys.path` before the function's own directory and its layers are
put in front, in Lambda's order. This file therefore imports nothing but the standard library.

Protocol over an inherited socket (multiprocessing.connection, pickled messages):
  runtime -> runner  ("ready", {"pid", "sys_path", "handler_file", "machine"})  or  ("failed", traceback text)
  runner -> runtime  event (dict)
  runtime -> runner  ("started", None), then ("ok", result dict) or ("error", "ExceptionType: message")
The runtime exits when the runner closes its end.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import signal
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

# How a runner starts this file (or another stdlib-only file with a `main`: tests/template/zygote.py) without
# putting the repository on `sys.path`: `python -c BOOTSTRAP <file> <main's arguments>`.
BOOTSTRAP = """
import importlib.util, os, sys
name = "local_" + os.path.splitext(os.path.basename(sys.argv[1]))[0]
spec = importlib.util.spec_from_file_location(name, sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
sys.exit(module.main(*sys.argv[2:]))
"""


@dataclass
class LambdaContext:
    """What powertools reads from the Lambda context object."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:local"
    deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def main(settings_json: str) -> int:
    """Init phase (import the handler once), then one event at a time until the runner goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopping is the runner's job
    settings = json.loads(settings_json)
    connection = Connection(settings["fd"])
    sys.path[:0] = [settings["code_dir"], *settings["layer_dirs"]]
    try:
        module = importlib.import_module(settings["module"])
        handler = getattr(module, settings["handler"])
    except BaseException:  # an init error: the runner reports it and does not use this environment
        connection.send(("failed", traceback.format_exc()))
        return 1
    if os.environ.get("LOCAL_CLOCK_FILE"):
        _shift_the_service_clock(os.environ["LOCAL_CLOCK_FILE"])
    if os.environ.get("LOCAL_DIE_AFTER_COMMIT_FILE"):
        _die_after_a_commit(os.environ["LOCAL_DIE_AFTER_COMMIT_FILE"])
    ready = {"pid": os.getpid(), "sys_path": sys.path, "handler_file": module.__file__, "machine": platform.machine()}
    connection.send(("ready", ready))
    while True:
        try:
            event = connection.recv()
        except (EOFError, OSError):
            return 0
        connection.send(("started", None))  # from here on, a crash loses this request; before, it can be retried
        context = LambdaContext(
            function_name=settings["function"],
            aws_request_id=str(uuid.uuid4()),
            deadline=time.monotonic() + settings["timeout_seconds"],
        )
        try:
            reply: tuple[str, Any] = ("ok", handler(event, context))
        except Exception as error:  # an unhandled error: Lambda logs it and API Gateway answers 502
            traceback.print_exc()
            reply = ("error", f"{type(error).__name__}: {error}")
        connection.send(reply)


def _shift_the_service_clock(path: str) -> None:
    """Local only: the service's one clock runs as many seconds ahead as the file `path` says, read at every
    reading, so a test can let time pass for the rules that depend on it (a no-show needs an appointment that has
    started, and no booking may start in the past). DynamoDB, TTL and the events keep the real time."""
    try:
        clock: Any = importlib.import_module("scheduling.service.clock")  # not importable by name from here
    except ImportError:  # a function without the service (none today): nothing to shift
        return
    real_now = clock.now

    def shifted_now() -> Any:
        try:
            with open(path, encoding="utf-8") as text:
                ahead = float(text.read().strip() or 0)
        except (OSError, ValueError):
            ahead = 0.0
        return real_now() + timedelta(seconds=ahead)

    clock.now = shifted_now


def _die_after_a_commit(path: str) -> None:
    """Local only: while the file `path` exists, the next DynamoDB transaction that commits in any worker kills
    that worker (SIGKILL) right after the commit, before its function can answer: the request whose write is
    stored but whose answer is lost, as when a Lambda times out or crashes after committing. The worker that
    removes the file is the one that dies, so one file kills exactly one worker."""
    try:
        boto3: Any = importlib.import_module("boto3")
    except ImportError:  # a function without boto3 (none today): it writes nothing to die after
        return
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()

    def die_if_armed(http_response: Any, **_: Any) -> None:
        if getattr(http_response, "status_code", None) != 200:  # cancelled or failed: nothing was written
            return
        try:
            os.unlink(path)
        except OSError:  # not armed, or another worker took it
            return
        os.kill(os.getpid(), signal.SIGKILL)

    # on the session every client of this environment is created from (the store's is created lazily, later)
    boto3.DEFAULT_SESSION.events.register("after-call.dynamodb.TransactWriteItems", die_if_armed)
