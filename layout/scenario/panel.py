"""A delta as text and as HTML (notebooks), in Chinese or English; every value from input data is escaped.

The same rows feed the what-if widget's panel (:func:`panel_rows`), so the notebook, the widget and the served app
show the same numbers under the same keys.
"""

from __future__ import annotations

from layout.i18n import label
from layout.maps.safe import esc, fmt
from layout.schema import BANDS

__all__ = ["panel_rows", "delta_text", "delta_html", "COST_LINES"]

COST_LINES = ("staffing", "per_student_funds", "fixed_sites", "boarding", "bus", "total")


def _l(key: str, lang: str) -> str:
    return label(f"whatif_{key}", lang)


def panel_rows(delta, lang: str = "zh") -> list[dict]:
    """The panel's sections: ``{"title", "rows": [{"key", "label", "before", "after", "change", "bad"}]}``.

    ``key`` names the row's ``after`` value in :meth:`~layout.scenario.delta.Delta.numbers`, so a test can read a
    number off the page and find it in the delta.
    """
    n = delta.numbers()
    m = delta.moved_summary
    moved = [{"key": "moved.total", "label": _l("moved_total", lang), "after": m["total"]}]
    moved += [{"key": f"moved.{b}", "label": label(b, lang), "after": m["by_band"][b]} for b in BANDS]
    moved += [{"key": f"moved.{k}", "label": _l(f"mode_{k}", lang), "after": m["by_mode"][k], "bad": k == "unserved"
               and m["by_mode"][k] > 0} for k in ("walk", "bus", "board", "unserved")]
    moved.append({"key": "moved.mean_minutes_after", "label": _l("moved_minutes", lang),
                  "before": m["mean_minutes_before"], "after": m["mean_minutes_after"]})
    trips = []
    for b in BANDS:
        t = delta.trips[b]
        change = None if t["max_before"] is None or t["max_after"] is None else t["max_after"] - t["max_before"]
        trips.append({"key": f"trips.{b}.max_after", "label": label(b, lang), "before": t["max_before"],
                      "after": t["max_after"], "change": change, "bad": bool(change and change > 0)})
    nc = delta.new_counts()
    viol = [{"key": f"violations.new_{s}", "label": _l(f"new_{s}", lang), "after": nc[s],
             "bad": s != "confirm" and nc[s] > 0} for s in ("hard", "soft", "confirm")]
    viol.append({"key": "violations.resolved", "label": _l("resolved", lang), "after": n["violations.resolved"]})
    costs = []
    c = delta.costs
    for line in COST_LINES:
        r = c[(c["kind"] == "annual") & (c["line"] == line)]
        if len(r):
            r = r.iloc[0]
            costs.append({"key": f"costs.annual.{line}.after", "label": _l(f"cost_{line}", lang),
                          "before": r["before"], "after": r["after"], "change": r["change"]})
    r = c[(c["kind"] == "capital") & (c["line"] == "total")]
    if len(r):
        r = r.iloc[0]
        costs.append({"key": "costs.capital.total.after", "label": _l("cost_capital", lang), "before": r["before"],
                      "after": r["after"], "change": r["change"]})
    balance = []
    b = delta.balance
    for stage in ("primary", "middle"):
        r = b[(b["stage"] == stage) & (b["indicator"] == "mean")]
        if len(r):
            r = r.iloc[0]
            balance.append({"key": f"balance.{stage}.mean_cv_after", "label": label(stage, lang),
                            "before": r["cv_before"], "after": r["cv_after"], "change": r["change"],
                            "bad": r["pass_after"] is False})
    buses = [{"key": "buses.vehicles_after", "label": _l("bus_vehicles", lang),
              "before": delta.buses["vehicles_before"], "after": delta.buses["vehicles_after"]},
             {"key": "buses.routes_touched", "label": _l("bus_routes", lang), "after": n["buses.routes_touched"]}]
    return [{"title": _l("sec_moved", lang), "rows": moved},
            {"title": _l("sec_trips", lang), "rows": trips},
            {"title": _l("sec_violations", lang), "rows": viol},
            {"title": _l("sec_costs", lang), "rows": costs},
            {"title": _l("sec_balance", lang), "rows": balance},
            {"title": _l("sec_buses", lang), "rows": buses}]


def delta_text(delta, lang: str = "zh") -> str:
    """The panel as plain text."""
    lines = [_l("title", lang) + f" ({len(delta.actions)} {_l('edits', lang)})"]
    for a in delta.actions:
        lines.append("  · " + a["zh" if lang == "zh" else "en"])
    for sec in panel_rows(delta, lang):
        lines.append(sec["title"])
        for r in sec["rows"]:
            before = f"{fmt(r.get('before'), 2)} → " if r.get("before") is not None else ""
            lines.append(f"  {r['label']}: {before}{fmt(r.get('after'), 2)}"
                         + (f" ({r['change']:+,.2f})" if isinstance(r.get("change"), (int, float)) else ""))
    for v in delta.new_violations:
        if v.severity != "confirm":
            lines.append(f"  ! {v.message_zh if lang == 'zh' else v.message_en}")
    return "\n".join(lines)


def delta_html(delta, lang: str = "zh") -> str:
    """The panel as an HTML fragment (new violations in red); everything escaped."""
    parts = [f"<div class='layout-delta'><b>{esc(_l('title', lang))}</b>"]
    if delta.actions:
        parts.append("<ol>" + "".join(f"<li>{esc(a['zh' if lang == 'zh' else 'en'])}</li>" for a in delta.actions)
                     + "</ol>")
    for sec in panel_rows(delta, lang):
        parts.append(f"<table><caption style='text-align:left'><b>{esc(sec['title'])}</b></caption>")
        for r in sec["rows"]:
            style = " style='color:#c0392b'" if r.get("bad") else ""
            ch = r.get("change")
            parts.append(f"<tr{style}><th style='text-align:left'>{esc(r['label'])}</th>"
                         f"<td>{esc(r.get('before'), 2) if r.get('before') is not None else ''}</td>"
                         f"<td>{esc(r.get('after'), 2)}</td>"
                         f"<td>{'' if not isinstance(ch, (int, float)) else esc(f'{ch:+,.2f}')}</td></tr>")
        parts.append("</table>")
    bad = [v for v in delta.new_violations if v.severity != "confirm"]
    if bad:
        parts.append("<ul style='color:#c0392b'>" + "".join(
            f"<li>{esc(v.message_zh if lang == 'zh' else v.message_en)}</li>" for v in bad) + "</ul>")
    parts.append("</div>")
    return "".join(parts)
