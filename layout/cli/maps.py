"""``layout map COUNTY_DIR [PROPOSAL.yaml] --out map.html``: an interactive map that opens offline."""

from __future__ import annotations

import click

from layout.cli._outputs import writes_file
from layout.i18n import DEFAULT_LANG, LANGS, t
from layout.maps.basemaps import TILES

__all__ = ["map_cmd"]


@click.command("map")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.argument("proposal", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="HTML file to write (self-contained; opens with no network).",
)
@click.option(
    "--tiles",
    type=click.Choice(TILES),
    default="none",
    show_default=True,
    help="Basemap. 'none' draws roads and boundaries from the data and makes no external request; "
    "'amap' shifts the data to GCJ-02.",
)
@click.option("--tianditu-key", default=None, help="Your Tianditu key (tk), needed for --tiles tianditu.")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True, help="Language of labels.")
@click.option(
    "--compare/--no-compare",
    default=False,
    show_default=True,
    help="With a proposal: the status quo and the proposal side by side, views synchronised.",
)
@click.option(
    "--catchments/--no-catchments",
    default=True,
    show_default=True,
    help="Draw walking catchments of the open schools (needs roads).",
)
@click.option("--year", default=0, show_default=True, type=click.IntRange(min=0, max=100), help="Years ahead.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Keep travel matrices here and reuse them on the next run.",
)
@writes_file("out_path")
def map_cmd(
    county_dir: str,
    proposal: str | None,
    out_path: str,
    tiles: str,
    tianditu_key: str | None,
    lang: str,
    compare: bool,
    catchments: bool,
    year: int,
    cache_dir: str | None,
) -> None:
    """Write an interactive map of COUNTY_DIR under PROPOSAL (default: the status quo) to OUT.

    Villages are sized by children and coloured by their pupils' trip; schools are marked by action (keep,
    close, merge, downgrade, boarding, new) with a popup table; lines show where each grade band goes.
    """
    import folium

    from layout.evaluate import evaluate
    from layout.io.read import read_county
    from layout.maps import county_map, save_map
    from layout.maps.basemaps import add_basemap
    from layout.maps.catchments import walking_catchments
    from layout.maps.compare import compare_maps
    from layout.plan import Plan, read_proposal

    add_basemap(folium.Map(tiles=None), tiles, tianditu_key=tianditu_key, lang=lang)  # check the key first
    county = read_county(county_dir)
    plan = read_proposal(proposal, county) if proposal else Plan.status_quo(county)
    ev = evaluate(county, plan, year=year, cache_dir=cache_dir)
    iso = walking_catchments(county, plan) if catchments else None
    m = county_map(
        county, plan=plan, evaluation=ev, isochrones=iso, tiles=tiles, tianditu_key=tianditu_key, lang=lang
    )
    if compare and proposal:
        base_plan = Plan.status_quo(county)
        base = evaluate(county, base_plan, year=year, cache_dir=cache_dir)
        left = county_map(
            county,
            plan=base_plan,
            evaluation=base,
            isochrones=walking_catchments(county, base_plan) if catchments else None,
            tiles=tiles,
            tianditu_key=tianditu_key,
            lang=lang,
        )
        from layout.i18n import plan_title

        path = compare_maps(
            left, m, left_title=t("plan.status quo", lang), right_title=plan_title(plan.name, lang), title=county.name
        ).save(out_path)
    else:
        path = save_map(m, out_path)
    click.echo(t("cli.written", lang, path=path))
