"""Benchmark: inferring today's attendance from the rolls (goal: < 10 s for 2,000 villages, 2 cores).

``layout.attendance.infer_attendance`` solves one transportation problem per grade by column generation (each
village's nearest schools first, arcs priced in until none would lower the cost) and then gives each school's
boarders and bus riders their modes. The baseline, measured in the same run, is the same transportation problems
solved over every village–school arc at once. Both must give the same total travel (an exact method), and the
inferred attendance must reproduce every school's enrolment by grade, boarders and bus riders.

Usage: ``.venv/bin/python benchmarks/attendance.py [--repeats N]``. Writes ``benchmarks/results/attendance.md``.
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

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _median(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _all_arcs(county, tr) -> float:
    """Total pupil-minutes of the per-grade transportation problems over every arc (the baseline)."""
    from layout.attendance import _minutes, _transport

    v, s = county.villages, county.schools
    trip = np.fmin(_minutes(tr, v.index, s.index, "walk"), _minutes(tr, v.index, s.index, "bus"))
    trip = np.where(trip <= float(county.standards.get("attendance.match_within_minutes")), trip, np.inf)
    lo, hi = s["grade_lo"].to_numpy(int), s["grade_hi"].to_numpy(int)
    total = 0.0
    for g in range(1, 10):
        need = s[f"enrol_{g}"].to_numpy(float)
        cols = np.flatnonzero((lo <= g) & (hi >= g) & (need > 0))
        ii, jj, f, _ = _transport(trip[:, cols], v[f"grade_{g}"].to_numpy(float), need[cols], first=len(cols))
        total += float((trip[:, cols][ii, jj] * f).sum())
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from layout.attendance import infer_attendance
    from layout.datasets import make_county, sample_county
    from layout.network import travel

    rows = []
    for label, county in (("sample (200 villages)", sample_county()),
                          ("generated (2,000 villages)", make_county(n_villages=2000, n_townships=20, seed=1))):
        county = county.with_changes(attendance=None)
        tr = {m: travel(county, m) for m in ("walk", "bus")}
        t_cg, att = _median(lambda county=county, tr=tr: infer_attendance(county, tr), args.repeats)
        t_all, base_total = _median(lambda county=county, tr=tr: _all_arcs(county, tr), args.repeats)
        tot = att.school_totals().reindex(county.schools.index, fill_value=0)
        s = county.schools
        exact = bool((tot["total"] == s["enrolment"]).all() and (tot["board"] == s["boarders"]).all()
                     and (tot["bus"] == s["bus_riders"].fillna(0)).all())
        rows.append((label, len(county.villages), len(s), t_cg, t_all, t_all / t_cg, exact))
        print(rows[-1], flush=True)
    load = os.getloadavg()
    lines = [
        "# Inferring today's attendance from the rolls",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min; other engineers share the machine); medians of "
        f"{args.repeats} runs, travel matrices computed beforehand. Goal: < 10 s for 2,000 villages.",
        "",
        "| county | villages | schools | column generation (s) | all arcs at once — baseline (s) | speed-up | rolls, "
        "boarders and bus riders reproduced |",
        "|---|---|---|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d:.2f} | {e:.2f} | {f:.1f}× | {'yes' if g else 'NO'} |" for a, b, c, d, e, f, g in rows],
        "",
    ]
    (HERE / "results" / "attendance.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
