"""Shared helpers for the benchmarks: environment, timing statistics, table printing."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence

from local.environment import OFFLINE_AWS, QUIET_POWERTOOLS, export_functions_environment
from local.paths import ROOT, use_source_tree

__all__ = ["ROOT", "median", "p95", "prepare_environment", "print_table"]


def prepare_environment() -> dict[str, str]:
    """The functions' environment from the template (as in Lambda), fake credentials, no tracing daemon."""
    use_source_tree()
    export_functions_environment()
    os.environ.update({**OFFLINE_AWS, **QUIET_POWERTOOLS, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    return dict(os.environ)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths, strict=True)))
