"""The embedded DynamoDB's dispatcher finds moto's services from a list read once, not from the disk per call."""

from __future__ import annotations

import os
from typing import Any

import pytest
from moto import backends

from local import dynamodb


def test_moto_s_modules_are_listed_once_and_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "list_of_moto_modules", backends.list_of_moto_modules)  # undone after the test
    if isinstance(backends.list_of_moto_modules, dynamodb._ModuleList):  # an earlier embedded DynamoDB listed it
        names = backends.list_of_moto_modules.names
        monkeypatch.setattr(backends, "list_of_moto_modules", lambda: iter(names))
    by_moto = list(backends.list_of_moto_modules())
    listed: list[Any] = []
    real_listdir = os.listdir

    def counted_listdir(path: Any) -> list[str]:
        listed.append(path)
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", counted_listdir)
    dynamodb._list_moto_modules_once()
    answers = [list(backends.list_of_moto_modules()) for _ in range(5)]

    assert "dynamodb" in by_moto
    assert answers == [by_moto] * 5
    assert len(listed) <= 1  # read once when installed (none when it was moto's list of an earlier test)
