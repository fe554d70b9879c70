"""The readable terminal summary of an evaluation, in Chinese or English."""

from __future__ import annotations

from layout.i18n import DEFAULT_LANG, pad, plan_title, t, term
from layout.schema import BANDS

__all__ = ["format_evaluation"]

def _t(key: str, lang: str, **fields) -> str:
    return t(f"summary.{key}", lang, **fields)


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


def format_evaluation(ev, lang: str = DEFAULT_LANG, max_violations: int = 12, baseline=None) -> str:
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
    name = plan_title(ev.plan_name, lang)
    lines = [_t("title_year", lang, plan=name, year=ev.year) if ev.year else _t("title", lang, plan=name)]
    if ev.estimated:
        lines.append(_t("estimate", lang))
    lines.append(_t("children", lang, total=ev.students_total, assigned=ev.students_assigned,
                    unserved=ev.students_unserved))
    lines.append(_t("schools", lang, o=m["schools_open"], c=m["schools_closed"], n=m["schools_new"]))
    cols = [("band", 10), ("mean", 10), ("p90", 10), ("max", 10), ("within", 9), ("walk", 7), ("bus", 7),
            ("board", 7), ("unserved", 7)]
    hb = _headline_bin(ev.by_band["g1_3"])
    lines.append("  ".join(pad(_t(k, lang, b="-" if hb is None else hb) if k == "within" else _t(k, lang), w)
                           for k, w in cols))
    for b in BANDS:
        d = ev.by_band[b]
        vals = [term("band", b, lang), _num(d["mean_minutes"]), _num(d["p90_minutes"]), _num(d["max_minutes"]),
                _pct(d.get(f"within_{hb}")), str(d["walk"]), str(d["bus"]), str(d["board"]), str(d["unserved"])]
        lines.append("  ".join(pad(v, w) for v, (_, w) in zip(vals, cols, strict=True)))
    lines.append(_t("classes", lang, o=m["oversized_class_schools"], s=m["small_schools"]))
    for st in ("primary", "middle"):
        q = ev.balance["quality"][st]
        ok = _t("na", lang) if q["pass"] is None else _t("pass" if q["pass"] else "fail", lang)
        lines.append(_t("balance", lang, st=term("stage", st, lang), cv=_num(q["mean_cv"], 3), ok=ok))
    lines.append(_t("costs", lang, a=_num(m["annual_cost"] / 1e4, 1), c=_num(m["capital_cost"] / 1e4, 1)))
    st = ev.costs.get("staffing") or {}
    if st:
        lines.append(_t("staffing", lang, t=_num(st["teachers_now"], 0), p=_num(st["posts_needed_now"], 0),
                                                 e=_num(st["teachers_employed"], 0), f=_num(st["posts_freed"], 0),
                                                 a=_num(st["posts_to_fill"], 0)))
    if ev.students_moved:
        lines.append(_t("moved", lang, n=ev.students_moved))
    c, n = ev.violation_counts(), ev.violation_counts("new")
    lines.append(_t("violations", lang, h=c["hard"], hn=n["hard"], he=c["hard"] - n["hard"], s=c["soft"],
                                               sn=n["soft"], c=c["confirm"]))
    if ev.resolved:
        lines.append(_t("resolved", lang, h=sum(v.severity == "hard" for v in ev.resolved),
                                                 s=sum(v.severity == "soft" for v in ev.resolved)))
    if baseline is not None:
        d = ev.compare(baseline)
        lines.append(_t("compare", lang, u=f"{int(d.get('students_unserved', 0)):+d}",
                        m=f"{float(d.get('g7_9_mean_minutes') or 0.0):+.1f}",
                        a=f"{float(d.get('annual_cost', 0.0)) / 1e4:+.1f}",
                        h=d["new_violations_hard"], s=d["new_violations_soft"]))
    listed = [v for v in ev.violations if v.severity != "confirm"]
    listed = [v for v in listed if v.status == "new"] + [v for v in listed if v.status != "new"]
    shown = listed[:max_violations]
    for v in shown:
        mark = term("mark", "new" if v.status == "new" else "existing", lang)
        lines.append(_t("line", lang, mark=mark, severity=term("severity_short", v.severity, lang),
                        message=v.message_zh if zh else v.message_en))
    rest = len(listed) - len(shown)
    if rest > 0:
        lines.append(_t("more", lang, n=rest))
    return "\n".join(lines)
