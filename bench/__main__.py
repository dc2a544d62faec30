"""`make bench`: every benchmark, printed as one table (medians and p95s, ratios to floors from the same run).

Numbers, never assertions: this machine is noisy. The deterministic DynamoDB budgets are asserted in
tests/functional/test_capacity.py instead.
"""

from __future__ import annotations

import os
import sys

from local.paths import use_source_tree

use_source_tree()  # the benchmarks import the functions and the layer in this interpreter

from bench import availability, capacity, cold_start, load, search, slot_generation, warm  # noqa: E402  # paths first
from bench.common import median, p95, print_table, without_function_output  # noqa: E402

HEADER = ("area", "measure", "median", "p95", "floor", "ratio", "target")


PARTS = ("cold", "warm", "capacity", "search", "slots", "availability", "load")


def main() -> None:
    """`python -m bench [part ...]`: only the parts named (of PARTS), or all of them."""
    parts = set(sys.argv[1:]) or set(PARTS)
    if unknown := parts - set(PARTS):
        raise SystemExit(f"usage: python -m bench [{' | '.join(PARTS)} ...]; unknown: {', '.join(sorted(unknown))}")
    with without_function_output():
        rows = measure(parts)
    print_table("Benchmarks (one run)", HEADER, rows)


def measure(parts: set[str]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    if "cold" in parts:
        rows += _cold()
    if "warm" in parts:
        rows += _warm()
    if "capacity" in parts:
        rows += _capacity()
    if "search" in parts:
        rows += _search()
    if "slots" in parts:
        rows += _slots()
    if "availability" in parts:
        rows += _availability()
    if "load" in parts:
        rows += _load()
    return rows


def _cold() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("building the artifact and measuring cold starts (CPython 3.13, read-only copies)...", file=sys.stderr)
    cold_rows, layer_sizes = cold_start.rows()
    for name, median_ms, p95_ms, cpu_ms, ratio in cold_rows:
        floor = "" if name == cold_start.FLOOR else "(first row)"
        target = ""
        if name in cold_start.FUNCTIONS:
            target = "<= 1.3x: met" if ratio <= 1.3 else "<= 1.3x: MISSED"
        shown = f"{median_ms:.0f} ms (cpu {cpu_ms:.0f})"
        rows.append(("cold start", name, shown, f"{p95_ms:.0f} ms", floor, f"{ratio:.2f}x cpu", target))
    for layer, (unzipped, zipped) in layer_sizes.items():
        rows.append(("layer", layer, f"{unzipped / 1e6:.1f} MB", f"zip {zipped / 1e6:.1f} MB", "", "", ""))
    return rows


def _warm() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("measuring warm cost per route...", file=sys.stderr)
    for route, median_us, p95_us, floor_us, ratio, io_us, io_ratio in warm.rows():
        rows.append(
            (
                "warm",
                route,
                f"{median_us:.0f} µs",
                f"{p95_us:.0f} µs",
                f"{floor_us:.0f} µs",
                f"{ratio:.1f}x",
                "<= 2x: MISSED, see docs",
            )
        )
        rows.append(
            (
                "warm",
                "  vs same round trips",
                "",
                "",
                f"{io_us:.0f} µs",
                f"{io_ratio:.2f}x",
                "<= 2x: met" if io_ratio <= 2 else "<= 2x: MISSED",
            )
        )
    return rows


def _capacity() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("pricing DynamoDB calls...", file=sys.stderr)
    for name, reads, writes, read_units, write_units, rounds in capacity.rows():
        target = ""
        if name.startswith("search") and "first 20" in name:
            target = "<= 4 rounds: " + ("met" if rounds <= 4 else "MISSED")
        elif writes != "-" and not name.startswith(("create", "delete")):
            target = "<= 2 rounds: " + ("met" if rounds <= 2 else "MISSED")
            if rounds > 2 and name.endswith("seconds before"):  # not a first attempt's cost: docs/design.md point 8
                target += " (the patient's lock moved < 16 s ago, so its look is made again)"
            elif rounds > 2 and name == "reschedule an appointment with a patient":
                target += " (the request names no patient, read after the appointment; naming it: 2 rounds)"
        before = capacity.ROUNDS_BEFORE.get(name)
        shown = f"{rounds} rounds" + (f" (before {before})" if before is not None and before != rounds else "")
        units = f"{read_units:g} RCU / {write_units:g} WCU"
        rows.append(("dynamodb", name, f"R: {reads}", f"W: {writes}", shown, units, target))
    return rows


def _search() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("searching across doctors...", file=sys.stderr)
    for case, wall_ms, p95_ms, cpu_ms, ratio, found, calls, rounds in search.rows():
        target = ""
        if case.startswith("first 20") and case.endswith("summaries"):
            budget = 80 if f"of {search.HOSPITAL} " in case else 15  # issue 23's targets
            target = f"<= {budget} ms CPU: " + ("met" if cpu_ms <= budget else "MISSED")
            if f"of {search.HOSPITAL} " in case:
                target += ", <= 4 rounds: " + ("met" if rounds <= 4 else "MISSED")
        measure = f"{case} ({found} slots, {calls} calls in {rounds} rounds), CPU {cpu_ms:.1f} ms"
        rows.append(
            ("search", measure, f"{wall_ms:.1f} ms", f"{p95_ms:.1f} ms", "bare resolver", f"{ratio:.0f}x cpu", target)
        )
    return rows


def _slots() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("generating slots, today's generator and the one before issue 12 in turns...", file=sys.stderr)
    for generated in slot_generation.rows():
        met = "met" if generated.today_us_per_slot <= slot_generation.TARGET_US else "MISSED"
        rows.append(
            (
                "slots",
                f"{generated.case} ({generated.slots} slots), cpu",
                f"{median(generated.today_ms):.1f} ms",
                f"{p95(generated.today_ms):.1f} ms",
                f"before {median(generated.before_ms):.1f} ms",
                f"{generated.today_us_per_slot:.2f} µs/slot (before {generated.before_us_per_slot:.1f})",
                f"<= {slot_generation.TARGET_US} µs/slot: {met}",
            )
        )
    return rows


def _availability() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print("timing the availability handler with many slots, today's and the one before issue 12...", file=sys.stderr)
    for answered in availability.rows():
        ours, old, bare = answered.ours, answered.old, answered.floor
        target = ""
        if answered.case.target_ms is not None:
            met = "met" if median(ours.cpu) * 1e3 <= answered.case.target_ms else "MISSED"
            target = f"<= {answered.case.target_ms:g} ms: {met}"
        rows.append(
            (
                "slots handler",
                f"{answered.case.name} ({answered.slots} slots, {answered.size / 1e3:.0f} KB)",
                f"{median(ours.wall) * 1e3:.1f} ms (cpu {median(ours.cpu) * 1e3:.1f})",
                f"{p95(ours.wall) * 1e3:.1f} ms",
                f"{median(bare.wall) * 1e3:.1f} ms (cpu {median(bare.cpu) * 1e3:.1f})",
                f"{median(ours.cpu) / median(bare.cpu):.1f}x cpu; before {median(old.cpu) * 1e3:.0f} ms cpu",
                target,
            )
        )
    return rows


def _load() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    print(f"load-testing the local runner ({load.USERS} users, {load.SECONDS} s per scenario)...", file=sys.stderr)
    loaded = os.getloadavg()[0]
    for scenario, requests, failures, throughput, p50, p95_, p99, busy, cpu in load.rows():
        measure = f"{scenario}: {requests} requests, {failures} failed, {throughput:.0f}/s, p99 {p99} ms"
        detail = f"moto busy {busy}; {cpu:.0f} ms CPU/request; load average {loaded:.1f}"
        rows.append(("local load", measure, f"{p50} ms", f"{p95_} ms", "", detail, ""))
    return rows


if __name__ == "__main__":
    main()
