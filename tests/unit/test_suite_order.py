"""The files `make test` starts first (tests/conftest.py) exist: a renamed or split file would lose its place."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SLOWEST_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_said_to_be_slowest_exists_once() -> None:
    missing = [path for path in SLOWEST_FIRST if not (ROOT / path).is_file()]

    assert not missing
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)
