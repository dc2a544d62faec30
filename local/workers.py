"""Execution environments for one function: worker processes that each serve one request at a time, as Lambda does.

Separate processes matter: powertools keeps the current event in process-wide state, so two requests must
never share an interpreter. The pool survives what a Lambda fleet survives:
- a worker that dies (killed, crashed, `sys.exit`) is dropped; the request it was serving fails with
  `WorkerLost` (the gateway answers 503 + Retry-After) and the next request gets a new worker;
- at most `limit` workers per function; waiting requests are served first come, first served, and one that
  finds none free within `queue_wait` seconds is refused with `Busy` (503) instead of queueing without bound.
  Time spent while a worker of the function is starting does not count: capacity is on its way (a burst on a
  cold pool waits for its cold starts, as on Lambda);
- a worker that died while idle is noticed when the next request is handed to it (workers acknowledge a
  request before running it) and that request goes to another worker;
- a request that outlives the function's timeout ends its worker (`FunctionTimedOut`), as Lambda does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

from local import lambda_runtime
from local.packages import FunctionPackage

START_TIMEOUT_SECONDS = 60.0  # an init phase on a busy machine; Lambda allows 10 s, imports here are slower
STOP_GRACE_SECONDS = 1.0
SLOT_POLL_SECONDS = 0.05
GONE_RETRIES = 3  # workers tried for one request when each had ended before starting it


class InvokeError(Exception):
    """Why an invocation produced no result."""


class Busy(InvokeError):
    """Every worker of the function stayed busy for longer than the queue allows."""


class WorkerLost(InvokeError):
    """The worker ended while serving the request."""


class WorkerGone(InvokeError):
    """The worker had ended before it started the request: nothing ran, another worker can take it."""


class FunctionFailed(InvokeError):
    """The handler raised, or the function could not be imported (an init error)."""


class FunctionTimedOut(InvokeError):
    """The handler ran past the function's timeout; its worker was ended."""


def runtime_settings(package: FunctionPackage, fd: int, timeout_seconds: float) -> dict[str, Any]:
    """What local/lambda_runtime.py takes: the function to import and the connection (`fd`) to serve it on."""
    return {
        "fd": fd,
        "function": package.function,
        "code_dir": str(package.code_dir),
        "layer_dirs": [str(folder) for folder in package.layer_dirs],
        "module": package.module,
        "handler": package.handler,
        "timeout_seconds": timeout_seconds,
    }


class Worker:
    """One execution environment: an interpreter running local/lambda_runtime.py (`start`, then `wait_ready`)."""

    def __init__(
        self,
        function: str,
        connection: Connection,
        process: subprocess.Popen[bytes],
        start_timeout_seconds: float = START_TIMEOUT_SECONDS,
    ) -> None:
        """A started environment serving `function` on `connection`; `process` is the one to poll and end (its own,
        or the one that forked several: tests/template/zygote.py, where ending one ends them all)."""
        self._connection = connection
        self.process = process
        self.function = function
        self._start_timeout = start_timeout_seconds
        self.info: dict[str, Any] = {"pid": self.process.pid}
        self.busy = False

    @classmethod
    def start(
        cls,
        package: FunctionPackage,
        environment: dict[str, str],
        timeout_seconds: float,
        *,
        python: Sequence[str] = (sys.executable,),
        start_timeout_seconds: float = START_TIMEOUT_SECONDS,
    ) -> Worker:
        """A fresh interpreter for `package`; `python`: the command that starts it (another CPU's Python under an
        emulator, say)."""
        ours, theirs = Pipe()
        settings = runtime_settings(package, theirs.fileno(), timeout_seconds)
        process = subprocess.Popen(
            [*python, "-I", "-c", lambda_runtime.BOOTSTRAP, lambda_runtime.__file__, json.dumps(settings)],
            env=environment,
            pass_fds=(theirs.fileno(),),
            process_group=0,  # Ctrl-C in a terminal reaches the runner, which stops its workers itself
        )
        theirs.close()
        return cls(package.function, ours, process, start_timeout_seconds)

    def wait_ready(self) -> None:
        """Wait for the init phase to end (the handler imported); FunctionFailed if it failed or took too long."""
        if not self._connection.poll(self._start_timeout):
            self.stop()
            raise FunctionFailed(f"{self.function} did not start within {self._start_timeout:.0f} s")
        try:
            kind, detail = self._connection.recv()
        except (EOFError, OSError) as error:
            self.stop()
            raise FunctionFailed(f"{self.function} ended during its init phase") from error
        if kind != "ready":
            self.stop()
            raise FunctionFailed(f"{self.function} failed in its init phase:\n{detail}")
        self.info = detail

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: dict[str, Any], timeout_seconds: float) -> dict[str, Any]:
        try:
            self._connection.send(event)
            self._connection.recv()  # ("started", None): the handler runs from now on
        except (EOFError, OSError) as error:
            raise WorkerGone(f"worker {self.pid} had ended") from error
        try:
            if not self._connection.poll(timeout_seconds):
                raise FunctionTimedOut(f"no answer within {timeout_seconds:.0f} s")
            kind, answer = self._connection.recv()
        except (EOFError, OSError) as error:
            raise WorkerLost(f"worker {self.pid} ended during the request") from error
        if kind != "ok":
            raise FunctionFailed(str(answer))
        result: dict[str, Any] = answer
        return result

    def stop(self) -> None:
        """End the process and close the connection: only from the thread using the worker, or when none does."""
        self.end()
        self.reap()
        self.close()

    def end(self) -> None:
        """Terminate the process without waiting for it, from any thread: a request being served sees it end.

        The connection stays open: closing it under a thread that is reading it is not safe.
        """
        if self.alive():
            self.process.terminate()

    def close(self) -> None:
        self._connection.close()

    def reap(self) -> None:
        """Wait for the process to end; kill it if it takes longer than the grace period."""
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class FunctionWorkers:
    """Up to `limit` workers for one function, started on demand and replaced when they end."""

    def __init__(
        self,
        package: FunctionPackage,
        environment: dict[str, str],
        limit: int,
        queue_wait_seconds: float,
        timeout_seconds: float,
    ) -> None:
        self.package = package
        self.limit = limit
        self._environment = environment
        self._queue_wait = queue_wait_seconds
        self._timeout = timeout_seconds
        self._lock = threading.Lock()  # guards the lists and counters below
        self._free_slots = limit  # requests that may be served now without waiting
        self._queue: deque[threading.Event] = deque()  # requests waiting for a slot, first come first served
        self._idle: list[Worker] = []
        self._workers: list[Worker] = []
        self._starting = 0
        self._stopped = False

    def prestart(self) -> None:
        """Start one worker now, so that an init error shows at start-up rather than on the first request."""
        self._release(self._start())

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        if not self._wait_for_slot():
            raise Busy(f"all {self.limit} execution environments of {self.package.function} stayed busy")
        try:
            for _ in range(GONE_RETRIES):
                worker = self._take()
                try:
                    return worker.invoke(event, self._timeout + 1)  # a second of grace, as the handler checks too
                except WorkerGone:
                    self._drop(worker)  # killed while idle, just before this request: try the next worker
                except (WorkerLost, FunctionTimedOut):
                    self._drop(worker)
                    raise
                finally:
                    self._release(worker)  # after an unhandled error (FunctionFailed) the environment is usable
            raise WorkerLost(f"{GONE_RETRIES} workers of {self.package.function} ended before starting the request")
        finally:
            self._release_slot()

    def _wait_for_slot(self) -> bool:
        """A slot now, or a place in the queue until one is handed over; False after `queue_wait` seconds."""
        with self._lock:
            if self._stopped:
                return False
            if self._free_slots and not self._queue:
                self._free_slots -= 1
                return True
            turn = threading.Event()
            self._queue.append(turn)
        deadline = time.monotonic() + self._queue_wait
        while not turn.wait(timeout=max(0.0, min(deadline - time.monotonic(), SLOT_POLL_SECONDS))):
            with self._lock:
                if turn.is_set():
                    break
                if self._stopped:
                    self._queue.remove(turn)
                    return False
                if self._starting:  # a worker is on its way: waiting for it is not queueing
                    deadline = time.monotonic() + self._queue_wait
                elif time.monotonic() >= deadline:
                    self._queue.remove(turn)
                    return False
        return True

    def _release_slot(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()  # handed straight to the longest waiter
            else:
                self._free_slots += 1

    def describe(self) -> list[dict[str, Any]]:
        """Each worker's pid, whether it serves a request now, and the `sys.path` it reported at start."""
        with self._lock:
            return [{**worker.info, "pid": worker.pid, "busy": worker.busy} for worker in self._workers]

    def end(self) -> list[Worker]:
        """Terminate every worker and start no more; the caller reaps the returned workers."""
        with self._lock:
            self._stopped = True
            workers, idle, self._workers, self._idle = self._workers, self._idle, [], []
        for worker in workers:
            worker.end()
        for worker in idle:
            worker.close()  # no thread uses an idle worker; a busy one is closed by the thread serving on it
        return workers

    def _take(self) -> Worker:
        """An idle worker that is still alive, or a new one (the caller holds a slot, so the limit holds)."""
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    worker.busy = True
                    return worker
                self._workers.remove(worker)  # ended while idle (killed): replace it silently
                worker.stop()
        worker = self._start()
        worker.busy = True
        return worker

    def _start(self) -> Worker:
        with self._lock:
            if self._stopped:
                raise WorkerLost("the runner is stopping")
            self._starting += 1
        try:
            worker = Worker.start(self.package, self._environment, self._timeout)
            with self._lock:
                listed = not self._stopped
                if listed:
                    self._workers.append(worker)  # listed while it starts, so that `end` terminates it too
            if not listed:
                worker.stop()
                raise WorkerLost("the runner is stopping")
            try:
                worker.wait_ready()
            except FunctionFailed:
                self._drop(worker)
                if self._stopped:
                    raise WorkerLost("the runner is stopping") from None
                raise
        finally:
            with self._lock:
                self._starting -= 1
        return worker

    def _release(self, worker: Worker) -> None:
        with self._lock:
            worker.busy = False
            if worker in self._workers and worker not in self._idle:
                self._idle.append(worker)

    def _drop(self, worker: Worker) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        worker.stop()
