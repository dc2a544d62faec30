"""The local runner's EventBridge compiles each input transformer path once, and delivers the same events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonpath_ng import ext
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from moto.events.utils import EventTemplateParser

from local import moto_events

EVENT: Any = {
    "id": "e-1",
    "time": 2083222800,  # what the default template writes unquoted
    "detail-type": "AppointmentBooked",
    "source": "scheduling",
    "region": "us-east-1",
    "account": "123456789012",
    "resources": [],
    "detail": {"appointment_id": "a-1", "nested": {"list": [1, "two", None]}},
    "ingestion-time": 2,
}
TRANSFORMER = {"id": "$.detail.appointment_id", "kind": "$.detail-type"}
TEMPLATE = '{"appointment": "<id>", "kind": "<kind>"}'


def test_input_transformers_give_the_same_events_with_each_path_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ext, "parse", vars(ext)["parse"])  # undone after the test
    moto_events.uninstall()  # jsonpath_ng's own, even when an embedded DynamoDB of an earlier test installed ours
    built: list[object] = []
    real_init = ExtendedJsonPathParser.__init__

    def counted_init(parser: ExtendedJsonPathParser, *args: object, **kwargs: object) -> None:
        built.append(parser)
        real_init(parser, *args, **kwargs)  # type: ignore[arg-type]

    def deliveries() -> list[str]:
        return [
            json.dumps(EventTemplateParser.parse("", {}, EVENT), sort_keys=True),  # the default transformer
            json.dumps(EventTemplateParser.parse(TEMPLATE, TRANSFORMER, EVENT), sort_keys=True),
        ]

    by_moto = deliveries()
    monkeypatch.setattr(ExtendedJsonPathParser, "__init__", counted_init)
    moto_events.install()
    ours = [deliveries() for _ in range(3)]

    assert all(delivered == by_moto for delivered in ours)
    assert json.loads(by_moto[1]) == {"appointment": "a-1", "kind": "AppointmentBooked"}
    paths = set(EventTemplateParser.DEFAULT_EVENT_INPUT_PATHS_MAP.values()) | set(TRANSFORMER.values())
    assert len(built) == len(paths)  # once per path text, not once per path per event
