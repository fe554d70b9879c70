"""Reasons for every action, in plain Chinese and English, with every number taken from the evaluations."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["action_table", "ACTION_COLUMNS"]

ACTION_COLUMNS = ["school_id", "name", "action", "target", "beds", "seats", "holds_all", "reasons_zh",
                  "reasons_en"]
_BAND_NAME_ZH = {"normal": "正常", "large": "偏大", "oversized": "大班额", "super_oversized": "超大班额"}
_ACTION_ZH = {"keep": "保留", "merge": "撤并", "downgrade": "改为教学点(1-3年级)", "add_boarding": "建设寄宿",
              "designate_boarding": "指定寄宿", "expand": "扩建", "open": "新设教学点"}


def _trip(ev, groups) -> tuple[float, float, int]:
    """Mean and worst one-way minutes (day pupils) and children, for the given (village, band) groups."""
    a = ev.allocation.assignments
    if not groups:
        return float("nan"), float("nan"), 0
    key = pd.MultiIndex.from_frame(a[["village_id", "band"]])
    sel = a[key.isin(list(groups)) & (a["mode"] != "board")]
    n = int(sel["children"].sum())
    if n == 0:
        return float("nan"), float("nan"), 0
    return float(np.average(sel["minutes"], weights=sel["children"])), float(sel["minutes"].max()), n


def _fmt(x: float | None, d: int = 1) -> str:
    return "—" if x is None or pd.isna(x) or not np.isfinite(float(x)) else f"{float(x):.{d}f}"


def _common(sid, baseline, future, horizon) -> tuple[str, str]:
    t = baseline.schools
    now = int(t.at[sid, "enrolment"])
    fut = int(future.schools.at[sid, "enrolment"]) if sid in future.schools.index else now
    util = float(t.at[sid, "utilisation"]) if pd.notna(t.at[sid, "utilisation"]) else float("nan")
    en = f"{now} pupils now, {fut} expected in {horizon} years; seats used {_fmt(util * 100, 0)} %"
    zh = f"现有学生{now}人,预计{horizon}年后{fut}人;学位使用率{_fmt(util * 100, 0)}%"
    return en, zh


def action_table(county, plan, moves, sites, expansions, baseline, ev, robust, robust_evals, std,
                 horizon: int) -> pd.DataFrame:
    """One row per action (a school with no change gets ``keep``), with reasons in both languages.

    Returns
    -------
    DataFrame
        Columns :data:`ACTION_COLUMNS`, sorted by school id then action.
    """
    future = robust_evals[max(robust_evals)][1]
    walk_limit = std.walk_limit("g1_3")
    base_cost = float(baseline.costs["annual"]["total"])
    plan_cost = float(ev.costs["annual"]["total"])
    cv0 = baseline.balance["quality"]["primary"]["mean_cv"]
    cv1 = ev.balance["quality"]["primary"]["mean_cv"]
    by_school_cost = baseline.costs["by_school"]["annual_total"]
    holds = {(r.school_id, r.action): bool(r.holds_all) for r in robust.itertuples(index=False)}
    names = plan.schools["name"].astype(str)
    t1 = ev.schools
    rows = []
    active = {m.school: m for m in moves if m.active}
    withdrawn = {m.school: m for m in moves if not m.active}
    site_of = {b.school: b for b in sites}
    for sid in sorted(plan.schools.index):
        en0, zh0 = _common(sid, baseline, future, horizon) if sid in baseline.schools.index else ("", "")
        m = active.get(sid)
        if m is not None:
            before = _trip(baseline, m.catchment)
            after = _trip(ev, m.catchment)
            young = [(v, b) for v, b in m.catchment if b == "g1_3"]
            y_after = _trip(ev, young)
            saving = float(by_school_cost.get(sid, 0.0))
            if m.action == "merge":
                into = m.into
                size = float(t1.at[into, "max_class_size"])
                limit = int(t1.at[into, "class_limit"])
                trip_en = (f"Its {after[2]} day pupils travel {_fmt(before[0])} min on average today and "
                           f"{_fmt(after[0])} min after (worst {_fmt(after[1])}); grades 1-3 walk at most "
                           f"{_fmt(y_after[1])} min (limit {walk_limit:g})." if after[2] else
                           "No child is allocated to it today: nearer schools already serve its villages.")
                trip_zh = (f"受影响的{after[2]}名走读学生平均单程由{_fmt(before[0])}分钟变为{_fmt(after[0])}分钟"
                           f"(最远{_fmt(after[1])}分钟);1-3年级步行最远{_fmt(y_after[1])}分钟(上限{walk_limit:g}分钟)。"
                           if after[2] else "现状无学生就读:其所在村已由更近的学校服务。")
                band_zh = std.class_band(size) if np.isfinite(size) else "normal"
                en = (f"merge into {into} ({names[into]}): {en0}. {trip_en} {names[into]} then "
                      f"has {size:.0f} pupils per class (limit {limit}, {band_zh}), no new 大班额. The site's annual cost "
                      f"{saving:,.0f} yuan ends; county annual cost {base_cost:,.0f} → {plan_cost:,.0f} yuan; primary "
                      f"mean CV {_fmt(cv0, 3)} → {_fmt(cv1, 3)}. Teachers and equipment move to {into}.")
                zh = (f"并入{names[into]}({into}):{zh0}。{trip_zh}{names[into]}平均每班{size:.0f}人(标准{limit}人,"
                      f"{_BAND_NAME_ZH.get(band_zh, band_zh)}),不新增大班额。"
                      f"节省该校年度运行费{saving:,.0f}元;全县年度成本{base_cost:,.0f}→{plan_cost:,.0f}元;"
                      f"小学平均差异系数{_fmt(cv0, 3)}→{_fmt(cv1, 3)}。教师和设备随迁至{names[into]}。")
                target = into
            else:
                older = [(v, b) for v, b in m.catchment if b != "g1_3"]
                o_after = _trip(ev, older)
                en = (f"keep as a teaching point for grades 1-3: {en0}. Its youngest pupils could not walk to another "
                      f"school within {walk_limit:g} min; its grade 4-6 pupils go to larger schools "
                      f"({_fmt(o_after[0])} min on average, worst {_fmt(o_after[1])}).")
                zh = (f"保留为1-3年级教学点:{zh0}。低年级学生{walk_limit:g}分钟内无法步行到其他学校;"
                      f"4-6年级学生转入规模较大的学校(平均单程{_fmt(o_after[0])}分钟,最远{_fmt(o_after[1])}分钟)。")
                target = "1-3"
            if not holds.get((sid, m.action), True):
                en += f" Check again: projected enrolment breaks a rule within {horizon} years."
                zh += f" 注意:按{horizon}年内预测学生数会违反规则,需复核。"
            rows.append({"school_id": sid, "action": m.action, "target": target, "beds": 0, "seats": 0,
                         "holds_all": holds.get((sid, m.action), True), "reasons_en": en, "reasons_zh": zh})
        if sid in expansions and expansions[sid] > 0:
            seats = int(expansions[sid])
            takers = sorted(x.school for x in active.values() if x.into == sid)
            en = (f"expand by {seats} seats ({seats // std.standard_class_size('primary')} classrooms) before taking "
                  f"in the pupils of {', '.join(takers) or 'other schools'}, so classes stay within "
                  f"{int(t1.at[sid, 'class_limit'])} (now {float(t1.at[sid, 'max_class_size']):.0f} per class): {en0}.")
            zh = (f"扩建{seats}个学位,先建后撤,接收{'、'.join(takers) or '其他学校'}的学生后平均每班"
                  f"{float(t1.at[sid, 'max_class_size']):.0f}人(标准{int(t1.at[sid, 'class_limit'])}人):{zh0}。")
            rows.append({"school_id": sid, "action": "expand", "target": None, "beds": 0, "seats": seats,
                         "holds_all": True, "reasons_en": en, "reasons_zh": zh})
        b = site_of.get(sid)
        if b is not None:
            from layout.recommend.boarding import beds_for

            beds = beds_for(b)
            act = "add_boarding" if beds > 0 else "designate_boarding"
            canteen_en = " and a canteen" if b.canteen_needed else ""
            canteen_zh = "及食堂" if b.canteen_needed else ""
            en = (f"boarding school for {b.township}: {b.children} children of grades 4-9 from {len(b.villages)} "
                  f"villages live beyond the walking and bus limits; {b.beds_now} beds now, build {beds}{canteen_en}"
                  f" (demand + {int(float(std.get('recommend.bed_margin')) * 100)} % margin); their trip home "
                  f"averages {_fmt(b.weekly_minutes)} min. Chosen for the least weekly travel and building cost.")
            zh = (f"作为{b.township}寄宿制学校:{len(b.villages)}个村的{b.children}名4-9年级学生超出步行和校车时限;"
                  f"现有床位{b.beds_now}张,新建{beds}张{canteen_zh}(需求另加"
                  f"{int(float(std.get('recommend.bed_margin')) * 100)}%余量);周末往返单程平均{_fmt(b.weekly_minutes)}分钟。"
                  "按每周通行时间和建设成本最小选定。")
            rows.append({"school_id": sid, "action": act, "target": None, "beds": beds, "seats": 0,
                         "holds_all": holds.get((sid, "boarding"), True), "reasons_en": en, "reasons_zh": zh})
        if bool(plan.schools.at[sid, "is_new"]):
            a = ev.allocation.assignments
            mine = a[a["school_id"] == sid]
            n = int(mine["children"].sum())
            mean = float(np.average(mine["minutes"], weights=mine["children"])) if n else float("nan")
            seats = int(plan.schools.at[sid, "seats"])
            before_un = int(baseline.allocation.unserved["children"].sum())
            after_un = int(ev.allocation.unserved["children"].sum())
            en = (f"open a teaching point for grades 1-3 ({seats} seats): {n} young children of "
                  f"{mine['village_id'].nunique()} villages have no school within {walk_limit:g} minutes' walk today "
                  f"and walk {_fmt(mean)} min on average to it; children without a place in the county "
                  f"{before_un} → {after_un}. Site: the weighted centre of the pocket (survey it on the ground).")
            zh = (f"新设1-3年级教学点({seats}个学位):{mine['village_id'].nunique()}个村的{n}名低年级学生现状"
                  f"{walk_limit:g}分钟步行范围内无学校,新点平均步行{_fmt(mean)}分钟;全县无学位学生{before_un}→{after_un}人。"
                  "选址为该片区按学生数加权的中心村(需实地踏勘)。")
            rows.append({"school_id": sid, "action": "open", "target": None, "beds": 0, "seats": seats,
                         "holds_all": holds.get((sid, "open"), True), "reasons_en": en, "reasons_zh": zh})
        if not any(r["school_id"] == sid for r in rows):
            w = withdrawn.get(sid)
            if w is not None and w.notes:
                en, zh = f"{w.notes[-1][0]}; {en0}.", f"{w.notes[-1][1]};{zh0}。"
            else:
                small = sid in baseline.schools.index and bool(baseline.schools.at[sid, "small_school"])
                remote = bool(plan.schools.at[sid, "remote"]) if "remote" in plan.schools else False
                why_en = ("remote: kept so nearby children need not travel far" if remote else
                          "needed so grades 1-3 can walk to a school within the limit" if small else
                          "large enough and within the rules")
                why_zh = ("偏远学校:保留以免学生长途上学" if remote else
                          "保留以保证1-3年级就近步行入学" if small else "规模适当,符合规定")
                en, zh = f"keep ({why_en}): {en0}.", f"保留({why_zh}):{zh0}。"
            rows.append({"school_id": sid, "action": "keep", "target": None, "beds": 0, "seats": 0,
                         "holds_all": True, "reasons_en": en, "reasons_zh": zh})
    out = pd.DataFrame(rows)
    out["name"] = out["school_id"].map(names)
    out = out[ACTION_COLUMNS]
    return out.astype({"school_id": object, "action": object, "target": object}).reset_index(drop=True)
