"""Moto's EventBridge input transformers, with each JSONPath compiled once instead of at every event.

Moto (5.x) delivers each event to a rule's target through an input transformer (its default one when the rule
has none, as the template's rules do: eight JSONPaths, `$.detail`, `$.source`, ...), calling
`jsonpath_ng.ext.parse` for every path of every event, and that parser builds its whole LALR table (ply's yacc)
each time. Every write that publishes a domain event (every booking) paid for it: 30% of the runner's own CPU
under the booking load (py-spy, docs/performance.md). A compiled path is immutable (`find` only reads it), so
here the same text is compiled once and the compiled path reused. tests/functional/test_local_moto_events.py
checks the events delivered are the same.
"""

from __future__ import annotations

import functools
from typing import Any


def install() -> None:
    from jsonpath_ng import ext

    compile_path = vars(ext)["parse"]
    if getattr(compile_path, "compiled_once", False):
        return

    @functools.lru_cache(maxsize=256)
    def parse(path: str, debug: bool | None = None) -> Any:
        return compile_path(path, debug)

    parse.compiled_once = True  # type: ignore[attr-defined]
    parse.original = compile_path  # type: ignore[attr-defined]
    setattr(ext, "parse", parse)  # noqa: B010  # a module global


def uninstall() -> None:
    """Put jsonpath_ng's own parse back (the tests compare the two in one process)."""
    from jsonpath_ng import ext

    installed = vars(ext)["parse"]
    setattr(ext, "parse", getattr(installed, "original", installed))  # noqa: B010  # a module global
