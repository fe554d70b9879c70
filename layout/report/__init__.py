"""The committee report: one self-contained HTML page and the same tables in an Excel workbook.

* :func:`write_report` — ``report.html`` (summary, before/after metrics, trips, issues and items to confirm,
  actions per school with reasons, balance, costs, charts, the map embedded; print-friendly) and ``report.xlsx``.
* :func:`plan_html`, :func:`evaluation_html` — for ``_repr_html_`` in notebooks.
"""

from __future__ import annotations

from pathlib import Path

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
]


def report_sheets(county, evaluation, *, baseline=None, recommendation=None, lang: str = "zh") -> dict:
    """The workbook's sheets: name -> table (Chinese names and headers when ``lang="zh"``)."""
    from layout.report import tables as T

    zh = lang == "zh"
    issues = T.violations_table(evaluation, lang)
    sev = T.H("severity", lang)
    confirm = "待确认" if zh else "to confirm"
    return {
        "摘要" if zh else "summary": T.metrics_table(evaluation, baseline, lang),
        "学生出行" if zh else "trips": T.band_table(evaluation, lang),
        "学校调整" if zh else "schools": T.schools_table(county, evaluation, recommendation, lang),
        "问题清单" if zh else "issues": issues[issues[sev] != confirm] if len(issues) else issues,
        "待确认事项" if zh else "to confirm": issues[issues[sev] == confirm] if len(issues) else issues,
        "优质均衡" if zh else "balance": T.balance_table(evaluation, lang),
        "成本" if zh else "costs": T.costs_table(evaluation, lang),
        "教师编制" if zh else "staffing": T.staffing_table(evaluation, lang),
        "校车线路" if zh else "bus routes": T.bus_routes_table(evaluation, lang),
    }


def write_report(
    county,
    evaluation,
    *,
    baseline=None,
    recommendation=None,
    out_dir,
    lang: str = "zh",
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
    >>> write_report(county, evaluate(county, plan), baseline=evaluate(county), out_dir="out")   # doctest: +SKIP
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
