"""Map and report rendering on the sample county.

Cases (medians of --repeats after a warm-up, same process, same evaluated plan):

* ``county_map + render_offline`` — what ``layout map`` does after evaluation (villages, lines and hotspots drawn
  from one escaped data array per layer);
* baseline: the same village circles and assignment lines as one folium ``CircleMarker``/``PolyLine`` element
  each (folium's usual way, how the first version drew them), rendered the same way;
* ``write_report`` with the map embedded (HTML + Excel + two SVG charts).

Usage: .venv/bin/python benchmarks/maps.py [--repeats 5] [--out benchmarks/results/maps.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import folium

from layout.evaluate import evaluate
from layout.io.read import read_county
from layout.maps import county_map, render_offline
from layout.maps.layers import BAND_COLOURS, MODE_DASH
from layout.maps.safe import Popup, Tooltip, html_table
from layout.plan import Plan, read_proposal
from layout.report import write_report

REPO = Path(__file__).resolve().parents[1]


def per_element_map(county, evaluation) -> folium.Map:
    """Baseline: one folium element per village circle and per assignment line (plus escaped popups/tooltips)."""
    m = folium.Map(tiles=None, control_scale=True)
    v = county.villages.to_crs(4326)
    s = evaluation.allocation.plan.schools.to_crs(4326)
    vx = {str(i): (g.y, g.x) for i, g in zip(v.index, v.geometry, strict=True)}
    sx = {str(i): (g.y, g.x) for i, g in zip(s.index, s.geometry, strict=True)}
    g = folium.FeatureGroup("villages").add_to(m)
    for _vid, row in v.iterrows():
        c = folium.CircleMarker([row.geometry.y, row.geometry.x], radius=6, fill=True, color="#333")
        c.add_child(Popup(html_table([("children", int(row[["g1_3", "g4_6", "g7_9"]].sum()))], row["name"])))
        c.add_child(Tooltip(row["name"]))
        g.add_child(c)
    for band in ("g1_3", "g4_6", "g7_9"):
        gb = folium.FeatureGroup(band).add_to(m)
        a = evaluation.allocation.assignments
        for r in a[a["band"] == band].itertuples(index=False):
            line = folium.PolyLine([vx[str(r.village_id)], sx[str(r.school_id)]], color=BAND_COLOURS[band],
                                   dash_array=MODE_DASH.get(r.mode))
            line.add_child(Tooltip(f"{r.village_id} → {r.school_id}"))
            gb.add_child(line)
    return m


def timed(fn, repeats: int) -> float:
    fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "maps.md"))
    args = ap.parse_args()
    county = read_county(REPO / "data" / "sample_county")
    proposals = sorted((REPO / "data" / "sample_county").glob("proposals/*.yaml"))
    plan = read_proposal(proposals[0], county) if proposals else Plan.status_quo(county)
    ev = evaluate(county, plan)
    base = evaluate(county, Plan.status_quo(county))
    n_lines = len(ev.allocation.assignments)
    t_map = timed(lambda: render_offline(county_map(county, plan=plan, evaluation=ev)), args.repeats)
    t_base = timed(lambda: render_offline(per_element_map(county, ev)), args.repeats)
    size = len(render_offline(county_map(county, plan=plan, evaluation=ev)).encode("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        t_rep = timed(lambda: write_report(county, ev, baseline=base, out_dir=tmp), max(1, args.repeats // 2))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = f"""# maps and report benchmark

county {county.name}: {len(county.villages)} villages, {len(plan.schools)} schools under plan '{plan.name}',
{n_lines} assignment lines

| case | median s | ratio | note |
|---|---:|---:|---|
| county_map + render_offline (batched layers, all layers, popups) | {t_map:.3f} | {t_map / t_base:.2f} | {size / 1e6:.2f} MB HTML |
| villages + lines as one folium element each — baseline | {t_base:.3f} | 1.00 | fewer layers than the real map |
| write_report (HTML + Excel + charts + embedded map) | {t_rep:.3f} | {t_rep / t_base:.2f} | |

{args.repeats} repeats after a warm-up; {platform.machine()} {os.cpu_count()} cores; Python {platform.python_version()};
load average {load}; {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC
command: .venv/bin/python benchmarks/maps.py --repeats {args.repeats}
"""
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
