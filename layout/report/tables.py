"""The report's tables as DataFrames with Chinese or English headers (shared by the HTML and the workbook)."""

from __future__ import annotations

import pandas as pd

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
]

# summary_metrics key -> (zh, en, digits); shown before/after
METRICS: dict[str, tuple[str, str, int]] = {
    "schools_open": ("开办学校数", "schools open", 0),
    "schools_closed": ("撤并学校数", "schools closed", 0),
    "schools_new": ("新建学校数", "new schools", 0),
    "students_total": ("适龄学生总数", "children", 0),
    "students_assigned": ("已安置学生", "children placed", 0),
    "students_unserved": ("未安置学生", "children without a place", 0),
    "bus_riders": ("乘校车学生", "school-bus riders", 0),
    "boarders": ("寄宿生", "boarders", 0),
    "g1_3_mean_minutes": ("1-3年级平均单程(分钟)", "grades 1-3 mean trip (min)", 1),
    "g1_3_max_minutes": ("1-3年级最长单程(分钟)", "grades 1-3 longest trip (min)", 1),
    "g1_3_within_walk_limit": ("1-3年级步行时限内比例", "grades 1-3 within the walk limit", 3),
    "g4_6_mean_minutes": ("4-6年级平均单程(分钟)", "grades 4-6 mean trip (min)", 1),
    "g4_6_max_minutes": ("4-6年级最长单程(分钟)", "grades 4-6 longest trip (min)", 1),
    "g7_9_mean_minutes": ("7-9年级平均单程(分钟)", "grades 7-9 mean trip (min)", 1),
    "g7_9_max_minutes": ("7-9年级最长单程(分钟)", "grades 7-9 longest trip (min)", 1),
    "small_schools": ("小规模学校数", "small schools", 0),
    "oversized_class_schools": ("有大班额的学校数", "schools with oversized classes", 0),
    "students_moved": ("调整就读学生", "children moved by the plan", 0),
    "teachers_employed": ("在岗教师(方案实施后)", "teachers employed (after the plan)", 0),
    "posts_freed": ("可逐步核减编制", "posts freed by attrition", 0),
    "posts_to_fill": ("需补充编制", "posts to fill", 0),
    "bus_vehicles": ("校车数量", "school buses", 0),
    "annual_staffing": ("其中:教师工资(元)", "of which teachers (yuan)", 0),
    "annual_bus": ("其中:校车(元)", "of which school buses (yuan)", 0),
    "annual_cost": ("年度运行成本(元)", "annual running cost (yuan)", 0),
    "capital_cost": ("基建投入(元)", "capital cost (yuan)", 0),
    "gini_travel": ("出行时间基尼系数", "travel-time Gini", 3),
    "balance_primary_mean_cv": ("小学均衡差异系数均值", "primary balance mean CV", 3),
    "balance_primary_pass": ("小学优质均衡达标", "primary balance passes", 0),
    "balance_middle_mean_cv": ("初中均衡差异系数均值", "middle-school balance mean CV", 3),
    "balance_middle_pass": ("初中优质均衡达标", "middle-school balance passes", 0),
    "new_hard_violations": ("新增硬性问题", "new hard issues", 0),
    "existing_hard_violations": ("现状已有硬性问题", "hard issues that exist today", 0),
    "violations_hard": ("硬性问题", "hard issues", 0),
    "violations_soft": ("未达标项", "standards missed", 0),
    "violations_confirm": ("待确认事项", "items to confirm", 0),
}

_H = {  # column headers
    "metric": ("指标", "metric"),
    "before": ("现状", "status quo"),
    "after": ("方案", "proposal"),
    "change": ("变化", "change"),
    "band": ("学段", "band"),
    "severity": ("类别", "severity"),
    "code": ("代码", "code"),
    "message": ("说明", "description"),
    "school_id": ("学校代码", "school id"),
    "village_id": ("村庄代码", "village id"),
    "name": ("名称", "name"),
    "stage": ("学段", "stage"),
    "indicator": ("指标", "indicator"),
    "cv": ("差异系数", "CV"),
    "limit": ("限值", "limit"),
    "pass": ("达标", "passes"),
    "county_value": ("县域值", "county value"),
    "standard": ("标准值", "standard"),
    "kind_cost": ("类别", "kind"),
    "item": ("项目", "item"),
    "yuan": ("金额(元)", "yuan"),
    "children": ("学生数", "children"),
    "value": ("数值", "value"),
    "mean_minutes": ("平均单程(分钟)", "mean trip (min)"),
    "p90_minutes": ("90%分位(分钟)", "90th pct (min)"),
    "max_minutes": ("最长(分钟)", "longest (min)"),
    "assigned": ("已安置", "placed"),
    "unserved": ("未安置", "unserved"),
    "walk": ("步行", "walk"),
    "bus": ("校车", "bus"),
    "board": ("寄宿", "board"),
    "within_walk_limit": ("步行时限内比例", "within walk limit"),
    "teachers_now": ("现有教师", "teachers today"),
    "posts_needed_now": ("现状核定编制", "posts needed today"),
    "surplus_now": ("现状超编(+)/缺编(-)", "over (+) / under (−) the norm today"),
    "posts_needed": ("方案后核定编制", "posts needed after"),
    "teachers_employed": ("方案后在岗教师", "teachers employed after"),
    "posts_freed": ("可逐步核减", "posts freed"),
    "posts_to_fill": ("需补充", "posts to fill"),
    "route_id": ("线路", "route"),
    "stops": ("停靠村(按上车顺序)", "stops (pickup order)"),
    "route_minutes": ("首站至学校(分钟)", "first stop to school (min)"),
    "km": ("里程(公里)", "km"),
    "vehicles": ("车辆", "vehicles"),
    "bands": ("学段", "bands"),
}
_SEVERITY = {
    "hard": ("硬性问题", "hard"),
    "soft": ("未达标", "standard missed"),
    "confirm": ("待确认", "to confirm"),
}


def H(key: str, lang: str) -> str:
    """A column header."""
    pair = _H.get(key)
    if pair is None:
        return t(key, lang)
    return pair[0] if lang == "zh" else pair[1]


def metrics_table(evaluation, baseline=None, lang: str = "zh") -> pd.DataFrame:
    """Headline metrics: the plan, and the status quo with the change when ``baseline`` is given."""
    after = evaluation.summary_metrics()
    before = baseline.summary_metrics() if baseline is not None else None
    rows = []
    for key, (zh, en, _digits) in METRICS.items():
        if key not in after:
            continue
        row = {H("metric", lang): zh if lang == "zh" else en}
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


def band_table(evaluation, lang: str = "zh") -> pd.DataFrame:
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
    county, evaluation, recommendation=None, lang: str = "zh", changed_only: bool = False
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
        out["kind"] = [t(str(k), lang) for k in out["kind"]]
    if changed_only:
        out = out[acts.reindex(s.index.astype(str))["action"].to_numpy() != "keep"]
    out.index.name = H("school_id", lang)
    out.columns = [H(c, lang) for c in out.columns]
    return out.reset_index()


def violations_table(evaluation, lang: str = "zh", severity: str | None = None) -> pd.DataFrame:
    """Issues found (hard / standard missed / to confirm), optionally one severity."""
    f = evaluation.to_frame("violations")
    if severity is not None and len(f):
        f = f[f["severity"] == severity]
    msg = "message_zh" if lang == "zh" else "message_en"
    cols = ["severity", "code", "school_id", "village_id", msg]
    if not len(f):
        return pd.DataFrame(columns=[H(c if c != msg else "message", lang) for c in cols])
    out = f[cols].copy()
    out["severity"] = [_SEVERITY.get(s, (s, s))[0 if lang == "zh" else 1] for s in out["severity"]]
    out.columns = [H(c if c != msg else "message", lang) for c in cols]
    return out.reset_index(drop=True)


def balance_table(evaluation, lang: str = "zh") -> pd.DataFrame:
    """Quality-balance (优质均衡) indicators: county value vs standard, CV vs limit."""
    f = evaluation.to_frame("balance")
    if not len(f):
        return f
    out = pd.DataFrame(
        {
            H("stage", lang): [t("primary" if s == "primary" else "middle", lang) for s in f["stage"]],
            H("indicator", lang): f["zh"] if lang == "zh" else f["indicator"],
            H("standard", lang): f["standard"],
            H("county_value", lang): f["county_value"],
            H("cv", lang): f["cv"],
            H("limit", lang): f["limit"],
            H("pass", lang): f["pass"],
        }
    )
    return out


def costs_table(evaluation, lang: str = "zh") -> pd.DataFrame:
    """Annual and capital costs by item."""
    f = evaluation.to_frame("costs")
    kinds = {"annual": ("年度运行", "annual"), "capital": ("基建投入", "capital")}
    return pd.DataFrame(
        {
            H("kind_cost", lang): [kinds.get(k, (k, k))[0 if lang == "zh" else 1] for k in f["kind"]],
            H("item", lang): f["item"],
            H("yuan", lang): f["yuan"],
        }
    )


def staffing_table(evaluation, lang: str = "zh", changed_only: bool = False) -> pd.DataFrame:
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


def bus_routes_table(evaluation, lang: str = "zh") -> pd.DataFrame:
    """Every school-bus route of the plan: school, stops in pickup order, children, minutes, km, vehicles."""
    bus = evaluation.costs.get("bus_routes") if isinstance(evaluation.costs, dict) else None
    routes = getattr(bus, "routes", None)
    if routes is None or not len(routes):
        return pd.DataFrame()
    names = evaluation.schools["name"]
    r = routes.reset_index()
    out = pd.DataFrame({"route_id": r["route_id"], "school_id": r["school_id"],
                        "name": r["school_id"].map(names), "bands": r["bands"], "stops": r["stops"],
                        "children": r["children"], "route_minutes": r["minutes"].round(1), "km": r["km"].round(1),
                        "vehicles": r["vehicles"]})
    return out.rename(columns={c: H(c, lang) for c in out.columns})
