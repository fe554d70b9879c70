"""What a plan does to each school (keep / close / merge / downgrade / boarding / new) and why."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from layout.i18n import DEFAULT_LANG, t

__all__ = ["ACTIONS", "school_actions"]

ACTIONS = ("keep", "close", "merge", "downgrade", "boarding", "new")
_ID_FIELDS = ("school", "from_", "into", "id")


def _action_lines(plan, lang: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for act in getattr(plan, "actions", ()) or ():
        text = act.describe(lang) if hasattr(act, "describe") else str(act)
        for f in _ID_FIELDS:
            sid = getattr(act, f, None)
            if isinstance(sid, str):
                out.setdefault(sid, []).append(text)
    return out


def _recommendation_reasons(rec, lang: str) -> dict[str, list[str]]:
    """Reasons from a recommendation: ``rec.reasons`` (mapping or Series school_id -> text or list), or a
    ``rec.schools``/``rec.table`` frame with a ``reason``/``reasons`` (or ``reason_zh``/``reason_en``) column."""
    if rec is None:
        return {}
    found = getattr(rec, "reasons", None)
    if callable(found):
        try:
            found = found(lang)
        except TypeError:
            found = found()
    if found is None:
        for attr in ("schools", "table"):
            frame = getattr(rec, attr, None)
            if isinstance(frame, pd.DataFrame):
                for col in (f"reason_{lang}", "reasons", "reason", f"reasons_{lang}"):
                    if col in frame.columns:
                        found = frame[col]
                        break
            if found is not None:
                break
    if isinstance(found, pd.Series):
        found = found.to_dict()
    if not isinstance(found, Mapping):
        return {}
    out = {}
    for sid, val in found.items():
        if val is None or (isinstance(val, float) and val != val):
            continue
        out[str(sid)] = [str(v) for v in val] if isinstance(val, (list, tuple)) else [str(val)]
    return out


def _gains_boarding(sid, row, base, named: set) -> bool:
    """More beds than today, boarding where there were no beds, or designated a boarding school (寄宿制学校)."""
    if sid not in base.index:
        return False
    beds_now = int(base.at[sid, "beds"])
    boarding = bool(row.get("boarding", False))
    return int(row.get("beds", 0)) > beds_now or (boarding and beds_now == 0) or (boarding and sid in named)


def school_actions(county, plan=None, recommendation=None, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """The action each school gets under ``plan`` (status quo when None), with the reasons given.

    Parameters
    ----------
    county : County
    plan : Plan, optional
    recommendation : optional
        Anything with per-school reasons (see :func:`_recommendation_reasons`).
    lang : str

    Returns
    -------
    DataFrame
        Index ``school_id``; columns ``action`` (one of :data:`ACTIONS`), ``reasons`` (text, ``；``-joined).

    Example
    -------
    >>> sorted(set(school_actions(county)["action"]))           # status quo: every school kept
    ['keep']
    >>> school_actions(county, plan, lang="en").loc[["S011", "S017", "S012"], "action"].tolist()
    ['close', 'merge', 'keep']
    """
    base = county.schools
    if plan is None:
        return pd.DataFrame({"action": "keep", "reasons": ""}, index=base.index.astype(str))
    s = plan.schools
    boarding_named = {
        getattr(a, "school", None)
        for a in getattr(plan, "actions", ()) or ()
        if getattr(a, "keyword", "") in ("add_boarding", "designate_boarding")
    }
    actions = []
    for sid, row in s.iterrows():
        if bool(row.get("is_new", False)):
            a = "new"
        elif row.get("status") == "closed":
            a = "merge" if isinstance(row.get("merged_into"), str) and row.get("merged_into") else "close"
        elif sid in base.index and (
            int(row["grade_hi"]) < int(base.at[sid, "grade_hi"])
            or int(row["grade_lo"]) > int(base.at[sid, "grade_lo"])
        ):
            a = "downgrade"
        elif _gains_boarding(sid, row, base, boarding_named):
            a = "boarding"
        else:
            a = "keep"
        actions.append(a)
    lines = _action_lines(plan, lang)
    rec = _recommendation_reasons(recommendation, lang)
    sep = t("reason.clause_sep", lang)
    reasons = [sep.join(dict.fromkeys(rec.get(str(sid), []) + lines.get(str(sid), []))) for sid in s.index]
    return pd.DataFrame({"action": actions, "reasons": reasons}, index=s.index.astype(str))
