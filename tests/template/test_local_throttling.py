"""The runner's stand-in for the stage's throttling (local/throttling.py): a token bucket per method, with the
limits the deployed stage gets, scaled by LOCAL_THROTTLE_SCALE."""

from __future__ import annotations

from local.template import load_template
from local.throttling import EVERY_METHOD, Limits, StageThrottle, stage_limits
from tests.template.transformed import of_type, transformed_template


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def admitted(throttle: StageThrottle, count: int, method: str = "POST", resource: str = "/doctors") -> int:
    return sum(throttle.admit(method, resource) for _ in range(count))


def test_the_runner_throttles_with_the_limits_cloudformation_gives_the_stage() -> None:
    [stage] = of_type(transformed_template(), "AWS::ApiGateway::Stage").values()
    deployed = {
        (setting["HttpMethod"], setting["ResourcePath"]): Limits(
            float(setting["ThrottlingRateLimit"]), float(setting["ThrottlingBurstLimit"])
        )
        for setting in stage["Properties"]["MethodSettings"]
        if "ThrottlingRateLimit" in setting
    }

    assert EVERY_METHOD in deployed
    assert stage_limits(load_template()) == deployed


def test_a_method_gets_its_burst_at_once_then_its_rate() -> None:
    clock = FakeClock()
    throttle = StageThrottle({EVERY_METHOD: Limits(rate=100, burst=200)}, clock=clock)

    assert admitted(throttle, 250) == 200
    clock.now += 0.5  # 50 tokens back at 100 per second
    assert admitted(throttle, 80) == 50
    clock.now += 60  # never more than the burst
    assert admitted(throttle, 250) == 200


def test_each_method_has_its_own_bucket() -> None:
    clock = FakeClock()
    throttle = StageThrottle({EVERY_METHOD: Limits(rate=1, burst=3)}, clock=clock)

    assert admitted(throttle, 5, "POST", "/doctors") == 3
    assert admitted(throttle, 5, "GET", "/doctors") == 3
    assert admitted(throttle, 5, "POST", "/doctors/{doctor_id}/holds") == 3


def test_a_method_setting_of_its_own_overrides_the_stages() -> None:
    limits = {EVERY_METHOD: Limits(rate=1, burst=3), ("GET", "/~1doctors~1{doctor_id}"): Limits(rate=1, burst=10)}
    throttle = StageThrottle(limits, clock=FakeClock())

    assert admitted(throttle, 20, "GET", "/doctors/{doctor_id}") == 10
    assert admitted(throttle, 20, "PUT", "/doctors/{doctor_id}") == 3


def test_the_scale_multiplies_both_limits_and_zero_turns_throttling_off() -> None:
    clock = FakeClock()
    scaled = StageThrottle({EVERY_METHOD: Limits(rate=100, burst=200)}, scale=0.05, clock=clock)
    off = StageThrottle({EVERY_METHOD: Limits(rate=100, burst=200)}, scale=0, clock=clock)

    assert admitted(scaled, 50) == 10
    clock.now += 1
    assert admitted(scaled, 50) == 5
    assert admitted(off, 1000) == 1000


def test_a_template_without_throttling_throttles_nothing() -> None:
    throttle = StageThrottle(stage_limits({"Resources": {}}), clock=FakeClock())

    assert admitted(throttle, 1000) == 1000
