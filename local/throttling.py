"""The stage's throttling, as API Gateway applies it: a token bucket per method, from the template's MethodSettings.

API Gateway applies a stage's throttling limits per method ("per-API, per-stage throttling limits are applied at
the API method level for a stage"): the entry `ResourcePath: "/*"`, `HttpMethod: "*"` gives every method of the
stage its own bucket of `ThrottlingBurstLimit` tokens, refilled at `ThrottlingRateLimit` per second; an entry for
one method (`ResourcePath: "/~1doctors"`, `HttpMethod: GET`) overrides it for that method. A request takes a token
when it arrives; without one it is answered 429 THROTTLED and reaches no function. `LOCAL_THROTTLE_SCALE`
multiplies both limits (0 turns throttling off, e.g. for a load test that is not about it).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EVERY_METHOD = ("*", "/*")


@dataclass(frozen=True)
class Limits:
    rate: float  # tokens per second
    burst: float  # the bucket's size

    def scaled(self, scale: float) -> Limits:
        """Both limits times `scale`; the bucket keeps room for one request, or it would refuse every one."""
        return Limits(self.rate * scale, max(1.0, math.ceil(self.burst * scale)))


def stage_limits(template: dict[str, Any]) -> dict[tuple[str, str], Limits]:
    """The throttling entries of the API's MethodSettings, by (HTTP method, resource path) as the template names
    them (`"*"`, `"/*"` for the stage's default; a path's `/` written `~1`)."""
    found: dict[tuple[str, str], Limits] = {}
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Serverless::Api":
            continue
        for entry in resource.get("Properties", {}).get("MethodSettings", []):
            if "ThrottlingRateLimit" in entry and "ThrottlingBurstLimit" in entry:
                key = (str(entry.get("HttpMethod", "*")).upper(), str(entry.get("ResourcePath", "/*")))
                found[key] = Limits(float(entry["ThrottlingRateLimit"]), float(entry["ThrottlingBurstLimit"]))
    return found


class TokenBucket:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.tokens = limits.burst
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self) -> bool:
        """One token if there is one now."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.limits.burst, self.tokens + (now - self.updated) * self.limits.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class StageThrottle:
    """The buckets of one stage, one per method (created on the method's first request)."""

    def __init__(
        self, limits: dict[tuple[str, str], Limits], scale: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = {key: value.scaled(scale) for key, value in limits.items()} if scale > 0 else {}
        self.clock = clock
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.lock = threading.Lock()

    def admit(self, method: str, resource: str) -> bool:
        """Whether a request to the route `method resource` (e.g. `POST`, `/doctors/{doctor_id}/holds`) may go on."""
        key = (method.upper(), resource)
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                own = (key[0], "/" + resource.replace("/", "~1"))
                limits = self.limits.get(own) or self.limits.get(EVERY_METHOD)
                if limits is None:
                    return True
                bucket = self.buckets[key] = TokenBucket(limits, self.clock)
        return bucket.take()
