"""The committee report as one self-contained HTML page (inline CSS, inline SVG charts, the map embedded)."""

from __future__ import annotations

import datetime as _dt
import html
import math
from numbers import Number

import pandas as pd

from layout.i18n import DEFAULT_LANG, localise, plan_title, term
from layout.i18n import t as _t
from layout.maps.labels import t
from layout.maps.safe import esc
from layout.report import tables as T
from layout.report.charts import enrolment_chart, trip_chart

__all__ = ["frame_html", "report_html", "CSS"]

CSS = """
body {font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  margin: 0 auto; max-width: 1100px; padding: 18px 22px; color: #1d1d1d; line-height: 1.5;}
h1 {font-size: 24px; margin: 0 0 4px;} h2 {font-size: 19px; border-bottom: 2px solid #2b6cb0; padding-bottom: 3px;
  margin-top: 28px;} h3 {font-size: 15px; margin: 14px 0 4px;}
.meta {color: #555; font-size: 13px;}
.cards {display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0;}
.card {border: 1px solid #d5dbe3; border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #f7f9fc;}
.card b {display: block; font-size: 21px;} .card.bad b {color: #c0392b;} .card span {font-size: 12.5px; color: #444;}
table.data {border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 12px;}
table.data th, table.data td {border: 1px solid #d7d7d7; padding: 3px 6px; vertical-align: top;}
table.data th {background: #eef2f7; text-align: left;} table.data td.num {text-align: right; white-space: nowrap;}
table.data tr:nth-child(even) td {background: #fafafa;}
.up {color: #b03a2e;} .down {color: #1e8449;}
.chart svg {max-width: 100%; height: auto;}
.map iframe {width: 100%; height: 640px; border: 1px solid #bbb;}
details summary {cursor: pointer; color: #2b6cb0;}
pre.summary {white-space: pre-wrap; background: #f6f6f6; padding: 8px; font-size: 12.5px;}
.empty {color: #666; font-style: italic;}
@media print {
  body {max-width: none; padding: 0; font-size: 11pt;}
  h2 {page-break-after: avoid;} table.data {page-break-inside: auto;} tr {page-break-inside: avoid;}
  .map iframe {height: 17cm;} details {display: block;} details > summary {display: none;}
  .noprint {display: none;} a {color: inherit; text-decoration: none;}
  @page {size: A4; margin: 14mm;}
}
"""


def _cell(value: object) -> tuple[str, bool]:
    if isinstance(value, Number) and not isinstance(value, bool):
        f = float(value)
        digits = 3 if (math.isfinite(f) and abs(f) < 1 and not f.is_integer()) else 1
        return esc(value, digits), True
    return esc(value), False


def frame_html(frame: pd.DataFrame, empty: str = "–", change_col: str | None = None) -> str:
    """A DataFrame as an HTML table; every header and cell is escaped."""
    if frame is None or not len(frame):
        return f"<p class='empty'>{esc(empty)}</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, row, strict=True):
            text, num = _cell(v)
            cls = "num" if num else ""
            if change_col is not None and col == change_col and num and isinstance(v, Number) and v:
                cls += " up" if float(v) > 0 else " down"
                text = ("+" if float(v) > 0 else "") + text
            cells.append(f"<td class='{cls.strip()}'>{text}</td>" if cls else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cards(evaluation, lang: str) -> str:
    m = evaluation.summary_metrics()
    c = evaluation.violation_counts()
    items = [
        (m["students_total"], t("children", lang), False),
        (m["students_unserved"], T.H("unserved", lang), m["students_unserved"] > 0),
        (m["schools_open"], T.metric("schools_open", lang), False),
        (m["schools_closed"], T.metric("schools_closed", lang), False),
        (c.get("hard", 0), T.metric("violations_hard", lang), c.get("hard", 0) > 0),
        (c.get("confirm", 0), T.metric("violations_confirm", lang), False),
    ]
    return (
        "<div class='cards'>"
        + "".join(
            f"<div class='card{' bad' if bad else ''}'><b>{esc(v)}</b><span>{esc(label)}</span></div>"
            for v, label, bad in items
        )
        + "</div>"
    )


def _bus_line(evaluation, lang: str) -> str:
    c = evaluation.costs
    return _t("report.bus_line", lang, buses=c.get("buses", 0), vkm=f"{c.get('bus_vehicle_km_per_year', 0.0):,.0f}",
              yuan=f"{c['annual'].get('bus', 0.0):,.0f}", method=term("bus_method", c.get("bus_method", ""), lang))


def _x(key: str, lang: str) -> str:
    return _t(f"report.{key}", lang)


def report_html(
    county, evaluation, *, baseline=None, recommendation=None, lang: str = DEFAULT_LANG, map_html: str | None = None
) -> str:
    """The report page as HTML text (see :func:`layout.report.write_report`)."""
    from layout.maps.actions import school_actions

    plan = evaluation.allocation.plan
    plan_name = plan_title(plan.name, lang)
    description = plan_title(getattr(plan, "description", ""), lang)
    acts = school_actions(county, plan, recommendation, lang)["action"]
    parts = [
        f"<h1>{esc(county.name)} · {esc(_x('title', lang))}</h1>",
        f"<p class='meta'>{esc(_x('plan', lang))}: <b>{esc(plan_name)}</b>"
        + (f" — {esc(description)}" if description else "")
        + f" · {esc(_x('generated', lang))}: {esc(_dt.datetime.now().strftime('%Y-%m-%d %H:%M'))}"
        + (f" · <b>{esc(_x('estimated', lang))}</b>" if evaluation.estimated else "")
        + "</p>",
    ]
    parts += [f"<h2>{esc(_x('summary', lang))}</h2>", _cards(evaluation, lang)]
    try:
        text = evaluation.format_summary(lang)
        parts.append(
            f"<details><summary>{esc(_x('full_text', lang))}</summary>"
            f"<pre class='summary'>{html.escape(text)}</pre></details>"
        )
    except Exception:  # the text summary is a convenience; the tables below carry every figure
        pass
    parts += [
        f"<h2>{esc(_x('metrics', lang))}</h2>",
        frame_html(T.metrics_table(evaluation, baseline, lang), change_col=T.H("change", lang)),
    ]
    parts += [
        f"<h2>{esc(_x('travel', lang))}</h2>",
        frame_html(T.band_table(evaluation, lang)),
        f"<div class='chart'>{trip_chart(evaluation, baseline, lang)}</div>",
    ]
    issues = T.violations_table(evaluation, lang)
    sev_col = T.H("severity", lang)
    confirm_label = T.confirm_label(lang)
    parts += [
        f"<h2>{esc(_x('issues', lang))}</h2>",
        f"<h3>{esc(_x('hard_soft', lang))}</h3>",
        frame_html(
            issues[issues[sev_col] != confirm_label] if len(issues) else issues, _x("no_issues", lang)
        ),
        f"<h3>{esc(_x('confirm', lang))}</h3>",
        frame_html(T.confirm_table(evaluation, lang), _x("no_issues", lang)),
    ]
    parts += [
        f"<h2>{esc(_x('schools', lang))}</h2>",
        frame_html(
            T.schools_table(county, evaluation, recommendation, lang, changed_only=True),
            _x("no_changes", lang),
        ),
    ]
    chart = enrolment_chart(evaluation, acts, lang)
    if chart:
        parts.append(f"<div class='chart'>{chart}</div>")
    parts.append(
        f"<details><summary>{esc(_x('all_schools', lang))}</summary>"
        f"{frame_html(T.schools_table(county, evaluation, recommendation, lang))}</details>"
    )
    parts += [
        f"<h2>{esc(_x('balance', lang))}</h2>",
        frame_html(T.balance_table(evaluation, lang)),
        f"<h2>{esc(_x('costs', lang))}</h2>",
        frame_html(T.costs_table(evaluation, lang)),
        f"<h3>{esc(_x('staffing', lang))}</h3>",
        frame_html(T.staffing_table(evaluation, lang, changed_only=True), _x("no_staffing_change", lang)),
        f"<details><summary>{esc(_x('all_staffing', lang))}</summary>"
        f"{frame_html(T.staffing_table(evaluation, lang))}</details>",
        f"<h3>{esc(_x('buses', lang))}</h3>",
        f"<p>{esc(_bus_line(evaluation, lang))}</p>",
        f"<details><summary>{esc(_x('all_routes', lang))}</summary>"
        f"{frame_html(T.bus_routes_table(evaluation, lang), _x('no_routes', lang))}</details>",
    ]
    parts.append(f"<h2>{esc(_x('map', lang))}</h2>")
    if map_html:
        parts.append(
            f"<div class='map'><iframe title='{esc(_x('map_frame', lang))}' srcdoc=\"{html.escape(map_html, quote=True)}\">"
            f"</iframe></div>"
        )
    else:
        parts.append(f"<p class='empty'>{esc(_x('no_map', lang))}</p>")
    notes = list(getattr(evaluation, "notes", ()) or ()) + list(getattr(county, "notes", ()) or ())
    if notes:
        parts.append(
            f"<h3>{esc(_x('notes', lang))}</h3><ul>" + "".join(f"<li>{esc(localise(n, lang))}</li>" for n in notes) + "</ul>"
        )
    title = f"{county.name} · {_x('title', lang)}"
    return (
        f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{esc(title)}</title>"
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )
