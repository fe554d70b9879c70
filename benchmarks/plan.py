"""Benchmark: `recommend` on the sample county (goal: well under a minute, 2 cores).

Measured in the same run, medians of repeats, travel matrices computed once beforehand (as a planner's cache):

* ``recommend(goal)`` for each goal — the full job: school model, verify-and-repair, boarding, frontier,
  robustness at 0 / 5 / 10 years and reasons;
* ``evaluate(status quo)`` — the baseline unit: one evaluation of today's layout. The ratio says how many
  evaluations' worth of work a recommendation costs;
* ``layout plan`` end to end once (reading the county, travel, recommendation, every file, map and report).

Usage: ``.venv/bin/python benchmarks/plan.py [--county DIR] [--repeats N]``. Writes ``benchmarks/results/plan.md``.
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


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default=str(REPO / "data" / "sample_county"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from layout.cli import main as cli_main
    from layout.evaluate import evaluate
    from layout.io.read import read_county
    from layout.network import travel
    from layout.plan import Plan
    from layout.recommend import GOALS, recommend

    county = read_county(args.county)
    tr = {m: travel(county, m) for m in ("walk", "bus")}
    evaluate(county, Plan.status_quo(county), tr)   # warm-up
    t_eval = median_seconds(lambda: evaluate(county, Plan.status_quo(county), tr), args.repeats)
    rows = []
    for goal in GOALS:
        last = {}

        def run(goal=goal, last=last):
            last["rec"] = recommend(county, tr, goal=goal, horizon=10)

        t = median_seconds(run, args.repeats)
        m0, m1 = last["rec"].baseline.summary_metrics(), last["rec"].evaluation.summary_metrics()
        rows.append((goal, t, t / t_eval, m0["schools_open"], m1["schools_open"], m0["annual_cost"],
                     m1["annual_cost"], len(last["rec"].changes())))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        code = cli_main(["plan", args.county, "--out", tmp, "--lang", "en"])
        t_cli = time.perf_counter() - t0
    load = os.getloadavg()
    lines = [
        "# `recommend` / `layout plan` on the sample county",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min; other engineers share the machine),"
        f" county {county.name}: {len(county.villages)} villages, {len(county.schools)} schools; "
        f"medians of {args.repeats} runs, travel cached.",
        "",
        f"Baseline: one `evaluate(status quo)` = {t_eval:.2f} s.",
        "",
        "| goal | seconds | × one evaluation | schools open before → after | annual cost before → after (yuan) | actions |",
        "|---|---:|---:|---|---|---:|",
    ]
    for goal, t, ratio, s0, s1, c0, c1, n in rows:
        lines.append(f"| {goal} | {t:.1f} | {ratio:.1f} | {s0} → {s1} | {c0:,.0f} → {c1:,.0f} | {n} |")
    lines += ["", f"`layout plan {args.county} --out TMP --lang en` end to end (read, travel, recommend, files, map, "
              f"report): {t_cli:.1f} s, exit {code}.", ""]
    text = "\n".join(lines)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "plan.md").write_text(text, encoding="utf-8")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
