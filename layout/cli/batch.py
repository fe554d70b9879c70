"""``layout batch``: evaluate a folder of proposals (or every county of a province) into one table."""

from __future__ import annotations

from pathlib import Path

import click

from layout.cli._outputs import writes_file
from layout.cli.verbosity import configure_logging, verbosity_options

__all__ = ["batch_cmd"]


@click.command("batch")
@click.argument("county_dir", required=False, type=click.Path(file_okay=False, path_type=str))
@click.argument("proposals", required=False, type=str)
@click.option("--counties", "counties_dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Evaluate every county folder under this directory; PROPOSALS is then the proposals "
                   "sub-folder inside each county (default 'proposals') or 'generated:N' for N random ones.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="Comparison table: .xlsx or .csv.")
@click.option("--goal", default="balanced", show_default=True,
              help="Ranking goal: balanced, travel, cost, capital, balance, fewest_schools, or comma-separated "
                   "columns (prefix - to maximise).")
@click.option("--objectives", default=None,
              help="Comma-separated columns minimised for the Pareto front (prefix - to maximise); default "
                   "mean_minutes,students_unserved,annual_cost,capital_cost,violations_hard.")
@click.option("--year", default=0, show_default=True, type=click.IntRange(min=0, max=100), help="Years ahead.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
@click.option("-j", "--jobs", default=1, show_default=True, type=int,
              help="Local worker processes: 1 evaluates in this process, -1 uses every core, -2 all but one.")
@click.option("--processes", default=None, type=click.IntRange(min=1), hidden=True,
              help="Former name of --jobs.")
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Keep finished rows here; a re-run skips unchanged proposals (default: beside --out).")
@click.option("--no-cache", is_flag=True, help="Evaluate everything again.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Header language of the table.")
@click.option("--seed", default=0, show_default=True, help="Seed for generated proposals.")
@verbosity_options
@writes_file("out_path")
def batch_cmd(county_dir: str | None, proposals: str | None, counties_dir: str | None, out_path: str, goal: str,
              objectives: str | None, year: int, scheduler: str | None, jobs: int, processes: int | None,
              cache_dir: str | None, no_cache: bool, lang: str, seed: int, quiet: bool, verbose: int) -> None:
    """Evaluate every proposal in PROPOSALS (a folder of .yaml files) for COUNTY_DIR into one table.

    One row per proposal: schools open, trips per grade band, grades 1-3 within 30 min, unserved children,
    boarders, annual and capital cost, balance pass/fail, violations, Pareto-optimal mark and rank. A proposal
    with errors becomes a row with its error; the others go on.

    \b
    layout batch data/sample_county data/sample_county/proposals --out out/results.xlsx
    layout batch --counties data/province proposals --out out/province.csv --scheduler tcp://10.0.0.5:8786
    """
    from layout.batch import DEFAULT_OBJECTIVES, evaluate_counties, evaluate_many, write_table
    from layout.batch.ranking import GOALS
    from layout.io.read import read_county

    progress = configure_logging(quiet, verbose)
    if jobs == 0:
        raise click.BadParameter("give 1 (this process), N processes, or -1 (every core)", param_hint="--jobs")
    goal_arg: str | list[str] = goal if goal in GOALS else [g.strip() for g in goal.split(",") if g.strip()]
    objs = [o.strip() for o in objectives.split(",") if o.strip()] if objectives else list(DEFAULT_OBJECTIVES)
    out = Path(out_path)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise click.BadParameter("end the output name in .xlsx or .csv", param_hint="--out")
    cache = None if no_cache else (cache_dir or str(out.parent / f".{out.stem}-cache"))
    common = dict(year=year, goal=goal_arg, objectives=objs, scheduler=scheduler,
                  n_jobs=processes if processes is not None else jobs, cache_dir=cache, progress=progress)
    if counties_dir:
        if county_dir and proposals:
            raise click.UsageError("with --counties give only the proposals sub-folder (or generated:N)")
        sub = proposals or county_dir or "proposals"
        result = evaluate_counties(counties_dir, sub, seed=seed, **common)
    else:
        if not county_dir or not proposals:
            raise click.UsageError("give COUNTY_DIR and PROPOSALS (a folder of .yaml files), or --counties DIR")
        county = read_county(county_dir)
        result = evaluate_many(county, proposals, **common)
    write_table(result, out, lang=lang)
    t = result.table
    n_ok = int((t["status"] == "ok").sum())
    click.echo(f"{len(t)} proposals: {n_ok} evaluated, {len(t) - n_ok} with errors, "
               f"{int(t['pareto'].sum())} Pareto-optimal ({result.cached} from cache) -> {out}")
    best = result.ranked().head(5)
    for _, r in best.iterrows():
        click.echo(f"  #{r['rank']} {r['county'] + ': ' if counties_dir else ''}{r['proposal']}"
                   f"{'  [Pareto]' if r['pareto'] else ''}")
    for _, r in result.errors.iterrows():
        click.echo(f"  ! {r['proposal'] or r['county']} ({r['status']}): {r['error'].splitlines()[0]}", err=True)
