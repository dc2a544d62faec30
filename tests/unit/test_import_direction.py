"""Imports flow one way (docs/design.md, "Map of the code"): each package of the layer imports only the packages
below it, and the pure ones no AWS library. Read from the source with `ast`, so the map cannot drift."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "scheduling" / "scheduling"

# What each part of `scheduling` may import from the rest of it (besides itself).
ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "config": set(),
    "errors": {"models"},
    "error_table": {"errors"},
    "domain": {"models", "errors"},
    "store": {"domain", "models", "errors", "config"},
    "events": {"store", "domain", "models", "errors", "config"},
    "service": {"store", "events", "domain", "models", "errors", "config"},
    "observability": {"errors"},
    "http": {"service", "observability", "models", "errors", "error_table"},
    "idempotency": {"store", "errors", "config"},
    "audit": {"observability", "models", "config"},
    "fhir": {"http", "service", "store", "domain", "models", "errors", "error_table", "observability"},
}
# Libraries a part must not import: the pure parts none of AWS, the lower parts not the HTTP edge's.
AWS = ("boto3", "botocore", "aws_lambda_powertools")
EDGE = ("aws_lambda_powertools.event_handler",)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": AWS,
    "errors": AWS,
    "error_table": AWS,
    "domain": AWS,
    "store": EDGE,
    "events": EDGE,
    "service": ("boto3", "botocore", *EDGE),
    "audit": EDGE,
}
OUTSIDE_THE_LAYER = ("functions", "local", "tools", "tests", "bench")


def imported(path: Path) -> Iterator[str]:
    """Every absolute module name `path` imports, at any depth (`TYPE_CHECKING` blocks and functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def part_of(path: Path) -> str:
    return path.relative_to(LAYER).parts[0].removesuffix(".py")


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


LAYER_FILES = sorted(path for path in LAYER.rglob("*.py") if path.name != "__init__.py" or path.parent != LAYER)


def test_every_part_of_the_layer_is_in_the_map() -> None:
    assert {part_of(path) for path in LAYER_FILES} == set(ALLOWED)


@pytest.mark.parametrize("path", LAYER_FILES, ids=lambda path: str(path.relative_to(LAYER)))
def test_the_layer_imports_downward_only(path: Path) -> None:
    part = part_of(path)
    upward = [
        name
        for name in imported(path)
        if name.startswith("scheduling.") and name.split(".")[1] not in ALLOWED[part] | {part}
    ]
    foreign = [name for name in imported(path) if _within(name, FORBIDDEN.get(part, ()) + OUTSIDE_THE_LAYER)]

    assert (upward, foreign) == ([], [])


@pytest.mark.parametrize("path", sorted((ROOT / "functions").rglob("*.py")), ids=lambda path: path.parent.name)
def test_functions_import_the_layer_and_not_the_local_tools(path: Path) -> None:
    assert [name for name in imported(path) if _within(name, ("local", "tools", "tests", "bench"))] == []


PACKAGES = sorted(path for path in LAYER.rglob("__init__.py"))


@pytest.mark.parametrize("path", PACKAGES, ids=lambda path: str(path.parent.relative_to(LAYER.parent)))
def test_each_package_says_its_job_in_one_line(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(), str(path)))

    assert docstring is not None
    assert "\n" not in docstring.strip(), "one line here; the details go to docs/design.md (Map of the code)"
