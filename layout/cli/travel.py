"""``layout travel COUNTY_DIR --mode walk|bus --out matrix.csv``: village × school travel times as a table."""

from __future__ import annotations

import re
from pathlib import Path

import click

from layout.cli._outputs import writes_file
from layout.cli.verbosity import configure_logging, verbosity_options
from layout.i18n import DEFAULT_LANG, LANGS, t, term
from layout.io.write import atomic_path

__all__ = ["travel_cmd"]

ESTIMATE_WARNING = {lang: t("cli.travel_estimated", lang) for lang in LANGS}


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
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True,
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
        click.echo(t("cli.roads_from", lang, network=repr(network), file=osm_file))
        for w in caught:
            if issubclass(w.category, OsmDataWarning):
                click.echo(t("cli.osm_note", lang, message=w.message))
    tm = travel(county, mode, network=network, cutoff=cutoff, cache_dir=cache_dir, workers=workers,
                progress=progress)
    _write_csv(tm.to_long(), Path(out))
    n_pairs = tm.minutes.size
    click.echo(t("cli.travel_done", lang, villages=len(tm.village_ids), schools=len(tm.school_ids),
                 mode=county.standards.mode(mode).get("label", {}).get(lang) or term("mode", mode, lang),
                 pairs=n_pairs, out=out))
    if tm.estimated:
        click.echo(ESTIMATE_WARNING[lang], err=True)
        return
    if len(tm.unreachable):
        click.echo(t("cli.unreachable", lang, n=len(tm.unreachable)))
        for reason, count in tm.unreachable["reason"].value_counts().items():
            click.echo(t("cli.unreachable_reason", lang, n=count, reason=_reason(reason, lang)))
    flagged = tm.snap[tm.snap["flagged"]]
    if len(flagged):
        limit = county.standards.get("modes.snapping.flag_snap_metres")
        click.echo(t("cli.far_from_road", lang, limit=f"{limit:g}", n=len(flagged)))
        for pid, row in flagged.head(10).iterrows():
            click.echo(t("cli.far_point", lang, layer=term("cli.layer", row["layer"], lang), id=pid,
                         metres=f"{row['snap_metres']:.0f}"))


_REASONS = (
    (re.compile(r"no usable road for (?P<mode>\S+) within (?P<max>[\d.]+) m of the (?P<layer>\S+)"), "no_road"),
    (re.compile(r"beyond the (?P<cutoff>[\d.]+)-minute cutoff"), "beyond_cutoff"),
    (re.compile(r"no route in the allowed direction"), "one_way"),
    (re.compile(r"on a different road component"), "not_connected"),
)


def _reason(text: str, lang: str) -> str:
    """A reason of :func:`layout.network.route` (English) in ``lang``."""
    for pattern, key in _REASONS:
        m = pattern.search(str(text))
        if m:
            fields = m.groupdict()
            if "mode" in fields:
                fields["mode"] = term("mode", fields["mode"], lang)
            if "layer" in fields:
                fields["layer"] = term("cli.layer", fields["layer"], lang)
            return t(f"unreachable_reason.{key}", lang, **fields)
    return str(text)


def _write_csv(frame, path: Path) -> None:
    """Write a CSV atomically (temporary file beside it, then rename)."""
    from layout.io.safe_tables import safe_csv_text

    with atomic_path(path) as tmp:
        tmp.write_text(safe_csv_text(frame), encoding="utf-8")
