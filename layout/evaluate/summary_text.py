"""The readable terminal summary of an evaluation, in Chinese or English."""

from __future__ import annotations

from layout.i18n import pad
from layout.schema import BANDS

__all__ = ["format_evaluation"]

_T = {
    "title": ("方案评估", "Evaluation of"),
    "year": ("年份", "year"),
    "estimate": ("注意:通行时间为直线距离估算(无路网),仅供参考",
                 "NOTE: travel times are straight-line estimates (no road network) — an estimate"),
    "children": ("适龄儿童", "children"),
    "assigned": ("已安排", "placed"),
    "unserved": ("无学位", "unserved"),
    "schools": ("学校:开办 {o},撤并 {c},新建 {n}", "schools: {o} open, {c} closed, {n} new"),
    "band": ("学段", "band"),
    "mean": ("平均(分)", "mean min"),
    "p90": ("90%(分)", "p90 min"),
    "max": ("最长(分)", "max min"),
    "within": ("≤{b}分钟", "≤{b} min"),
    "walk": ("步行", "walk"),
    "bus": ("校车", "bus"),
    "board": ("寄宿", "board"),
    "classes": ("大班额学校 {o} 所;小规模学校 {s} 所", "schools with 大班额: {o}; small schools (<100): {s}"),
    "balance": ("优质均衡差异系数 {st}:平均 {cv},{ok}", "quality-balance CV {st}: mean {cv}, {ok}"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "na": ("无数据", "no data"),
    "costs": ("年度经费 {a} 万元;一次性投入 {c} 万元", "annual cost {a} ×10k yuan; capital {c} ×10k yuan"),
    "violations": ("问题:硬性 {h}(新增 {hn},现状已有 {he}),一般 {s}(新增 {sn}),待确认 {c}",
                   "violations: hard {h} ({hn} new, {he} existing today), soft {s} ({sn} new), to confirm {c}"),
    "resolved": ("方案解决现状问题:硬性 {h},一般 {s}", "resolved today's violations: hard {h}, soft {s}"),
    "moved": ("调整就读学生 {n} 人", "children moved by the plan: {n}"),
    "staffing": ("教师:现有 {t},核定编制需 {p};方案后在岗 {e},可逐步核减 {f},需补充 {a}",
                 "teachers: {t} today, {p} posts needed by the norms; after the plan {e} employed, {f} posts freed "
                 "by attrition, {a} to fill"),
    "compare": ("与现状相比:无学位 {u:+d},7-9年级平均 {m:+.1f} 分钟,年度经费 {a:+.1f} 万元,新增问题:硬性 {h},一般 {s}",
                "vs today: unserved {u:+d}, grades 7-9 mean {m:+.1f} min, annual cost {a:+.1f} ×10k yuan, new "
                "violations: hard {h}, soft {s}"),
    "new": ("[新增]", "[new]"),
    "existing": ("[现状]", "[existing]"),
    "hard": ("硬性", "hard"),
    "soft": ("一般", "soft"),
    "primary": ("小学", "primary"),
    "middle": ("初中", "middle"),
}
_BANDS = {"g1_3": ("1-3年级", "grades 1-3"), "g4_6": ("4-6年级", "grades 4-6"), "g7_9": ("7-9年级", "grades 7-9")}


def _t(key: str, lang: str) -> str:
    return _T[key][0 if lang == "zh" else 1]


def _num(v, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _headline_bin(d: dict) -> int | None:
    """The report bin shown as "≤N min": the grades 1-3 walk limit when it is a bin, else the required 30."""
    from layout.standards.rules import REQUIRED_REPORT_BINS

    bins = sorted(int(k[7:]) for k in d if k.startswith("within_") and k[7:].isdigit())
    limit = d.get("walk_limit_minutes")
    for b in (limit, *REQUIRED_REPORT_BINS):
        if b is not None and float(b).is_integer() and int(b) in bins:
            return int(b)
    return bins[len(bins) // 2] if bins else None


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def format_evaluation(ev, lang: str = "zh", max_violations: int = 12, baseline=None) -> str:
    """Format an :class:`~layout.evaluate.Evaluation` as plain text.

    Parameters
    ----------
    ev : Evaluation
    lang : str
        ``zh`` or ``en``.
    max_violations : int
        Hard and soft violations listed (the rest are counted).
    baseline : Evaluation, optional
        Today's layout: adds a line of changes, lists the plan's new violations first and marks the others.

    Returns
    -------
    str
    """
    m = ev.summary_metrics()
    zh = lang == "zh"
    lines = [f"{_t('title', lang)} {ev.plan_name}" + ((f"({_t('year', lang)} +{ev.year})" if zh else f" ({_t('year', lang)} +{ev.year})") if ev.year else "")]
    if ev.estimated:
        lines.append(_t("estimate", lang))
    lines.append(f"{_t('children', lang)} {ev.students_total} · {_t('assigned', lang)} {ev.students_assigned} · "
                 f"{_t('unserved', lang)} {ev.students_unserved}")
    lines.append(_t("schools", lang).format(o=m["schools_open"], c=m["schools_closed"], n=m["schools_new"]))
    cols = [("band", 10), ("mean", 10), ("p90", 10), ("max", 10), ("within", 9), ("walk", 7), ("bus", 7),
            ("board", 7), ("unserved", 7)]
    hb = _headline_bin(ev.by_band["g1_3"])
    lines.append("  ".join(pad(_t(k, lang).format(b="-" if hb is None else hb), w) for k, w in cols))
    for b in BANDS:
        d = ev.by_band[b]
        vals = [_BANDS[b][0 if zh else 1], _num(d["mean_minutes"]), _num(d["p90_minutes"]), _num(d["max_minutes"]),
                _pct(d.get(f"within_{hb}")), str(d["walk"]), str(d["bus"]), str(d["board"]), str(d["unserved"])]
        lines.append("  ".join(pad(v, w) for v, (_, w) in zip(vals, cols, strict=True)))
    lines.append(_t("classes", lang).format(o=m["oversized_class_schools"], s=m["small_schools"]))
    for st in ("primary", "middle"):
        q = ev.balance["quality"][st]
        ok = _t("na", lang) if q["pass"] is None else _t("pass" if q["pass"] else "fail", lang)
        lines.append(_t("balance", lang).format(st=_t(st, lang), cv=_num(q["mean_cv"], 3), ok=ok))
    lines.append(_t("costs", lang).format(a=_num(m["annual_cost"] / 1e4, 1), c=_num(m["capital_cost"] / 1e4, 1)))
    st = ev.costs.get("staffing") or {}
    if st:
        lines.append(_t("staffing", lang).format(t=_num(st["teachers_now"], 0), p=_num(st["posts_needed_now"], 0),
                                                 e=_num(st["teachers_employed"], 0), f=_num(st["posts_freed"], 0),
                                                 a=_num(st["posts_to_fill"], 0)))
    if ev.students_moved:
        lines.append(_t("moved", lang).format(n=ev.students_moved))
    c, n = ev.violation_counts(), ev.violation_counts("new")
    lines.append(_t("violations", lang).format(h=c["hard"], hn=n["hard"], he=c["hard"] - n["hard"], s=c["soft"],
                                               sn=n["soft"], c=c["confirm"]))
    if ev.resolved:
        lines.append(_t("resolved", lang).format(h=sum(v.severity == "hard" for v in ev.resolved),
                                                 s=sum(v.severity == "soft" for v in ev.resolved)))
    if baseline is not None:
        d = ev.compare(baseline)
        lines.append(_t("compare", lang).format(u=int(d.get("students_unserved", 0)),
                                                m=float(d.get("g7_9_mean_minutes") or 0.0),
                                                a=float(d.get("annual_cost", 0.0)) / 1e4,
                                                h=d["new_violations_hard"], s=d["new_violations_soft"]))
    listed = [v for v in ev.violations if v.severity != "confirm"]
    listed = [v for v in listed if v.status == "new"] + [v for v in listed if v.status != "new"]
    shown = listed[:max_violations]
    for v in shown:
        sev = _t(v.severity, lang) if v.severity in _T else v.severity
        mark = _t("new", lang) if v.status == "new" else _t("existing", lang)
        lines.append(f"  {mark}[{sev}] " + (v.message_zh if zh else v.message_en))
    rest = len(listed) - len(shown)
    if rest > 0:
        lines.append(f"  … {rest}" + (" 项未列出(见 evaluation.json)" if zh else " more (see evaluation.json)"))
    return "\n".join(lines)
