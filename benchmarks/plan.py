"""Benchmark: `recommend` / `layout plan` on the sample county, the flagship county and a 2,000-village county.

Goals: `layout plan` on the sample in under a minute; on a generated 2,000-village county in under ten minutes,
with the school model's gap stated. Measured in the same run, medians of repeats, travel matrices computed once
beforehand (as a planner's cache); the baseline unit is one evaluation of a plan closing the county's smallest
school, measured in the same run (the ratio says how many evaluations' worth of work a recommendation costs).

For each county and goal it records what a committee reads: schools per stage before and after, closures of
schools under 50 and under 100 pupils, boarding primaries per township, new sites, the annual cost by line before
and after, capital, trips per band, new hard violations (must be 0), the school model's solve time and gap.

Usage::

    .venv/bin/python benchmarks/plan.py [--repeats N] [--counties sample flagship large] [--goals ...]
        [--time-limit S] [--large-time-limit S] [--out FILE]

Writes ``benchmarks/results/plan.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

LINES = ("staffing", "per_student_funds", "fixed_sites", "boarding", "bus", "total")


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _limit(seconds: float | None) -> str:
    return f"{seconds:.0f} s" if seconds else "the model's default (recommend.time_limit_seconds, more for more arcs)"


def _county(name: str):
    from layout.datasets import flagship_county, make_county
    from layout.io.read import read_county

    if name == "sample":
        return read_county(REPO / "data" / "sample_county")
    if name == "flagship":
        return flagship_county()
    return make_county(n_villages=2000, n_townships=20, seed=1)


def _row(county_name: str, goal: str, seconds: float, ratio: float, rec) -> list[str]:
    st, b, e = rec.stages, rec.baseline, rec.evaluation
    ms = rec.model_status
    towns = st["boarding_primaries_by_township"]
    trips = "; ".join(f"{band} {e.by_band[band]['mean_minutes']:.1f}/{e.by_band[band]['max_minutes']:.0f}"
                      for band in ("g1_3", "g4_6", "g7_9"))
    cost = " / ".join(f"{b.costs['annual'][k] / 1e6:.1f}→{e.costs['annual'][k] / 1e6:.1f}" for k in LINES)
    return [county_name, goal, f"{seconds:.1f}", f"{ratio:.0f}",
            f"{st['schools_before']['primary']}→{st['schools_after']['primary']}",
            f"{st['schools_before']['middle']}→{st['schools_after']['middle']}",
            f"{st['closed_under_50']} / {st['pool_under_50']}", str(st["closed_under_100"]), str(st["downgraded"]),
            str(st["new_sites"]), f"{len(towns)} ({sum(towns.values())})", cost,
            f"{e.costs['capital']['total'] / 1e6:.1f}", trips, str(e.new_hard_violations),
            f"{ms['seconds']:.1f}", f"{ms['gap']:.2%}"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--counties", nargs="+", default=["sample", "flagship", "large"],
                    choices=["sample", "flagship", "large"])
    ap.add_argument("--goals", nargs="+", default=None)
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per solve on the sample and flagship (default recommend.time_limit_seconds)")
    ap.add_argument("--large-time-limit", type=float, default=None,
                    help="seconds per solve on the 2,000-village county (default: the model's own, "
                         "recommend.time_limit_seconds_per_10000_arcs)")
    ap.add_argument("--out", default=str(HERE / "results" / "plan.md"))
    args = ap.parse_args()

    from layout.cli import main as cli_main
    from layout.evaluate import evaluate
    from layout.network import travel
    from layout.plan import Close, Plan
    from layout.recommend import GOALS, recommend

    goals = args.goals or list(GOALS)
    rows, cli_rows = [], []
    for name in args.counties:
        county = _county(name)
        tr = {m: travel(county, m) for m in ("walk", "bus")}
        evaluate(county, Plan.status_quo(county), tr)   # warm-up (and today's attendance; cached per county)
        # the unit: one evaluation of a plan (closing the smallest school) — today's own is cached, not a unit
        one_change = Plan.status_quo(county).apply(Close(str(county.schools["enrolment"].idxmin())))
        t_eval = median_seconds(lambda county=county, tr=tr, p=one_change: evaluate(county, p, tr),
                                max(3, args.repeats))
        for goal in (goals if name != "large" else [g for g in goals if g in ("least_cost", "fewest_schools")]):
            last = {}

            limit = args.large_time_limit if name == "large" else args.time_limit

            def run(goal=goal, last=last, county=county, tr=tr, limit=limit):
                last["rec"] = recommend(county, tr, goal=goal, horizon=10, time_limit=limit)

            t = median_seconds(run, args.repeats if name != "large" else 1)
            rows.append(_row(name, goal, t, t / t_eval, last["rec"]))
            print(" | ".join(rows[-1]), flush=True)
        if name in ("sample", "large"):   # the main job as a planner runs it: default settings, cold travel
            with tempfile.TemporaryDirectory() as tmp:
                folder = REPO / "data" / "sample_county" if name == "sample" else county.to_folder(Path(tmp) / "in")
                t0 = time.perf_counter()
                code = cli_main(["plan", str(folder), "--out", str(Path(tmp) / "out"), "--lang", "en"])
                cli_rows.append((name, "fewest_schools (default)", time.perf_counter() - t0, code))
    load = os.getloadavg()
    head = ["county", "goal", "recommend s", "× one evaluation", "primary-stage schools", "middle-stage schools",
            "closed < 50 / pool < 50", "closed < 100", "grades dropped", "new sites",
            "townships with boarding primaries (schools)",
            "annual M yuan: staffing / funds / sites / boarding / bus / total", "capital M yuan",
            "trips mean/max min per band", "new hard violations", "model s", "model gap"]
    lines = [
        "# `recommend` / `layout plan`",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min; other engineers share the machine); medians of "
        f"{args.repeats} run(s) (1 on the 2,000-village county), travel cached. Goals: sample < 60 s, 2,000 villages "
        f"< 10 min. Time limit per solve: {_limit(args.time_limit)}; 2,000 villages {_limit(args.large_time_limit)}.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *["| " + " | ".join(r) + " |" for r in rows],
        "",
        "`layout plan` end to end with default settings (reading the county, travel, recommendation, every file, map "
        "and report):",
        "",
        *[f"- {c}, {g}: {s:.1f} s (exit {code})" for c, g, s, code in cli_rows],
        "",
    ]
    out = Path(args.out)
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
