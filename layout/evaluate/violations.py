"""Policy violations of a plan, each with a severity, a status, the school or village, and the reason in English
and Chinese.

Severities:

* ``hard`` — a rule is broken: grades 1–3 beyond the day-trip limit (30 minutes on foot or by school bus), children
  left without a place, boarders where there is no canteen or no bed, a closure whose pupils find no seat or bed
  (先建后撤: build first, close after), 大班额 / 超大班额, a school over the size cap;
* ``soft`` — a standard is missed: classes over the class-size limit (偏大), older pupils' trips beyond their
  band's limit, a balance CV over its limit, a school failing the 6-of-7 rule, a boarding school without beds;
* ``confirm`` — a manual check the tool cannot know: the study, notice, hearing, parents' consent, approval and
  travel safety of every closure and every school that drops grades (国办发〔2012〕48号), housing and safety
  for primary boarders, split catchments, pupils a merge sends elsewhere, straight-line travel estimates, an
  inferred attendance.

Status: every violation of a plan is ``existing`` (现状问题: today's layout has it too) or ``new`` (the plan brings
it), by comparison with the status quo of the same year (:func:`mark_status`); what today has and the plan no
longer has is *resolved*. A violation is the same one when its code, school, village, band and subject agree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from layout.county import NO_HOME
from layout.evaluate.schools import band_severity

__all__ = ["Violation", "find_violations", "mark_status", "resolved_violations", "trip_violations",
           "school_violations", "plan_receivers", "grade_change_violations", "primary_boarder_violations",
           "quality_violation",
           "SEVERITIES", "STATUSES"]

SEVERITIES = ("hard", "soft", "confirm")
STATUSES = ("new", "existing")
_BAND_ZH = {"g1_3": "1-3年级", "g4_6": "4-6年级", "g7_9": "7-9年级"}
_BAND_EN = {"g1_3": "grades 1-3", "g4_6": "grades 4-6", "g7_9": "grades 7-9"}
_MODE_ZH = {"walk": "步行", "bus": "乘校车"}
_MODE_EN = {"walk": "walk", "bus": "ride the school bus"}


@dataclass(frozen=True)
class Violation:
    """One problem of a plan.

    Parameters
    ----------
    severity : str
        ``hard``, ``soft`` or ``confirm``.
    code : str
        Stable machine name, e.g. ``g1_3_beyond_limit``.
    message_en, message_zh : str
        The reason, for people.
    school_id, village_id, band : str or None
        What it is about.
    children : int or None
        Children concerned.
    value, limit : float or None
        The measured value and the standard it misses.
    subject : str or None
        What else tells two violations of one code apart (e.g. ``primary.floor_sports_per_student``).
    status : str
        ``new`` or ``existing`` once compared with the status quo (:func:`mark_status`); ``""`` before.
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
    subject: str | None = None
    status: str = ""

    @property
    def key(self) -> tuple:
        """What makes two violations the same one: the code and what it is about — the village and band for
        children's trips and places (whichever school they go to), else the school."""
        if self.village_id is not None:
            return (self.code, None, self.village_id, self.band, self.subject)
        return (self.code, self.school_id, None, self.band, self.subject)

    @property
    def is_new(self) -> bool:
        return self.status == "new"

    def to_dict(self) -> dict:
        return asdict(self)


_CLASS_CODES = {"oversized_class": 2, "super_oversized_class": 3}   # 大班额 and 超大班额: one breach, two degrees


def mark_status(violations: list[Violation], baseline: list[Violation] | None) -> list[Violation]:
    """Each violation marked ``existing`` when the status quo (``baseline``) has it, else ``new``.

    大班额 and 超大班额 at a school are one breach of two degrees: it is new only where it is worse than today
    (none → 大班额, or 大班额 → 超大班额); a school whose 超大班额 falls to 大班额 has an existing breach, improved.

    Parameters
    ----------
    violations : list of Violation
    baseline : list of Violation or None
        The status quo's violations (same year); None marks everything ``existing`` (the plan *is* the status
        quo).

    Returns
    -------
    list of Violation
    """
    if baseline is None:
        return [replace(v, status="existing") for v in violations]
    seen = {v.key for v in baseline}
    crowded = {v.school_id: _CLASS_CODES[v.code] for v in baseline if v.code in _CLASS_CODES}
    out = []
    for v in violations:
        if v.code in _CLASS_CODES:
            status = "existing" if _CLASS_CODES[v.code] <= crowded.get(v.school_id, 0) else "new"
        else:
            status = "existing" if v.key in seen else "new"
        out.append(replace(v, status=status))
    return out


def resolved_violations(violations: list[Violation], baseline: list[Violation]) -> list[Violation]:
    """The status quo's violations (hard and soft) that the plan no longer has (a 超大班额 that falls to 大班额 is
    still a breach: not resolved)."""
    mine = {v.key for v in violations}
    crowded = {v.school_id for v in violations if v.code in _CLASS_CODES}
    return [v for v in baseline if v.severity != "confirm" and v.key not in mine
            and not (v.code in _CLASS_CODES and v.school_id in crowded)]


def trip_violations(assignments: pd.DataFrame, std, vnames) -> list[Violation]:
    """Day pupils whose trip exceeds their band's limit for their mode (today's trips included), one violation per
    village and band, in village then band order.

    Each village's violations depend only on its own rows, so some villages' can be found alone.

    Parameters
    ----------
    assignments : DataFrame
        :attr:`layout.allocate.Allocation.assignments` (or the rows of some villages).
    std : Standards
    vnames : Series
        Village names by village_id.

    Returns
    -------
    list of Violation
    """
    a = assignments
    day = a[a["mode"].isin(["walk", "bus"])]
    if day.empty:
        return []
    limit = np.array([std.walk_limit(b) if m == "walk" else std.bus_limit(b)
                      for b, m in zip(day["band"], day["mode"], strict=True)])
    over = day[day["minutes"].to_numpy(float) > limit + 1e-9]
    out = []
    for (vid, band), grp in over.groupby(["village_id", "band"], sort=True):
        rule = std.travel_rule(band)
        worst = grp.loc[grp["minutes"].idxmax()]
        n, mode, worst_minutes = int(grp["children"].sum()), str(worst["mode"]), float(worst["minutes"])
        vname = vnames.get(vid, vid)
        lim = rule.walk_limit if mode == "walk" else rule.bus_limit
        hard = band == "g1_3"
        if math.isfinite(worst_minutes):
            minutes = math.ceil(worst_minutes)
            en, zh = f"{minutes:.0f} min", f"{minutes:.0f}分钟"
        else:   # the roll school has no road route from the village within the search limit
            minutes = None
            en, zh = "with no road route found", "(路网上无可达路线)"
        out.append(Violation(
            "hard" if hard else "soft", "g1_3_beyond_limit" if hard else "trip_beyond_limit",
            f"{n} {_BAND_EN[band]} pupils of {vname} {_MODE_EN[mode]} {en} to school, over the "
            f"{lim:g}-minute limit ({rule.describe('en')})",
            f"{vname}有{n}名{_BAND_ZH[band]}学生{_MODE_ZH[mode]}{zh}上学,超过{lim:g}分钟"
            f"({rule.describe('zh')})", school_id=str(worst["school_id"]), village_id=vid, band=band, children=n,
            value=minutes, limit=lim))
    return out


def find_violations(county, plan, allocation, schools_table: pd.DataFrame, balance: dict, standards,
                    walk=None, bus_unserved: pd.DataFrame | None = None, *,
                    sections: dict | None = None) -> list[Violation]:
    """All hard, soft and to-confirm findings of a plan (status not yet marked: see :func:`mark_status`).

    Parameters
    ----------
    county, plan, allocation
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table`.
    balance : dict
        ``{"quality": ..., "basic": ...}`` from :mod:`layout.evaluate.balance`.
    standards : Standards
    walk : TravelMatrix, optional
        Not needed any more (kept for callers that pass it).
    bus_unserved : DataFrame, optional
        Bus riders no shared route can take (:class:`layout.transport.BusRoutes` ``unserved``), with the reason.
    sections : dict, optional
        Sections already found, by name: ``trips`` (:func:`trip_violations`), ``schools``
        (:func:`school_violations` of the open schools in table order), ``grades``
        (:func:`grade_change_violations` of the open schools in plan order) and ``boarders``
        (:func:`primary_boarder_violations`), ``quality`` (:func:`quality_violation` of the failing rows of
        ``balance["quality"]["schools"]``); each in the order the full search gives.

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

    # --- trips and children without a place -------------------------------------------------------------------
    sections = sections or {}
    out += sections["trips"] if "trips" in sections else trip_violations(allocation.assignments, std, vnames)
    for r in un.itertuples(index=False):
        who_en = "pupils from outside the county" if r.village_id == NO_HOME else f"children of {vnames.get(r.village_id, r.village_id)}"
        who_zh = "外县生源" if r.village_id == NO_HOME else f"{vnames.get(r.village_id, r.village_id)}"
        out.append(Violation(
            "hard", "unserved", f"{r.children} {_BAND_EN[r.band]} {who_en} without a place: {r.message_en}",
            f"{who_zh}有{r.children}名{_BAND_ZH[r.band]}学生无学位:{r.message_zh}",
            village_id=r.village_id or None, band=r.band, children=int(r.children),
            school_id=r.from_school or None))

    for r in (bus_unserved if bus_unserved is not None else pd.DataFrame()).itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        out.append(Violation(
            "hard", "no_bus_route", f"{int(r.children)} {_BAND_EN.get(r.band, r.band)} pupils of {vname} cannot be "
            f"put on a school-bus route to {r.school_id}: {r.message_en}",
            f"{vname}有{int(r.children)}名{_BAND_ZH.get(r.band, r.band)}学生无法安排校车线路到{r.school_id}:{r.message_zh}",
            school_id=r.school_id, village_id=r.village_id, band=r.band, children=int(r.children)))

    # --- closures whose pupils find no place (build first, close after) --------------------------------------
    if len(un):
        lost = un[un["from_school"].isin(plan.closed_schools)].groupby("from_school")["children"].sum()
        for c, n in lost.items():
            out.append(Violation(
                "hard", "closure_leaves_unserved",
                f"closing {c} ({t.at[c, 'name']}) leaves {int(n)} of its pupils without a seat or bed in reach: "
                "build first, close after", f"撤并{t.at[c, 'name']}后其{int(n)}名学生无学位或床位,应先建后撤",
                school_id=c, children=int(n)))

    # --- schools: canteen, beds, class size, size caps, boarding ---------------------------------------------
    if "schools" in sections:
        out += sections["schools"]
    else:
        out += school_violations(t[t["status"] == "open"], plan_receivers(plan))

    # --- balance ----------------------------------------------------------------------------------------------
    q = balance.get("quality", {})
    for stage, stage_zh in (("primary", "小学"), ("middle", "初中")):
        for name, d in q.get(stage, {}).get("indicators", {}).items():
            if d["pass"] is False:
                out.append(Violation("soft", "cv_over_limit",
                                     f"{stage}: CV of {name} is {d['cv']:.3f}, over {d['limit']:.2f}",
                                     f"{stage_zh}{d['zh']}差异系数{d['cv']:.3f},超过{d['limit']:.2f}",
                                     value=d["cv"], limit=d["limit"], subject=f"{stage}.{name}"))
        b = balance.get("basic", {}).get(stage, {})
        if b.get("pass") is False:
            out.append(Violation("soft", "composite_cv_over_limit",
                                 f"{stage}: basic-balance composite CV {b['composite_cv']:.3f} over {b['limit']:.2f}",
                                 f"{stage_zh}基本均衡综合差异系数{b['composite_cv']:.3f},超过{b['limit']:.2f}",
                                 value=b["composite_cv"], limit=b["limit"], subject=stage))
    if "quality" in sections:
        out += sections["quality"]
    else:
        qs = q.get("schools")
        if qs is not None and len(qs):
            for r in qs[qs["passes"] == False].itertuples(index=False):  # noqa: E712
                out.append(quality_violation(r.school_id, r.stage, r.indicators_met, t.at[r.school_id, "name"]))

    # --- to confirm -------------------------------------------------------------------------------------------
    checks = std.get("manual_checks", ())
    for c in plan.closed_schools:
        name = t.at[c, "name"]
        for chk in checks:
            out.append(Violation("confirm", f"confirm_{chk['id']}", f"closing {name}: to confirm — {chk['en']}",
                                 f"撤并{name}:待确认——{chk['zh']}", school_id=c))
    out += sections["grades"] if "grades" in sections else grade_change_violations(county, plan, t, std)
    out += (sections["boarders"] if "boarders" in sections
            else primary_boarder_violations(allocation.assignments, t))
    for r in allocation.splits.itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        out.append(Violation("confirm", "split_catchment",
                             f"{_BAND_EN[r.band]} children of {vname} are split by capacity ({r.detail}): confirm "
                             "the zoning", f"{vname}{_BAND_ZH[r.band]}学生因学位不足被分到多校({r.detail}):请确认划片",
                             village_id=r.village_id, band=r.band, children=int(r.children)))
    mv = allocation.moves
    over = mv[mv["how"].isin(["overflow_full", "overflow_rules"])]
    for (frm, to, how), grp in over.groupby(["from_school", "to_school", "how"], sort=True):
        n = int(grp["children"].sum())
        into = plan.schools.at[frm, "merged_into"] if frm in plan.schools.index else None
        why_en = "it is full" if how == "overflow_full" else "it is beyond the travel rule for them"
        why_zh = "其学位或床位不足" if how == "overflow_full" else "超出其通行规则"
        out.append(Violation("confirm", "merge_overflow",
                             f"{n} pupils of {frm} go to {to}, not to the receiving school {into}: {why_en}",
                             f"{frm}的{n}名学生转入{to},而非接收学校{into}:{why_zh}", school_id=frm, children=n,
                             subject=f"{to}.{how}"))
    if allocation.estimated:
        out.append(Violation("confirm", "travel_estimated",
                             "travel times are straight-line estimates (no road network): check trips on the ground",
                             "通行时间为直线距离估算(无路网):请实地核实"))
    if getattr(allocation, "attendance_inferred", False):
        out.append(Violation("confirm", "attendance_inferred",
                             "today's attendance is inferred from the rolls: check it against the 学籍 records "
                             "(layout check --write-attendance)",
                             "现状就读情况由在校生数推算:请与学籍数据核对(layout check --write-attendance)"))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(out, key=lambda v: order[v.severity])


def plan_receivers(plan) -> set:
    """Schools that receive closed schools' pupils or resources under the plan."""
    return set(plan.schools["merged_into"].dropna()) | set(plan.schools["resources_to"].dropna())


def school_violations(open_rows: pd.DataFrame, receivers: set) -> list[Violation]:
    """Canteen, beds, class size, size cap and boarding findings of open schools, school by school in table order.

    Each school's findings depend only on its own row (and whether it receives closed schools' pupils).

    Parameters
    ----------
    open_rows : DataFrame
        Rows of :func:`layout.evaluate.schools.school_table` of open schools.
    receivers : set
        :func:`plan_receivers`.

    Returns
    -------
    list of Violation
    """
    out: list[Violation] = []
    for r in open_rows.reset_index().to_dict(orient="records"):
        sid, name = r["school_id"], r["name"]
        if r["boarders"] > 0 and not r["canteen"]:
            extra = " (it receives pupils of closed schools: build first, close after)" if sid in receivers else ""
            out.append(Violation("hard", "boarders_without_canteen",
                                 f"{name} boards {int(r['boarders'])} pupils without a canteen{extra}",
                                 f"{name}有{int(r['boarders'])}名寄宿生但无食堂", school_id=sid,
                                 children=int(r["boarders"])))
        if r["boarders"] > r["beds"]:
            out.append(Violation("hard", "boarders_over_beds",
                                 f"{name} boards {int(r['boarders'])} pupils in {int(r['beds'])} beds",
                                 f"{name}有{int(r['boarders'])}名寄宿生,仅有床位{int(r['beds'])}张", school_id=sid,
                                 children=int(r["boarders"] - r["beds"]), value=float(r["boarders"]),
                                 limit=float(r["beds"])))
        sev = band_severity(r["class_band"])
        size = float(r["max_class_size"])
        if sev >= 2:
            zh = "超大班额" if sev == 3 else "大班额"
            en = "super-oversized classes (超大班额)" if sev == 3 else "oversized classes (大班额)"
            out.append(Violation("hard", "super_oversized_class" if sev == 3 else "oversized_class",
                                 f"{name} has {en}: {size:.1f} pupils per class in its fullest grades",
                                 f"{name}存在{zh}:最满学段平均每班{size:.1f}人", school_id=sid, value=size,
                                 limit=float(r["class_limit"])))
        elif size > float(r["class_limit"]):
            out.append(Violation("soft", "class_over_limit",
                                 f"{name}: {size:.1f} pupils per class, over the limit of {int(r['class_limit'])}",
                                 f"{name}平均每班{size:.1f}人,超过{int(r['class_limit'])}人标准", school_id=sid,
                                 value=size, limit=float(r["class_limit"])))
        if r["over_size_cap"]:
            out.append(Violation("hard", "school_too_large",
                                 f"{name}: {int(r['enrolment'])} pupils, over the cap of {int(r['size_cap'])}",
                                 f"{name}在校生{int(r['enrolment'])}人,超过{int(r['size_cap'])}人规模上限",
                                 school_id=sid, value=float(r["enrolment"]), limit=float(r["size_cap"])))
        if r["boarding"] and r["beds"] == 0:
            out.append(Violation("soft", "boarding_school_without_beds",
                                 f"{name} is designated a boarding school but has no beds: add_boarding first",
                                 f"{name}定为寄宿制学校但无床位,应先建宿舍", school_id=sid))
    return out


def grade_change_violations(county, plan, schools_table: pd.DataFrame, standards,
                            ids: pd.Index | None = None) -> list[Violation]:
    """The manual checks of every open school that drops grades (a partial closure), school by school in plan order.

    Parameters
    ----------
    county, plan
    schools_table : DataFrame
        Supplies the schools' names.
    standards : Standards
    ids : Index, optional
        Only these schools (default: every school of the plan).

    Returns
    -------
    list of Violation
    """
    checks = standards.get("manual_checks", ())
    ps, cs = plan.schools, county.schools
    if ids is not None:
        ps = ps.loc[ids]
    out: list[Violation] = []
    here = ps.index[(ps["status"] == "open").to_numpy() & ps.index.isin(cs.index)]
    lo, hi = (ps.loc[here, c].astype(int).to_numpy() for c in ("grade_lo", "grade_hi"))
    lo0, hi0 = (cs.loc[here, c].astype(int).to_numpy() for c in ("grade_lo", "grade_hi"))
    changed = (lo != lo0) | (hi != hi0)
    for sid, g_lo, g_hi in zip(here[changed], lo[changed].tolist(), hi[changed].tolist(), strict=True):
        name = schools_table.at[sid, "name"]
        for chk in checks:   # dropping grades is a partial closure: the same procedure applies
            out.append(Violation("confirm", f"confirm_{chk['id']}",
                                 f"keeping only grades {g_lo}-{g_hi} at {name}: to confirm — {chk['en']}",
                                 f"{name}仅保留{g_lo}-{g_hi}年级:待确认——{chk['zh']}", school_id=sid))
    return out


def primary_boarder_violations(assignments: pd.DataFrame, schools_table: pd.DataFrame) -> list[Violation]:
    """Schools boarding grade 4-6 pupils (housing, meals, transport and safety to confirm), in school_id order.

    Parameters
    ----------
    assignments : DataFrame
        :attr:`layout.allocate.Allocation.assignments` (or the rows of some schools).
    schools_table : DataFrame
        Supplies the schools' names.

    Returns
    -------
    list of Violation
    """
    a = assignments
    prim_board = a[(a["mode"] == "board") & (a["band"] == "g4_6")].groupby("school_id")["children"].sum()
    out: list[Violation] = []
    for sid, n in prim_board.items():
        name = schools_table.at[sid, "name"]
        out.append(Violation("confirm", "primary_boarders",
                             f"{name} boards {int(n)} grade 4-6 pupils: confirm housing, meals, transport and safety",
                             f"{name}有{int(n)}名4-6年级寄宿生:请确认住宿、饮食、交通和安全条件", school_id=sid,
                             band="g4_6", children=int(n)))
    return out


def quality_violation(school_id: str, stage: str, indicators_met, name: str) -> Violation:
    """A school (one stage) failing the 6-of-7 rule of 优质均衡.

    Example
    -------
    >>> quality_violation("S1", "primary", 5, "甲小学").code
    'school_fails_quality_standard'
    """
    return Violation("soft", "school_fails_quality_standard",
                     f"{name} ({stage}) meets {indicators_met} of 7 quality indicators (needs 6, the 7th at 85 %)",
                     f"{name}({'小学' if stage == 'primary' else '初中'})7项指标达标{indicators_met}项,"
                     "未达到6项达标且余项不低于85%", school_id=school_id, value=float(indicators_met), subject=stage)


def violations_frame(violations: list[Violation]) -> pd.DataFrame:
    """The violations as a table."""
    cols = ["severity", "status", "code", "school_id", "village_id", "band", "children", "value", "limit", "subject",
            "message_en", "message_zh"]
    if not violations:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = pd.DataFrame([v.to_dict() for v in violations])[cols]
    return df.astype({c: object for c in ("school_id", "village_id", "band")}).replace({np.nan: None})
