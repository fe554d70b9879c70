"""Benchmark: evaluating one proposal on the sample county with travel times cached (goal: under 0.5 s).

Measured in the same run, medians of repeats:

* ``evaluate(proposal)`` — the figure the goal is about (allocation + every metric), travel cached;
* ``evaluate(status quo)`` — the baseline: the same county with today's layout;
* ``allocate`` alone, by column generation (the default) and as one LP over every arc (the plain formulation),
  to show what the pricing loop buys.

Usage: ``.venv/bin/python benchmarks/evaluate.py [--county DIR] [--proposal FILE] [--repeats N]``.
Writes ``benchmarks/results/evaluate.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


CPU = {}   # name -> median CPU seconds of this process (meaningful when the machine is shared)


def median_seconds(fn, repeats: int, name: str = "") -> float:
    """Median wall seconds of ``repeats`` calls after a warm-up; the median CPU seconds go to ``CPU[name]``."""
    fn()   # warm-up (imports, caches)
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default=str(REPO / "data" / "sample_county"))
    ap.add_argument("--proposal", default=None, help="default: the first proposal in COUNTY/proposals/")
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()

    import layout.allocate as alloc_mod
    from layout import read_county
    from layout.evaluate import evaluate, travel_for_plan
    from layout.plan import Plan, read_proposal

    folder = Path(args.county)
    if not (folder / "villages.csv").exists() and not any(folder.glob("villages.*")):
        print(f"skip: no county at {folder} (generate the sample county first)")
        return 0
    county = read_county(folder)
    proposals = sorted((folder / "proposals").glob("*.yaml"))
    path = Path(args.proposal) if args.proposal else (proposals[0] if proposals else None)
    if path is None:
        print(f"skip: no proposal in {folder / 'proposals'}")
        return 0
    plan = read_proposal(path, county)
    status_quo = Plan.status_quo(county)
    t0 = time.perf_counter()
    travel = travel_for_plan(county, plan)             # cached once: covers the status quo and the new sites
    travel_seconds = time.perf_counter() - t0

    ev = evaluate(county, plan, travel=travel)
    rows = []
    t_prop = median_seconds(lambda: evaluate(county, plan, travel=travel), args.repeats, "prop")
    t_sq = median_seconds(lambda: evaluate(county, status_quo, travel=travel), args.repeats, "sq")
    t_alloc = median_seconds(lambda: alloc_mod.allocate(county, plan, travel), args.repeats, "alloc")
    solve = alloc_mod._solve

    def full_lp(*a, **kw):
        return solve(*a, first_arcs=10**9, **kw)

    alloc_mod._solve = full_lp
    try:
        full = alloc_mod.allocate(county, plan, travel)
        t_full = median_seconds(lambda: alloc_mod.allocate(county, plan, travel), args.repeats, "full")
    finally:
        alloc_mod._solve = solve
    same = abs(full.objective - ev.allocation.objective) <= 1e-6 * max(1.0, abs(full.objective))
    rows = [
        ("evaluate(proposal), travel cached", t_prop, "prop", t_prop / t_sq,
         "goal < 0.5 s: " + ("met" if t_prop < 0.5 else "not met") + " (wall); "
         + ("met" if CPU["prop"] < 0.5 else "not met") + " (CPU)"),
        ("evaluate(status quo) — baseline", t_sq, "sq", 1.0, ""),
        ("allocate(proposal), column generation", t_alloc, "alloc", t_alloc / t_full, ""),
        ("allocate(proposal), one LP over all arcs — baseline", t_full, "full", 1.0,
         "same optimum" if same else "OBJECTIVES DIFFER"),
    ]
    load = os.getloadavg()
    header = (f"county {county.name}: {len(county.villages)} villages, {len(county.schools)} schools, "
              f"{ev.students_total} children; proposal {path.name} ({len(plan.actions)} actions); "
              f"travel {'estimated (straight line)' if ev.estimated else 'road network'} computed once in "
              f"{travel_seconds:.2f} s")
    lines = [header, "", "| case | median wall s | median CPU s | ratio (wall) | note |", "|---|---:|---:|---:|---|"]
    lines += [f"| {name} | {t:.3f} | {CPU[k]:.3f} | {r:.2f} | {note} |" for name, t, k, r, note in rows]
    lines += ["", "CPU s is this process's CPU time: close to the wall time of an idle machine when others share it.",
              f"{args.repeats} repeats after a warm-up; {platform.machine()} {platform.processor() or ''} "
              f"{os.cpu_count()} cores; Python {platform.python_version()}; load average {load[0]:.2f} "
              f"{load[1]:.2f} {load[2]:.2f}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
              f"command: .venv/bin/python benchmarks/evaluate.py --repeats {args.repeats}"]
    text = "\n".join(lines)
    print(text)
    out = HERE / "results" / "evaluate.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("# evaluate benchmark\n\n" + text + "\n", encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
