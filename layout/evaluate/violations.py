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
from layout.i18n import LANGS, Phrase, has, pair, t

__all__ = ["Violation", "find_violations", "mark_status", "resolved_violations", "trip_violations",
           "school_violations", "plan_receivers", "grade_change_violations", "primary_boarder_violations",
           "quality_violation", "SEVERITIES", "STATUSES", "CODES"]

SEVERITIES = ("hard", "soft", "confirm")
STATUSES = ("new", "existing")
#: Every code a violation can have (the catalogue's ``violation.*`` names each one); ``confirm_<id>`` are the manual
#: checks of the standards (``manual_checks``), one per check id.
CODES = ("g1_3_beyond_limit", "trip_beyond_limit", "unserved", "closure_leaves_unserved", "boarders_without_canteen",
         "boarders_over_beds", "oversized_class", "super_oversized_class", "class_over_limit", "school_too_large",
         "boarding_school_without_beds", "cv_over_limit", "composite_cv_over_limit", "school_fails_quality_standard",
         "confirm_study", "confirm_notice", "confirm_hearing", "confirm_parents", "confirm_approval", "confirm_safety",
         "primary_boarders", "split_catchment", "merge_overflow", "travel_estimated", "attendance_inferred",
         "no_bus_route")


def _msg(key: str, **fields) -> tuple[str, str]:
    """``(message_en, message_zh)`` from the catalogue's ``violation_msg.<key>``."""
    return pair(f"violation_msg.{key}", **fields)


def _question(check: dict) -> dict[str, str]:
    """A manual check as a question to confirm ("是否已完成论证"): the catalogue's for the national check ids, else
    built from the check's own words (a province's added check)."""
    key = f"confirm_question.{check['id']}"
    if has(key):
        return {lang: t(key, lang) for lang in LANGS}
    return {lang: t("confirm_other", lang, what=check.get(lang) or check["id"]) for lang in LANGS}


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
            trip = Phrase("violation_msg.trip_minutes", minutes=f"{minutes:.0f}")
        else:   # the roll school has no road route from the village within the search limit
            minutes = None
            trip = Phrase("violation_msg.no_road_route")
        out.append(Violation(
            "hard" if hard else "soft", "g1_3_beyond_limit" if hard else "trip_beyond_limit",
            *_msg("trip_beyond_limit", n=n, band=Phrase(f"band.{band}"), village=vname,
                  mode=Phrase(f"mode_phrase.{mode}"), trip=trip, limit=f"{lim:g}",
                  rule={lang: rule.describe(lang) for lang in LANGS}),
            school_id=str(worst["school_id"]), village_id=vid, band=band, children=n, value=minutes, limit=lim))
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
    tbl = schools_table
    un = allocation.unserved
    vnames = county.villages["name"].astype(str) if "name" in county.villages else pd.Series(dtype=str)

    # --- trips and children without a place -------------------------------------------------------------------
    sections = sections or {}
    out += sections["trips"] if "trips" in sections else trip_violations(allocation.assignments, std, vnames)
    for r in un.itertuples(index=False):
        which = "unserved_outside" if r.village_id == NO_HOME else "unserved_village"
        out.append(Violation(
            "hard", "unserved", *_msg(which, n=r.children, band=Phrase(f"band.{r.band}"),
                                      village=vnames.get(r.village_id, r.village_id),
                                      why={"en": r.message_en, "zh": r.message_zh}),
            village_id=r.village_id or None, band=r.band, children=int(r.children),
            school_id=r.from_school or None))

    for r in (bus_unserved if bus_unserved is not None else pd.DataFrame()).itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        out.append(Violation(
            "hard", "no_bus_route", *_msg("no_bus_route", n=int(r.children), band=Phrase(f"band.{r.band}"),
                                          village=vname, school=r.school_id,
                                          why={"en": r.message_en, "zh": r.message_zh}),
            school_id=r.school_id, village_id=r.village_id, band=r.band, children=int(r.children)))

    # --- closures whose pupils find no place (build first, close after) --------------------------------------
    if len(un):
        lost = un[un["from_school"].isin(plan.closed_schools)].groupby("from_school")["children"].sum()
        for c, n in lost.items():
            out.append(Violation(
                "hard", "closure_leaves_unserved", *_msg("closure_leaves_unserved", school=tbl.at[c, "name"], n=int(n)),
                school_id=c, children=int(n)))

    # --- schools: canteen, beds, class size, size caps, boarding ---------------------------------------------
    if "schools" in sections:
        out += sections["schools"]
    else:
        out += school_violations(tbl[tbl["status"] == "open"], plan_receivers(plan))

    # --- balance ----------------------------------------------------------------------------------------------
    q = balance.get("quality", {})
    for stage in ("primary", "middle"):
        for name, d in q.get(stage, {}).get("indicators", {}).items():
            if d["pass"] is False:
                key = f"indicator.{name}"
                indicator = (Phrase(key) if has(key) else {"en": name, "zh": d.get("zh") or name})
                out.append(Violation("soft", "cv_over_limit",
                                     *_msg("cv_over_limit", stage=Phrase(f"stage.{stage}"), indicator=indicator,
                                           cv=f"{d['cv']:.3f}", limit=f"{d['limit']:.2f}"),
                                     value=d["cv"], limit=d["limit"], subject=f"{stage}.{name}"))
        b = balance.get("basic", {}).get(stage, {})
        if b.get("pass") is False:
            out.append(Violation("soft", "composite_cv_over_limit",
                                 *_msg("composite_cv_over_limit", stage=Phrase(f"stage.{stage}"),
                                       cv=f"{b['composite_cv']:.3f}", limit=f"{b['limit']:.2f}"),
                                 value=b["composite_cv"], limit=b["limit"], subject=stage))
    if "quality" in sections:
        out += sections["quality"]
    else:
        qs = q.get("schools")
        if qs is not None and len(qs):
            for r in qs[qs["passes"] == False].itertuples(index=False):  # noqa: E712
                out.append(quality_violation(r.school_id, r.stage, r.indicators_met, tbl.at[r.school_id, "name"]))

    # --- to confirm -------------------------------------------------------------------------------------------
    checks = std.get("manual_checks", ())
    for c in plan.closed_schools:
        name = tbl.at[c, "name"]
        for chk in checks:
            out.append(Violation("confirm", f"confirm_{chk['id']}",
                                 *_msg("confirm_closure", school=name, question=_question(chk)), school_id=c))
    out += sections["grades"] if "grades" in sections else grade_change_violations(county, plan, tbl, std)
    out += (sections["boarders"] if "boarders" in sections
            else primary_boarder_violations(allocation.assignments, tbl))
    for r in allocation.splits.itertuples(index=False):
        vname = vnames.get(r.village_id, r.village_id)
        out.append(Violation("confirm", "split_catchment",
                             *_msg("split_catchment", band=Phrase(f"band.{r.band}"), village=vname,
                                   detail={"en": getattr(r, "detail_en", r.detail), "zh": getattr(r, "detail_zh", r.detail)}),
                             village_id=r.village_id, band=r.band, children=int(r.children)))
    mv = allocation.moves
    over = mv[mv["how"].isin(["overflow_full", "overflow_rules"])]
    for (frm, to, how), grp in over.groupby(["from_school", "to_school", "how"], sort=True):
        n = int(grp["children"].sum())
        into = plan.schools.at[frm, "merged_into"] if frm in plan.schools.index else None
        out.append(Violation("confirm", "merge_overflow",
                             *_msg("merge_overflow", n=n, source=frm, to=to, into=into,
                                   why=Phrase(f"violation_msg.{how}")),
                             school_id=frm, children=n, subject=f"{to}.{how}"))
    if allocation.estimated:
        out.append(Violation("confirm", "travel_estimated", *_msg("travel_estimated")))
    if getattr(allocation, "attendance_inferred", False):
        out.append(Violation("confirm", "attendance_inferred", *_msg("attendance_inferred")))
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
            which = "boarders_without_canteen_receiver" if sid in receivers else "boarders_without_canteen"
            out.append(Violation("hard", "boarders_without_canteen", *_msg(which, school=name, n=int(r["boarders"])),
                                 school_id=sid, children=int(r["boarders"])))
        if r["boarders"] > r["beds"]:
            out.append(Violation("hard", "boarders_over_beds",
                                 *_msg("boarders_over_beds", school=name, n=int(r["boarders"]), beds=int(r["beds"])),
                                 school_id=sid, children=int(r["boarders"] - r["beds"]), value=float(r["boarders"]),
                                 limit=float(r["beds"])))
        sev = band_severity(r["class_band"])
        size = float(r["max_class_size"])
        if sev >= 2:
            code = "super_oversized_class" if sev == 3 else "oversized_class"
            out.append(Violation("hard", code, *_msg(code, school=name, size=f"{size:.1f}"), school_id=sid, value=size,
                                 limit=float(r["class_limit"])))
        elif size > float(r["class_limit"]):
            out.append(Violation("soft", "class_over_limit",
                                 *_msg("class_over_limit", school=name, size=f"{size:.1f}", limit=int(r["class_limit"])),
                                 school_id=sid, value=size, limit=float(r["class_limit"])))
        if r["over_size_cap"]:
            out.append(Violation("hard", "school_too_large",
                                 *_msg("school_too_large", school=name, n=int(r["enrolment"]), cap=int(r["size_cap"])),
                                 school_id=sid, value=float(r["enrolment"]), limit=float(r["size_cap"])))
        if r["boarding"] and r["beds"] == 0:
            out.append(Violation("soft", "boarding_school_without_beds",
                                 *_msg("boarding_school_without_beds", school=name), school_id=sid))
    return out


def grade_change_violations(county, plan, schools_table: pd.DataFrame, standards,
                            ids: pd.Index | None = None) -> list[Violation]:
    """To-confirm items of open schools whose grades the plan changes (a partial closure: the same procedure).

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
                                 *_msg("confirm_grades", school=name, lo=g_lo, hi=g_hi, question=_question(chk)),
                                 school_id=sid))
    return out


def primary_boarder_violations(assignments: pd.DataFrame, schools_table: pd.DataFrame) -> list[Violation]:
    """To-confirm items of schools boarding grade 4-6 pupils (housing, meals, transport, safety).

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
    return [Violation("confirm", "primary_boarders",
                      *_msg("primary_boarders", school=schools_table.at[sid, "name"], n=int(n)), school_id=sid,
                      band="g4_6", children=int(n)) for sid, n in prim_board.items()]


def quality_violation(school_id: str, stage: str, indicators_met, name: str) -> Violation:
    """The soft finding of a school that fails the quality standard (6 of 7 indicators, the 7th at 85 %).

    Example
    -------
    >>> quality_violation("S1", "primary", 5, "甲小学").code
    'school_fails_quality_standard'
    """
    return Violation("soft", "school_fails_quality_standard",
                     *_msg("school_fails_quality_standard", school=name, stage=Phrase(f"stage.{stage}"),
                           met=indicators_met),
                     school_id=school_id, value=float(indicators_met), subject=stage)


def violations_frame(violations: list[Violation]) -> pd.DataFrame:
    """The violations as a table."""
    cols = ["severity", "status", "code", "school_id", "village_id", "band", "children", "value", "limit", "subject",
            "message_en", "message_zh"]
    if not violations:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = pd.DataFrame([v.to_dict() for v in violations])[cols]
    return df.astype({c: object for c in ("school_id", "village_id", "band")}).replace({np.nan: None})
