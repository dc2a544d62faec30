"""A slot search read to its end, whichever tier answers it (the handler in-process, or the runner over HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

SearchRow = tuple[datetime, str, str, list[str]]


def every_page(page_after: Callable[[dict[str, str]], dict[str, Any]]) -> list[SearchRow]:
    """Every page in order, as (start instant, doctor id, end text, locations). `page_after({})` answers the first
    page's body, `page_after({"next_token": token})` the next one's (the caller checks each answer's status)."""
    found: list[SearchRow] = []
    token: str | None = None
    while True:
        page = page_after({"next_token": token} if token else {})
        found += [
            (datetime.fromisoformat(item["start"]), item["doctor_id"], item["end"], item["locations"])
            for item in page["items"]
        ]
        token = page["next_token"]
        if token is None:
            return found
