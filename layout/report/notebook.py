"""Readable HTML for notebooks: call these from ``Plan._repr_html_`` / ``Evaluation._repr_html_``."""

from __future__ import annotations

import pandas as pd

from layout.i18n import DEFAULT_LANG, plan_title, term
from layout.i18n import t as _t
from layout.maps.safe import esc
from layout.report.htmlpage import frame_html

__all__ = ["plan_html", "evaluation_html", "recommendation_html"]

_STYLE = (
    "<style>.layout-nb table.data{border-collapse:collapse;font-size:12px}"
    ".layout-nb table.data th,.layout-nb table.data td{border:1px solid #ddd;padding:2px 6px}"
    ".layout-nb table.data td.num{text-align:right}.layout-nb table.data th{background:#eef2f7}</style>"
)


def _wrap(body: str) -> str:
    return f"{_STYLE}<div class='layout-nb'>{body}</div>"


def plan_html(plan, lang: str = DEFAULT_LANG, max_rows: int = 60) -> str:
    """A plan as HTML: name, its actions, and the schools it changes (or, for the status quo, a count).

    Parameters
    ----------
    plan : Plan
    lang : str
    max_rows : int
        At most this many school rows.

    Returns
    -------
    str
    """
    s = plan.schools
    name = plan_title(plan.name, lang)
    description = plan_title(plan.description, lang)
    parts = [f"<b>{esc(name)}</b>" + (f" — {esc(description)}" if description else "")]
    n_open = int((s["status"] == "open").sum())
    parts.append(f"<div>{esc(_t('notebook.schools_open', lang, open=n_open, total=len(s), new=int(s['is_new'].astype(bool).sum())))}</div>")
    acts = list(plan.actions)
    if acts:
        parts.append("<ol>" + "".join(f"<li>{esc(a.describe(lang))}</li>" for a in acts[:max_rows]) + "</ol>")
    changed = s[(s["status"] != "open") | s["is_new"].astype(bool)]
    cols = [
        c
        for c in (
            "name",
            "kind",
            "township",
            "status",
            "merged_into",
            "grade_lo",
            "grade_hi",
            "seats",
            "beds",
        )
        if c in s.columns
    ]
    if len(changed):
        from layout.report.tables import H

        frame = pd.DataFrame(changed[cols]).head(max_rows)
        for col, ns in (("kind", "kind"), ("status", "status")):
            if col in frame:
                frame[col] = [term(ns, v, lang) for v in frame[col]]
        frame = frame.reset_index()
        frame.columns = [H(c, lang) for c in frame.columns]
        parts.append(frame_html(frame))
    return _wrap("".join(parts))


def evaluation_html(ev, lang: str = DEFAULT_LANG, max_rows: int = 40) -> str:
    """An evaluation as HTML: headline metrics, travel per band, and the first issues.

    Parameters
    ----------
    ev : Evaluation
    lang : str
    max_rows : int

    Returns
    -------
    str
    """
    from layout.report import tables as T

    head = f"<b>{esc(plan_title(ev.plan_name, lang))}</b>" + (f" · {esc(ev.county_name)}" if ev.county_name else "")
    issues = T.violations_table(ev, lang).head(max_rows)
    return _wrap(
        head
        + frame_html(T.metrics_table(ev, None, lang))
        + frame_html(T.band_table(ev, lang))
        + frame_html(issues, "–")
    )


def recommendation_html(rec, lang: str = DEFAULT_LANG) -> str:
    """A recommendation as HTML: its plan and, when it has one, its evaluation."""
    parts = []
    changes = rec.changes() if hasattr(rec, "changes") else None
    if isinstance(changes, pd.DataFrame) and len(changes):
        from layout.report.tables import H

        col = "reasons_zh" if lang == "zh" else "reasons_en"
        cols = [c for c in ("school_id", "name", "action", "target", col) if c in changes.columns]
        frame = changes[cols].copy()
        frame["action"] = [term("action", a, lang) for a in frame["action"]]
        frame.columns = [H("reasons" if c == col else c, lang) for c in cols]
        parts.append(_wrap(frame_html(frame)))
    plan = getattr(rec, "plan", None)
    if plan is not None:
        parts.append(plan_html(plan, lang))
    ev = getattr(rec, "evaluation", None)
    if ev is not None:
        parts.append(evaluation_html(ev, lang))
    return "".join(parts) or esc(repr(rec))
