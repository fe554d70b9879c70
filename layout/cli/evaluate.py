"""``layout evaluate COUNTY_DIR [PROPOSAL.yaml] --out DIR [--year N]``: evaluate the status quo or a proposal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from layout.cli._outputs import writes_folder
from layout.i18n import DEFAULT_LANG, LANGS, t

__all__ = ["evaluate_cmd"]


@click.command("evaluate")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.argument("proposal", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder for evaluation.json and summary.txt (created if missing).")
@click.option("--year", default=0, show_default=True, type=click.IntRange(min=0, max=100),
              help="Years ahead: evaluate with children projected this many years.")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True, help="Language of the summary.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Keep travel matrices here and reuse them on the next run.")
@writes_folder("out_dir", owns=("evaluation.json", "summary.txt"))
def evaluate_cmd(county_dir: str, proposal: str | None, out_dir: str, year: int, lang: str,
                 cache_dir: str | None) -> None:
    """Evaluate the status quo of COUNTY_DIR, or PROPOSAL (a YAML list of actions, see docs/proposals.md).

    Writes OUT/evaluation.json (every figure: travel per band, schools, balance, costs, equity, violations; for a
    proposal also the changes against today's layout and the violations it brings) and OUT/summary.txt, and
    prints the summary. Straight-line travel (no road layer) is marked as an estimate.
    """
    from layout.evaluate import evaluate, travel_for_plan
    from layout.io.read import read_county
    from layout.io.write import atomic_write_text
    from layout.plan import Plan, read_proposal

    county = read_county(county_dir)
    plan = read_proposal(proposal, county) if proposal else Plan.status_quo(county)
    travel = travel_for_plan(county, plan, cache_dir=cache_dir)
    ev = evaluate(county, plan, travel=travel, year=year)
    baseline = evaluate(county, Plan.status_quo(county), travel=travel, year=year) if proposal else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if baseline is not None:
        data = ev.to_dict()
        data["compared_with_status_quo"] = ev.compare(baseline)
        data["new_violations"] = [v.to_dict() for v in ev.new_violations(baseline)]
        atomic_write_text(out / "evaluation.json", json.dumps(data, ensure_ascii=False, indent=2))
    else:
        ev.write_json(out / "evaluation.json")
    text = ev.format_summary(lang, baseline=baseline)
    atomic_write_text(out / "summary.txt", text + "\n")
    click.echo(text)
    click.echo(t("cli.written", lang, path=out / "evaluation.json"))
