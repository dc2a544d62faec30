"""What `fhir.resources` would cost the FHIR function's cold start, measured as bench/cold_start.py measures: the
built artifact, read-only, imported by a fresh CPython 3.13 with Lambda's `sys.path`, against the same floor.

Variants: the function as built (fhir.resources imported only by the first $find/$hold/$book with a body), the
same with the R4B models it would need to build its answers imported at cold start (what building every answer
with fhir.resources would cost), and the availability function for scale. `python -m bench.fhir_cold_start`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.cold_start import (
    FLOOR,
    OUR_CLIENT,
    Variant,
    build_artifact,
    install_runtime_sdk,
    read_only_copy,
    time_import,
)
from bench.common import ROOT, median, p95, prepare_environment

RUNS = 15
EAGER_MODELS = (
    "from fhir.resources.R4B import appointment, bundle, capabilitystatement, location, operationoutcome, "
    "parameters, practitioner, schedule, slot"
)


def main() -> None:
    environment = prepare_environment()
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    build = build_artifact()
    runtime = install_runtime_sdk()
    with tempfile.TemporaryDirectory(prefix="fhir-cold-start-") as directory:
        scratch = Path(directory)
        layer = read_only_copy(build / "SchedulingLayer" / "python", scratch / "layer" / "python", keep_bytecode=True)
        floor = scratch / "floor-src"
        floor.mkdir()
        (floor / "app.py").write_text((ROOT / "bench" / "floor_app.py").read_text())
        fhir = read_only_copy(build / "FhirFunction", scratch / "fhir", keep_bytecode=True)
        found = [
            Variant(FLOOR, read_only_copy(floor, scratch / "floor", keep_bytecode=True), layer, ""),
            Variant(
                "AvailabilityFunction",
                read_only_copy(build / "AvailabilityFunction", scratch / "a", keep_bytecode=True),
                layer,
                OUR_CLIENT,
            ),
            Variant("FhirFunction (as built: models imported lazily)", fhir, layer, OUR_CLIENT),
            Variant("FhirFunction + R4B models at cold start", fhir, layer, f"{OUR_CLIENT}\n{EAGER_MODELS}"),
            Variant(
                "FhirFunction + Parameters model only",
                fhir,
                layer,
                f"{OUR_CLIENT}\nfrom fhir.resources.R4B import parameters",
            ),
        ]
        for variant in found:
            time_import(variant, runtime, environment)  # discarded: warms the page cache
        times: dict[str, list[float]] = {variant.name: [] for variant in found}
        cpu: dict[str, list[float]] = {variant.name: [] for variant in found}
        for _ in range(RUNS):
            for variant in found:
                wall, used = time_import(variant, runtime, environment)
                times[variant.name].append(wall * 1000)
                cpu[variant.name].append(used * 1000)
    floor_cpu = median(cpu[FLOOR])
    print(f"| variant | median ms | p95 ms | CPU median ms | CPU / floor |  ({RUNS} rounds)")
    print("|---|---|---|---|---|")
    for variant in found:
        name = variant.name
        print(
            f"| {name} | {median(times[name]):.0f} | {p95(times[name]):.0f} | {median(cpu[name]):.0f} "
            f"| {median(cpu[name]) / floor_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
