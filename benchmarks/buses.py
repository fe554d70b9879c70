"""Benchmark: school buses on shared routes against the per-link estimate, per routing library.

For each county — the sample county (``layout.datasets.sample_county()``) and a generated 2,000-village county
(``make_county(n_villages=2000, n_townships=20, seed=1)``), both regenerated on every run, so the figures follow
the generator — the bus riders are the rows with mode "bus" of today's allocation
(``allocate(county, Plan.status_quo(county), {"walk": ..., "bus": ...})``). Measured in the same run:

* the **per-link estimate** (the baseline): vehicles, vehicle-km and annual cost when every village–school link
  runs its own buses; and the same with the bands of a village riding together, which shows how much of the
  gain comes from pooling villages rather than from seating a village's bands in one bus;
* **shared routes** by each routing library installed (PyVRP, VROOM, OR-Tools) at one or more search budgets
  (``--efforts``): vehicles, vehicle-km, annual cost and their ratios to the baseline, routes and shuttles,
  unserved children, ride-limit compliance recomputed from the routes on the roads
  (:func:`layout.transport.check_bus_routes`: the longest ride as a share of its band's limit, and the number of
  riders over it), the median wall and CPU seconds of ``--repeats`` runs (with the split into network legs,
  routing and drawing), and whether the repeats gave the same routes.

CPU seconds are this process's: close to the wall time of an idle machine when other jobs share it (the load
average is written with the results).

Usage: ``.venv/bin/python benchmarks/buses.py [--repeats 3] [--libraries vroom,pyvrp,ortools]
[--efforts vroom=0+1,pyvrp=1+4,ortools=1] [--counties sample,gen2000]``. A library that falls back to the
per-link estimate (absent, or no routes found) is listed as such. Writes ``benchmarks/results/buses.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

COUNTIES = {
    "sample": ("sample county (sample_county())", lambda: _datasets().sample_county()),
    "gen2000": ("generated, make_county(n_villages=2000, n_townships=20, seed=1)",
                lambda: _datasets().make_county(n_villages=2000, n_townships=20, seed=1)),
}


def _datasets():
    import layout.datasets as d

    return d


def riders_of(county):
    """Today's bus riders: the allocation's rows with mode 'bus'."""
    from layout.allocate import allocate
    from layout.network import travel
    from layout.plan import Plan

    alloc = allocate(county, Plan.status_quo(county), {"walk": travel(county, "walk"), "bus": travel(county, "bus")})
    a = alloc.assignments
    return a[a["mode"] == "bus"].reset_index(drop=True)


def run_library(county, riders, library: str, effort: float, repeats: int):
    """Median timings and the result of ``repeats`` runs (after one warm-up run)."""
    from layout.transport import RoutingFallbackWarning, bus_routes

    with warnings.catch_warnings():
        warnings.simplefilter("error", RoutingFallbackWarning)   # a fallback must not pass unnoticed here
        walls, cpus, parts, results = [], [], [], []
        try:
            bus_routes(riders, county, solver=library, effort=effort)   # warm-up: imports, compiled searches
            for _ in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                r = bus_routes(riders, county, solver=library, effort=effort)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
                parts.append(r.timings)
                results.append(r)
        except RoutingFallbackWarning as exc:
            return None, str(exc), None, None, None
    same = all(x.routes.equals(results[0].routes) and x.stops.equals(results[0].stops) for x in results[1:])
    split = {k: statistics.median(p[k] for p in parts) for k in parts[0]}
    return results[0], statistics.median(walls), statistics.median(cpus), split, same


def compliance(result, county, riders) -> tuple[float, int, str]:
    """Longest ride / its band's limit, riders over the limit, and the check's verdict."""
    from layout.transport import BusRouteError, check_bus_routes

    try:
        rides = check_bus_routes(result, county, riders)
        verdict = "pass"
    except BusRouteError as exc:
        return float("nan"), -1, f"FAIL: {exc}"[:200]
    share = float((rides["checked_minutes"] / rides["band_limit"]).max()) if len(rides) else 0.0
    over = int(rides.loc[~rides["within_limit"], "children"].sum())
    return share, over, verdict


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--libraries", default="vroom,pyvrp,ortools")
    ap.add_argument("--efforts", default="vroom=0+1,pyvrp=1+4,ortools=1",
                    help="search budgets per library (see layout.transport.solvers.solve), e.g. vroom=0+1+2")
    ap.add_argument("--counties", default="sample,gen2000")
    ap.add_argument("--out", default=str(HERE / "results" / "buses.md"))
    args = ap.parse_args()

    import importlib

    from layout.transport import per_link_estimate
    from layout.transport.solvers import DEFAULT_EFFORT, DEFAULT_SOLVER, MODULES, library_version

    efforts = {k: [float(x) for x in v.split("+")] for k, v in (p.split("=") for p in args.efforts.split(","))}
    libraries = []
    for lib in args.libraries.split(","):
        try:
            importlib.import_module(MODULES[lib])
            libraries.append(lib)
        except ImportError as exc:
            print(f"skip {lib}: not installed ({exc})")
    load0 = os.getloadavg()
    lines = []
    for key in args.counties.split(","):
        label, make = COUNTIES[key]
        county = make()
        riders = riders_of(county)
        est = per_link_estimate(riders, county.standards)
        # how much of the gain is only the bands of a village riding together (no pooling across villages)
        merged = (riders.groupby(["village_id", "school_id"], as_index=False)
                  .agg(children=("children", "sum"), metres=("metres", "first")).assign(band="all"))
        est_v = per_link_estimate(merged, county.standards)
        n_schools = riders["school_id"].nunique()
        lines += [f"## {label}", "",
                  f"{len(county.villages)} villages, {len(county.schools)} schools; {int(riders['children'].sum()):,} "
                  f"bus riders of {n_schools} schools from {riders[['village_id', 'school_id']].drop_duplicates().shape[0]:,} "
                  f"village–school links", "",
                  "| method | budget | vehicles | ratio | vehicle-km/yr | ratio | cost yuan/yr | ratio | routes (shuttles) "
                  "| unserved | longest ride / limit | riders over limit | check | wall s (median) | CPU s | legs / routing / drawing s | same routes on repeats |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---|---|",
                  f"| per-link estimate (baseline) | — | {est.vehicles:,} | 1 | {est.vehicle_km_per_year:,.0f} | 1 | "
                  f"{est.annual_cost:,.0f} | 1 | {est.fleet['routes']:,} links | {est.children_unserved} | — | — | — | — | — | — | — |",
                  f"| per-link, the bands of a village together | — | {est_v.vehicles:,} | {est_v.vehicles / est.vehicles:.3f} | "
                  f"{est_v.vehicle_km_per_year:,.0f} | {est_v.vehicle_km_per_year / est.vehicle_km_per_year:.3f} | "
                  f"{est_v.annual_cost:,.0f} | {est_v.annual_cost / est.annual_cost:.3f} | {est_v.fleet['routes']:,} links | "
                  "— | — | — | — | — | — | — | — |"]
        for lib in libraries:
            for e in efforts.get(lib, [DEFAULT_EFFORT[lib]]):
                budget = f"{e:g}" + (" (default)" if e == DEFAULT_EFFORT[lib] else "")
                name = library_version(lib) + (" (the choice)" if lib == DEFAULT_SOLVER else "")
                r, wall, cpu, split, same = run_library(county, riders, lib, e, args.repeats)
                if r is None:
                    lines.append(f"| {name} | {budget} | fell back to the per-link estimate: {wall} |"
                                 + " |" * 14)
                    print(lines[-1], flush=True)
                    continue
                share, over, verdict = compliance(r, county, riders)
                lines.append(
                    f"| {name} | {budget} | {r.vehicles:,} | {r.vehicles / est.vehicles:.3f} | "
                    f"{r.vehicle_km_per_year:,.0f} | {r.vehicle_km_per_year / est.vehicle_km_per_year:.3f} | "
                    f"{r.annual_cost:,.0f} | {r.annual_cost / est.annual_cost:.3f} | {r.fleet['routes']:,} "
                    f"({r.fleet['shuttles']}) | {r.children_unserved} | {share:.3f} | {over} | {verdict} | {wall:.2f} | "
                    f"{cpu:.2f} | {split['legs']:.2f} / {split['routing']:.2f} / {split['geometry']:.2f} | "
                    f"{'yes' if same else 'no'} |")
                print(lines[-1], flush=True)
        lines.append("")
    load1 = os.getloadavg()
    lines += [f"{args.repeats} repeats after a warm-up run; {platform.machine()} {os.cpu_count()} cores; Python "
              f"{platform.python_version()}; load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} at the start, "
              f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} at the end; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
              "",
              f"command: .venv/bin/python benchmarks/buses.py --repeats {args.repeats} --libraries {args.libraries} "
              f"--efforts {args.efforts} --counties {args.counties}"]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    from layout.io.write import atomic_write_text

    atomic_write_text(out, "# School buses on shared routes: benchmark\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
