"""``layout travel COUNTY_DIR --mode walk|bus --out matrix.csv``: village × school travel times as a table."""

from __future__ import annotations

from pathlib import Path

import click

from layout.cli._outputs import writes_file
from layout.cli.verbosity import configure_logging, verbosity_options
from layout.io.write import atomic_path

__all__ = ["travel_cmd"]

ESTIMATE_WARNING = {"zh": "注意：县里没有道路图层，出行时间为直线距离×绕行系数的估算值。",
                    "en": "NOTE: no road layer: travel times are straight-line × detour-factor ESTIMATES."}
# what this command prints, in both languages (to move into the label catalogue with the other commands' texts)
TEXT = {
    "roads": {"zh": "道路：{net} ← {path}", "en": "roads: {net} ← {path}"},
    "pairs": {"zh": "{v} 个村庄 × {s} 所学校，{mode}：{n} 对 → {out}",
              "en": "{v} villages × {s} schools, {mode}: {n} pairs → {out}"},
    "unreachable": {"zh": "不可达的村校对：{n}", "en": "unreachable pairs: {n}"},
    "flagged": {"zh": "离可用道路超过 {m:g} 米的点：{n}", "en": "points farther than {m:g} m from a usable road: {n}"},
    "village": {"zh": "村庄", "en": "village"},
    "school": {"zh": "学校", "en": "school"},
}


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
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of what is printed.")
@verbosity_options
@writes_file("out")
def travel_cmd(county_dir: str, osm_file: str | None, mode: str, out: str, cutoff: float | None,
               cache_dir: str | None, workers: int, lang: str, quiet: bool, verbose: int) -> None:
    """Compute travel minutes and metres from every village of COUNTY_DIR to every school by one mode.

    Trips follow the county's roads (or the --osm file); villages and schools join the nearest usable road.
    Without any roads the times are straight-line estimates, and the command says so.
    """
    from layout.io.read import read_county
    from layout.network import RoadNetwork, travel

    progress = configure_logging(quiet, verbose)
    county = read_county(county_dir)
    network = None
    if osm_file is not None:
        import warnings

        from layout.network.osm import OsmDataWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OsmDataWarning)
            network = RoadNetwork.from_osm(osm_file, crs=county.crs, standards=county.standards)
        click.echo(TEXT["roads"][lang].format(net=repr(network), path=osm_file))
        for w in caught:
            if issubclass(w.category, OsmDataWarning):
                click.echo(("  注意:" if lang == "zh" else "  note: ") + str(w.message))
    tm = travel(county, mode, network=network, cutoff=cutoff, cache_dir=cache_dir, workers=workers,
                progress=progress)
    _write_csv(tm.to_long(), Path(out))
    mode_label = county.standards.mode(mode).get("label", {}).get(lang, mode)
    click.echo(TEXT["pairs"][lang].format(v=len(tm.village_ids), s=len(tm.school_ids), mode=mode_label,
                                          n=tm.minutes.size, out=out))
    if tm.estimated:
        click.echo(ESTIMATE_WARNING[lang], err=True)
        return
    if len(tm.unreachable):
        click.echo(TEXT["unreachable"][lang].format(n=len(tm.unreachable)))
        for reason, count in tm.unreachable["reason"].value_counts().items():
            click.echo(f"  {count:>8}  {reason}")
    flagged = tm.snap[tm.snap["flagged"]]
    if len(flagged):
        limit = county.standards.get("modes.snapping.flag_snap_metres")
        click.echo(TEXT["flagged"][lang].format(m=limit, n=len(flagged)))
        for pid, row in flagged.head(10).iterrows():
            layer = TEXT.get(row["layer"], {}).get(lang, row["layer"])
            click.echo(f"  {layer} {pid}: {row['snap_metres']:.0f} m")


def _write_csv(frame, path: Path) -> None:
    """Write a CSV atomically (temporary file beside it, then rename)."""
    from layout.io.safe_tables import safe_csv_text

    with atomic_path(path) as tmp:
        tmp.write_text(safe_csv_text(frame), encoding="utf-8")
