"""The committee report: one self-contained HTML page and the same tables in an Excel workbook.

* :func:`write_report` — ``report.html`` (summary, before/after metrics, trips, issues and items to confirm,
  actions per school with reasons, balance, costs, charts, the map embedded; print-friendly) and ``report.xlsx``.
* :func:`plan_html`, :func:`evaluation_html` — for ``_repr_html_`` in notebooks.
"""

from __future__ import annotations

from pathlib import Path

from layout.i18n import DEFAULT_LANG
from layout.report.frontier_chart import plot_frontier, write_frontier_charts
from layout.report.htmlpage import frame_html, report_html
from layout.report.notebook import evaluation_html, plan_html, recommendation_html
from layout.report.workbook import write_workbook

__all__ = [
    "write_report",
    "report_html",
    "report_sheets",
    "write_workbook",
    "plan_html",
    "evaluation_html",
    "recommendation_html",
    "frame_html",
    "plot_frontier",
    "write_frontier_charts",
]


def report_sheets(county, evaluation, *, baseline=None, recommendation=None, lang: str = DEFAULT_LANG) -> dict:
    """The workbook's sheets: name -> table (Chinese names and headers when ``lang="zh"``)."""
    from layout.i18n import t
    from layout.report import tables as T

    issues = T.violations_table(evaluation, lang)
    sev = T.H("severity", lang)
    confirm = T.confirm_label(lang)
    return {
        t("sheet.summary", lang): T.metrics_table(evaluation, baseline, lang),
        t("sheet.trips", lang): T.band_table(evaluation, lang),
        t("sheet.schools", lang): T.schools_table(county, evaluation, recommendation, lang),
        t("sheet.issues", lang): issues[issues[sev] != confirm] if len(issues) else issues,
        t("sheet.confirm", lang): issues[issues[sev] == confirm] if len(issues) else issues,
        t("sheet.balance", lang): T.balance_table(evaluation, lang),
        t("sheet.costs", lang): T.costs_table(evaluation, lang),
        t("sheet.staffing", lang): T.staffing_table(evaluation, lang),
        t("sheet.bus_routes", lang): T.bus_routes_table(evaluation, lang),
    }


def write_report(
    county,
    evaluation,
    *,
    baseline=None,
    recommendation=None,
    out_dir,
    lang: str = DEFAULT_LANG,
    map_html: str | None = None,
    with_map: bool = True,
    tiles: str = "none",
) -> dict[str, Path]:
    """Write ``report.html`` and ``report.xlsx`` for one evaluated plan, atomically.

    Parameters
    ----------
    county : County
    evaluation : Evaluation
        The plan's evaluation (``evaluation.allocation.plan`` is the plan).
    baseline : Evaluation, optional
        The status quo, for before/after columns and charts.
    recommendation : optional
        Supplies per-school reasons (see :func:`layout.maps.school_actions`).
    out_dir : str or Path
        Created if missing.
    lang : {"zh", "en"}
    map_html : str, optional
        A ready offline map document to embed; by default one is drawn with :func:`layout.maps.county_map`.
    with_map : bool
        Embed a map at all.
    tiles : str
        Basemap for the embedded map (``none``: no external request).

    Returns
    -------
    dict
        ``{"html": Path, "xlsx": Path}``

    Example
    -------
    >>> paths = write_report(county, plan_evaluation, baseline=today, out_dir="out/report", lang="en")
    >>> sorted(p.name for p in paths.values())
    ['report.html', 'report.xlsx']
    >>> html = paths["html"].read_text(encoding="utf-8")
    >>> # the plan's name and schools are in it; no script or style is fetched from the internet
    >>> "close two teaching points" in html, "S017" in html, "src='http" in html or 'src="http' in html
    (True, True, False)
    """
    from layout.io.write import atomic_write_text

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if with_map and map_html is None:
        from layout.maps import county_map, render_offline

        plan = evaluation.allocation.plan
        map_html = render_offline(
            county_map(
                county,
                plan=plan,
                evaluation=evaluation,
                recommendation=recommendation,
                tiles=tiles,
                lang=lang,
            )
        )
    page = report_html(
        county,
        evaluation,
        baseline=baseline,
        recommendation=recommendation,
        lang=lang,
        map_html=map_html if with_map else None,
    )
    html_path = atomic_write_text(out / "report.html", page)
    xlsx_path = write_workbook(
        report_sheets(county, evaluation, baseline=baseline, recommendation=recommendation, lang=lang),
        out / "report.xlsx",
    )
    return {"html": html_path, "xlsx": xlsx_path}
