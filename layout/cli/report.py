"""``layout report COUNTY_DIR [PROPOSAL.yaml] --out DIR``: the committee report (HTML + Excel)."""

from __future__ import annotations

import click

from layout.cli._outputs import writes_folder
from layout.i18n import DEFAULT_LANG, LANGS, t
from layout.maps.basemaps import TILES

__all__ = ["report_cmd"]


@click.command("report")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.argument("proposal", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for report.html and report.xlsx (created if missing).",
)
@click.option(
    "--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True, help="Language of the report."
)
@click.option(
    "--tiles",
    type=click.Choice(TILES),
    default="none",
    show_default=True,
    help="Basemap of the embedded map ('none': no external request).",
)
@click.option("--tianditu-key", default=None, help="Your Tianditu key, for --tiles tianditu.")
@click.option("--year", default=0, show_default=True, type=click.IntRange(min=0, max=100), help="Years ahead.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Keep travel matrices here and reuse them on the next run.",
)
@writes_folder("out_dir", owns=("report.html", "report.xlsx"))
def report_cmd(
    county_dir: str,
    proposal: str | None,
    out_dir: str,
    lang: str,
    tiles: str,
    tianditu_key: str | None,
    year: int,
    cache_dir: str | None,
) -> None:
    """Write OUT/report.html (one self-contained page, map included, print-friendly) and OUT/report.xlsx for
    PROPOSAL (default: the status quo), compared with the status quo."""
    import folium

    from layout.evaluate import evaluate
    from layout.io.read import read_county
    from layout.maps import county_map, render_offline
    from layout.maps.basemaps import add_basemap
    from layout.maps.catchments import walking_catchments
    from layout.plan import Plan, read_proposal
    from layout.report import write_report

    add_basemap(folium.Map(tiles=None), tiles, tianditu_key=tianditu_key, lang=lang)
    county = read_county(county_dir)
    plan = read_proposal(proposal, county) if proposal else Plan.status_quo(county)
    ev = evaluate(county, plan, year=year, cache_dir=cache_dir)
    baseline = evaluate(county, Plan.status_quo(county), year=year, cache_dir=cache_dir) if proposal else None
    m = county_map(
        county,
        plan=plan,
        evaluation=ev,
        isochrones=walking_catchments(county, plan),
        tiles=tiles,
        tianditu_key=tianditu_key,
        lang=lang,
    )
    paths = write_report(
        county, ev, baseline=baseline, out_dir=out_dir, lang=lang, map_html=render_offline(m)
    )
    for p in paths.values():
        click.echo(t("cli.written", lang, path=p))
