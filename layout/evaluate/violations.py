"""Policy violations of a plan, each with a severity, the school or village, and the reason in English and Chinese.

Severities:

* ``hard`` — a rule is broken: grades 1–3 beyond the walking limit, children left without a place, boarders
  where there is no canteen, a closure whose pupils find no seat or bed (先建后撤: build first, close after),
  a new 大班额 / 超大班额 or a school over the size cap the plan creates;
* ``soft`` — a standard is missed: classes over the class-size limit, a 大班额 that exists already, a balance CV
  over its limit, a school failing the 6-of-7 rule, a boarding school without beds;
* ``confirm`` — a manual check the tool cannot know: the study, notice, hearing, parents' consent, approval and
  travel safety of every closure and every school that drops grades (国办发〔2012〕48号), housing and safety
  for primary boarders, split
  catchments, straight-line travel estimates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from layout.evaluate.schools import band_severity
from layout.schema import BANDS

__all__ = ["Violation", "find_violations", "SEVERITIES"]

SEVERITIES = ("hard", "soft", "confirm")
_BAND_ZH = {"g1_3": "1-3年级", "g4_6": "4-6年级", "g7_9": "7-9年级"}
_BAND_EN = {"g1_3": "grades 1-3", "g4_6": "grades 4-6", "g7_9": "grades 7-9"}


@dataclass(frozen=True)
class Violation:
    """One problem of a plan.

    Parameters
    ----------
    severity : str
        ``hard``, ``soft`` or ``confirm``.
    code : str
        Stable machine name, e.g. ``g1_3_beyond_walk_limit``.
    message_en, message_zh : str
        The reason, for people.
    school_id, village_id, band : str or None
        What it is about.
    children : int or None
        Children concerned.
    value, limit : float or None
        The measured value and the standard it misses.
    """

    severity: str
    code: str
    message_en: str
    message_zh: str
    school_id: str | None = None
    village_id: str | None = None
    band: str | None = None
    children: int | None = None
    value: float | None = None
    limit: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _closure_catchments(county, plan, walk) -> dict[str, list[tuple[str, str]]]:
    """For each closed school: the (village, band) groups for which it is today's nearest school of that band."""
    if walk is None:
        return {}
    std = county.standards
    s = county.schools
    closed = [c for c in plan.closed_schools if c in s.index]
    if not closed:
        return {}
    out: dict[str, list[tuple[str, str]]] = {c: [] for c in closed}
    ids = [i for i in s.index if i in walk.school_ids]
    mins = walk.minutes.reindex(columns=ids)
    for band in BANDS:
        lo, hi = std.bands[band]
        sub = s.loc[ids]
        teach = list(sub.index[(sub["grade_lo"] <= lo) & (sub["grade_hi"] >= hi)])
        if not teach:
            continue
        m = mins[teach]
        arr = m.to_numpy(dtype=float)
        reachable = np.isfinite(arr).any(axis=1)
        nearest = np.asarray(teach, dtype=object)[np.argmin(np.where(np.isnan(arr), np.inf, arr), axis=1)]
        for vid, sid, ok in zip(m.index, nearest, reachable, strict=True):
            if ok and sid in out:
                out[sid].append((str(vid), band))
    return out


def find_violations(county, plan, allocation, schools_table: pd.DataFrame, balance: dict, standards,
                    walk=None) -> list[Violation]:
    """All hard, soft and to-confirm findings of a plan.

    Parameters
    ----------
    county, plan, allocation
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table`.
    balance : dict
        ``{"quality": ..., "basic": ...}`` from :mod:`layout.evaluate.balance`.
    standards : Standards
    walk : TravelMatrix, optional
        Walking times including the closed schools, to name the closures behind a finding.

    Returns
    -------
    list of Violation
        Hard first, then soft, then to confirm.
    """
    out: list[Violation] = []
    std = standards
    t = schools_table
    un = allocation.unserved
    vnames = county.villages["name"].astype(str) if "name" in county.villages else pd.Series(dtype=str)
    closed_status_quo = [c for c in plan.closed_schools if c in county.schools.index]

    # --- children without a place -------------------------------------------------------------------------
    limit = std.walk_limit("g1_3")
    near_closed: dict[str, list[str]] = {}  # village -> closed schools that were within the walk limit
    if walk is not None:
        cols = [c for c in closed_status_quo if c in walk.school_ids]
        rows = [v for v in pd.unique(un.loc[un["band"] == "g1_3", "village_id"]) if v in walk.village_ids]
        if cols and rows:
            within = walk.minutes.loc[rows, cols].to_numpy() <= limit
            near_closed = {v: [c for c, ok in zip(cols, within[i], strict=True) if ok] for i, v in enumerate(rows)}
    for r in un.itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        if r.band == "g1_3" and r.reason == "beyond_walk_limit":
            near = near_closed.get(r.village_id, [])
            after_en = f" after closing {', '.join(near)}" if near else ""
            after_zh = f"(因撤并 {'、'.join(near)})" if near else ""
            out.append(Violation(
                "hard", "g1_3_beyond_walk_limit",
                f"{r.children} grade 1-3 children of {vname} have no school within {limit:g} minutes' walk{after_en}",
                f"{vname}有{r.children}名1-3年级学生步行{limit:g}分钟内无学校{after_zh}",
                village_id=r.village_id, band=r.band, children=int(r.children), limit=limit))
        else:
            out.append(Violation(
                "hard", "unserved", f"{r.children} {_BAND_EN[r.band]} children of {vname} without a place: "
                f"{r.message_en}", f"{vname}有{r.children}名{_BAND_ZH[r.band]}学生无学位:{r.message_zh}",
                village_id=r.village_id, band=r.band, children=int(r.children)))

    # --- closures whose pupils find no place (build first, close after) -----------------------------------
    catch = _closure_catchments(county, plan, walk)
    if catch and len(un):
        unk = un.set_index(["village_id", "band"])["children"]
        for c, groups in catch.items():
            n = int(sum(int(unk.get(g, 0)) for g in groups))
            if n:
                out.append(Violation(
                    "hard", "closure_leaves_unserved",
                    f"closing {c} ({t.at[c, 'name']}) leaves {n} of its nearby children without a seat or bed in "
                    "reach: build first, close after", f"撤并{t.at[c, 'name']}后其就近的{n}名学生无学位或床位,"
                    "应先建后撤", school_id=c, children=n))

    # --- schools: canteen, class size, size caps, boarding --------------------------------------------------
    receivers = set(plan.schools["merged_into"].dropna()) | set(plan.schools["resources_to"].dropna())
    for r in t[t["status"] == "open"].reset_index().to_dict(orient="records"):
        sid, name = r["school_id"], r["name"]
        if r["boarders"] > 0 and not r["canteen"]:
            extra = " (it receives pupils of closed schools: build first, close after)" if sid in receivers else ""
            out.append(Violation("hard", "boarders_without_canteen",
                                 f"{name} would board {int(r['boarders'])} pupils without a canteen{extra}",
                                 f"{name}安排{int(r['boarders'])}名寄宿生但无食堂", school_id=sid,
                                 children=int(r["boarders"])))
        sev, now = band_severity(r["class_band"]), band_severity(r["class_band_now"])
        size = float(r["max_class_size"])
        if sev >= 2:
            zh = "超大班额" if sev == 3 else "大班额"
            en = "super-oversized classes (超大班额)" if sev == 3 else "oversized classes (大班额)"
            if sev > now:
                out.append(Violation("hard", "new_super_oversized_class" if sev == 3 else "new_oversized_class",
                                     f"{name} would have {en}: {size:.0f} pupils per class on average",
                                     f"{name}将出现{zh}:平均每班{size:.0f}人", school_id=sid, value=size,
                                     limit=float(r["class_limit"])))
            else:
                out.append(Violation("soft", "oversized_class",
                                     f"{name} keeps {en}: {size:.0f} pupils per class", f"{name}仍有{zh}:平均每班"
                                     f"{size:.0f}人", school_id=sid, value=size, limit=float(r["class_limit"])))
        elif size > float(r["class_limit"]):
            out.append(Violation("soft", "class_over_limit",
                                 f"{name}: {size:.0f} pupils per class, over the limit of {int(r['class_limit'])}",
                                 f"{name}平均每班{size:.0f}人,超过{int(r['class_limit'])}人标准", school_id=sid,
                                 value=size, limit=float(r["class_limit"])))
        if r["over_size_cap"]:
            was_over = pd.notna(r["enrolment_now"]) and r["enrolment_now"] > r["size_cap"]
            out.append(Violation("soft" if was_over else "hard",
                                 "school_too_large" if was_over else "new_school_too_large",
                                 f"{name}: {int(r['enrolment'])} pupils, over the cap of {int(r['size_cap'])}",
                                 f"{name}在校生{int(r['enrolment'])}人,超过{int(r['size_cap'])}人规模上限",
                                 school_id=sid, value=float(r["enrolment"]), limit=float(r["size_cap"])))
        if r["boarding"] and r["beds"] == 0:
            out.append(Violation("soft", "boarding_school_without_beds",
                                 f"{name} is designated a boarding school but has no beds: add_boarding first",
                                 f"{name}定为寄宿制学校但无床位,应先建宿舍", school_id=sid))

    # --- balance ----------------------------------------------------------------------------------------------
    q = balance.get("quality", {})
    for stage, stage_zh in (("primary", "小学"), ("middle", "初中")):
        for name, d in q.get(stage, {}).get("indicators", {}).items():
            if d["pass"] is False:
                out.append(Violation("soft", "cv_over_limit",
                                     f"{stage}: CV of {name} is {d['cv']:.3f}, over {d['limit']:.2f}",
                                     f"{stage_zh}{d['zh']}差异系数{d['cv']:.3f},超过{d['limit']:.2f}",
                                     value=d["cv"], limit=d["limit"]))
        b = balance.get("basic", {}).get(stage, {})
        if b.get("pass") is False:
            out.append(Violation("soft", "composite_cv_over_limit",
                                 f"{stage}: basic-balance composite CV {b['composite_cv']:.3f} over {b['limit']:.2f}",
                                 f"{stage_zh}基本均衡综合差异系数{b['composite_cv']:.3f},超过{b['limit']:.2f}",
                                 value=b["composite_cv"], limit=b["limit"]))
    qs = q.get("schools")
    if qs is not None and len(qs):
        for r in qs[qs["passes"] == False].itertuples(index=False):  # noqa: E712
            name = t.at[r.school_id, "name"]
            out.append(Violation("soft", "school_fails_quality_standard",
                                 f"{name} ({r.stage}) meets {r.indicators_met} of 7 quality indicators "
                                 "(needs 6, the 7th at 85 %)",
                                 f"{name}({'小学' if r.stage == 'primary' else '初中'})7项指标达标{r.indicators_met}项,"
                                 "未达到6项达标且余项不低于85%", school_id=r.school_id, value=float(r.indicators_met)))

    # --- to confirm -------------------------------------------------------------------------------------------
    checks = std.get("manual_checks", ())
    for c in plan.closed_schools:
        name = t.at[c, "name"]
        for chk in checks:
            out.append(Violation("confirm", f"confirm_{chk['id']}", f"closing {name}: {chk['en']}",
                                 f"撤并{name}:{chk['zh']}", school_id=c))
    ps, cs = plan.schools, county.schools
    for sid in ps.index[(ps["status"] == "open") & ps.index.isin(cs.index)]:
        lo, hi = int(ps.at[sid, "grade_lo"]), int(ps.at[sid, "grade_hi"])
        if (lo, hi) != (int(cs.at[sid, "grade_lo"]), int(cs.at[sid, "grade_hi"])):
            name = t.at[sid, "name"]
            for chk in checks:   # dropping grades is a partial closure: the same procedure applies
                out.append(Violation("confirm", f"confirm_{chk['id']}",
                                     f"keeping only grades {lo}-{hi} at {name}: {chk['en']}",
                                     f"{name}仅保留{lo}-{hi}年级:{chk['zh']}", school_id=sid))
    a = allocation.assignments
    prim_board = a[(a["mode"] == "board") & (a["band"] == "g4_6")].groupby("school_id")["children"].sum()
    for sid, n in prim_board.items():
        name = t.at[sid, "name"]
        out.append(Violation("confirm", "primary_boarders",
                             f"{name} boards {int(n)} grade 4-6 pupils: confirm housing, meals, transport and safety",
                             f"{name}有{int(n)}名4-6年级寄宿生:请确认住宿、饮食、交通和安全条件", school_id=sid,
                             band="g4_6", children=int(n)))
    for r in allocation.splits.itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        out.append(Violation("confirm", "split_catchment",
                             f"{_BAND_EN[r.band]} children of {vname} are split by capacity ({r.detail}): confirm "
                             "the zoning", f"{vname}{_BAND_ZH[r.band]}学生因学位不足被分到多校({r.detail}):请确认划片",
                             village_id=r.village_id, band=r.band, children=int(r.children)))
    if allocation.estimated:
        out.append(Violation("confirm", "travel_estimated",
                             "travel times are straight-line estimates (no road network): check trips on the ground",
                             "通行时间为直线距离估算(无路网):请实地核实"))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda v: order[v.severity])


def violations_frame(violations: list[Violation]) -> pd.DataFrame:
    """The violations as a table."""
    cols = ["severity", "code", "school_id", "village_id", "band", "children", "value", "limit", "message_en",
            "message_zh"]
    if not violations:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = pd.DataFrame([v.to_dict() for v in violations])[cols]
    return df.astype({c: object for c in ("school_id", "village_id", "band")}).replace({np.nan: None})
