"""Benchmark road-network travel matrices (issue 3).

1. A real OpenStreetMap extract (default: Andorra in ``../shared/geodata/andorra``; any region with
   ``--osm FILE``): villages = its place nodes, schools = its school/kindergarten nodes plus towns and villages. Checks that ``RoadNetwork.matrix`` equals networkx
   Dijkstra on the same graph (edges split at the snap points: :mod:`layout.network.reference`) and times it
   against the baseline, a per-school networkx ``single_source_dijkstra_path_length`` loop on that graph.
2. Synthetic: a jittered grid of about 1,000,000 road edges, 5,000 villages × 500 schools, walking and school
   bus. Each repeat runs in a fresh process so peak memory (max RSS; searches run in threads of that process) is
   its own. The network build is timed with the junction rule (vertices within the tolerance joined by distance,
   :func:`layout.network.graph._vertex_ids`) against the baseline it replaced in the same process (coordinates
   rounded to a grid of the tolerance, :func:`grid_vertex_ids`), on the grid as drawn (ends shared exactly) and
   with every line end moved by up to 0.2 m, as digitised lines never snapped together: a grid of n × n
   junctions should give n² nodes.

Medians of repeats. Writes ``benchmarks/results/travel.md``.

Usage: ``.venv/bin/python benchmarks/travel.py [--repeats 3] [--synthetic-repeats 3] [--workers 2] [--quick]``;
another region only: ``.venv/bin/python benchmarks/travel.py --osm region.osm.pbf --no-synthetic``; the junction
numbering step alone (rule vs grid baseline, alternating): ``.venv/bin/python benchmarks/travel.py --junctions 7``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ANDORRA = REPO.parent / "shared" / "geodata" / "andorra"


def osm_places(path: Path):
    """Tagged nodes of an OSM file as points: ``osm_id``, ``place``, ``amenity`` (school or kindergarten)."""
    import geopandas as gpd
    import osmium

    rows = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE):
        place, amenity = obj.tags.get("place"), obj.tags.get("amenity")
        if amenity not in ("school", "kindergarten"):
            amenity = None
        if (place or amenity) and obj.location.valid():
            rows.append((obj.id, place, amenity, obj.location.lon, obj.location.lat))
    ids, place, amenity, lon, lat = zip(*rows, strict=True) if rows else ((),) * 5
    return gpd.GeoDataFrame({"osm_id": list(ids), "place": list(place), "amenity": list(amenity)},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def real_region(pbf: Path, places_file: Path | None, repeats: int) -> dict | None:
    """Exactness and speed against networkx on a real OSM extract (default: Andorra from ../shared).

    Villages are the file's ``place=*`` nodes; schools its school/kindergarten nodes plus towns and villages.
    Their points come from ``places_file`` (GeoJSON with ``osm_id``, ``place``, ``amenity``) when given, else
    from the OSM file's own nodes.
    """
    import geopandas as gpd

    from layout.network import RoadNetwork
    from layout.network.reference import reference_minutes, split_graph

    if not pbf.is_file():
        print(f"skipping the real network: {pbf} not found (../shared sits beside the repository)")
        return None
    t0 = time.perf_counter()
    net = RoadNetwork.from_osm(pbf)
    build = time.perf_counter() - t0
    places = gpd.read_file(places_file) if places_file else osm_places(pbf)
    places = places.to_crs(net.crs)
    villages = places[places["place"].notna()]
    villages = villages.set_index(("P" + villages["osm_id"].astype(str)).rename("village_id"))
    schools = places[places["amenity"].notna() | places["place"].isin(["town", "village"])]
    schools = schools.set_index(("S" + schools["osm_id"].astype(str)).rename("school_id"))
    out = {"name": pbf.name, "network": repr(net), "build_s": build, "villages": len(villages), "schools": len(schools), "modes": {}}
    for mode in ("walk", "bus"):
        net.matrix(villages, schools, mode)   # warm: mode graph and spatial index are built once per network
        ours, base = [], []
        graph = split_graph(net, villages, schools, mode)
        for _ in range(repeats):
            t = time.perf_counter()
            tm = net.matrix(villages, schools, mode)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            ref = reference_minutes(net, villages, schools, mode, graph=graph)
            base.append(time.perf_counter() - t)
        a, b = tm.minutes.to_numpy(), ref.to_numpy()
        fin = np.isfinite(b)
        same_inf = bool((np.isfinite(a) == fin).all())
        rel = float(np.max(np.abs(a[fin] - b[fin]) / np.maximum(np.abs(b[fin]), 1e-12))) if fin.any() else 0.0
        out["modes"][mode] = {"ours_s": statistics.median(ours), "networkx_s": statistics.median(base),
                              "ratio": statistics.median(base) / statistics.median(ours), "max_rel_diff": rel,
                              "same_unreachable": same_inf, "pairs": int(a.size), "reachable": int(fin.sum())}
    out["load_end"] = os.getloadavg()[0]
    return out


def grid_vertex_ids(coords: np.ndarray, line: np.ndarray, along: np.ndarray, tol: float) -> tuple[np.ndarray, int]:
    """Baseline junction numbering (before issue 18): coordinates equal after rounding to ``tol`` share a number.

    Two ends 2 mm apart on either side of a rounding boundary get different numbers, so they are not joined.
    """
    q = np.round(coords / tol).astype(np.int64)
    q -= q.min(axis=0)
    span = q.max(axis=0) + 1
    if float(span[0]) * float(span[1]) < 2.0 ** 62:
        _, vid = np.unique(q[:, 0] * span[1] + q[:, 1], return_inverse=True)
    else:
        _, vid = np.unique(q, axis=0, return_inverse=True)
    vid = vid.ravel()
    return vid, int(vid.max()) + 1


def timed_builds(roads, baseline_first: bool) -> dict:
    """Build the network with the junction rule and with the grid baseline; seconds and nodes of each."""
    from layout.network import RoadNetwork, graph

    out = {}
    rule = graph._vertex_ids
    order = [("grid", grid_vertex_ids), ("rule", rule)] if baseline_first else [("rule", rule), ("grid", grid_vertex_ids)]
    try:
        for name, fn in order:
            graph._vertex_ids = fn
            t = time.perf_counter()
            net = RoadNetwork.from_roads(roads)
            out[f"{name}_s"] = time.perf_counter() - t
            out[f"{name}_nodes"] = net.n_nodes
            out[f"{name}_edges"] = len(net.edges)
    finally:
        graph._vertex_ids = rule
    return out


def synthetic_once(edges_target: int, n_villages: int, n_schools: int, workers: int, seed: int) -> dict:
    """One synthetic run (called in a fresh process)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from layout.network import RoadNetwork

    rng = np.random.default_rng(seed)
    n = int(round((edges_target / 2) ** 0.5))            # n × n grid has 2 n (n - 1) edges
    spacing = 100.0
    gx, gy = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing, indexing="ij")
    xy = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-25, 25, (n * n, 2))
    idx = np.arange(n * n).reshape(n, n)
    a = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    b = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    cls = rng.choice(np.array(["village", "township", "footpath"], dtype=object), len(a), p=[0.7, 0.15, 0.15])
    t0 = time.perf_counter()
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    roads = gpd.GeoDataFrame({"road_class": cls}, geometry=lines, crs=32648)
    extent = (n - 1) * spacing
    pts = rng.uniform(0, extent, (n_villages + n_schools, 2))
    villages = gpd.GeoDataFrame(geometry=shapely.points(pts[:n_villages]), crs=32648,
                                index=pd.Index([f"V{i}" for i in range(n_villages)], name="village_id"))
    schools = gpd.GeoDataFrame(geometry=shapely.points(pts[n_villages:]), crs=32648,
                               index=pd.Index([f"S{i}" for i in range(n_schools)], name="school_id"))
    t1 = time.perf_counter()
    net = RoadNetwork.from_roads(roads)
    t2 = time.perf_counter()
    out = {"edges": len(net.edges), "nodes": net.n_nodes, "make_roads_s": t1 - t0, "build_s": t2 - t1,
           "load_start": os.getloadavg()[0], "grid_junctions": n * n}
    # junction rule against the grid baseline, in this process, in turn first (by seed)
    ends = np.stack([xy[a], xy[b]], axis=1)
    loose_ends = ends + rng.uniform(-0.2, 0.2, ends.shape) / np.sqrt(2)      # each end moved by at most 0.2 m
    loose = gpd.GeoDataFrame({"road_class": cls}, geometry=shapely.linestrings(loose_ends), crs=32648)
    for tag, frame in (("exact", roads), ("loose", loose)):
        for k, v in timed_builds(frame, baseline_first=bool(seed % 2)).items():
            out[f"build_{tag}_{k}"] = v
    # matrices as users get them (progress bar on, in its blocks); walking also without it, order by seed
    runs = [("walk", True), ("walk", False), ("bus", True)]
    if seed % 2:
        runs[:2] = runs[1::-1]
    for mode, progress in runs:
        t = time.perf_counter()
        tm = net.matrix(villages, schools, mode, workers=workers, progress=progress)
        out[f"{mode}_s" if progress else f"{mode}_no_progress_s"] = time.perf_counter() - t
        out[f"{mode}_reachable"] = float(np.isfinite(tm.minutes.to_numpy()).mean())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    out["peak_rss_mb"] = own
    out["peak_worker_rss_mb"] = kids
    out["total_s"] = time.perf_counter() - t0
    out["load_end"] = os.getloadavg()[0]
    return out


def junction_steps(edges_target: int, repeats: int, seed: int = 0) -> dict:
    """The junction numbering step alone, the rule against the grid baseline, alternating, in this process.

    On the synthetic grid's vertices as drawn (exact) and with every line end moved by up to 0.2 m (loose);
    medians of ``repeats`` calls of each. Less exposed to other jobs on the machine than whole builds.
    """
    from layout.network import graph

    rng = np.random.default_rng(seed)
    n = int(round((edges_target / 2) ** 0.5))
    gx, gy = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0, indexing="ij")
    xy = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-25, 25, (n * n, 2)) + [400_000.0, 3_300_000.0]
    idx = np.arange(n * n).reshape(n, n)
    a = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    b = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    ends = np.stack([xy[a], xy[b]], axis=1)
    line = np.repeat(np.arange(len(a)), 2)
    out = {"vertices": 2 * len(a), "junctions": n * n, "repeats": repeats, "load_start": os.getloadavg()[0]}
    for tag, e in (("exact", ends), ("loose", ends + rng.uniform(-0.2, 0.2, ends.shape) / np.sqrt(2))):
        coords = e.reshape(-1, 2)
        along = np.zeros(len(coords))
        along[1::2] = np.hypot(*(coords[1::2] - coords[::2]).T)
        along = np.cumsum(along)
        times = {"grid": [], "rule": []}
        for r in range(repeats):
            for name, fn in ((("grid", grid_vertex_ids), ("rule", graph._vertex_ids))[::1 if r % 2 else -1]):
                t = time.perf_counter()
                _, k = fn(coords, line, along, 0.5)
                times[name].append(time.perf_counter() - t)
                out[f"{tag}_{name}_junctions"] = k
        for name, ts in times.items():
            out[f"{tag}_{name}_s"] = statistics.median(ts)
    out["load_end"] = os.getloadavg()[0]
    return out


def synthetic(repeats: int, workers: int, edges: int, villages: int, schools: int) -> dict:
    runs = []
    for r in range(repeats):
        cmd = [sys.executable, __file__, "--synthetic-once", "--edges", str(edges), "--villages", str(villages),
               "--schools", str(schools), "--workers", str(workers), "--seed", str(r)]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=True)
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print("  synthetic run", r + 1, runs[-1], flush=True)
    med = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
    med["repeats"] = repeats
    med["workers"] = workers
    return med


def write_results(andorra_res: dict | None, synth: dict | None, args, load: str) -> Path:
    lines = ["# Travel matrices (benchmarks/travel.py)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"load average at start: {load}.",
             f"Command: `.venv/bin/python benchmarks/travel.py --repeats {args.repeats} "
             f"--synthetic-repeats {args.synthetic_repeats} --workers {args.workers}`", ""]
    if andorra_res:
        lines += [f"## {andorra_res['name']} (real OSM extract, © OpenStreetMap contributors, ODbL)", "",
                  f"{andorra_res['network']}, built from the OSM file in {andorra_res['build_s']:.2f} s; "
                  f"{andorra_res['villages']} places as villages × {andorra_res['schools']} schools "
                  "(school/kindergarten nodes, towns, villages).",
                  "Baseline: per-school networkx `single_source_dijkstra_path_length` loop on the same graph with edges "
                  "split at the snap points (`layout.network.reference`). Medians of "
                  f"{args.repeats} repeats, alternating layout and networkx; network prebuilt for both; 1-minute load "
                  f"average {andorra_res['load_end']:.2f} at the end of this part.", "",
                  "| mode | layout (s) | networkx loop (s) | speed-up | max relative diff | same unreachable pairs |",
                  "|---|---|---|---|---|---|"]
        for mode, m in andorra_res["modes"].items():
            lines.append(f"| {mode} | {m['ours_s']:.4f} | {m['networkx_s']:.3f} | {m['ratio']:.1f}× | "
                         f"{m['max_rel_diff']:.1e} | {m['same_unreachable']} |")
        lines.append("")
    if synth:
        lines += ["## Synthetic ~1,000,000-edge network", "",
                  f"Jittered 100 m grid, {synth['edges']:.0f} edges / {synth['nodes']:.0f} nodes (70% village, 15% "
                  f"township, 15% footpath roads), {args.villages} villages × {args.schools} schools, "
                  f"{synth['workers']} search threads, medians of {synth['repeats']} fresh-process runs; 1-minute load "
                  f"average {synth['load_start']:.2f} at the start and {synth['load_end']:.2f} at the end (medians).", "",
                  "| step | seconds |", "|---|---|",
                  f"| build RoadNetwork from 1M road lines | {synth['build_s']:.2f} |",
                  f"| walk matrix (snap + search + metres) | {synth['walk_s']:.1f} |",
                  f"| walk matrix without the progress bar (one block per thread) | {synth['walk_no_progress_s']:.1f} |",
                  f"| bus matrix (search + metres along the shortest-path tree) | {synth['bus_s']:.1f} |",
                  f"| total incl. making the test data | {synth['total_s']:.1f} |", "",
                  f"Peak memory: max RSS {synth['peak_rss_mb']:.0f} MB (one process; the searches run in its "
                  "threads; goal < 4 GB).", "",
                  "### Junctions: distance rule against the grid baseline (same process, order alternating)", "",
                  "Baseline: `grid_vertex_ids` (vertices equal after rounding to the 0.5 m tolerance, the rule before "
                  "issue 18). *Exact*: the grid as drawn, lines share their end coordinates. *Loose*: every line end "
                  f"moved by up to 0.2 m, so ends meet within the tolerance but never exactly. The grid has "
                  f"{synth['grid_junctions']:.0f} junctions.", "",
                  "| roads | rule | build (s) | nodes | edges |", "|---|---|---|---|---|"]
    if synth:
        for tag in ("exact", "loose"):
            for rule, label in (("grid", "grid rounding (baseline)"), ("rule", "distance rule")):
                lines.append(f"| {tag} | {label} | {synth[f'build_{tag}_{rule}_s']:.2f} | "
                             f"{synth[f'build_{tag}_{rule}_nodes']:.0f} | {synth[f'build_{tag}_{rule}_edges']:.0f} |")
        ratio = synth["build_exact_rule_s"] / synth["build_exact_grid_s"]
        lines += ["", f"Build time of the distance rule / the baseline on the exact grid: {ratio:.2f}×.", ""]
    path = HERE / "results" / "travel.md"
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--synthetic-repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--edges", type=int, default=1_000_000)
    p.add_argument("--villages", type=int, default=5000)
    p.add_argument("--schools", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--osm", type=Path, default=ANDORRA / "andorra-latest.osm.pbf",
                   help="a real region's OSM file (.osm.pbf/.osm/.osm.gz/.bz2) for the networkx comparison")
    p.add_argument("--places", type=Path, default=None,
                   help="GeoJSON of its places (osm_id, place, amenity); default: Andorra's places.geojson with "
                        "the default --osm, else the OSM file's own place/school nodes")
    p.add_argument("--no-synthetic", action="store_true", help="only the real-network comparison")
    p.add_argument("--quick", action="store_true", help="small synthetic network (smoke test)")
    p.add_argument("--synthetic-once", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--junctions", type=int, default=0, metavar="REPEATS",
                   help="only time the junction numbering step (rule vs grid baseline), REPEATS alternating calls")
    args = p.parse_args(argv)
    if args.junctions:
        j = junction_steps(args.edges, args.junctions, args.seed)
        print(json.dumps(j))
        for tag in ("exact", "loose"):
            print(f"{tag}: rule {j[f'{tag}_rule_s']:.3f} s ({j[f'{tag}_rule_junctions']} junctions), grid baseline "
                  f"{j[f'{tag}_grid_s']:.3f} s ({j[f'{tag}_grid_junctions']}); ratio "
                  f"{j[f'{tag}_rule_s'] / j[f'{tag}_grid_s']:.2f}× ({j['junctions']} true junctions, "
                  f"load {j['load_start']:.2f} → {j['load_end']:.2f})")
        return 0
    if args.synthetic_once:
        print(json.dumps(synthetic_once(args.edges, args.villages, args.schools, args.workers, args.seed)))
        return 0
    if args.quick:
        args.edges, args.villages, args.schools, args.synthetic_repeats = 20_000, 300, 30, 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    places = args.places
    if places is None and args.osm == ANDORRA / "andorra-latest.osm.pbf":
        places = ANDORRA / "places.geojson"
    a = real_region(args.osm, places, args.repeats)
    if a:
        for mode, m in a["modes"].items():
            print(f"{a['name']} {mode} ({a['villages']} villages × {a['schools']} schools): layout {m['ours_s']:.4f} s, networkx loop {m['networkx_s']:.3f} s, "
                  f"{m['ratio']:.1f}× faster, max relative diff {m['max_rel_diff']:.1e}", flush=True)
    if args.no_synthetic:
        return 0
    s = synthetic(args.synthetic_repeats, args.workers, args.edges, args.villages, args.schools)
    print(f"Junctions: build {s['build_exact_rule_s']:.2f} s (distance rule) vs {s['build_exact_grid_s']:.2f} s "
          f"(grid baseline); loose ends: {s['build_loose_rule_nodes']:.0f} vs {s['build_loose_grid_nodes']:.0f} "
          f"nodes for {s['grid_junctions']:.0f} junctions")
    print(f"Synthetic {s['edges']:.0f} edges, {args.villages}×{args.schools}: build {s['build_s']:.1f} s, "
          f"walk {s['walk_s']:.1f} s, bus {s['bus_s']:.1f} s, peak RSS {s['peak_rss_mb']:.0f} MB, "
          f"load {s['load_start']:.2f} → {s['load_end']:.2f}")
    if not args.quick:
        print("wrote", write_results(a, s, args, load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
