"""Benchmark: batch throughput (proposals per second) on the sample county, one process vs all cores, and a
province-sized run (generated counties × generated proposals) with throughput and peak memory.

Measured in the same run, medians of repeats:

* baseline: ``evaluate_many(..., processes=1)`` — proposals evaluated one after another in this process,
  travel matrices computed once beforehand (cached);
* ``evaluate_many(..., executor=pool)`` with a warm process pool of all cores — the same proposals;
  speed-up = baseline time / pooled time (ideal: the number of cores);
* the pool's start-up (worker processes importing geopandas & co.) is reported separately: it is paid once
  per run, not per proposal;
* province: ``evaluate_counties(DIR, "generated:P")`` over C generated county folders on all cores, wall
  time including reading each county and computing its travel once; peak resident memory of this process
  and of the largest worker (sampled with ``psutil``).

Usage: ``.venv/bin/python benchmarks/batch.py [--county DIR] [--proposals N] [--repeats N]
[--counties C] [--per-county P] [--villages V]``. Writes ``benchmarks/results/batch.md``.
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


class PeakMemory:
    """Samples the resident memory of this process and all its descendants (workers) every 0.2 s."""

    def __init__(self):
        import threading

        import psutil

        self.me = psutil.Process()
        self.peak_self = 0
        self.peak_worker = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            try:
                own = self.me.memory_info().rss
                kids = [c.memory_info().rss for c in self.me.children(recursive=True)]
            except psutil.Error:
                kids, own = [], self.peak_self
            self.peak_self = max(self.peak_self, own)
            self.peak_worker = max([self.peak_worker, *kids])
            self.peak_total = max(self.peak_total, own + sum(kids))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def load(args):
    import layout
    from layout.datasets import make_county

    folder = Path(args.county)
    if (folder / "villages.csv").exists():
        return layout.read_county(folder), str(folder)
    return make_county(n_villages=200, seed=0), "make_county(n_villages=200, seed=0)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--county", default=str(REPO / "data" / "sample_county"))
    ap.add_argument("--proposals", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--counties", type=int, default=100)
    ap.add_argument("--per-county", type=int, default=20)
    ap.add_argument("--villages", type=int, default=60, help="villages per generated county (province run)")
    ap.add_argument("--out", default=str(HERE / "results" / "batch.md"))
    args = ap.parse_args()


    from layout.batch import evaluate_counties, evaluate_many, random_proposals
    from layout.batch.local_backend import default_processes, make_pool
    from layout.batch.runner import prepare_context

    cores = default_processes()
    county, source = load(args)
    plans = random_proposals(county, args.proposals, seed=0)
    t0 = time.perf_counter()
    ctx = prepare_context(county)
    travel_s = time.perf_counter() - t0
    travel = ctx.travel

    def single():
        return evaluate_many(county, plans, travel=travel, processes=1, progress=False)

    single()   # warm-up
    single_s, res1 = timed(single, args.repeats)

    t0 = time.perf_counter()
    pool = make_pool(cores)
    list(pool.map(abs, range(cores)))   # workers started
    evaluate_many(county, plans[:cores], travel=travel, executor=pool, processes=cores, progress=False)  # imports
    startup_s = time.perf_counter() - t0
    try:
        pooled_s, resn = timed(lambda: evaluate_many(county, plans, travel=travel, executor=pool, processes=cores,
                                                     progress=False), args.repeats)
    finally:
        pool.shutdown()
    differ = [c for c in res1.table.columns if not res1.table[c].equals(resn.table[c])]
    per_eval = statistics.median(res1.seconds.tolist())
    n = len(plans)
    rate1, raten = n / single_s, n / pooled_s
    load_before = os.getloadavg()

    lines = [
        "# Batch evaluation benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} ({cores} cores available), Python "
        f"{platform.python_version()}; load average {load_before[0]:.1f} after the sample-county runs "
        "(the machine is shared).",
        f"Command: `.venv/bin/python benchmarks/batch.py --proposals {args.proposals} --repeats {args.repeats} "
        f"--counties {args.counties} --per-county {args.per_county} --villages {args.villages}`",
        "",
        f"## Sample county ({source}: {len(county.villages)} villages, {len(county.schools)} schools), "
        f"{n} random proposals, travel cached",
        "",
        f"| run | wall (median of {args.repeats}) | proposals / s | per core | vs baseline |",
        "|---|---|---|---|---|",
        f"| baseline: 1 process (in-process) | {single_s:.2f} s | {rate1:.2f} | {rate1:.2f} | 1.00× |",
        f"| warm pool of {cores} processes | {pooled_s:.2f} s | {raten:.2f} | {raten / cores:.2f} | "
        f"{single_s / pooled_s:.2f}× (ideal {cores}×) |",
        "",
        f"* one evaluation (median, inside the batch): {per_eval * 1000:.0f} ms; travel matrices computed once "
        f"before the batch: {travel_s:.2f} s; pool start-up (once per run): {startup_s:.2f} s.",
        "* tables of the two runs: " + ("identical (checked in the run)." if not differ else
                                         f"DIFFER in {', '.join(differ)} (was the code edited during the run?)"),
        "",
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n(province run in progress)\n", encoding="utf-8")
    print("\n".join(lines), flush=True)

    # ---- province-sized run -------------------------------------------------------------------------------
    from layout.datasets import make_county

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        for k in range(args.counties):
            make_county(n_villages=args.villages, n_townships=4, seed=1000 + k, name=f"县{k:03d}").to_folder(
                Path(tmp) / f"county_{k:03d}")
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with PeakMemory() as mem:
            prov = evaluate_counties(tmp, f"generated:{args.per_county}", processes=cores, progress=False)
        prov_s = time.perf_counter() - t0
    n_prov = len(prov.table)
    n_prov_ok = int((prov.table["status"] == "ok").sum())
    mb = 1024 * 1024
    load_after = os.getloadavg()

    lines += [
        f"## Province: {args.counties} generated counties × {args.per_county} generated proposals",
        "",
        f"* counties: `make_county(n_villages={args.villages}, n_townships=4)`, written as folders in "
        f"{gen_s:.1f} s (not counted);",
        f"* {n_prov} rows ({n_prov_ok} evaluated) in {prov_s:.1f} s on {cores} processes: "
        f"{n_prov / prov_s:.2f} proposals / s including reading each county and computing its travel once;",
        f"* peak resident memory (psutil, sampled every 0.2 s): this process {mem.peak_self / mb:.0f} MB, "
        f"largest worker {mem.peak_worker / mb:.0f} MB, all together {mem.peak_total / mb:.0f} MB "
        "(forkserver included).",
        f"* load average after the province run: {load_after[0]:.1f}.",
        "",
    ]
    text = "\n".join(lines)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
