"""Benchmark: one what-if edit, incremental (``Scenario``) against a full ``evaluate`` of the same plan, measured in
the same run on the sample county and on ``make_county(n_villages=2000, n_townships=20, seed=1)``.

A seeded random sequence of edits (close, merge, downgrade, expand, add boarding, designate boarding) is applied to
a :class:`layout.scenario.Scenario` started from today's layout (edits the rules refuse are skipped). For every edit
kept: wall and CPU seconds of the incremental edit (``Scenario.apply``: apply, incremental evaluation, rule check),
then a full ``evaluate(county, plan, travel, baseline=...)`` of the same plan (travel cached, as the scenario's;
the school-bus routes kept per school in this process are put back as they were before the edit, so the full
evaluation routes the same schools again that the edit routed), and whether the two are equal (:func:`layout.scenario.evaluation_differences`). Medians, the ratio full /
incremental, and the load average of the machine are reported.

Usage: ``.venv/bin/python benchmarks/scenario.py [--edits N] [--seed S] [--only sample|big]``.
Writes ``benchmarks/results/scenario.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


def _edit(sc, rng: random.Random):
    from layout.plan import AddBoarding, Close, DesignateBoarding, Downgrade, Expand, Merge

    s = sc.plan.schools
    open_ids = sorted(s.index[s["status"] == "open"])
    sid = rng.choice(open_ids)
    kind = rng.choice(["close", "close", "merge", "downgrade", "expand", "add_boarding", "designate"])
    return {"close": lambda: Close(sid), "merge": lambda: Merge(sid, rng.choice(open_ids)),
            "downgrade": lambda: Downgrade(sid, "1-3"), "expand": lambda: Expand(sid, rng.choice([45, 90])),
            "add_boarding": lambda: AddBoarding(sid, 60), "designate": lambda: DesignateBoarding(sid)}[kind]()


def run(county, name: str, edits: int, seed: int) -> dict:
    from layout.evaluate import evaluate
    from layout.evaluate.buses import _school_cache
    from layout.scenario import ActionRefused, Scenario, evaluation_differences

    t0 = time.perf_counter()
    sc = Scenario(county)
    start_s = time.perf_counter() - t0
    rng = random.Random(seed)
    inc, inc_cpu, full, full_cpu, equal, refused, routed = [], [], [], [], 0, 0, []
    store = _school_cache(county)
    tries = 0
    while len(inc) < edits and tries < edits * 5:
        tries += 1
        action = _edit(sc, rng)
        saved = dict(store)
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            sc.apply(action)
        except ActionRefused:
            refused += 1
            continue
        inc.append(time.perf_counter() - w0)
        inc_cpu.append(time.process_time() - c0)
        routed.append(len(set(store) - set(saved)))
        store.clear()
        store.update(saved)            # the full evaluation starts from the same routes kept as the edit did
        c0, w0 = time.process_time(), time.perf_counter()
        ev = evaluate(county, sc.plan, sc.travel, sc.standards, baseline=sc.baseline)
        full.append(time.perf_counter() - w0)
        full_cpu.append(time.process_time() - c0)
        equal += not evaluation_differences(sc.evaluation, ev)
    med = statistics.median
    return {"county": name, "villages": len(county.villages), "schools": len(county.schools), "edits": len(inc),
            "refused": refused, "equal": equal, "start_s": start_s, "inc": med(inc), "full": med(full),
            "inc_cpu": med(inc_cpu), "full_cpu": med(full_cpu), "ratio": med(full) / med(inc),
            "ratio_cpu": med(full_cpu) / med(inc_cpu), "inc_max": max(inc), "routed": med(routed),
            "bus_method": sc.evaluation.costs["bus_method"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--only", choices=("sample", "big"), default=None)
    args = ap.parse_args()
    from layout.datasets import make_county, sample_county

    load0 = os.getloadavg()
    rows = []
    if args.only in (None, "sample"):
        rows.append(run(sample_county(), "sample (data/sample_county)", args.edits, args.seed))
    if args.only in (None, "big"):
        rows.append(run(make_county(n_villages=2000, n_townships=20, seed=1),
                        "make_county(n_villages=2000, n_townships=20, seed=1)", args.edits, args.seed))
    load1 = os.getloadavg()
    lines = ["# What-if edits: incremental Scenario vs full evaluate", "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} ({os.cpu_count()} cores), Python "
             f"{platform.python_version()}; load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
             "(the machine is shared: wall times carry the load, CPU times less so).", "",
             f"`benchmarks/scenario.py --edits {args.edits} --seed {args.seed}`: a seeded random sequence of edits "
             "(close, merge, downgrade, expand, add boarding, designate boarding; refused ones skipped) from today's "
             "layout; per edit kept, the incremental edit and then a full `evaluate` of the same plan (travel "
             "cached; the school-bus routes kept per school restored to their state before the edit, so both route "
             "the same schools again). Medians.", "",
             "| county | villages | schools | edits | equal to full | incremental (s) | full evaluate (s) | ratio | "
             "incremental CPU (s) | full CPU (s) | ratio CPU | slowest edit (s) | scenario start (s) | "
             "schools re-routed per edit | buses |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['county']} | {r['villages']} | {r['schools']} | {r['edits']} | {r['equal']}/{r['edits']} "
                     f"| {r['inc']:.3f} | {r['full']:.3f} | {r['ratio']:.1f}× | {r['inc_cpu']:.3f} | "
                     f"{r['full_cpu']:.3f} | {r['ratio_cpu']:.1f}× | {r['inc_max']:.3f} | {r['start_s']:.1f} | "
                     f"{r['routed']:g} | {r['bus_method']} |")
    lines += ["", "What the incremental edit still does in full, and why: the placement of every child the plan "
              "moves (one flow problem: seats and beds couple them), the school-bus routes of the schools whose "
              "riders changed (VROOM, as a full evaluation does; the others are kept), the villages' "
              "mean trips (pandas sums a group's floats differently when it groups few rows, so only the full "
              "grouping reproduces `evaluate` to the last digit), the balance CVs, cost lines, trip statistics and "
              "Gini (county aggregates). Skipped when their input did not change: the split table outside the split "
              "groups, the placement of pupils from outside the county while none moves, the buses while no rider "
              "changed. The full `evaluate` shares the faster split table (it is `place`'s), so its time fell too."]
    out = HERE / "results" / "scenario.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
