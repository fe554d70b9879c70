"""Benchmark the location solvers (issue 5) on public instances with known optima.

* OR-Library pmed1–40 (uncapacitated p-median) against the proven optima, through :func:`layout.locate.p_median`;
  PySAL spopt ``PMedian`` solved by HiGHS (via PuLP) on the same cost matrices as the baseline, side by side on
  pmed1–15 by default (spopt is in the ``bench`` extra only, never imported by the package).
* Osman–Christofides cpmp01–20 (floor distances) and Lorena–Senne SJC1–SJC4b (real distances), capacitated
  p-median, against the best-known values, through :func:`layout.locate.capacitated_p_median`.
* ``--set unseen``: capacitated instances of the same families that we were not given (Osman–Christofides-like
  random draws, SJC points with another p), judged by our own lower bound.

Prints a table (instance, known, ours, gap %, seconds, spopt seconds, ratio) and writes
``benchmarks/results/locate.md``. Seconds are medians of ``--repeats`` runs.

Usage::

    .venv/bin/python benchmarks/locate.py                       # everything (long: spopt on pmed1–15)
    .venv/bin/python benchmarks/locate.py --set pmed --only 1-15
    .venv/bin/python benchmarks/locate.py --set cpmp --no-spopt
    .venv/bin/python benchmarks/locate.py --set sjc --cpmp-time-limit 58
    .venv/bin/python benchmarks/locate.py --set unseen                 # same families, instances not given
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
          f"{sp_o}", flush=True)


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
        rt = ratio(r)
        if rt is None:
            spopt = " |  |  |"
        elif math.isnan(r["spopt_objective"]):  # no solution: the ratio would compare unequal work
            spopt = f"none within the limit | {r['spopt_seconds']:.2f} | — |"
        else:
            spopt = f"{r['spopt_objective']:.2f} | {r['spopt_seconds']:.2f} | {rt:.1f}× |"
        out.append(f"| {r['instance']} | {r['n']} | {r['p']} | {r['known']:.2f} | {r['ours']:.2f} | "
                   f"{gap_pct(r):.3f} | {bound_gap_pct(r):.3f} | {r['status']} | {r['seconds']:.2f} | " + spopt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(out) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", choices=["pmed", "cpmp", "sjc", "unseen", "large"],
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
    ap.add_argument("--spopt-time-limit", type=float, default=600.0, help="seconds per spopt solve")
    ap.add_argument("--output", type=Path, default=HERE / "results" / "locate.md",
                    help="markdown file for the results ('-' to skip)")
    args = ap.parse_args(argv)
    if not BENCHDATA.exists():
        print(f"benchmark data not found at {BENCHDATA}: skipping (it lives in ../shared/benchdata)")
        return 0
    sets = args.set or ["pmed", "cpmp", "sjc"]
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
