"""The report's tables as DataFrames with Chinese or English headers (shared by the HTML and the workbook)."""

from __future__ import annotations

import os

import pandas as pd

from layout.i18n import DEFAULT_LANG, has, term
from layout.i18n import t as _t
from layout.maps.actions import school_actions
from layout.maps.labels import t

__all__ = [
    "METRICS",
    "metrics_table",
    "band_table",
    "schools_table",
    "violations_table",
    "balance_table",
    "costs_table",
    "staffing_table",
    "bus_routes_table",
    "H",
    "metric",
]

# summary_metrics key -> digits shown; the labels are the catalogue's ``metric.*``
_DIGITS: dict[str, int] = {
    "schools_open": 0, "schools_closed": 0, "schools_new": 0, "students_total": 0, "students_assigned": 0,
    "students_unserved": 0, "bus_riders": 0, "boarders": 0, "g1_3_mean_minutes": 1, "g1_3_max_minutes": 1,
    "g1_3_within_walk_limit": 3, "g4_6_mean_minutes": 1, "g4_6_max_minutes": 1, "g7_9_mean_minutes": 1,
    "g7_9_max_minutes": 1, "small_schools": 0, "oversized_class_schools": 0, "students_moved": 0,
    "teachers_employed": 0, "posts_freed": 0, "posts_to_fill": 0, "bus_vehicles": 0, "annual_staffing": 0,
    "annual_bus": 0, "annual_cost": 0, "capital_cost": 0, "gini_travel": 3, "balance_primary_mean_cv": 3,
    "balance_primary_pass": 0, "balance_middle_mean_cv": 3, "balance_middle_pass": 0, "new_hard_violations": 0,
    "existing_hard_violations": 0, "violations_hard": 0, "violations_soft": 0, "violations_confirm": 0,
}
#: summary_metrics key -> (zh, en, digits); shown before/after
METRICS: dict[str, tuple[str, str, int]] = {
    k: (_t(f"metric.{k}", "zh"), _t(f"metric.{k}", "en"), d) for k, d in _DIGITS.items()
}


def H(key: str, lang: str) -> str:
    """A column header (the catalogue's ``header.*``, else a map label)."""
    return _t(f"header.{key}", lang) if has(f"header.{key}") else t(key, lang)


def metric(key: str, lang: str) -> str:
    """The label of a headline metric."""
    return _t(f"metric.{key}", lang)


def _bands(text: object, lang: str) -> str:
    """``"g1_3,g4_6"`` as ``"1-3年级、4-6年级"``."""
    parts = [p for p in str(text or "").split(",") if p]
    return _t("reason.names_sep", lang).join(term("band", p, lang) for p in parts)


def metrics_table(evaluation, baseline=None, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Headline metrics: the plan, and the status quo with the change when ``baseline`` is given."""
    after = evaluation.summary_metrics()
    before = baseline.summary_metrics() if baseline is not None else None
    rows = []
    for key in METRICS:
        if key not in after:
            continue
        row = {H("metric", lang): metric(key, lang)}
        a = after[key]
        if before is not None:
            b = before.get(key)
            row[H("before", lang)] = b
            row[H("after", lang)] = a
            num = isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
            row[H("change", lang)] = (a - b) if num and a is not None and b is not None else None
        else:
            row[H("after", lang)] = a
        rows.append(row)
    return pd.DataFrame(rows)


def band_table(evaluation, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Travel per grade band."""
    f = evaluation.to_frame("by_band")
    cols = [
        c
        for c in (
            "children",
            "assigned",
            "unserved",
            "walk",
            "bus",
            "board",
            "mean_minutes",
            "p90_minutes",
            "max_minutes",
            "within_walk_limit",
        )
        if c in f.columns
    ]
    out = f[cols].copy()
    out.index = [t(b, lang) if b in ("g1_3", "g4_6", "g7_9") else t("total", lang) for b in out.index]
    out.index.name = H("band", lang)
    out.columns = [H(c, lang) for c in cols]
    return out.reset_index()


def schools_table(
    county, evaluation, recommendation=None, lang: str = DEFAULT_LANG, changed_only: bool = False
) -> pd.DataFrame:
    """Per school: action, reasons and results under the plan."""
    plan = evaluation.allocation.plan
    acts = school_actions(county, plan, recommendation, lang)
    s = evaluation.schools
    cols = [
        c
        for c in (
            "name",
            "kind",
            "township",
            "grades",
            "status",
            "merged_into",
            "enrolment_now",
            "enrolment",
            "seats",
            "utilisation",
            "classes",
            "max_class_size",
            "class_band",
            "boarders",
            "beds",
        )
        if c in s.columns
    ]
    out = s[cols].copy()
    out.insert(0, "action", [t(a, lang) for a in acts.reindex(s.index.astype(str))["action"].fillna("keep")])
    out["reasons"] = acts.reindex(s.index.astype(str))["reasons"].fillna("").to_numpy()
    if "kind" in out:
        out["kind"] = [term("kind", k, lang) for k in out["kind"]]
    if "status" in out:
        out["status"] = [term("status", k, lang) for k in out["status"]]
    if "class_band" in out:
        out["class_band"] = [term("class_band", k, lang) for k in out["class_band"]]
    if changed_only:
        out = out[acts.reindex(s.index.astype(str))["action"].to_numpy() != "keep"]
    out.index.name = H("school_id", lang)
    out.columns = [H(c, lang) for c in out.columns]
    return out.reset_index()


def violations_table(evaluation, lang: str = DEFAULT_LANG, severity: str | None = None) -> pd.DataFrame:
    """Issues found (hard / standard missed / to confirm), optionally one severity: each with its kind, whether
    the plan brings it (新增) or today's layout has it too (现状), what it is about and the reason."""
    f = evaluation.to_frame("violations")
    if severity is not None and len(f):
        f = f[f["severity"] == severity]
    return _issues(f, lang)


def _issues(f: pd.DataFrame, lang: str) -> pd.DataFrame:
    msg = "message_zh" if lang == "zh" else "message_en"
    cols = ["severity", "status", "code", "school_id", "village_id", msg]
    headers = [H(c if c != msg else "message", lang) for c in cols]
    if not len(f):
        return pd.DataFrame(columns=headers)
    out = f[cols].copy()
    out["severity"] = [term("severity", s, lang) for s in out["severity"]]
    out["status"] = [term("violation_status", s or "", lang) for s in out["status"]]
    out["code"] = [term("violation", c, lang) for c in out["code"]]
    out.columns = headers
    return out.reset_index(drop=True)


def _joined_questions(messages: list[str], lang: str) -> str:
    """One school's procedural checks in one sentence: the words they share ("撤并X——待确认:") once, then each
    check's question."""
    head = os.path.commonprefix(messages)
    sep = _t("violation_msg.confirm_closure", lang, school="\0", question="\0").split("\0")[1]
    cut = head.rfind(sep.strip()) if sep.strip() else -1
    if cut < 0:
        return _t("reason.clause_sep", lang).join(messages)
    cut += len(sep.strip())
    return messages[0][:cut] + " " * (lang != "zh") + _t("reason.clause_sep", lang).join(m[cut:].strip() for m in messages)


def confirm_table(evaluation, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Items to confirm, for a committee: a closed (or grade-dropping) school's procedural checks — 论证, 公示,
    听证, parents, approval, safety (``manual_checks``) — on one row per school instead of one per check; every
    other item as it is. (The evaluation keeps one item per check, for checklists.)

    Example
    -------
    >>> rows = confirm_table(plan_evaluation, "en")        # two closures: 6 checks each on one row
    >>> len(rows), len(violations_table(plan_evaluation, "en", "confirm"))
    (4, 14)
    >>> rows["description"].iloc[0].split(";")[0]
    'closing 罗家峪教学点 — to confirm: has the feasibility study been done?'
    """
    f = evaluation.to_frame("violations")
    if not len(f):
        return _issues(f, lang)
    f = f[f["severity"] == "confirm"]
    steps = f["code"].str.startswith("confirm_") & f["school_id"].notna()
    msg = "message_zh" if lang == "zh" else "message_en"
    rows = []
    for _sid, grp in f[steps].groupby("school_id", sort=False):
        row = grp.iloc[0].copy()
        row["code"] = "confirm_procedure"
        row[msg] = _joined_questions(grp[msg].tolist(), lang)
        rows.append(row)
    merged = pd.DataFrame(rows, columns=f.columns)
    return _issues(pd.concat([merged, f[~steps]], ignore_index=True) if len(merged) else f[~steps], lang)


def confirm_label(lang: str) -> str:
    """What the severity column says of an item to confirm (to split the issues from the items to confirm)."""
    return term("severity", "confirm", lang)


def balance_table(evaluation, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Quality-balance (优质均衡) indicators: county value vs standard, CV vs limit."""
    f = evaluation.to_frame("balance")
    if not len(f):
        return f
    out = pd.DataFrame(
        {
            H("stage", lang): [term("stage", s, lang) for s in f["stage"]],
            H("indicator", lang): [_t(f"indicator.{k}", lang) if has(f"indicator.{k}") else (zh if lang == "zh" else k)
                                   for k, zh in zip(f["indicator"], f["zh"], strict=True)],
            H("standard", lang): f["standard"],
            H("county_value", lang): f["county_value"],
            H("cv", lang): f["cv"],
            H("limit", lang): f["limit"],
            H("pass", lang): f["pass"],
        }
    )
    return out


def costs_table(evaluation, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Annual and capital costs by item."""
    f = evaluation.to_frame("costs")
    return pd.DataFrame(
        {
            H("kind_cost", lang): [term("cost_kind", k, lang) for k in f["kind"]],
            H("item", lang): [term("cost" if k == "annual" else "capital", i, lang)
                              for k, i in zip(f["kind"], f["item"], strict=True)],
            H("yuan", lang): f["yuan"],
        }
    )


def staffing_table(evaluation, lang: str = DEFAULT_LANG, changed_only: bool = False) -> pd.DataFrame:
    """Per school: teachers today, posts the staffing norms need today and after the plan, teachers employed, posts
    freed and posts to fill (:mod:`layout.evaluate.staffing`)."""
    st = getattr(evaluation, "staffing", None)
    if st is None or not len(st):
        return pd.DataFrame()
    t = evaluation.schools
    cols = ["teachers_now", "posts_needed_now", "surplus_now", "posts_needed", "teachers_employed", "posts_freed",
            "posts_to_fill"]
    out = st[cols].copy()
    if changed_only:
        out = out[(out["posts_freed"] > 0) | (out["posts_to_fill"] > 0) | (out["teachers_employed"] != out["teachers_now"])]
    out.insert(0, "name", t["name"].reindex(out.index))
    out = out.reset_index()
    return out.rename(columns={c: H(c, lang) for c in out.columns})


def bus_routes_table(evaluation, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """Every school-bus route of the plan: school, stops in pickup order, children, minutes, km, vehicles."""
    bus = evaluation.costs.get("bus_routes") if isinstance(evaluation.costs, dict) else None
    routes = getattr(bus, "routes", None)
    if routes is None or not len(routes):
        return pd.DataFrame()
    names = evaluation.schools["name"]
    r = routes.reset_index()
    out = pd.DataFrame({"route_id": r["route_id"], "school_id": r["school_id"],
                        "name": r["school_id"].map(names), "bands": [_bands(b, lang) for b in r["bands"]],
                        "stops": r["stops"],
                        "children": r["children"], "route_minutes": r["minutes"].round(1), "km": r["km"].round(1),
                        "vehicles": r["vehicles"]})
    return out.rename(columns={c: H(c, lang) for c in out.columns})
