"""The embedded DynamoDB: moto's server on 127.0.0.1:8000 (DYNAMODB_PORT; 0 for any free port), shedding when
saturated. The same moto serves the stack's other services (CloudFormation, IAM, STS, EventBridge, SQS), and
checks each function's calls against its role (local/iam.py) once `authorizer` is set.

Moto is not safe for overlapping writes (it applies a TransactWriteItems step by step), so DynamoDB operations
take a readers-writer lock (local/rwlock.py) while moto produces their whole answer: the reads that change
nothing (READS: GetItem, Query, ...) together, every other operation alone. A read therefore never sees half a
transaction, and a transaction's condition checks never see a write land in the middle: what the one-at-a-time
rule guaranteed. The other services (EventBridge, SQS, ...) keep no state the DynamoDB operations touch, so
they take their own lock, one operation at a time among themselves. Requests never hold a lock. An operation
that cannot take its lock within `wait_seconds` is not run: it is answered `ThrottlingException`, as a
saturated DynamoDB table answers, and the store's retries and its 503 take over. Keeping the wait under
botocore's read timeout (1 s, see scheduling/store/client.py) also means an operation never runs after its
caller gave up and retried it.
"""

from __future__ import annotations

import errno
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from local.iam import Authorizer
from local.rwlock import ReadWriteLock

DEFAULT_PORT = 8000
_DYNAMODB = "DynamoDB_20120810."
# Operations that only read moto's tables: they may run together (never during a write).
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable", "ListTables"})

THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
    "message": "The local DynamoDB is saturated (the runner's LOCAL_DYNAMODB_WAIT_SECONDS passed); retry later.",
}


class OperationStats:
    """Counters served at /_local/moto-stats (the load benchmark reads how busy moto was)."""

    def __init__(self, busy_seconds: Callable[[], float] = lambda: 0.0) -> None:
        self._busy_seconds = busy_seconds
        self._lock = threading.Lock()
        self.operations = 0
        self.seconds = 0.0
        self.throttled = 0

    def ran(self, seconds: float) -> None:
        with self._lock:
            self.operations += 1
            self.seconds += seconds

    def refused(self) -> None:
        with self._lock:
            self.throttled += 1

    def as_dict(self) -> dict[str, float]:
        """`seconds`: operation time summed (parallel reads each count); `busy_seconds`: time any one ran."""
        with self._lock:
            return {
                "operations": self.operations,
                "seconds": self.seconds,
                "busy_seconds": self._busy_seconds(),
                "throttled": self.throttled,
            }


class EmbeddedDynamoDB:
    """Moto's DynamoDB over HTTP (127.0.0.1 on a free port unless told), in a thread of this process."""

    def __init__(self, wait_seconds: float, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """One line per DynamoDB call would drown the runner's own output."""

        from local import moto_events, moto_queries, moto_serializer, moto_sizes, moto_transactions

        moto_transactions.install()
        moto_sizes.install()
        moto_serializer.install()
        moto_queries.install()
        moto_events.install()
        _list_moto_modules_once()
        self.lock = ReadWriteLock()  # DynamoDB: reads together, writes alone (`with lock:` writes)
        self.other_services = threading.Lock()  # EventBridge, SQS, STS, ...: one at a time
        self.stats = OperationStats(lambda: self.lock.busy_seconds)
        self.writes = 0  # DynamoDB operations other than READS run so far (local/state.py saves when it grows)
        self._moto = DomainDispatcherApplication(create_backend_app)
        self._wait = wait_seconds
        self.authorizer: Authorizer | None = None
        try:
            self._server = make_server(host, port, self._one_operation_at_a_time, threaded=True, request_handler=Quiet)
        except SystemExit:  # werkzeug says why ("Address already in use") and exits: the caller decides
            raise OSError(errno.EADDRINUSE, "address in use") from None
        self.url = f"http://{host}:{self._server.server_port}"
        serve = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="embedded-dynamodb", daemon=True)
        serve.start()

    def _one_operation_at_a_time(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.authorizer is not None:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            headers = {
                "Authorization": environ.get("HTTP_AUTHORIZATION", ""),
                "X-Amz-Target": environ.get("HTTP_X_AMZ_TARGET", ""),
            }
            denial = self.authorizer.denial(headers, body)
            if denial is not None:
                return _answer(start_response, denial)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(_DYNAMODB):
            if not self.other_services.acquire(timeout=self._wait):
                return _throttled(environ, start_response)
            try:
                return list(self._moto(environ, start_response))
            finally:
                self.other_services.release()
        read = target.removeprefix(_DYNAMODB) in READS
        if not (self.lock.acquire_read(self._wait) if read else self.lock.acquire_write(self._wait)):
            self.stats.refused()
            return _throttled(environ, start_response)
        began = time.perf_counter()
        try:
            return list(self._moto(environ, start_response))  # the whole answer is produced under the lock
        finally:
            if read:
                self.lock.release_read()
            else:
                self.writes += 1
                self.lock.release_write()
            self.stats.ran(time.perf_counter() - began)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _list_moto_modules_once() -> None:
    """Moto's dispatcher finds the service of each request among its modules by listing its package folder
    (`os.listdir` and an `isdir` per entry) at every request: 7% of the embedded DynamoDB's time in a py-spy
    profile. The folder does not change while the runner runs: it is listed once."""
    from moto import backends

    if isinstance(backends.list_of_moto_modules, _ModuleList):
        return
    backends.list_of_moto_modules = _ModuleList(tuple(backends.list_of_moto_modules()))


class _ModuleList:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def __call__(self) -> tuple[str, ...]:
        return self.names


def _throttled(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))  # the connection stays usable
    return _answer(start_response, THROTTLED)


def _answer(start_response: Callable[..., Any], error: dict[str, str]) -> list[bytes]:
    """A DynamoDB (JSON protocol) error: botocore reads the code from `__type`."""
    body = json.dumps(error).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body]
