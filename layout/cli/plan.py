"""``layout plan COUNTY_DIR --out DIR [--goal ...] [--lang zh|en] [--horizon N]``: recommend a layout."""

from __future__ import annotations

from pathlib import Path

import click

from layout.cli._outputs import writes_folder
from layout.i18n import DEFAULT_LANG, LANGS, t, term

__all__ = ["plan_cmd"]

_GOALS = ("fewest_schools", "least_travel", "least_cost", "best_balance")
# Files of an earlier `layout plan` in --out that this run does not write again are dropped (no stale report beside
# a new plan); other files there are kept.
PLAN_OUTPUTS = ("plan.yaml", "evaluation.json", "evaluation_status_quo.json", "actions.csv", "frontier.csv",
                "frontier.png", "frontier.svg", "robustness.csv", "catchments.csv", "recommendation.json", "map.html", "report.html",
                "report.xlsx")


@click.command("plan")
@click.argument("county_dir", type=click.Path(file_okay=False, path_type=str))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder for plan.yaml, evaluation.json, frontier.csv, map.html, report.html (created).")
@click.option("--goal", type=click.Choice(_GOALS), default="fewest_schools", show_default=True,
              help="What the recommendation pursues under the hard rules.")
@click.option("--n-schools", type=click.IntRange(min=1), default=None,
              help="Exactly this many schools open in all (e.g. with --goal least_travel).")
@click.option("--close-under", type=click.IntRange(min=0, max=100_000), default=None,
              help="Target: close schools of fewer pupils than this where the travel rules allow (county.yaml: "
                   "targets.close_under).")
@click.option("--max-primary", type=click.IntRange(min=1), default=None, help="Target: at most this many primary schools.")
@click.option("--max-middle", type=click.IntRange(min=1), default=None, help="Target: at most this many middle schools.")
@click.option("--boarding-per-township", type=click.IntRange(min=0, max=20), nargs=2, default=None,
              help="Target: fewest and most boarding primaries per township, e.g. 1 2.")
@click.option("--budget", type=click.FloatRange(min=0), default=None, help="Target: capital budget in yuan.")
@click.option("--keep", multiple=True, help="Target: a school to keep (repeat for more).")
@click.option("--must-close", multiple=True, help="Target: a school to close (repeat for more).")
@click.option("--protect", multiple=True,
              help="Target: a school protected whatever the figures (应留必留; repeat for more).")
@click.option("--horizon", default=10, show_default=True, type=click.IntRange(min=0, max=100),
              help="Years of projected enrolment the recommendation is checked against.")
@click.option("--time-limit", type=click.FloatRange(min=1, max=86_400), default=None,
              help="Seconds per solve of the school model (default recommend.time_limit_seconds, more for a large "
                   "county: recommend.time_limit_seconds_per_10000_arcs).")
@click.option("--no-frontier", is_flag=True, default=False,
              help="Skip the trade-off frontier (the plan alone, sooner).")
@click.option("--lang", type=click.Choice(LANGS), default=DEFAULT_LANG, show_default=True,
              help="Language of the printed summary, the map and the report.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Keep travel matrices here and reuse them on the next run.")
@click.option("--no-report", is_flag=True, default=False, help="Skip map.html and report.html.")
@writes_folder("out_dir", owns=PLAN_OUTPUTS)
def plan_cmd(county_dir: str, out_dir: str, goal: str, n_schools: int | None, close_under: int | None,
             max_primary: int | None, max_middle: int | None, boarding_per_township, budget: float | None,
             keep: tuple[str, ...], must_close: tuple[str, ...], protect: tuple[str, ...], horizon: int, lang: str,
             cache_dir: str | None, no_report: bool, time_limit: float | None = None,
             no_frontier: bool = False) -> None:
    """Recommend closures, mergers, downgrades, boarding and expansions for COUNTY_DIR, with reasons.

    Writes OUT/plan.yaml (a proposal: edit it and run `layout evaluate COUNTY_DIR OUT/plan.yaml`),
    OUT/evaluation.json (the plan) and OUT/evaluation_status_quo.json (today), OUT/actions.csv (every school's
    action and reasons in Chinese and English), OUT/frontier.csv, frontier.png and frontier.svg (schools vs travel,
    cost and balance), OUT/robustness.csv (which actions hold now and in later years), OUT/recommendation.json, and
    OUT/map.html and OUT/report.html when the map and report modules are installed.
    """
    import importlib.util

    from layout.io.read import read_county
    from layout.recommend import Targets, recommend
    from layout.report.frontier_chart import write_frontier_charts

    county = read_county(county_dir)
    max_schools = {k: v for k, v in (("primary", max_primary), ("middle", max_middle)) if v is not None}
    targets = Targets(close_under=close_under, max_schools=max_schools,
                      boarding_per_township=tuple(boarding_per_township) if boarding_per_township else None,
                      budget=budget, keep=tuple(keep), must_close=tuple(must_close), protected=tuple(protect))
    rec = recommend(county, goal=goal, horizon=horizon, n_schools=n_schools, targets=targets, cache_dir=cache_dir,
                    time_limit=time_limit, frontier=not no_frontier)
    out = Path(out_dir)
    paths = rec.write(out, lang=lang)
    paths.update(write_frontier_charts(rec.frontier, out, lang))
    if not no_report and importlib.util.find_spec("layout.maps") and importlib.util.find_spec("layout.report"):
        from layout.io.write import atomic_write_text
        from layout.maps import county_map, render_offline
        from layout.report import write_report

        page = render_offline(county_map(county, plan=rec.plan, evaluation=rec.evaluation, recommendation=rec,
                                         lang=lang))
        paths["map"] = atomic_write_text(out / "map.html", page)
        written = write_report(county, rec.evaluation, baseline=rec.baseline, recommendation=rec, out_dir=out,
                               lang=lang, map_html=page)   # the same map, drawn once
        paths.update({f"report_{k}": v for k, v in written.items()})
    click.echo(rec.summary(lang))
    click.echo(rec.format_stages(lang))
    click.echo(t("cli.computed", lang, seconds=f"{rec.seconds:.1f}",
                 notes=t("reason.clause_sep", lang).join(rec.note_lines(lang))))
    for miss in rec.relaxed:
        name = f" {miss['school_id']} {miss['name']}" if "school_id" in miss else ""
        click.echo(t("cli.target_not_met", lang, target=term("target", miss["target"], lang), school=name,
                     why=miss["why_zh"] if lang == "zh" else miss["why_en"]))
    changes = rec.changes()
    col = "reasons_zh" if lang == "zh" else "reasons_en"
    for r in changes.itertuples(index=False):
        target = f" → {term('band', r.target, lang)}" if isinstance(r.target, str) else ""
        extra = (t("cli.plus_beds", lang, n=r.beds) if r.beds else
                 (t("cli.plus_seats", lang, n=r.seats) if r.seats else ""))
        click.echo(t("cli.change_line", lang, school_id=r.school_id, name=r.name, action=term("action", r.action, lang),
                     target=target, extra=extra))
        click.echo(t("cli.reason_line", lang, reason=_shorten(getattr(r, col), 200, lang)))
    click.echo(t("cli.outputs", lang))
    for name, p in paths.items():
        click.echo(t("cli.output_line", lang, name=term("cli.output_name", name, lang), path=p))


def _shorten(text: str, limit: int, lang: str) -> str:
    """``text`` cut to about ``limit`` characters at the end of a clause (never inside a name), with "…".

    Example
    -------
    >>> _shorten("a; bb; ccc", 6, "en"), _shorten("short", 6, "en")
    ('a; bb …', 'short')
    """
    text = str(text)
    if len(text) <= limit:
        return text
    seps = {t("reason.clause_sep", lang).strip(), t("reason.list_sep", lang).strip(), "。", ". "}
    cut = max(text.rfind(sep, 0, limit) for sep in seps if sep)
    return (text[:cut] if cut > 0 else text[:limit]).rstrip() + " …"
