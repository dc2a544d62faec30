"""What each execution environment puts on `sys.path`: the source tree, or the built artifact (`sam build`).

Lambda's order is the function's own directory (`/var/task`), then its layers' `python/` folders (`/opt/python`),
then the runtime's packages. The runner's workers use the same order; the runtime is this interpreter's standard
library and site-packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.paths import ROOT
from local.template import function_code, layer_content_uris


@dataclass(frozen=True)
class FunctionPackage:
    """One function as an execution environment loads it."""

    function: str  # logical id
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    module: str
    handler: str


class ArtifactIncomplete(Exception):
    """The build directory lacks a function or a layer of the template."""


def source_packages(template: dict[str, Any]) -> dict[str, FunctionPackage]:
    """Functions from `functions/<group>/`, layers from their ContentUri (the folder that becomes `python/`)."""
    layers = {name: ROOT / uri for name, uri in layer_content_uris(template).items()}
    return {
        name: FunctionPackage(
            name, ROOT / code.code_uri, tuple(layers[layer] for layer in code.layers), code.module, code.handler
        )
        for name, code in function_code(template).items()
    }


def artifact_packages(template: dict[str, Any], artifact: Path) -> dict[str, FunctionPackage]:
    """Functions from `<artifact>/<FunctionLogicalId>/`, layers from `<artifact>/<LayerLogicalId>/python`: what
    `sam build` writes to `.aws-sam/build`. Nothing comes from the source tree."""
    artifact = artifact.resolve()
    packages = {
        name: FunctionPackage(
            name,
            artifact / name,
            tuple(artifact / layer / "python" for layer in code.layers),
            code.module,
            code.handler,
        )
        for name, code in function_code(template).items()
    }
    folders = {folder for package in packages.values() for folder in (package.code_dir, *package.layer_dirs)}
    missing = sorted(str(folder) for folder in folders if not folder.is_dir())
    if missing:
        raise ArtifactIncomplete(f"{artifact} is not a complete build; missing: {', '.join(missing)}")
    return packages
