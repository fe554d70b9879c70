"""Reasons for every school, in Chinese and English, with every number taken from the evaluations.

Per school: its real pupils now and projected in the years checked; for a school that closes, merges or drops
grades, where each band of its pupils goes and how (school, mode, mean and longest trip), what the receiving school
becomes (pupils, classes, 班额, beds) and its share of the county's change in annual cost (the shares add up, see
:mod:`layout.recommend.money`); for a school that stays although it is small, the rule or the figure that kept it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["action_table", "ACTION_COLUMNS", "why_kept"]

ACTION_COLUMNS = ["school_id", "name", "action", "target", "beds", "seats", "saving_yuan", "holds_all",
                  "reasons_zh", "reasons_en"]
_BAND_ZH = {"g1_3": "1-3年级", "g4_6": "4-6年级", "g7_9": "7-9年级"}
_BAND_EN = {"g1_3": "grades 1-3", "g4_6": "grades 4-6", "g7_9": "grades 7-9"}
_MODE_ZH = {"walk": "步行", "bus": "乘校车", "board": "寄宿"}
_MODE_EN = {"walk": "walk", "bus": "by school bus", "board": "boarding"}
_CLASS_ZH = {"normal": "正常", "large": "偏大", "oversized": "大班额", "super_oversized": "超大班额"}


def _fmt(x, d: int = 1) -> str:
    return "—" if x is None or pd.isna(x) or not np.isfinite(float(x)) else f"{float(x):.{d}f}"


def _money(x: float) -> str:
    return f"{x / 1e4:,.1f}"


def _pupils_line(sid, baseline, futures) -> tuple[str, str]:
    now = baseline.schools.at[sid, "enrolment"] if sid in baseline.schools.index else 0
    parts_en, parts_zh = [f"{int(now)} pupils now"], [f"现有学生{int(now)}人"]
    for year, (_, base_y) in sorted(futures.items()):
        if year and sid in base_y.schools.index:
            n = int(base_y.schools.at[sid, "enrolment"])
            parts_en.append(f"{n} in {year} years")
            parts_zh.append(f"{year}年后{n}人")
    return ", ".join(parts_en), ",".join(parts_zh)


def _where_they_go(sid, ev, names) -> tuple[list[str], list[str]]:
    """One phrase per band and destination: how many, to which school, how, mean and longest trip."""
    mv = ev.allocation.moves
    mine = mv[mv["from_school"] == sid]
    en, zh = [], []
    for (band, to, mode), g in mine.groupby(["band", "to_school", "mode"], sort=True):
        n = int(g["children"].sum())
        if not to:
            en.append(f"{n} {_BAND_EN[band]} pupils find no place")
            zh.append(f"{_BAND_ZH[band]}{n}人无学位")
            continue
        mean = float(np.average(g["minutes"], weights=g["children"]))
        worst = float(g["minutes"].max())
        trip_en = (f"{_MODE_EN[mode]} {mean:.0f} min on average (longest {worst:.0f})" if mode != "board"
                   else f"boarding (trip home {mean:.0f} min on average)")
        trip_zh = (f"{_MODE_ZH[mode]}平均{mean:.0f}分钟(最长{worst:.0f}分钟)" if mode != "board"
                   else f"寄宿(周末回家平均{mean:.0f}分钟)")
        en.append(f"{n} {_BAND_EN[band]} pupils to {names.get(to, to)} {trip_en}")
        zh.append(f"{_BAND_ZH[band]}{n}人到{names.get(to, to)}{trip_zh}")
    return en, zh


def _receiver_line(to, ev, names) -> tuple[str, str]:
    t = ev.schools
    if to not in t.index:
        return "", ""
    r = t.loc[to]
    band = str(r["class_band"])
    beds = f", {int(r['boarders'])} boarders in {int(r['beds'])} beds" if r["beds"] > 0 else ""
    beds_zh = f",寄宿生{int(r['boarders'])}人、床位{int(r['beds'])}张" if r["beds"] > 0 else ""
    return (f"{names.get(to, to)} then has {int(r['enrolment'])} pupils in {int(r['classes'])} classes, "
            f"{_fmt(r['max_class_size'])} a class in its fullest grades ({band}){beds}",
            f"{names.get(to, to)}届时在校生{int(r['enrolment'])}人、{int(r['classes'])}个班,最满学段平均每班"
            f"{_fmt(r['max_class_size'])}人({_CLASS_ZH.get(band, band)}){beds_zh}")


def why_kept(model, sid: str, bands: tuple[str, ...] | None = None) -> tuple[str, str] | None:
    """Why the school model kept a school (or some of its bands) that could have closed: the rule (its children
    have nowhere else to go within the travel rule), protection, or the figures (closing it costs more than it
    saves)."""
    sites = model.sites
    if sid not in sites.index:
        return None
    if bool(sites.at[sid, "protected"]):
        return ("protected (应留必留): kept whatever the figures say", "应留必留(偏远或受保护学校),予以保留")
    if bool(sites.at[sid, "fixed"]):
        return ("large enough: kept as it is", "规模较大,保留")
    g = model.groups[(model.groups["home"] == sid)]
    if bands is not None:
        g = g[g["band"].isin(bands)]
    arcs = model.arcs
    stuck = []
    for gi, row in g.iterrows():
        alt = arcs[(arcs["group"] == gi) & (arcs["site_id"] != sid)]
        if alt.empty:
            stuck.append(row)
    if stuck:
        young = [r for r in stuck if r["band"] == "g1_3"]
        pick = young or stuck
        n = int(sum(r["children"] for r in pick))
        band = pick[0]["band"]
        villages = sorted({str(r["village_id"]) for r in pick})
        v = ", ".join(villages[:3]) + (" …" if len(villages) > 3 else "")
        return (f"the rule keeps it: {n} {_BAND_EN[band]} pupils (villages {v}) have no other school within the "
                "travel rule (walk or school bus within the limit; grades 1-3 do not board)",
                f"按通行规则保留:{_BAND_ZH[band]}{n}名学生(村:{v})在规定时限内(步行或乘校车)无其他学校可去")
    return ("kept: closing it would cost more (buses, boarding, beds, travel) than it saves (site, teachers)",
            "保留:撤并所增加的校车、寄宿、床位和通行成本高于所节省的场地和教师成本")


def action_table(county, plan, model, verified, baseline, futures: dict, robust: pd.DataFrame, shares: pd.DataFrame,
                 std) -> pd.DataFrame:
    """One row per school and action (``keep`` for a school with no change), with reasons in both languages.

    Parameters
    ----------
    county, plan
    model : SchoolModel
    verified : Verified
    baseline : Evaluation
    futures : dict
        ``year -> (plan evaluation, status quo evaluation)``.
    robust : DataFrame
        ``school_id, holds_all`` (from :func:`layout.recommend.robust.robustness`).
    shares : DataFrame
        From :func:`layout.recommend.money.cost_shares`.
    std : Standards

    Returns
    -------
    DataFrame
        Columns :data:`ACTION_COLUMNS`, sorted by school id then action.
    """
    ev = verified.evaluation
    names = plan.schools["name"].astype(str).to_dict()
    holds = dict(zip(robust["school_id"], robust["holds_all"], strict=True)) if len(robust) else {}
    share = shares["annual_total"] if len(shares) else pd.Series(dtype=float)
    capital = shares["capital_total"] if len(shares) else pd.Series(dtype=float)
    staff = shares["staffing"] if len(shares) else pd.Series(dtype=float)
    salary = float(std.get("staffing.salary_per_post_yuan"))
    by_action: dict[str, list] = {}
    for a in plan.actions:
        sid = getattr(a, "school", None) or getattr(a, "from_", None) or getattr(a, "id", None)
        if a.keyword == "move":
            continue
        by_action.setdefault(str(sid), []).append(a)
    rows = []
    for sid in sorted(plan.schools.index):
        acts = by_action.get(sid, [])
        pupils_en, pupils_zh = _pupils_line(sid, baseline, futures) if sid in baseline.schools.index else ("", "")
        saving = -float(share.get(sid, 0.0))
        posts = -float(staff.get(sid, 0.0)) / salary          # posts the action frees (negative: adds)
        posts_en = (f" ({abs(posts):.0f} teacher posts {'fewer' if posts > 0 else 'more'})"
                    if round(abs(posts)) else "")
        posts_zh = (f"(教师编制{'减少' if posts > 0 else '增加'}{abs(posts):.0f}个)" if round(abs(posts)) else "")
        money_en = (f"its share of the county's annual cost: {'saves' if saving >= 0 else 'adds'} "
                    f"{_money(abs(saving))} ×10k yuan a year{posts_en}"
                    + (f", capital {_money(float(capital.get(sid, 0.0)))} ×10k yuan" if capital.get(sid) else ""))
        money_zh = (f"占全县年度经费变化:{'节省' if saving >= 0 else '增加'}{_money(abs(saving))}万元/年{posts_zh}"
                    + (f",一次性投入{_money(float(capital.get(sid, 0.0)))}万元" if capital.get(sid) else ""))
        if not acts:
            kept = why_kept(model, sid) if sid in county.schools.index and bool(
                baseline.schools.at[sid, "small_school"]) else None
            en = f"keep: {pupils_en}." + (f" {kept[0]}." if kept else "")
            zh = f"保留:{pupils_zh}。" + (f"{kept[1]}。" if kept else "")
            rows.append(_row(sid, "keep", None, 0, 0, 0.0, True, zh, en))
            continue
        for a in acts:
            kw = a.keyword
            if kw in ("merge", "close"):
                to = getattr(a, "into", None)
                go_en, go_zh = _where_they_go(sid, ev, names)
                rec_en, rec_zh = _receiver_line(to, ev, names) if to else ("", "")
                en = (f"{'merge into ' + names.get(to, to) if to else 'close'}: {pupils_en}. "
                      + ("; ".join(go_en) + ". " if go_en else "") + (rec_en + ". " if rec_en else "")
                      + money_en + ".")
                zh = (f"{'并入' + names.get(to, to) if to else '撤销'}:{pupils_zh}。"
                      + (";".join(go_zh) + "。" if go_zh else "") + (rec_zh + "。" if rec_zh else "")
                      + money_zh + "。")
                rows.append(_row(sid, kw, to, 0, 0, saving, holds.get(sid, True), zh, en))
            elif kw == "downgrade":
                go_en, go_zh = _where_they_go(sid, ev, names)
                which = a.grades
                lo, hi = (int(x) for x in which.split("-"))
                kept = why_kept(model, sid, tuple(b for b, (x, y) in std.bands.items() if lo <= x and y <= hi))
                en = (f"keep grades {which} only: {pupils_en}. " + ("; ".join(go_en) + ". " if go_en else "")
                      + (f"Grades {which} stay: {kept[0]}. " if kept else "") + money_en + ".")
                zh = (f"仅保留{which}年级:{pupils_zh}。" + (";".join(go_zh) + "。" if go_zh else "")
                      + (f"保留{which}年级的原因:{kept[1]}。" if kept else "") + money_zh + "。")
                rows.append(_row(sid, "downgrade", which, 0, 0, saving, holds.get(sid, True), zh, en))
            elif kw == "open":
                t = ev.schools.loc[sid]
                mv = ev.allocation.moves
                came = mv[mv["to_school"] == sid].groupby("from_school")["children"].sum()
                src_en = ", ".join(f"{names.get(k, k)} ({int(n)})" for k, n in came.items() if k)
                src_zh = "、".join(f"{names.get(k, k)}({int(n)}人)" for k, n in came.items() if k)
                prem = getattr(a, "premises_of", None)
                where_en = f" in the buildings of {names.get(prem, prem)} (no site works)" if prem else ""
                where_zh = f",利用{names.get(prem, prem)}校舍(无需新建校舍)" if prem else ""
                en = (f"open {a.name}{where_en}: {int(t['enrolment'])} pupils in {int(t['classes'])} classes, "
                      f"{_fmt(t['max_class_size'])} a class, {int(t['beds'])} beds; from {src_en or 'no school'}. "
                      f"{money_en}.")
                zh = (f"新设{a.name}{where_zh}:在校生{int(t['enrolment'])}人、{int(t['classes'])}个班,平均每班"
                      f"{_fmt(t['max_class_size'])}人,床位{int(t['beds'])}张;学生来自{src_zh or '—'}。{money_zh}。")
                rows.append(_row(sid, "open", None, int(a.beds), int(a.seats), saving, holds.get(sid, True), zh, en))
            elif kw == "expand":
                t = ev.schools.loc[sid]
                en = (f"build classrooms for {a.seats} more {a.band or ''} pupils before the merges (build first, "
                      f"close after): {_fmt(t['max_class_size'])} a class after, within the standard.")
                zh = (f"先建后撤:扩建{a.seats}个{_BAND_ZH.get(a.band, '')}学位,接收后最满学段平均每班"
                      f"{_fmt(t['max_class_size'])}人,不超过标准班额。")
                rows.append(_row(sid, "expand", a.band, 0, int(a.seats), 0.0, True, zh, en))
            elif kw in ("add_boarding", "designate_boarding"):
                t = ev.schools.loc[sid]
                town = str(plan.schools.at[sid, "township"])
                canteen = " and a canteen" if getattr(a, "canteen", False) and not bool(
                    county.schools.at[sid, "canteen"]) else ""
                canteen_zh = "及食堂" if canteen else ""
                en = (f"boarding school for {town}: {int(t['boarders'])} boarders in {int(t['beds'])} beds "
                      f"(build {int(getattr(a, 'beds', 0))} beds{canteen} first).")
                zh = (f"作为{town}寄宿制学校:寄宿生{int(t['boarders'])}人、床位{int(t['beds'])}张"
                      f"(先新建床位{int(getattr(a, 'beds', 0))}张{canteen_zh})。")
                rows.append(_row(sid, kw, None, int(getattr(a, "beds", 0)), 0, 0.0, True, zh, en))
    out = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c != "name"])
    out.insert(1, "name", out["school_id"].map(names))
    return out[ACTION_COLUMNS].astype({"school_id": object, "action": object, "target": object}).reset_index(drop=True)


def _row(sid, action, target, beds, seats, saving, holds, zh, en) -> dict:
    return {"school_id": sid, "action": action, "target": target, "beds": int(beds), "seats": int(seats),
            "saving_yuan": float(saving), "holds_all": bool(holds), "reasons_zh": zh, "reasons_en": en}
