"""Where the code lives, and the one way in-process tools (tests, benchmarks, generators) make it importable.

In Lambda the layer's `python/` folder is on `sys.path`; in the repository that folder is `layers/scheduling`.
The local runner's workers set their own path instead (local/packages.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_PATH = ROOT / "docs" / "openapi.json"  # written by `make openapi` (tools/openapi.py), served at /openapi.json
SOURCE_LAYER = ROOT / "layers" / "scheduling"


def source_tree() -> list[str]:
    """The entries that make `scheduling` (the layer) and `functions.*` importable from the repository."""
    return [str(SOURCE_LAYER), str(ROOT)]


def use_source_tree() -> None:
    """Put the source layer and the repository root first on `sys.path` (once)."""
    for entry in reversed(source_tree()):
        if entry not in sys.path:
            sys.path.insert(0, entry)
