"""The school model of a recommendation: both stages, every school's options, new sites, boarding — as one MILP.

Built from today's attendance and solved with :func:`layout.locate.facility.solve_facility` (which knows nothing of
schools). Its parts:

**Sites and options.** Every school today is a site. A school may stay as it is (``keep``), close (no option), or
— a village or central primary — become a teaching point for grades 1–3 (``downgrade``); a nine-year school may
keep only its primary part (``primary_only``); a rural middle or nine-year school may close and leave its
premises to a township boarding primary (``convert``: the freed buildings, beds and canteen, no site works).
Candidate sites of ``candidates.csv`` (``open``, one option per seat option) and new teaching points at pockets of
grades 1–3 children beyond the day-trip rule today (``open``) are sites too. Protected schools (``remote`` in the
data, or named in the targets), schools to keep, and schools larger than ``recommend.never_close_over`` are fixed
as they are; they still take pupils in.

**Groups and arcs.** A group is one village's pupils of one band at one school today. It stays at its school
while that school still teaches its band (a plan moves only the children it touches), or goes — walking within the
band's walking limit, else by school bus within its bus limit where the band may ride (grades 1–3 too: 走读 by bus),
else boarding where the band may board — to another site teaching its band. Groups of grades 1–3 beyond the day-trip
rule today may also move (a new teaching point, a bus to their own school), and are valued for it
(``recommend.breach_value_yuan``).

**Capacities.** A band's seats at a school are its classrooms (today's classes, or what its seats hold) × the
standard class size. Where a band is beyond its rooms today, its pupils who stay are not held to the rooms (existing
crowding stays) but no newcomer joins them (no new 大班额, and a crowded school is not refilled with other children as
its own move out — the allocation seats newcomers the same way); whole classrooms may be added (capital); a school holds at most the size cap; boarders need beds (built at the bed capital) at a school
designated to board (a canteen built first where there is none).

**Objective** (yuan a year, weighted by the goal, ``recommend.goal_weights``): site running costs; teacher posts —
each school's fixed staffing beyond its pupils' posts at the norm (what closing a small school saves) plus posts per
pupil wherever they go and boarding life staff; the small-school funding floor; boarding allowances; school buses
per rider (a vehicle's annual cost and the route's vehicle-km shared by ``bus_load_factor`` × seats riders); capital
spread over ``capital_years``; the value of children's travel time (``child_minute_value_yuan``, boarders' weekly
trips home counted as such) and of day schooling (``boarding_day_preference_yuan``); and the targets' penalties.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.county import NO_HOME
from layout.evaluate.schools import rooms_available, standard_size
from layout.evaluate.staffing import posts_needed
from layout.locate.facility import FacilityProblem, FacilitySolution, solve_facility
from layout.locate.solution import relative_gap
from layout.plan.state import kind_for_grades
from layout.schema import BANDS

__all__ = ["SchoolModel", "build_model", "Decision", "decide", "county_town", "PENALTY"]

#: penalties of the soft targets and of an unserved child (yuan a year), far above any plan's cost differences
PENALTY = {"unserved": 1e8, "must_close": 5e7, "max_schools": 2e7, "close_under": 1e7, "boarding_min": 5e6}


def county_town(county) -> str | None:
    """The township with the most pupils on its schools' rolls (the county town, 城关镇, in a rural county)."""
    s = county.schools
    if not len(s):
        return None
    return str(s.groupby("township")["enrolment"].sum().idxmax())


@dataclass
class SchoolModel:
    """The school model of a county: its tables (for decoding and reasons) and the MILP.

    Attributes
    ----------
    sites : DataFrame
        Index ``site_id``: ``source`` (school / candidate / pocket), ``name``, ``township``, ``kind_now``,
        ``n_now`` (pupils today), ``fixed`` (kept as it is), ``protected``, ``beds_now``, ``canteen``,
        ``boarding_now``, ``pos`` (site number in the MILP), geometry in the county CRS.
    options : DataFrame
        One row per option: ``site_id, option, kind, grade_lo, grade_hi, seats, beds, capital, fixed_cost``,
        ``cap_g1_3 …`` (seats for the band), ``total_cap``, ``staff_fixed`` (posts).
    groups : DataFrame
        ``village_id, band, home, mode_now, children, breach`` (today beyond the day-trip rule).
    arcs : DataFrame
        ``group, site_id, mode, minutes, metres, cost, home``.
    expansions : DataFrame
        ``site_id, band, size, capital`` (one row per site and band that may add classrooms).
    problem : FacilityProblem
    start : dict
        Today's layout as a start.
    weights : dict
        The goal's weights.
    limit_names : list
        A name for each count limit of the problem.
    new_sites : GeoDataFrame, optional
        Candidate sites and pockets the model may open.
    extensions : tuple
        ``(times, above_gap)``: a solve that stops at its time limit with a gap above ``above_gap`` is continued,
        each time with twice the time, up to ``times`` times (``recommend.time_limit_extensions``,
        ``recommend.extend_above_gap``) — on a slow or busy machine the answer takes longer instead of falling
        back to today's layout.
    split_above : int, optional
        Arcs above which the model is improved township by township (``recommend.split_model_above_arcs``; see
        :mod:`layout.locate.facility_split`).
    """

    sites: pd.DataFrame
    options: pd.DataFrame
    groups: pd.DataFrame
    arcs: pd.DataFrame
    expansions: pd.DataFrame
    problem: FacilityProblem
    start: dict
    weights: dict
    limit_names: list = field(default_factory=list)
    new_sites: gpd.GeoDataFrame | None = None
    extensions: tuple = (0, 1.0)
    split_above: int | None = None
    base_seconds: float = 20.0
    seconds_per_10000_arcs: float = 0.0

    @property
    def split(self) -> bool:
        """Whether the model is large enough to be improved township by township (``split_above``)."""
        return self.split_above is not None and len(self.arcs) > self.split_above

    @property
    def seconds_needed(self) -> float:
        """Time one solve is given by default: ``recommend.time_limit_seconds``, more for a larger model
        (``recommend.time_limit_seconds_per_10000_arcs``)."""
        return max(self.base_seconds, self.seconds_per_10000_arcs * len(self.arcs) / 10_000)


@dataclass
class Decision:
    """A solved model, decoded: what each site does and where each group goes."""

    site_option: dict[str, str | None]       # site_id -> option name, None = closed / not opened
    option_row: dict[str, int]                 # site_id -> row of model.options chosen
    classrooms: dict[tuple[str, str], int]     # (site_id, band) -> classrooms added
    beds_extra: dict[str, int]
    designated: dict[str, bool]
    group_site: pd.DataFrame                   # groups with ``to_site``, ``to_mode``, ``minutes``
    solution: FacilitySolution
    relaxed: list[tuple[str, float]] = field(default_factory=list)   # (limit name, units missed)

    def start_values(self) -> dict:
        """This answer as a start for another solve of a model with the same sites, options and arcs."""
        return _as_start(self.solution)


def _as_start(s: FacilitySolution) -> dict:
    return {"site_option": s.site_option, "group_arc": s.group_arc, "expansions": s.expansions,
            "designated": s.designated}


def _stage(band: str) -> str:
    return "middle" if band == "g7_9" else "primary"


def _bands_of(lo: int, hi: int, std) -> list[str]:
    return [b for b, (a, z) in std.bands.items() if lo <= a and hi >= z]


def _seat_split(seats: float, lo: int, hi: int, std) -> dict[str, float]:
    """A new school's seats shared among the bands it teaches by their grades."""
    out = dict.fromkeys(BANDS, 0.0)
    span = hi - lo + 1
    for b in _bands_of(lo, hi, std):
        a, z = std.bands[b]
        out[b] = seats * (z - a + 1) / span
    return out


def _teachers(row, posts_now: float) -> float:
    t = row.get("teachers", np.nan)
    return float(t) if pd.notna(t) else float(posts_now)


def _pockets(county, groups: pd.DataFrame, std) -> gpd.GeoDataFrame:
    """New teaching-point sites at villages whose grades 1–3 pupils are beyond the day-trip rule today (the village
    with most such children in each group of neighbouring ones)."""
    least = int(std.get("recommend.min_pupils_new_teaching_point"))
    young = groups[groups["breach"] & (groups["band"] == "g1_3")]
    by_v = young.groupby("village_id")["children"].sum()
    by_v = by_v[by_v >= least].sort_values(ascending=False, kind="stable")
    v = county.villages
    rows, taken = [], []
    radius = std.walk_limit("g1_3") * float(std.mode("walk")["speed_kmh"]) * 1000 / 60 / 1.3
    for vid, n in by_v.items():
        p = v.geometry[vid]
        if any(p.distance(q) < radius for q in taken):
            continue
        taken.append(p)
        name = str(v.at[vid, "name"]) if "name" in v else vid
        rows.append({"site_id": f"NEW_TP_{vid}", "name": f"{name}教学点", "township": str(v.at[vid, "township"]),
                     "kind": "teaching_point", "seat_options": (int(30 * math.ceil(n * 1.1 / 30)),), "beds": 0,
                     "capital_yuan": np.nan, "village": vid, "geometry": p})
    if not rows:
        return gpd.GeoDataFrame(columns=["name", "township", "kind", "seat_options", "beds", "capital_yuan",
                                         "village", "geometry"], geometry="geometry", crs=county.crs)
    return gpd.GeoDataFrame(pd.DataFrame(rows).set_index("site_id"), geometry="geometry", crs=county.crs)


def build_model(county, travel: dict, baseline, goal: str, targets, standards=None, *, attendance=None,
                allow_new: bool = True) -> SchoolModel:
    """Build the school model (see the module docstring).

    Parameters
    ----------
    county : County
    travel : dict of mode -> TravelMatrix
        Covering the county's villages and schools; travel to new sites is computed here.
    baseline : Evaluation
        Today's evaluation (real pupils, classes, staffing).
    goal : str
        A key of ``recommend.goal_weights``.
    targets : Targets
    standards : Standards, optional
    attendance : Attendance, optional
    allow_new : bool
        Offer candidate sites and new teaching points.

    Returns
    -------
    SchoolModel
    """
    from layout.attendance import attendance_today
    from layout.network import travel as network_travel

    std = standards or county.standards
    rec = std.get("recommend")
    c = std.get("costs")
    st = std.get("staffing")
    w = dict(rec["goal_weights"][goal])
    years = float(rec["capital_years"])
    salary = float(st["salary_per_post_yuan"])
    att = attendance if attendance is not None else attendance_today(county, travel)
    s = county.schools
    t0 = baseline.schools
    town = county_town(county)
    protected = set(targets.protected) | set(s.index[s["remote"].astype(bool)]) if "remote" in s else set(
        targets.protected)
    keep = set(targets.keep)
    must_close = set(targets.must_close)
    never = float(rec["never_close_over"])

    # ---- groups: today's pupils by village, band and school ---------------------------------------------------
    base = att.by_band()
    home = base[base["village_id"] != NO_HOME]
    outside = base[base["village_id"] == NO_HOME].groupby(["school_id", "band"])["children"].sum()
    grp = home.groupby(["village_id", "band", "school_id", "mode"], as_index=False)["children"].sum()
    grp = grp.rename(columns={"school_id": "home", "mode": "mode_now"})
    wmin = travel["walk"].minutes
    bmin = travel["bus"].minutes if "bus" in travel else None
    vi = wmin.index.get_indexer(grp["village_id"])
    now_minutes = np.where(grp["mode_now"] == "bus",
                           bmin.to_numpy()[vi, bmin.columns.get_indexer(grp["home"])] if bmin is not None else np.inf,
                           wmin.to_numpy()[vi, wmin.columns.get_indexer(grp["home"])])
    limit = np.array([std.walk_limit(b) if m == "walk" else std.bus_limit(b) if m == "bus" else np.inf
                      for b, m in zip(grp["band"], grp["mode_now"], strict=True)])
    grp["breach"] = (grp["mode_now"] != "board") & (now_minutes > limit + 1e-9) & (grp["band"] == "g1_3")
    # 大班额 today: the pupils of a band beyond what its rooms hold below the 大班额 threshold may be moved out
    big = float(next(b["min"] for b in std.get("class_size.bands") if b["name"] == "oversized"))
    excess = {}
    for sid in t0.index[t0["status"] == "open"]:
        for b in BANDS:
            size = t0.at[sid, f"class_size_{b}"]
            if pd.notna(size) and size >= big:
                rooms = float(t0.at[sid, b]) / float(size)
                n_over = float(t0.at[sid, b]) - rooms * (big - 1)
                if n_over >= 1:
                    excess[(sid, b)] = n_over
    grp["crowded"] = [(h, b) in excess for h, b in zip(grp["home"], grp["band"], strict=True)]

    # ---- sites ---------------------------------------------------------------------------------------------------
    site_rows = []
    for sid, r in s.iterrows():
        n_now = float(t0.at[sid, "enrolment"]) if sid in t0.index else float(r["enrolment"])
        fixed = (sid in protected or sid in keep or (n_now > never and sid not in must_close))
        site_rows.append({"site_id": sid, "source": "school", "name": str(r["name"]), "township": str(r["township"]),
                          "kind_now": str(r["kind"]), "n_now": n_now, "fixed": bool(fixed),
                          "protected": sid in protected, "beds_now": float(r["beds"]),
                          "canteen": bool(r["canteen"]), "boarding_now": bool(r["beds"] > 0),
                          "geometry": r.geometry})
    cands = county.candidates if (allow_new and county.candidates is not None) else None
    pockets = _pockets(county, grp, std) if allow_new else None
    new_frames = []
    for frame, source in ((cands, "candidate"), (pockets, "pocket")):
        if frame is None or not len(frame):
            continue
        for sid, r in frame.iterrows():
            site_rows.append({"site_id": str(sid), "source": source, "name": str(r["name"]),
                              "township": str(r.get("township", "") or ""), "kind_now": str(r["kind"]), "n_now": 0.0,
                              "fixed": False, "protected": False, "beds_now": float(r.get("beds", 0) or 0),
                              "canteen": False, "boarding_now": False, "geometry": r.geometry})
        new_frames.append(gpd.GeoDataFrame({"name": frame["name"].astype(str), "kind": frame["kind"].astype(str)},
                                           geometry=frame.geometry, crs=county.crs,
                                           index=pd.Index(frame.index.astype(str), name="school_id")))
    sites = gpd.GeoDataFrame(pd.DataFrame(site_rows).set_index("site_id"), geometry="geometry", crs=county.crs)
    sites["pos"] = np.arange(len(sites))
    new_sites = pd.concat(new_frames) if new_frames else None
    tr = dict(travel)
    if new_sites is not None and len(new_sites):
        for mode in ("walk", "bus"):
            if mode in tr:
                extra = network_travel(county.with_changes(schools=county.schools.iloc[:0]), mode, sites=new_sites)
                tr[mode] = tr[mode].concat(extra)
    W = tr["walk"].minutes.reindex(columns=sites.index)
    Wm = tr["walk"].metres.reindex(columns=sites.index)
    B = tr["bus"].minutes.reindex(columns=sites.index) if "bus" in tr else None
    Bm = tr["bus"].metres.reindex(columns=sites.index) if "bus" in tr else None

    # ---- options ---------------------------------------------------------------------------------------------------
    ratio = st["pupils_per_post"]
    opt_rows = []

    def option(site_id, name, kind, lo, hi, seats, caps, staff_fixed, capital, floor_extra=0.0, beds=0.0, now=0.0):
        total = max(float(std.max_students(kind)), float(now))     # a school over the cap today may keep its pupils
        opt_rows.append({"site_id": site_id, "option": name, "kind": kind, "grade_lo": lo, "grade_hi": hi,
                         "seats": float(seats), "beds": float(beds), "capital": float(capital),
                         "staff_fixed": float(staff_fixed), "floor_extra": float(floor_extra), "total_cap": total,
                         **{f"cap_{b}": float(caps.get(b, 0.0)) for b in BANDS}})

    floor = float(c["small_school_funding_floor"])
    funds = c["per_student_funds"]
    over_rooms: set[tuple[str, str]] = set()
    for sid, r in s.iterrows():
        lo, hi, kind = int(r["grade_lo"]), int(r["grade_hi"]), str(r["kind"])
        n0 = {b: float(sum(r[f"enrol_{g}"] for g in range(std.bands[b][0], std.bands[b][1] + 1))) for b in BANDS}
        cls = {b: int(sum(r[f"classes_{g}"] for g in range(std.bands[b][0], std.bands[b][1] + 1))) for b in BANDS}
        prim0, mid0 = n0["g1_3"] + n0["g4_6"], n0["g7_9"]
        posts_now = posts_needed(kind, prim0, mid0, sum(cls.values()), float(r["boarders"]), std)
        teach = _teachers(r, posts_now)
        pupil_posts = prim0 / float(ratio["primary"]) + mid0 / float(ratio["middle"])
        life0 = float(r["boarders"]) / float(st["boarders_per_life_post"])
        small = kind in ("teaching_point", "primary") and (prim0 + mid0) < floor

        def room_for(k, lo_, hi_, seats_, classes_):
            """Pupils of each band the rooms hold: the band's seats (whole, as the allocation shares them) and its
            classrooms at the standard size, whichever binds."""
            share = _seat_split(seats_, lo_, hi_, std)
            return {b: min(math.floor(share[b] + 1e-9),
                           rooms_available(k, lo_, hi_, seats_, b, classes_.get(b, 0), std) * standard_size(k, b, std))
                    for b in _bands_of(lo_, hi_, std)}

        # bands already beyond their rooms today: the pupils who stay are not held to the rooms (they are there),
        # newcomers only to what is left — as the allocation seats them, so a crowded school is never refilled
        # with other children when its own move out
        beyond = {b for b, room in room_for(kind, lo, hi, float(r["seats"]), cls).items() if n0[b] > room}
        over_rooms.update((sid, b) for b in beyond)

        def caps_for(k, lo_, hi_, seats_, classes_, n0=n0, sid=sid, beyond=beyond):
            """Pupils of each band the school may take (no new 大班额): up to its rooms; in a band beyond its
            rooms today, only the newcomers the rooms still hold (none)."""
            return {b: max(room - n0[b], 0.0) if b in beyond else max(room, n0[b]) - float(outside.get((sid, b), 0))
                    for b, room in room_for(k, lo_, hi_, seats_, classes_).items()}

        extra_floor = (floor - prim0 - mid0) * float(funds["primary"]) if small else 0.0
        option(sid, "keep", kind, lo, hi, r["seats"], caps_for(kind, lo, hi, float(r["seats"]), cls),
               teach - pupil_posts - life0, 0.0, extra_floor, now=prim0 + mid0)
        if sites.at[sid, "fixed"]:
            continue
        if kind == "primary" and lo == 1 and hi >= 4:
            kept = cls["g1_3"] / max(1, sum(cls.values()))
            seats_tp = float(r["seats"]) * (kept if kept > 0 else 0.5)
            posts_tp = posts_needed("teaching_point", n0["g1_3"], 0, cls["g1_3"], 0, std)
            option(sid, "downgrade", "teaching_point", 1, 3, seats_tp,
                   caps_for("teaching_point", 1, 3, seats_tp, {"g1_3": cls["g1_3"]}),
                   teach - posts_now + posts_tp - n0["g1_3"] / float(ratio["primary"]), 0.0,
                   max(0.0, floor - n0["g1_3"]) * float(funds["primary"]))
        if kind == "nine_year":
            prim_cls = {b: cls[b] for b in ("g1_3", "g4_6")}
            seats_p = float(r["seats"]) * sum(prim_cls.values()) / max(1, sum(cls.values()))
            posts_p = posts_needed("primary", prim0, 0, sum(prim_cls.values()), 0, std)
            option(sid, "primary_only", "primary", 1, 6, seats_p, caps_for("primary", 1, 6, seats_p, prim_cls),
                   teach - posts_now + posts_p - prim0 / float(ratio["primary"]), 0.0)
        if kind in ("middle", "nine_year") and str(r["township"]) != town:
            seats_c = float(r["seats"])
            caps = {b: seats_c * 3 / 6 for b in ("g1_3", "g4_6")}
            option(sid, "convert", "primary", 1, 6, seats_c, caps, 0.0, 0.0, 0.0, beds=float(r["beds"]))
    for frame in (cands, pockets):
        if frame is None:
            continue
        for sid, r in frame.iterrows():
            kind = str(r["kind"])
            lo, hi = std.kind_grades(kind)
            site_cap = r.get("capital_yuan", np.nan)
            works = float(site_cap) if pd.notna(site_cap) else float(
                c["new_teaching_point_capital"] if kind == "teaching_point" else c["new_school_capital"])
            for seats in r["seat_options"]:
                capital = works + float(seats) * float(c["new_seat_capital"]) + float(r.get("beds", 0) or 0) * float(
                    c["new_bed_capital"])
                staff = float(st["min_posts"]["teaching_point"]) if kind == "teaching_point" else 0.0
                option(str(sid), f"open_{int(seats)}", kind, lo, hi, seats, _seat_split(float(seats), lo, hi, std),
                       staff, capital, beds=float(r.get("beds", 0) or 0))
    options = pd.DataFrame(opt_rows)
    options["pos"] = sites.loc[options["site_id"], "pos"].to_numpy()

    # ---- arcs ------------------------------------------------------------------------------------------------------
    cmv = float(rec["child_minute_value_yuan"])
    trips = float(std.get("boarding.trips_per_week"))
    board_cost = {stage: float(c["boarding_allowance"]) + float(c["poor_boarder_share"]) * float(
        c["poor_boarder_living_allowance"][stage]) for stage in ("primary", "middle")}
    life_post = salary / float(st["boarders_per_life_post"])
    prefer_day = float(rec["boarding_day_preference_yuan"])
    breach_value = float(rec["breach_value_yuan"])
    seats_bus = float(c["bus_seats"]) * float(rec["bus_load_factor"])
    days = float(c["school_days_per_year"])
    runs = float(c["bus_runs_per_day"])

    def bus_rider_cost(metres: np.ndarray) -> np.ndarray:
        vkm = 2.0 * runs * days * metres / 1000.0
        return (float(c["bus_vehicle_annual_cost"]) + vkm * float(c["bus_cost_per_vehicle_km"])) / seats_bus

    teaches = np.column_stack([[b in _bands_of(int(lo_), int(hi_), std) for lo_, hi_ in
                                zip(options["grade_lo"], options["grade_hi"], strict=True)] for b in BANDS])
    serve = {b: options.loc[teaches[:, k], "site_id"].unique() for k, b in enumerate(BANDS)}
    board_ok = (sites["source"] != "pocket").to_numpy()
    grp["movable"] = (~grp["home"].map(sites["fixed"]).fillna(True).to_numpy(bool) | grp["breach"].to_numpy()
                      | grp["crowded"].to_numpy())
    k_board = int(rec["boarding_candidates_per_group"])
    site_pos = pd.Series(np.arange(len(sites)), index=sites.index)
    Wa, Wma = W.to_numpy(float), Wm.to_numpy(float)
    Ba = B.to_numpy(float) if B is not None else np.full_like(Wa, np.inf)
    Bma = Bm.to_numpy(float) if Bm is not None else np.full_like(Wa, np.inf)
    Wa, Ba = np.where(np.isnan(Wa), np.inf, Wa), np.where(np.isnan(Ba), np.inf, Ba)
    vrow = W.index.get_indexer(grp["village_id"])
    q_all = grp["children"].to_numpy(float)
    stage_all = np.array([_stage(b) for b in grp["band"]])

    def arc_cost(mode: str, minutes: np.ndarray, metres: np.ndarray, q: np.ndarray, stage: np.ndarray) -> np.ndarray:
        # a pupil's teacher posts at the norm and per-pupil funds are the same wherever the pupil goes: left out
        # (the options carry each school's posts beyond its pupils' norm)
        if mode == "board":
            money = np.array([board_cost[x] for x in stage]) + life_post
            return q * (w["travel"] * cmv * minutes * trips / 10.0 + w["cost"] * money + prefer_day)
        money = bus_rider_cost(metres) if mode == "bus" else 0.0
        return q * (w["travel"] * cmv * minutes + w["cost"] * money)

    parts = []
    # home arcs: today's school and mode (a breach is valued: moving the children back within the rule pays)
    hcol = site_pos.reindex(grp["home"]).to_numpy(int)
    mode_now = grp["mode_now"].to_numpy()
    hmin = np.where(mode_now == "bus", Ba[vrow, hcol], Wa[vrow, hcol])
    hmin = np.where(np.isfinite(hmin), hmin, 0.0)
    hmet = np.where(mode_now == "bus", Bma[vrow, hcol], Wma[vrow, hcol])
    hmet = np.where(np.isfinite(hmet), hmet, 0.0)
    hcost = np.zeros(len(grp))
    for mode in ("walk", "bus", "board"):
        m = mode_now == mode
        if m.any():
            hcost[m] = arc_cost(mode, hmin[m], hmet[m], q_all[m], stage_all[m])
    hcost += np.where(grp["breach"].to_numpy(), breach_value * q_all, 0.0)
    leave = grp["breach"].to_numpy() | grp["crowded"].to_numpy()
    parts.append(pd.DataFrame({"group": np.arange(len(grp)), "site_id": grp["home"].to_numpy(), "mode": mode_now,
                               "minutes": hmin, "metres": hmet, "cost": hcost, "home": ~leave}))
    for band in BANDS:
        gi = np.flatnonzero((grp["band"] == band).to_numpy() & grp["movable"].to_numpy())
        if not len(gi) or not len(serve[band]):
            continue
        rule = std.travel_rule(band)
        cols = site_pos.reindex(serve[band]).to_numpy(int)
        wm_, bm_ = Wa[np.ix_(vrow[gi], cols)], Ba[np.ix_(vrow[gi], cols)]
        not_home = cols[None, :] != hcol[gi][:, None]
        breach = grp["breach"].to_numpy()[gi][:, None]
        can_walk = (wm_ <= rule.walk_limit) & (not_home | breach)
        can_bus = (rule.may_bus & (bm_ <= rule.bus_limit) & ~can_walk) & (not_home | breach)
        trip = np.fmin(wm_, bm_)
        # crowded pupils are moved out only to day schools; boarding is for those their school no longer teaches
        away = ~grp["crowded"].to_numpy()[gi][:, None] | ~grp["home"].map(sites["fixed"]).fillna(True).to_numpy(
            bool)[gi][:, None]
        can_board = (rule.may_board & ~can_walk & ~can_bus & board_ok[cols][None, :] & np.isfinite(trip) & not_home
                     & away)
        if can_board.any():   # the nearest few boarding schools only
            rank = np.argsort(np.where(can_board, trip, np.inf), axis=1, kind="stable").argsort(axis=1, kind="stable")
            can_board &= rank < k_board
        for mode, mask, minutes, metres in (
                ("walk", can_walk, wm_, Wma[np.ix_(vrow[gi], cols)]),
                ("bus", can_bus, bm_, Bma[np.ix_(vrow[gi], cols)]),
                ("board", can_board, trip, np.where(bm_ <= wm_, Bma[np.ix_(vrow[gi], cols)],
                                                    Wma[np.ix_(vrow[gi], cols)]))):
            r, k = np.nonzero(mask)
            if not len(r):
                continue
            g = gi[r]
            parts.append(pd.DataFrame({
                "group": g, "site_id": sites.index.to_numpy()[cols[k]], "mode": mode, "minutes": minutes[r, k],
                "metres": metres[r, k], "cost": arc_cost(mode, minutes[r, k], metres[r, k], q_all[g], stage_all[g]),
                "home": False}))
    arcs = pd.concat(parts, ignore_index=True)
    arcs = arcs.drop_duplicates(["group", "site_id", "mode"]).sort_values(["group", "site_id", "mode"],
                                                                          kind="stable").reset_index(drop=True)
    arcs["pos"] = site_pos.reindex(arcs["site_id"]).to_numpy(int)
    relief_keys = sorted(excess)
    relief_of = {k: i for i, k in enumerate(relief_keys)}
    leaving = (arcs["site_id"].to_numpy() != grp["home"].to_numpy()[arcs["group"].to_numpy()])
    keys = list(zip(grp["home"].to_numpy()[arcs["group"].to_numpy()], grp["band"].to_numpy()[arcs["group"].to_numpy()],
                    strict=True))
    arcs["relief"] = [relief_of.get(k, -1) if go else -1 for k, go in zip(keys, leaving, strict=True)]

    # ---- expansions: whole classrooms at schools that are kept ---------------------------------------------------
    exp_rows = []
    room_cap = float(c["new_seat_capital"])
    for o in options[options["option"].isin(["keep", "downgrade", "primary_only"])].itertuples():
        for b in BANDS:
            if getattr(o, f"cap_{b}") > 0:
                size = standard_size(o.kind, b, std)
                exp_rows.append({"site_id": o.site_id, "band": b, "size": float(size), "capital": size * room_cap})
    expansions = pd.DataFrame(exp_rows, columns=["site_id", "band", "size", "capital"]).drop_duplicates(
        ["site_id", "band"]).reset_index(drop=True)

    # ---- the problem ---------------------------------------------------------------------------------------------------
    n_sites = len(sites)
    per_school = float(w.get("per_school", 0.0))
    running = float(c["fixed_cost_per_school"])
    fixed_cost = (w["cost"] * (running + options["staff_fixed"] * salary + options["floor_extra"]
                               + options["capital"] / years) + per_school)
    close_under = targets.close_under
    if close_under is not None:
        small = options["site_id"].map(sites["n_now"]) < close_under
        rural = options["site_id"].map(sites["kind_now"]).isin(["teaching_point", "primary"]) & \
            options["site_id"].map(sites["source"]).eq("school")
        fixed_cost = fixed_cost + np.where(small & rural & ~options["site_id"].map(sites["protected"]),
                                           PENALTY["close_under"], 0.0)
    fixed_cost = fixed_cost + np.where(options["site_id"].isin(must_close) & (options["option"] != "convert"),
                                       PENALTY["must_close"], 0.0)
    forced = sites["fixed"].to_numpy(bool)
    forbidden = np.zeros(len(options), bool)
    bands_idx = {b: k for k, b in enumerate(BANDS)}
    cap = options[[f"cap_{b}" for b in BANDS]].to_numpy(float)
    serves = teaches   # a crowded band with no room for newcomers is still taught to the pupils who stay
    # boarding: existing beds, a canteen where none, beds at the bed capital
    have = sites["beds_now"].to_numpy(float)
    designate_cost = np.where(sites["boarding_now"] | sites["canteen"], 0.0,
                              w["cost"] * float(c["new_canteen_capital"]) / years)
    designate_capital = np.where(sites["boarding_now"] | sites["canteen"], 0.0, float(c["new_canteen_capital"]))
    bed_capital = float(c["new_bed_capital"])
    limits, names = [], []
    for stage, cap_n in targets.max_schools.items():
        bands = ["g1_3", "g4_6"] if stage == "primary" else ["g7_9"]
        mask = serves[:, [bands_idx[b] for b in bands]].any(axis=1)
        limits.append((mask, None, cap_n, PENALTY["max_schools"]))
        names.append(f"max_schools.{stage}")
    lo_b, hi_b = targets.boarding_per_township or (0, int(rec["max_boarding_sites_per_township"]))
    d_limits = []
    primary_site = np.array([k in ("primary", "teaching_point") for k in sites["kind_now"]]) | (
        sites["source"] != "school").to_numpy()
    for town_name in sorted(sites["township"].unique()):
        mask = (sites["township"] == town_name).to_numpy() & primary_site
        if mask.any():
            d_limits.append((mask, lo_b or None, hi_b, PENALTY["boarding_min"]))
            names.append(f"boarding_per_township.{town_name}")
    home_of_arc = grp["home"].to_numpy()[arcs["group"].to_numpy()]
    band_of_arc = grp["band"].to_numpy()[arcs["group"].to_numpy()]
    staying_beyond_rooms = np.array([(h, b) in over_rooms for h, b in zip(home_of_arc, band_of_arc, strict=True)],
                                    bool) & (arcs["site_id"].to_numpy() == home_of_arc)
    prob = FacilityProblem(
        option_site=options["pos"].to_numpy(int), option_fixed=fixed_cost.to_numpy(float), option_capacity=cap,
        option_serves=serves, option_capital=options["capital"].to_numpy(float),
        site_required=forced, option_forbidden=forbidden,
        group_demand=grp["children"].to_numpy(float), group_commodity=grp["band"].map(bands_idx).to_numpy(int),
        arc_group=arcs["group"].to_numpy(int), arc_site=arcs["pos"].to_numpy(int), arc_cost=arcs["cost"].to_numpy(float),
        arc_uses_resource=(arcs["mode"] == "board").to_numpy(), arc_home=arcs["home"].to_numpy(bool),
        arc_outside_capacity=staying_beyond_rooms,
        unserved_cost=PENALTY["unserved"],
        expansion_site=sites.loc[expansions["site_id"], "pos"].to_numpy(int) if len(expansions) else None,
        expansion_commodity=expansions["band"].map(bands_idx).to_numpy(int) if len(expansions) else None,
        expansion_size=expansions["size"].to_numpy(float) if len(expansions) else None,
        expansion_cost=(w["cost"] * expansions["capital"] / years).to_numpy(float) if len(expansions) else None,
        expansion_capital=expansions["capital"].to_numpy(float) if len(expansions) else None,
        expansion_max=np.full(len(expansions), float(rec["max_new_classrooms_per_band"])) if len(expansions) else None,
        resource_have=have, resource_unit_cost=np.full(n_sites, w["cost"] * bed_capital / years),
        resource_unit_capital=np.full(n_sites, bed_capital), resource_max_extra=np.full(n_sites, 3000.0),
        designate_cost=designate_cost, designate_capital=designate_capital,
        count_limits=limits, designate_limits=d_limits, budget=targets.budget,
        option_total_capacity=options["total_cap"].to_numpy(float),
        arc_relief=arcs["relief"].to_numpy(int),
        relief_value=np.full(len(relief_keys), w["cost"] * float(rec["crowding_relief_yuan"])),
        relief_cap=np.array([excess[k] for k in relief_keys], float),
        site_neighbourhood=pd.factorize(sites["township"], sort=True)[0])
    # start: today's layout
    keep_rows = options.index[options["option"] == "keep"]
    so = np.full(n_sites, -1)
    so[options.loc[keep_rows, "pos"].to_numpy(int)] = keep_rows.to_numpy()
    home_arc = arcs.index[(arcs["site_id"] == grp.loc[arcs["group"], "home"].to_numpy())
                          & (arcs["mode"] == grp.loc[arcs["group"], "mode_now"].to_numpy())]
    ga = np.full(len(grp), -1)
    ga[arcs.loc[home_arc, "group"].to_numpy(int)] = home_arc.to_numpy()
    start = {"site_option": so, "group_arc": ga, "designated": sites["boarding_now"].to_numpy(float)}
    extensions = (int(rec["time_limit_extensions"]), float(rec["extend_above_gap"]))
    return SchoolModel(sites, options, grp, arcs, expansions, prob, start, w, names + [], new_sites, extensions,
                       split_above=int(rec["split_model_above_arcs"]), base_seconds=float(rec["time_limit_seconds"]),
                       seconds_per_10000_arcs=float(rec["time_limit_seconds_per_10000_arcs"]))


def decide(model: SchoolModel, time_limit: float | None = None, extra_limits: list | None = None,
           forbid_sites: set | None = None, force_sites: set | None = None, forbid_arcs: np.ndarray | None = None,
           rel_gap: float = 5e-3, per_school: float = 0.0, start: dict | None = None,
           extend: bool = True, bound: bool = True) -> Decision:
    """Solve the model (optionally with extra count limits, sites forbidden or forced, arcs forbidden) and decode
    the answer.

    Parameters
    ----------
    model : SchoolModel
    time_limit : float, optional
    extra_limits : list, optional
        More ``count_limits`` entries (e.g. the number of schools for a frontier point).
    forbid_sites, force_sites : set of str, optional
        Sites that may not choose any option (close) / must choose one (stay), e.g. from a repair.
    forbid_arcs : bool array, optional
        Arcs of ``model.arcs`` that may not be used (a repair).
    rel_gap : float
        Relative gap at which the solver stops.
    per_school : float
        Added to the cost of every open school (yuan a year; negative: a bonus for keeping schools) — how the
        frontier asks for more or fewer schools.
    start : dict, optional
        A feasible answer to start from (``Decision.start_values()`` of another goal on the same model); default
        today's layout.
    extend : bool
        Go on past the time limit (twice as long, up to ``recommend.time_limit_extensions`` times) while the gap
        is above ``recommend.extend_above_gap``; off for the frontier, whose points share one time budget.
    bound : bool
        A proven bound is wanted (off for an answer used only as a start: a large model's search then has all
        the time).

    Returns
    -------
    Decision
    """
    from dataclasses import replace

    p = model.problem
    forbidden = np.asarray(p.option_forbidden, bool).copy()
    required = np.asarray(p.site_required, bool).copy()
    o = model.options
    if forbid_sites:
        forbidden |= o["site_id"].isin(forbid_sites).to_numpy()
    if force_sites:
        required[model.sites.loc[sorted(force_sites), "pos"].to_numpy(int)] = True
    arcs_off = np.zeros(len(model.arcs), bool) if forbid_arcs is None else np.asarray(forbid_arcs, bool)
    p = replace(p, option_forbidden=forbidden, site_required=required, arc_forbidden=arcs_off,
                count_limits=list(p.count_limits) + list(extra_limits or []),
                option_fixed=np.asarray(p.option_fixed, float) + float(per_school))
    def allowed(s):
        return (s is not None and not arcs_off[s["group_arc"][s["group_arc"] >= 0]].any()
                and not (np.asarray(s["site_option"]) < 0)[required].any())

    # a start that uses what is forbidden now, or closes a site that must stay, gives way to today's layout (a
    # repair never forbids home arcs nor closes a school)
    start = start if allowed(start) else model.start if allowed(model.start) else None
    if forbid_sites:
        start = None
    split = {"split_above": model.split_above, "bound": bound}
    sol = solve_facility(p, time_limit=time_limit, start=start, rel_gap=rel_gap, **split)
    times, above_gap = model.extensions
    spent, limit = sol.seconds, time_limit
    for _ in range(times if time_limit is not None and extend else 0):
        if sol.status != "time_limit" or (math.isfinite(sol.gap) and sol.gap <= above_gap):
            break   # solved, or stopped close enough to a proven bound (no plan or no bound yet: go on)
        limit *= 2
        again = solve_facility(p, time_limit=limit, start=_as_start(sol) if math.isfinite(sol.objective) else start,
                               rel_gap=rel_gap, **split)
        spent += again.seconds
        if math.isfinite(again.objective) and (not math.isfinite(sol.objective) or again.objective <= sol.objective):
            sol = again
        else:   # keep the better answer, with the better of the two proven bounds
            sol = replace(sol, lower_bound=max(sol.lower_bound, again.lower_bound))
            sol = replace(sol, gap=relative_gap(sol.objective, sol.lower_bound))
    sol = replace(sol, seconds=spent)
    sites = model.sites
    pos_to_site = dict(zip(sites["pos"], sites.index, strict=True))
    site_option, option_row = {}, {}
    for pos, row in enumerate(sol.site_option):
        sid = pos_to_site[pos]
        site_option[sid] = None if row < 0 else str(o.at[row, "option"])
        if row >= 0:
            option_row[sid] = int(row)
    classrooms = {}
    for k, n in enumerate(sol.expansions):
        if n > 0:
            r = model.expansions.iloc[k]
            classrooms[(str(r["site_id"]), str(r["band"]))] = int(n)
    beds_extra = {pos_to_site[i]: int(math.ceil(v - 1e-6)) for i, v in enumerate(sol.resource_extra) if v > 1e-6}
    designated = {pos_to_site[i]: bool(d) for i, d in enumerate(sol.designated)}
    g = model.groups.copy()
    arc = sol.group_arc
    a = model.arcs
    g["to_site"] = np.where(arc >= 0, a["site_id"].to_numpy()[np.maximum(arc, 0)], "")
    g["to_mode"] = np.where(arc >= 0, a["mode"].to_numpy()[np.maximum(arc, 0)], "")
    g["minutes"] = np.where(arc >= 0, a["minutes"].to_numpy()[np.maximum(arc, 0)], np.nan)
    n_count = len(model.problem.count_limits)
    names = (model.limit_names[:n_count] + ["extra"] * len(extra_limits or []) + model.limit_names[n_count:])
    relaxed = [(names[i], float(v)) for i, v in enumerate(sol.limit_slack) if v > 1e-6 and names[i] != "extra"]
    return Decision(site_option, option_row, classrooms, beds_extra, designated, g, sol, relaxed)


def kind_of_option(row) -> str:
    """The school kind an option makes (e.g. a downgrade makes a teaching point)."""
    return kind_for_grades(int(row["grade_lo"]), int(row["grade_hi"]))
