"""Benchmark: writing an evaluation's GIS layers to a GeoPackage (``Evaluation.to_file``) on the sample county.

``layout.io.gis.write_layers`` writes every layer into one temporary ``.gpkg`` with SQLite's per-transaction
disk flush off, adds the Chinese field aliases, flushes the finished file once and moves it into place. The
baseline, measured in the same run, is geopandas' own export, one ``GeoDataFrame.to_file(path, layer=...)`` per
layer into the same file (no aliases, not atomic). Both files must read back with the same layers and features.

Usage: ``.venv/bin/python benchmarks/gis.py [--repeats N]``. Writes ``benchmarks/results/gis.md``.
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
sys.path.insert(0, str(HERE.parent))


def _median(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    import pyogrio

    from layout.datasets import sample_county
    from layout.evaluate import evaluate
    from layout.evaluate.frames import FIELDS, GEOMETRY_TYPES, LAYER_TITLES
    from layout.io.gis import gis_ready, write_layers

    county = sample_county()
    ev = evaluate(county)
    t0 = time.perf_counter()
    layers = ev.layers()
    t_layers = time.perf_counter() - t0
    n = {k: len(v) for k, v in layers.items()}
    out = Path(tempfile.mkdtemp(prefix="layout-gis-bench-"))

    def baseline(i):
        path = out / f"base{i}.gpkg"
        for name, gdf in layers.items():
            gis_ready(gdf).to_file(path, layer=name, driver="GPKG", engine="pyogrio")

    def ours(i):
        ev.to_file(out / f"ours{i}.gpkg")

    def write_only(i):
        write_layers(out / f"write{i}.gpkg", layers, fields=FIELDS, titles=LAYER_TITLES, empty_types=GEOMETRY_TYPES)

    load0 = os.getloadavg()
    t_base = _median(baseline, args.repeats)
    t_write = _median(write_only, args.repeats)
    t_ours = _median(ours, args.repeats)
    load1 = os.getloadavg()
    for f in ("base0.gpkg", "ours0.gpkg"):
        listed = pyogrio.list_layers(out / f)
        assert [k for k, _ in listed] == list(layers), f
        assert all(pyogrio.read_info(out / f, layer=k)["features"] == v for k, v in n.items()), f
    size = (out / "ours0.gpkg").stat().st_size / 1e6
    text = (
        f"# GeoPackage export (`benchmarks/gis.py`)\n\n"
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} {os.cpu_count()} cores, "
        f"load average {load0[0]:.1f} before / {load1[0]:.1f} after, medians of {args.repeats}.\n\n"
        f"Sample county ({len(county.villages)} villages, {len(county.schools)} schools), today's evaluation; "
        f"layers {n}.\n\n"
        "| step | seconds | vs baseline |\n|---|---|---|\n"
        f"| build the layers (`ev.layers()`, once) | {t_layers:.3f} | |\n"
        f"| baseline: `GeoDataFrame.to_file` per layer | {t_base:.3f} | 1.00× |\n"
        f"| `write_layers` on the built layers (aliases, atomic) | {t_write:.3f} | {t_write / t_base:.2f}× |\n"
        f"| `Evaluation.to_file` (builds the layers, then writes) | {t_ours:.3f} | {t_ours / t_base:.2f}× |\n\n"
        f"File size {size:.2f} MB.\n"
    )
    print(text)
    (HERE / "results" / "gis.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
