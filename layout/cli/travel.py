"""``layout travel COUNTY_DIR --mode walk|bus --out matrix.csv``: village × school travel times as a table."""

from __future__ import annotations

from pathlib import Path

import click

from layout.cli._outputs import writes_file
from layout.io.write import atomic_path

__all__ = ["travel_cmd"]

ESTIMATE_WARNING = ("注意：县里没有道路图层，出行时间为直线距离×绕行系数的估算值。\n"
                    "NOTE: no road layer: travel times are straight-line × detour-factor ESTIMATES.")


@click.command("travel")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--osm", "osm_file", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Route on an OpenStreetMap file (.osm.pbf, .osm, .osm.gz, .osm.bz2) instead of the county's roads.")
@click.option("--mode", type=click.Choice(["walk", "bus"]), default="walk", show_default=True,
              help="Travel mode (defined in the standards).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=str), required=True,
              help="CSV to write: village_id, school_id, mode, minutes, metres (inf = unreachable).")
@click.option("--cutoff", type=float, default=None, help="Minutes; longer trips are written as inf.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Keep matrices here and reuse them when nothing changed.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Threads searching in parallel (large road networks).")
@writes_file("out")
def travel_cmd(county_dir: str, osm_file: str | None, mode: str, out: str, cutoff: float | None,
               cache_dir: str | None, workers: int) -> None:
    """Compute travel minutes and metres from every village of COUNTY_DIR to every school by one mode.

    Trips follow the county's roads (or the --osm file); villages and schools join the nearest usable road.
    Without any roads the times are straight-line estimates, and the command says so.
    """
    from layout.io.read import read_county
    from layout.network import RoadNetwork, travel

    county = read_county(county_dir)
    network = None
    if osm_file is not None:
        import warnings

        from layout.network.osm import OsmDataWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OsmDataWarning)
            network = RoadNetwork.from_osm(osm_file, crs=county.crs, standards=county.standards)
        click.echo(f"道路 roads: {network!r} ← {osm_file}")
        for w in caught:
            if issubclass(w.category, OsmDataWarning):
                click.echo(f"  注意 note: {w.message}")
    tm = travel(county, mode, network=network, cutoff=cutoff, cache_dir=cache_dir, workers=workers)
    _write_csv(tm.to_long(), Path(out))
    n_pairs = tm.minutes.size
    click.echo(f"{len(tm.village_ids)} 村 villages × {len(tm.school_ids)} 校 schools, 方式 mode {mode}: "
               f"{n_pairs} pairs → {out}")
    if tm.estimated:
        click.echo(ESTIMATE_WARNING, err=True)
        return
    if len(tm.unreachable):
        click.echo(f"不可达 unreachable pairs: {len(tm.unreachable)}")
        for reason, count in tm.unreachable["reason"].value_counts().items():
            click.echo(f"  {count:>8}  {reason}")
    flagged = tm.snap[tm.snap["flagged"]]
    if len(flagged):
        limit = county.standards.get("modes.snapping.flag_snap_metres")
        click.echo(f"离道路超过 {limit:g} m 的点 points farther than {limit:g} m from a usable road: {len(flagged)}")
        for pid, row in flagged.head(10).iterrows():
            click.echo(f"  {row['layer']} {pid}: {row['snap_metres']:.0f} m")


def _write_csv(frame, path: Path) -> None:
    """Write a CSV atomically (temporary file beside it, then rename)."""
    from layout.io.safe_tables import safe_csv_text

    with atomic_path(path) as tmp:
        tmp.write_text(safe_csv_text(frame), encoding="utf-8")
