"""The access audit: one structured line per request that reads or changes a patient's data.

A line names the principal (IAM ARN), the acting user (`X-Acting-User`), the action, the doctor, the appointment
(or hold), and the patient as a keyed hash: HMAC-SHA256 of the patient id, never the id in clear, so an auditor
can find every access to one patient (hash the id with the same key) but the log alone names nobody.

Where lines go: with `AUDIT_LOG_GROUP` set (on AWS), to that log group with `PutLogEvents`, one stream per
execution environment; without it (locally), or if CloudWatch Logs refuses, to the function's own log, marked
`"audit": true` (never lost silently; the fallback also counts `AuditFallback`). The hash key: with
`AUDIT_HASH_KEY_ID` (on AWS), derived once per execution environment from the stack's KMS HMAC key
(`GenerateMac` of a fixed label), so the key is never stored anywhere; locally a fixed, documented dev key.
docs/design.md "Security" has the reasons.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from scheduling.config import AuditSettings
from scheduling.models import Actor
from scheduling.observability import logger, metrics

# Locally (and in tests) the patient hash uses this key: it is not a secret, and hashes made with it mean nothing
# on AWS.
DEV_HASH_KEY = b"hospital-scheduling local audit key (not a secret)"
# The message the stack's KMS HMAC key signs to give this version's hash key.
KEY_LABEL = b"scheduling/audit/patient-hash/v1"


@cache
def _settings() -> AuditSettings:
    return AuditSettings()


@cache
def _hash_key() -> bytes:
    key_id = _settings().audit_hash_key_id
    if not key_id:
        return DEV_HASH_KEY
    import boto3

    answer = boto3.client("kms").generate_mac(KeyId=key_id, Message=KEY_LABEL, MacAlgorithm="HMAC_SHA_256")
    return bytes(answer["Mac"])


def patient_hash(patient_id: str | None) -> str | None:
    """The patient id as the audit writes it: HMAC-SHA256 with the audit key, hex."""
    if patient_id is None:
        return None
    return hmac.new(_hash_key(), patient_id.encode(), hashlib.sha256).hexdigest()


def audit(
    action: str,
    actor: Actor,
    doctor_id: str | None = None,
    appointment_id: str | None = None,
    patient_id: str | None = None,
    patients: Iterable[str | None] = (),
    **ids: str | None,
) -> None:
    """Write one audit line. `patients`: for a read of several records (a list), every patient it showed."""
    try:
        hashed = patient_hash(patient_id)
        shown = sorted({digest for one in patients if (digest := patient_hash(one)) is not None})
    except Exception as error:  # the key could not be derived (KMS): the line still names who did what
        logger.warning("access audit without patient hash", extra={"cause": type(error).__name__})
        metrics.add_metric(name="AuditFallback", unit=MetricUnit.Count, value=1)
        hashed, shown = ("unavailable" if patient_id else None), []
    line: dict[str, Any] = {
        "audit": True,
        "action": action,
        "principal": actor.by,
        "acting_user": actor.on_behalf_of,
        "doctor_id": doctor_id,
        "appointment_id": appointment_id,
        **ids,
        "patient": hashed,
    }
    if shown:
        line["patients"] = shown
    _sink().write(line)


class _Sink:
    """The audit log group (one stream per execution environment), or the function's own log without one."""

    def __init__(self, group: str) -> None:
        self._group = group
        self._stream: str | None = None
        self._lock = threading.Lock()
        self._client: Any = None

    def write(self, line: dict[str, Any]) -> None:
        if not self._group:
            logger.info("access audit", extra=line)
            return
        try:
            self._put(json.dumps(line, separators=(",", ":")))
        except Exception as error:  # the request is done: the line must be neither lost nor fail it
            logger.warning("access audit not written to its group", extra={**line, "cause": type(error).__name__})
            metrics.add_metric(name="AuditFallback", unit=MetricUnit.Count, value=1)

    def _put(self, message: str) -> None:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client("logs")
            if self._stream is None:
                function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
                stream = f"{time.strftime('%Y/%m/%d')}/{function}/{uuid.uuid4().hex}"
                self._client.create_log_stream(logGroupName=self._group, logStreamName=stream)
                self._stream = stream
            event = {"timestamp": int(time.time() * 1000), "message": message}
            self._client.put_log_events(logGroupName=self._group, logStreamName=self._stream, logEvents=[event])


@cache
def _sink() -> _Sink:
    return _Sink(_settings().audit_log_group)
