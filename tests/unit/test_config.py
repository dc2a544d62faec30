"""The endpoint variables the template declares empty on AWS (env.json fills them for `sam local`)."""

from __future__ import annotations

import pytest

from scheduling.config import EventsSettings, Settings


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_endpoint_is_no_endpoint(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """Given the template's empty DYNAMODB_ENDPOINT_URL and EVENTS_ENDPOINT_URL (as on AWS), the SDK's own."""
    monkeypatch.setenv("TABLE_NAME", "SchedulingTable")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", value)
    monkeypatch.setenv("EVENT_BUS_NAME", "SchedulingEventBus")
    monkeypatch.setenv("EVENTS_ENDPOINT_URL", value)

    assert Settings().dynamodb_endpoint_url is None
    assert EventsSettings().events_endpoint_url is None


def test_a_set_endpoint_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "SchedulingTable")
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", "http://127.0.0.1:8000")

    assert Settings().dynamodb_endpoint_url == "http://127.0.0.1:8000"
