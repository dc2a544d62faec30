"""Shared helpers for the benchmarks: environment, timing statistics, table printing."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
from collections.abc import Iterator, Sequence

from local.environment import OFFLINE_AWS, QUIET_POWERTOOLS, export_functions_environment
from local.paths import ROOT, use_source_tree

__all__ = ["ROOT", "median", "p95", "prepare_environment", "print_table", "without_function_output"]


def prepare_environment() -> dict[str, str]:
    """The functions' environment from the template (as in Lambda), fake credentials, no tracing daemon."""
    use_source_tree()
    export_functions_environment()
    os.environ.update({**OFFLINE_AWS, **QUIET_POWERTOOLS, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    return dict(os.environ)


@contextlib.contextmanager
def without_function_output() -> Iterator[None]:
    """Drop what the functions print while they are measured: powertools prints EMF metric blobs even with
    POWERTOOLS_METRICS_DISABLED=true (the cold-start metric, and a blob whenever a metric reaches 100 values,
    because a disabled flush keeps them). A benchmark prints its table; progress goes to stderr."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield
    sys.stdout.flush()


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
