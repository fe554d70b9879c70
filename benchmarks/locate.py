"""Benchmark the location solvers (issue 5) on public instances with known optima.

* OR-Library pmed1–40 (uncapacitated p-median) against the proven optima, through :func:`layout.locate.p_median`;
  PySAL spopt ``PMedian`` solved by HiGHS (via PuLP) on the same cost matrices as the baseline, side by side on
  pmed1–15 by default (spopt is in the ``bench`` extra only, never imported by the package).
* Osman–Christofides cpmp01–20 (floor distances) and Lorena–Senne SJC1–SJC4b (real distances), capacitated
  p-median, against the best-known values, through :func:`layout.locate.capacitated_p_median`.
* ``--set unseen``: capacitated instances of the same families that we were not given (Osman–Christofides-like
  random draws, SJC points with another p), judged by our own lower bound.
* ``--set generated`` (issue 20): capacitated instances drawn by :func:`layout.locate.instances.generate_cpmp`
  in the families of the large literature sets (uniform and clustered points, n 318–4,461, p 10–1,000, capacity
  tightness 80–95 %; no literature instance is copied). Each is judged against the best value any run has found
  (kept in ``results/locate_generated_best.json``, updated by every run, longer reference runs included) and by
  its own stated lower bound. The machine load is recorded with every result.
* ``--set bound``: the bound a short time limit leaves on a 1,200 × 600 instance with p = 60 (the matheuristic;
  ``--bound-time-limit``, default 10 s), as the ratio of the stated lower bound to the proven uncapacitated
  optimum (the goal: at least 0.9), and the solver's own seconds against the limit (the goal: at most 10 % + 1 s
  over), medians of ``--repeats`` runs with the load. Formerly a timed assertion in the tests.
* ``--set tiny``: spopt's 10-student × 74-school capacitated case, built equivalently (random costs of the same
  shape and capacity tightness), solved by ``layout`` and by spopt + HiGHS side by side.

Prints a table (instance, known, ours, gap %, seconds, spopt seconds, ratio) and writes
``benchmarks/results/locate.md``. Seconds are medians of ``--repeats`` runs.

Usage::

    .venv/bin/python benchmarks/locate.py                       # everything (long: spopt on pmed1–15)
    .venv/bin/python benchmarks/locate.py --set pmed --only 1-15
    .venv/bin/python benchmarks/locate.py --set cpmp --no-spopt
    .venv/bin/python benchmarks/locate.py --set sjc --cpmp-time-limit 58
    .venv/bin/python benchmarks/locate.py --set unseen                 # same families, instances not given
    .venv/bin/python benchmarks/locate.py --set generated --cpmp-time-limit 60
    .venv/bin/python benchmarks/locate.py --set generated --only 9,10 --cpmp-time-limit 600 --label reference
    .venv/bin/python benchmarks/locate.py --set tiny --repeats 21
    .venv/bin/python benchmarks/locate.py --set bound --repeats 3
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCHDATA = REPO.parent / "shared" / "benchdata"
SJC = ["SJC1", "SJC2", "SJC3a", "SJC3b", "SJC4a", "SJC4b"]
#: Generated capacitated families (n, p, tightness, clustered), after the literature's large sets: lin318 p 15,
#: ali535 p 50, u724 p 10/30, spain737 p 74/148, rl1304 p 50, pr2392 p 75, p3038 p 600/1000, fnl4461 p 100.
GENERATED = [(318, 15, 0.90, False), (535, 50, 0.90, True), (724, 10, 0.80, False), (724, 30, 0.90, False),
             (737, 74, 0.90, True), (737, 148, 0.95, True), (1304, 50, 0.90, False), (2392, 75, 0.85, True),
             (3038, 600, 0.90, False), (3038, 1000, 0.90, False), (4461, 100, 0.80, True)]
GENERATED_BEST = HERE / "results" / "locate_generated_best.json"


def parse_only(text: str | None) -> set[int] | None:
    """``"1-15,20"`` → {1, …, 15, 20}."""
    if not text:
        return None
    out: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        elif part.strip():
            out.add(int(part))
    return out


def spopt_pmedian(cost: np.ndarray, p: int, time_limit: float) -> tuple[float, float]:
    """Solve with spopt PMedian + HiGHS; returns (objective, seconds)."""
    import pulp
    from spopt.locate import PMedian

    start = time.perf_counter()
    model = PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), p_facilities=p)
    try:
        model = model.solve(pulp.HiGHS(msg=False, timeLimit=time_limit))
    except RuntimeError:  # spopt raises "Model is not solved" when HiGHS stops at the limit without a solution
        return math.nan, time.perf_counter() - start
    seconds = time.perf_counter() - start
    return float(pulp.value(model.problem.objective)), seconds


def run_pmed(args, only, rows):
    from layout.locate import p_median
    from layout.locate.instances import pmed_optima, read_pmed

    optima = pmed_optima(BENCHDATA)
    spopt_ok = not args.no_spopt
    if spopt_ok:
        try:
            import pulp  # noqa: F401
            import spopt  # noqa: F401
        except ImportError:
            print("spopt not installed (pip install -e '.[bench]'): spopt column left empty")
            spopt_ok = False
    spopt_only = parse_only(args.spopt_only)
    for k in range(1, 41):
        if only and k not in only:
            continue
        name = f"pmed{k}"
        inst = read_pmed(BENCHDATA / "pmed" / f"{name}.txt")
        times, sol = [], None
        for _ in range(args.repeats):
            sol = p_median(inst.cost, inst.p, time_limit=args.time_limit)
            times.append(sol.seconds)
        row = dict(set="pmed", instance=name, n=inst.cost.shape[0], p=inst.p, known=optima[name],
                   ours=sol.objective, bound=sol.lower_bound, status=sol.status, seconds=statistics.median(times))
        if spopt_ok and k in spopt_only:
            s_times, s_obj = [], None
            for _ in range(args.repeats):
                s_obj, s_sec = spopt_pmedian(inst.cost, inst.p, args.spopt_time_limit)
                s_times.append(s_sec)
            row.update(spopt_objective=s_obj, spopt_seconds=statistics.median(s_times))
        rows.append(row)
        print_row(row)


def run_cpmp(args, only, rows, which: str):
    from layout.locate import capacitated_p_median
    from layout.locate.instances import cpmp_best_known, read_cpmp

    best = cpmp_best_known(BENCHDATA)
    if which == "cpmp":
        names = [f"cpmp{k:02d}" for k in range(1, 21) if not only or k in only]
        files = [BENCHDATA / "cpmp" / "stefanello" / "group1" / f"{nm}.txt" for nm in names]
    else:
        names = [nm for k, nm in enumerate(SJC, 1) if not only or k in only]
        files = [BENCHDATA / "cpmp" / "stefanello" / "group2" / f"{nm}.dat" for nm in names]
    for name, path in zip(names, files, strict=True):
        inst = read_cpmp(path)
        times, sol = [], None
        for _ in range(args.repeats):
            sol = capacitated_p_median(inst.cost, inst.p, inst.demand, inst.capacity,
                                       time_limit=args.cpmp_time_limit)
            times.append(sol.seconds)
        row = dict(set=which, instance=name, n=len(inst.demand), p=inst.p, known=best[name]["best_known"],
                   ours=sol.objective, bound=sol.lower_bound, status=sol.status, seconds=statistics.median(times))
        rows.append(row)
        print_row(row)


def run_large(args, rows):
    """Random Euclidean instances with thousands of sites: each answer must come back near its time limit."""
    from layout.locate import capacitated_p_median, p_median

    rng = np.random.default_rng(0)
    cases = [("pmed-3000x2000", 3000, 2000, 300, False), ("pmed-2000x1000", 2000, 1000, 100, False),
             ("cpmp-2000x1000", 2000, 1000, 100, True)]
    for name, n, m, p, capacitated in cases:
        a, b = rng.uniform(0, 100, size=(n, 2)), rng.uniform(0, 100, size=(m, 2))
        cost = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
        demand = rng.integers(1, 20, size=n).astype(float)
        if capacitated:
            cap = np.full(m, np.ceil(demand.sum() / p * 1.2))
            sol = capacitated_p_median(cost, p, demand, cap, time_limit=args.large_time_limit)
        else:
            sol = p_median(cost, p, weights=demand, time_limit=args.large_time_limit)
        row = dict(set="large", instance=name, n=n, p=p, known=math.nan, ours=sol.objective, bound=sol.lower_bound,
                   status=sol.status, seconds=sol.seconds, limit=args.large_time_limit)
        rows.append(row)
        print_row(row)


def run_unseen(args, rows):
    """Instances of the same families that the solvers were not tuned on (no known optimum: the bound decides).

    * Osman–Christofides-like: 100 points with whole coordinates uniform in [1, 100]², demands uniform in 1–20,
      capacity 120, p = 10, floor distances (the recipe of cpmp11–20), four seeds.
    * SJC with other p: the São José dos Campos points, demands and capacities of SJC2, SJC3a and SJC4a with a
      different number of medians.
    """
    from layout.locate import capacitated_p_median
    from layout.locate.instances import _euclid, read_cpmp

    cases = []
    for seed in range(1, 5):
        rng = np.random.default_rng(1000 + seed)
        xy = rng.integers(1, 101, size=(100, 2)).astype(float)
        demand = rng.integers(1, 21, size=100).astype(float)
        cases.append((f"oc-like-{seed}", _euclid(xy, True), 10, demand, np.full(100, 120.0)))
    for name, p in (("SJC2", 12), ("SJC3a", 20), ("SJC4a", 35)):
        inst = read_cpmp(BENCHDATA / "cpmp" / "stefanello" / "group2" / f"{name}.dat")
        cases.append((f"{name}-p{p}", inst.cost, p, inst.demand, inst.capacity))
    for name, cost, p, demand, cap in cases:
        sol = capacitated_p_median(cost, p, demand, cap, time_limit=args.cpmp_time_limit)
        row = dict(set="unseen", instance=name, n=len(demand), p=p, known=math.nan, ours=sol.objective,
                   bound=sol.lower_bound, status=sol.status, seconds=sol.seconds, limit=args.cpmp_time_limit)
        rows.append(row)
        print_row(row)


def _git_label() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10)
        return f"layout@{out.stdout.strip()}" if out.returncode == 0 else "layout"
    except OSError:
        return "layout"


def load_best(path: Path = GENERATED_BEST) -> dict:
    import json

    return json.loads(path.read_text()) if path.exists() else {}


def save_best(best: dict, path: Path = GENERATED_BEST) -> None:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(best, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def check_answer(sol, inst) -> None:
    """The returned assignment is recomputed: single sourcing, capacity, p sites and the objective."""
    n = len(inst.demand)
    assert len(sol.open) == inst.p and np.all(np.isin(sol.assignment, sol.open)), "not p sites / unassigned point"
    load = np.bincount(sol.assignment, weights=inst.demand, minlength=inst.cost.shape[1])
    assert np.all(load <= inst.capacity + 1e-9), "capacity exceeded"
    recomputed = float(inst.cost[np.arange(n), sol.assignment].sum())
    assert abs(recomputed - sol.objective) <= 1e-6 * max(1.0, recomputed), "objective differs from the assignment"


def run_generated(args, only, rows):
    """Generated instances in the large literature families: gap to the best value any run found, bound gap."""
    from layout.locate import capacitated_p_median
    from layout.locate.instances import generate_cpmp

    best = load_best()
    label = args.label or _git_label()
    for k, (n, p, tight, clustered) in enumerate(GENERATED, 1):
        if only and k not in only:
            continue
        inst = generate_cpmp(n, p, tight, clustered=clustered, seed=1)
        times, objs, bounds, loads, sol = [], [], [], [], None
        for _ in range(args.repeats):
            load0 = os.getloadavg()[0]
            wall = time.perf_counter()
            sol = capacitated_p_median(inst.cost, inst.p, inst.demand, inst.capacity,
                                       time_limit=args.cpmp_time_limit)
            if sol.feasible:  # "no solution within the time limit" (status time_limit, objective inf) is reported as such
                check_answer(sol, inst)
            times.append(time.perf_counter() - wall)
            objs.append(sol.objective)
            bounds.append(sol.lower_bound)
            loads.append(max(load0, os.getloadavg()[0]))
        entry = best.setdefault(inst.name, {})
        if min(objs) < entry.get("objective", math.inf) - 1e-9 * max(1.0, abs(min(objs))):
            entry.update(objective=min(objs), by=f"{label}, {args.cpmp_time_limit:g} s",
                         date=time.strftime("%Y-%m-%d", time.gmtime()))
        if max(bounds) > entry.get("bound", -math.inf) + 1e-9:
            entry.update(bound=max(bounds), bound_by=f"{label}, {args.cpmp_time_limit:g} s")
        row = dict(set="generated", instance=inst.name, n=n, p=p, known=entry.get("objective", math.nan),
                   ours=statistics.median(objs), bound=statistics.median(bounds), status=sol.status,
                   seconds=statistics.median(times), load=statistics.median(loads), limit=args.cpmp_time_limit,
                   best_bound=entry.get("bound", -math.inf), runs=len(objs))
        rows.append(row)
        print_row(row)
    save_best(best)


#: Proven optimum of the uncapacitated p-median of the ``--set bound`` instance (``p_median(cost, 60)`` without a
#: time limit: status optimal, bound = objective; 20 min on a loaded machine, hence kept here).
BOUND_UNCAPACITATED_OPTIMUM = 5454.991669489065


def run_bound(args, rows):
    """Stated bound and solver seconds under a short limit on a 1,200 × 600 instance with p = 60."""
    from layout.locate import capacitated_p_median

    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 100, size=(1200, 2)), rng.uniform(0, 100, size=(600, 2))
    cost = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    demand = rng.integers(1, 20, size=1200).astype(float)
    cap = np.full(600, np.ceil(demand.sum() / 60 * 1.2))
    limit = args.bound_time_limit
    secs, bounds, objs, loads, sol = [], [], [], [], None
    for _ in range(max(1, args.repeats)):
        load0 = os.getloadavg()[0]
        sol = capacitated_p_median(cost, 60, demand, cap, time_limit=limit)
        loads.append(max(load0, os.getloadavg()[0]))
        secs.append(sol.seconds)
        bounds.append(sol.lower_bound)
        objs.append(sol.objective)
    row = dict(set="bound", instance="u1200x600", n=1200, p=60, known=BOUND_UNCAPACITATED_OPTIMUM,
               ours=statistics.median(objs), bound=statistics.median(bounds), status=sol.status,
               seconds=statistics.median(secs), max_seconds=max(secs), limit=limit,
               load=statistics.median(loads), runs=len(secs),
               bound_ratio=statistics.median(bounds) / BOUND_UNCAPACITATED_OPTIMUM)
    rows.append(row)
    print_row(row)


def tiny_case(predefined: bool):
    """spopt's real capacitated case built equivalently: 10 students × 74 schools, p = 10, one seat-count per school.

    The travel times are spopt's own test table (``example_subject_student_school_journeys.csv``, minutes by public
    transport, 10,000 where no journey was found) when spopt is installed, else random minutes of the same range;
    the schools' seat counts are not shipped with spopt, so each school gets 1–3 seats (seeded). With
    ``predefined`` two schools must open and be filled (spopt's ``fulfill_predefined_fac``, our ``required`` plus
    ``min_load`` = capacity there).
    """
    rng = np.random.default_rng(0)
    try:
        from importlib.resources import files

        import pandas as pd

        table = pd.read_csv(files("spopt") / "tests" / "test_locate" / "data" /
                            "example_subject_student_school_journeys.csv")
        cost = table.pivot_table(columns="school", fill_value=10000, index="student", sort=False,
                                 values="time").astype(int).values.astype(float)
    except (ImportError, FileNotFoundError, ModuleNotFoundError):
        cost = rng.integers(30, 130, size=(10, 74)).astype(float)
        cost[rng.random(cost.shape) < 0.01] = 10000.0
        rng = np.random.default_rng(0)
    m = cost.shape[1]
    capacity = rng.integers(1, 4, size=m).astype(float)
    required = np.array([3, 17]) if predefined else np.zeros(0, dtype=int)
    min_load = np.zeros(m)
    min_load[required] = capacity[required]
    return cost, np.ones(cost.shape[0]), 10, capacity, required, min_load


def run_tiny(args, rows):
    """Our solver and spopt + HiGHS on the tiny real case, interleaved, medians of the repeats."""
    from layout.locate import capacitated_p_median

    try:
        import pulp
        from spopt.locate import PMedian
    except ImportError:
        PMedian = None
        print("spopt not installed (pip install -e '.[bench]'): spopt column left empty")
    for predefined in (False, True):
        cost, demand, p, cap, req, ml = tiny_case(predefined)
        ours, theirs, overhead, loads = [], [], [], []
        sol = spopt_obj = None
        for _ in range(args.repeats):
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            sol = capacitated_p_median(cost, p, demand, cap, min_load=ml, required=req)
            ours.append(time.perf_counter() - t0)
            overhead.append(ours[-1] - sol.extra.get("milp_seconds", 0.0))
            if PMedian is not None:
                t0 = time.perf_counter()
                model = PMedian.from_cost_matrix(cost, demand, p, facility_capacities=cap.astype(int),
                                                 predefined_facilities_arr=req if predefined else None,
                                                 fulfill_predefined_fac=predefined)
                model = model.solve(pulp.HiGHS(msg=False))
                theirs.append(time.perf_counter() - t0)
                spopt_obj = float(pulp.value(model.problem.objective))
        row = dict(set="tiny", instance="school-10x74" + ("-fill2" if predefined else ""), n=cost.shape[0], p=p,
                   known=math.nan, ours=sol.objective, bound=sol.lower_bound, status=sol.status,
                   seconds=statistics.median(ours), overhead=statistics.median(overhead),
                   load=statistics.median(loads))
        if theirs:
            row.update(spopt_objective=spopt_obj, spopt_seconds=statistics.median(theirs))
        rows.append(row)
        print_row(row)


HEADER = (f"{'instance':<9} {'n':>4} {'p':>4} {'known':>10} {'ours':>10} {'gap %':>7} {'bound gap %':>11} "
          f"{'status':>10} {'seconds':>8} {'spopt s':>8} {'ratio':>7}")


def gap_pct(row) -> float:
    return 100.0 * (row["ours"] - row["known"]) / row["known"]


def bound_gap_pct(row) -> float:
    return 100.0 * (row["ours"] - row["bound"]) / max(abs(row["ours"]), 1e-12)


def ratio(row) -> float | None:
    if row.get("spopt_seconds") is None:
        return None
    return row["spopt_seconds"] / max(row["seconds"], 1e-9)


def print_row(row) -> None:
    sp_s = f"{row['spopt_seconds']:8.2f}" if row.get("spopt_seconds") is not None else f"{'':>8}"
    r = ratio(row)
    rt = f"{r:6.1f}×" if r is not None else f"{'':>7}"
    sp_o = f" (spopt objective {row['spopt_objective']:.2f})" if row.get("spopt_objective") is not None else ""
    print(f"{row['instance']:<9} {row['n']:>4} {row['p']:>4} {row['known']:>10.2f} {row['ours']:>10.2f} "
          f"{gap_pct(row):>7.3f} {bound_gap_pct(row):>11.3f} {row['status']:>10} {row['seconds']:>8.2f} {sp_s} {rt}"
          f"{sp_o}" + (f"  load {row['load']:.2f}" if "load" in row else ""), flush=True)


def summary(rows) -> list[str]:
    lines = []
    for which in ("pmed", "cpmp", "sjc"):
        sel = [r for r in rows if r["set"] == which]
        if not sel:
            continue
        # known values are published to 0.01
        at_known = sum(r["ours"] <= r["known"] + 0.01 for r in sel)
        proven = sum(r["status"] == "optimal" for r in sel)
        within = sum(gap_pct(r) <= 0.1 for r in sel)
        secs = [r["seconds"] for r in sel]
        line = (f"{which}: {at_known}/{len(sel)} at the known value, {proven}/{len(sel)} proven optimal, "
                f"{within}/{len(sel)} within 0.1 %; seconds median {statistics.median(secs):.2f}, "
                f"max {max(secs):.2f}, total {sum(secs):.1f}")
        tried = [r for r in sel if ratio(r) is not None]
        equal = [r for r in tried if abs(r["spopt_objective"] - r["ours"]) < 1e-6]
        if equal:
            ratios = [ratio(r) for r in equal]
            line += (f"; vs spopt+HiGHS on {len(tried)} instances, equal objective on {len(equal)}: median "
                     f"speed-up there {statistics.median(ratios):.1f}×, min {min(ratios):.1f}×")
        unsolved = [r for r in tried if math.isnan(r["spopt_objective"])]
        if unsolved:
            line += (f"; spopt found no solution within its limit on {len(unsolved)} "
                     f"({', '.join(r['instance'] for r in unsolved)})")
        lines.append(line)
    for r in (r for r in rows if r["set"] == "tiny"):
        line = (f"tiny {r['instance']}: ours {1000 * r['seconds']:.1f} ms (fixed overhead beyond the HiGHS run "
                f"{1000 * r['overhead']:.1f} ms), objective {r['ours']:g} {r['status']}")
        if r.get("spopt_seconds") is not None:
            line += (f"; spopt + HiGHS {1000 * r['spopt_seconds']:.1f} ms, objective {r['spopt_objective']:g}; "
                     f"ratio spopt / ours {ratio(r):.2f}×")
        lines.append(line + f" (median of {r.get('runs', 0) or 'the'} repeats, load {r['load']:.2f})")
    sel = [r for r in rows if r["set"] == "generated"]
    if sel:
        small = [r for r in sel if r["n"] <= 1000 and r["p"] <= 150]
        big = [r for r in sel if r not in small]
        for what, part, goal in (("n ≤ 1,000 and p ≤ 150", small, 1.0), ("larger", big, 3.0)):
            if part:
                ok = sum(gap_pct(r) <= goal for r in part)
                lines.append(f"generated, {what}: {ok}/{len(part)} within {goal:g} % of the best known in "
                             f"{part[0]['limit']:g} s; gap to best known max {max(gap_pct(r) for r in part):.2f} %, "
                             f"stated bound gap max {max(bound_gap_pct(r) for r in part):.2f} %, median "
                             f"{statistics.median(bound_gap_pct(r) for r in part):.2f} %")
    for r in (r for r in rows if r["set"] == "bound"):
        over = r["seconds"] - r["limit"]
        lines.append(f"bound {r['instance']} p {r['p']}, {r['limit']:g} s limit: stated bound / uncapacitated "
                     f"optimum {r['bound_ratio']:.3f} (goal ≥ 0.9 {'✓' if r['bound_ratio'] >= 0.9 else '✗'}); "
                     f"solver seconds median {r['seconds']:.2f}, max {r['max_seconds']:.2f} (goal ≤ "
                     f"{1.1 * r['limit'] + 1:g} {'✓' if r['max_seconds'] <= 1.1 * r['limit'] + 1 else '✗'}, "
                     f"median overrun {over:+.2f} s); median of {r['runs']} runs, load {r['load']:.2f}")
    for which in ("unseen", "large"):
        sel = [r for r in rows if r["set"] == which]
        if sel:
            proven = sum(r["status"] == "optimal" for r in sel)
            lines.append(f"{which} (no known optimum; time limit {sel[0].get('limit', 0):g} s; {proven}/{len(sel)} "
                         "proven optimal): " + "; ".join(
                             f"{r['instance']} {r['status']} in {r['seconds']:.1f} s, bound gap "
                             f"{bound_gap_pct(r):.2f} %" for r in sel))
    return lines


def write_markdown(rows, lines, args, path: Path) -> None:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    out = ["# locate benchmark", "",
           f"Command: `.venv/bin/python benchmarks/locate.py {' '.join(sys.argv[1:])}`  ",
           f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
           f"{os.cpu_count()} cores, Python {platform.python_version()}; load average at the end "
           f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; repeats {args.repeats} (medians).", "",
           "Known values: OR-Library pmed optima; Osman–Christofides and SJC best-known (all proven optimal). "
           "`gap %` = ours vs known; `bound gap %` = ours vs our own proven lower bound; `ratio` = spopt seconds "
           "/ our seconds (spopt PMedian with HiGHS through PuLP, same cost matrix, same run).", "",
           "## Summary", ""] + [f"- {ln}" for ln in lines] + ["", "## Instances", "",
           "| instance | n | p | known | ours | gap % | bound gap % | status | seconds | spopt objective | spopt s "
           "| ratio |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        if r["set"] in ("generated", "tiny"):
            continue
        rt = ratio(r)
        if rt is None:
            spopt = " |  |  |"
        elif math.isnan(r["spopt_objective"]):  # no solution: the ratio would compare unequal work
            spopt = f"none within the limit | {r['spopt_seconds']:.2f} | — |"
        else:
            spopt = f"{r['spopt_objective']:.2f} | {r['spopt_seconds']:.2f} | {rt:.1f}× |"
        out.append(f"| {r['instance']} | {r['n']} | {r['p']} | {r['known']:.2f} | {r['ours']:.2f} | "
                   f"{gap_pct(r):.3f} | {bound_gap_pct(r):.3f} | {r['status']} | {r['seconds']:.2f} | " + spopt)
    gen = [r for r in rows if r["set"] == "generated"]
    if gen:
        out += ["", "## Generated instances", "",
                "`best known` = the best value any run has found (`results/locate_generated_best.json`); `bound "
                "gap %` = (ours − our stated lower bound) / ours; `best bound gap %` = (ours − best bound any run "
                "stated) / ours; load = 1-minute load average around the run (median of the repeats).", "",
                "| instance | n | p | best known | ours | gap to best % | bound gap % | best bound gap % | status "
                "| seconds | load |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
        for r in gen:
            bb = 100.0 * (r["ours"] - r["best_bound"]) / r["ours"]
            out.append(f"| {r['instance']} | {r['n']} | {r['p']} | {r['known']:.2f} | {r['ours']:.2f} | "
                       f"{gap_pct(r):.2f} | {bound_gap_pct(r):.2f} | {bb:.2f} | {r['status']} | {r['seconds']:.1f} "
                       f"| {r['load']:.2f} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(out) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", choices=["pmed", "cpmp", "sjc", "unseen", "large", "generated", "tiny",
                                                  "bound"],
                    help="instance sets to run (repeatable; default pmed, cpmp and sjc; 'unseen': capacitated "
                         "instances of the same families we were not given; 'large': random instances with "
                         "thousands of sites under --large-time-limit)")
    ap.add_argument("--only", help="instance numbers within the set(s), e.g. 1-15 or 1,6,36")
    ap.add_argument("--no-spopt", action="store_true", help="skip the spopt + HiGHS baseline")
    ap.add_argument("--spopt-only", default="1-15", help="pmed instances also solved by spopt (default 1-15)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per instance; seconds are medians")
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per pmed instance (ours)")
    ap.add_argument("--cpmp-time-limit", type=float, default=60.0, help="seconds per capacitated instance")
    ap.add_argument("--large-time-limit", type=float, default=20.0, help="seconds per large instance")
    ap.add_argument("--bound-time-limit", type=float, default=10.0, help="seconds per run of --set bound")
    ap.add_argument("--spopt-time-limit", type=float, default=600.0, help="seconds per spopt solve")
    ap.add_argument("--label", help="name of the method in the best-known store of the generated set (default: "
                                    "layout@<commit>)")
    ap.add_argument("--output", type=Path, default=HERE / "results" / "locate.md",
                    help="markdown file for the results ('-' to skip)")
    args = ap.parse_args(argv)
    sets = args.set or ["pmed", "cpmp", "sjc"]
    if not BENCHDATA.exists() and set(sets) - {"generated", "tiny", "large", "bound"}:
        print(f"benchmark data not found at {BENCHDATA}: skipping (it lives in ../shared/benchdata)")
        return 0
    only = parse_only(args.only)
    rows: list[dict] = []
    print(HEADER)
    if "pmed" in sets:
        run_pmed(args, only, rows)
    if "cpmp" in sets:
        run_cpmp(args, only, rows, "cpmp")
    if "sjc" in sets:
        run_cpmp(args, only, rows, "sjc")
    if "unseen" in sets:
        run_unseen(args, rows)
    if "large" in sets:
        run_large(args, rows)
    if "generated" in sets:
        run_generated(args, only, rows)
    if "tiny" in sets:
        run_tiny(args, rows)
    if "bound" in sets:
        run_bound(args, rows)
    lines = summary(rows)
    print()
    for ln in lines:
        print(ln)
    if str(args.output) != "-":
        write_markdown(rows, lines, args, args.output)
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
