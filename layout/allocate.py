"""Allocation: where every child goes under a plan, and how they get there (walk, school bus or boarding).

**Today is the data.** :func:`allocate` starts from today's attendance (:func:`layout.attendance.attendance_today`:
the bureau's roll, or one inferred from the rolls so that every school's enrolment, boarders and bus riders are
reproduced exactly). Under ``Plan.status_quo`` every pupil stays where the roll says, with the mode it says.

**A plan moves only the children it touches**: the pupils of schools it closes or merges, of the grades a school
stops teaching (downgrade), those an explicit ``move`` action sends elsewhere, and children a projection adds to a
village with no pupils today. Everyone else stays where they are. Years ahead, each village's pupils keep today's
pattern, scaled to the projected children.

The children a plan moves are placed by :func:`place`, one minimum-cost flow (a linear programme solved by HiGHS'
dual simplex, by column generation) over arcs *village-band group → school* under the band's travel rule
(:meth:`layout.standards.Standards.travel_rule`):

* a school only takes a band it teaches under the plan; closed schools take no one;
* **walk** within the band's walking limit; else **school bus** where the band may ride and the bus trip is within
  its limit (grades 1–3 too: 走读 means "not boarding", not "on foot"); else **board** at a school with free beds
  where the band may board (never grades 1–3); else the children are **unserved**, with the reason;
* the pupils of a merged school, and those a ``move`` names, go to the receiving school whenever its rules allow;
  the rest overflow to the next best school, and each such move says why (``how``).

The costs rank the rules strictly — first as few children unserved as possible, then to the receiving school, then
as few boarders, then as few bus riders, then the least total minutes — by tier penalties chosen from the data so no
trade across tiers can pay. Capacities: the seats a school has left by band (its seats are shared among the bands it
teaches by their grades; a merge adds seats for the pupils it brings, squeezed into the same classrooms) and its
free beds. Students are conserved exactly: assigned + unserved = demand for every village and band.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from layout.county import NO_HOME
from layout.demand import current_demand, project_demand
from layout.errors import LayoutInputError, Problem
from layout.i18n import Note, pair, t
from layout.network.matrix import TravelMatrix
from layout.schema import BANDS

__all__ = ["allocate", "allocate_from", "today_inputs", "Today", "place", "Allocation", "ConservationError", "UNSERVED_REASONS", "MODES", "band_seats",
           "MOVE_REASONS", "MOVE_HOW"]

MODES = ("walk", "bus", "board")
#: why children have no place: code -> (English, Chinese), from the catalogue's ``unserved_reason.*``
UNSERVED_REASONS = {code: pair(f"unserved_reason.{code}") for code in (
    "no_school_for_band", "beyond_day_limit", "no_place_in_reach", "capacity", "no_school_for_outside_pupils")}
#: why a plan moves children: (English, Chinese)
MOVE_REASONS = {code: pair(f"move_reason.{code}") for code in ("merged", "closed", "grades_dropped", "moved", "new")}
#: where they went: (English, Chinese)
MOVE_HOW = {code: pair(f"move_how.{code}") for code in ("target", "nearest", "overflow_full", "overflow_rules")}


class ConservationError(AssertionError):
    """Raised by :meth:`Allocation.check_conserved` when children were lost or invented."""


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


_ASSIGN_COLS = {"village_id": object, "band": object, "school_id": object, "mode": object, "children": np.int64,
                "minutes": float, "metres": float, "from_school": object, "moved": bool}
_UNSERVED_COLS = {"village_id": object, "band": object, "children": np.int64, "reason": object,
                  "message_en": object, "message_zh": object, "from_school": object}
_MOVE_COLS = {"village_id": object, "band": object, "from_school": object, "to_school": object, "mode": object,
              "children": np.int64, "minutes": float, "why": object, "how": object}
_OUTSIDE_COLS = {"school_id": object, "band": object, "mode": object, "children": np.int64, "from_school": object}


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Allocation:
    """Where every child goes under a plan.

    Attributes
    ----------
    assignments : DataFrame
        One row per village, band, school and mode: ``village_id, band, school_id, mode`` (walk/bus/board),
        ``children`` (int), ``minutes`` and ``metres`` (one-way trip; for boarders the weekly trip home),
        ``from_school`` (today's school; "" for children with no school today) and ``moved`` (the plan moved
        them).
    unserved : DataFrame
        ``village_id, band, children, reason, message_en, message_zh, from_school``.
    moves : DataFrame
        The children the plan moves: ``village_id, band, from_school, to_school`` ("" when unserved), ``mode``,
        ``children``, ``minutes``, ``why`` (:data:`MOVE_REASONS`), ``how`` (:data:`MOVE_HOW`, or "unserved").
    splits : DataFrame
        Village-band groups the plan moved that went to more than one school or mode: ``village_id, band,
        children, parts, detail``.
    outside : DataFrame
        Pupils on rolls with no home village in the county: ``school_id, band, mode, children, from_school``.
    not_on_roll : DataFrame
        Children of villages that no school's roll holds (``village_id, band, children``): neither assigned nor
        unserved; a data difference shown by ``layout check``.
    demand : DataFrame
        The children on rolls allocated (index village_id; g1_3, g4_6, g7_9), with those a ``move`` action enrols
        from no roll.
    plan : Plan
    year : int
    estimated : bool
        Travel times are straight-line estimates.
    attendance_inferred : bool
        Today's attendance was inferred from the rolls (no attendance file).
    census : DataFrame
        Children living in each village (index village_id; g1_3, g4_6, g7_9) for the year: every one of them is
        assigned, unserved or not on any roll.
    status, objective, seconds
        Solver status, objective value and wall time of placing the moved children.
    """

    assignments: pd.DataFrame
    unserved: pd.DataFrame
    splits: pd.DataFrame
    demand: pd.DataFrame
    plan: object
    year: int = 0
    estimated: bool = False
    status: str = "optimal"
    objective: float = 0.0
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    moves: pd.DataFrame = field(default_factory=lambda: _empty(_MOVE_COLS))
    outside: pd.DataFrame = field(default_factory=lambda: _empty(_OUTSIDE_COLS))
    not_on_roll: pd.DataFrame = field(default_factory=lambda: _empty(
        {"village_id": object, "band": object, "children": np.int64}))
    attendance_inferred: bool = False
    census: pd.DataFrame | None = None

    @property
    def table(self) -> pd.DataFrame:
        """Alias of :attr:`assignments`."""
        return self.assignments

    @property
    def students_total(self) -> int:
        """Children on rolls (villages' pupils and pupils from outside the county)."""
        return int(self.demand.to_numpy().sum()) + self.outside_total

    @property
    def outside_total(self) -> int:
        return int(self.outside["children"].sum()) + int(
            self.unserved.loc[self.unserved["village_id"] == NO_HOME, "children"].sum())

    @property
    def students_assigned(self) -> int:
        return int(self.assignments["children"].sum()) + int(self.outside["children"].sum())

    @property
    def students_unserved(self) -> int:
        return int(self.unserved["children"].sum())

    @property
    def students_moved(self) -> int:
        """Children the plan moves from today's school (placed or not)."""
        return int(self.moves["children"].sum())

    def check_conserved(self, demand: pd.DataFrame | None = None) -> bool:
        """Check that every child is accounted for, exactly: for every village and band, assigned + unserved + not
        on any roll = the children living there.

        Parameters
        ----------
        demand : DataFrame, optional
            Children by village and band to check against (default: :attr:`census`, or :attr:`demand` when the
            allocation carries no census).

        Returns
        -------
        True

        Raises
        ------
        ConservationError
            Naming the first villages and bands that do not add up.
        """
        if demand is None:
            demand = self.census if self.census is not None else self.demand
        want = demand[list(BANDS)].stack()
        want.index = want.index.set_names(["village_id", "band"])
        home = self.unserved[self.unserved["village_id"] != NO_HOME]
        got = (pd.concat([self.assignments[["village_id", "band", "children"]],
                          home[["village_id", "band", "children"]],
                          self.not_on_roll[["village_id", "band", "children"]]])
               .groupby(["village_id", "band"])["children"].sum())
        diff = got.reindex(want.index, fill_value=0).astype(np.int64) - want.astype(np.int64)
        extra = got.index.difference(want.index)
        bad = diff[diff != 0]
        if len(bad) or len(extra):
            shown = ", ".join(f"{v}/{b}: {int(d):+d}" for (v, b), d in bad.head(5).items())
            raise ConservationError(f"children not conserved in {len(bad)} village-band group(s) "
                                    f"({shown}){'; unknown groups ' + str(list(extra[:5])) if len(extra) else ''}")
        return True

    def by_school(self, ids: pd.Index | None = None) -> pd.DataFrame:
        """Pupils per school: one column per band, ``total``, and per mode (``walk``, ``bus``, ``board``).

        Every school of the plan is a row (zeros for closed or empty schools); pupils from outside the county are
        counted at their school. With ``ids``, only those schools' rows, in that order (the same numbers).
        """
        parts = [self.assignments[["school_id", "band", "mode", "children"]],
                 self.outside[["school_id", "band", "mode", "children"]]]
        if ids is not None:
            parts = [p[p["school_id"].isin(ids).to_numpy()] for p in parts]
        a = pd.concat(parts, ignore_index=True)
        ids = self.plan.schools.index if ids is None else pd.Index(ids, name=self.plan.schools.index.name)
        out = pd.DataFrame(0, index=ids, columns=[*BANDS, "total", *MODES], dtype=np.int64)
        if len(a):
            pos = ids.get_indexer(a["school_id"])
            kids = a["children"].to_numpy(np.int64)
            for b in BANDS:
                out[b] = np.bincount(pos, weights=kids * (a["band"] == b).to_numpy(), minlength=len(ids))
            for m in MODES:
                out[m] = np.bincount(pos, weights=kids * (a["mode"] == m).to_numpy(), minlength=len(ids))
        out["total"] = out[list(BANDS)].sum(axis=1)
        return out.fillna(0).astype(np.int64)

    def by_village(self) -> pd.DataFrame:
        """Per village: children on rolls, assigned, unserved, child-weighted mean and max trip minutes."""
        a = self.assignments
        dem = self.demand.sum(axis=1).rename("children")
        w = a.assign(wm=a["children"] * a["minutes"])
        g = w.groupby("village_id").agg(assigned=("children", "sum"), wm=("wm", "sum"), max_minutes=("minutes", "max"))
        out = pd.DataFrame(dem)
        out["assigned"] = g["assigned"].reindex(out.index, fill_value=0)
        out["unserved"] = self.unserved.groupby("village_id")["children"].sum().reindex(out.index, fill_value=0)
        out["mean_minutes"] = (g["wm"] / g["assigned"].where(g["assigned"] > 0)).reindex(out.index)
        out["max_minutes"] = g["max_minutes"].reindex(out.index)
        return out


# ---- travel matrices ----------------------------------------------------------------------------------------------
def _matrix(travel: Mapping[str, TravelMatrix], mode: str, villages: pd.Index, schools: pd.Index,
            problems: list[Problem]) -> tuple[np.ndarray, np.ndarray] | None:
    tm = travel.get(mode)
    if tm is None:
        return None
    miss_s = schools.difference(tm.school_ids)
    miss_v = villages.difference(tm.village_ids)
    if len(miss_s) or len(miss_v):
        what = []
        if len(miss_s):
            what.append(f"schools {', '.join(map(str, miss_s[:5]))}{' …' if len(miss_s) > 5 else ''}")
        if len(miss_v):
            what.append(f"villages {', '.join(map(str, miss_v[:5]))}{' …' if len(miss_v) > 5 else ''}")
        problems.append(Problem(f"travel[{mode!r}]", "the travel matrix does not cover " + " and ".join(what),
                                fix="compute it with layout.network.travel(county, mode, sites=plan.new_sites)"))
        return None
    mins = tm.minutes.reindex(index=villages, columns=schools).to_numpy(dtype=float)
    mets = tm.metres.reindex(index=villages, columns=schools).to_numpy(dtype=float)
    return np.where(np.isnan(mins), np.inf, mins), np.where(np.isnan(mets), np.inf, mets)


def _matrices(travel, villages: pd.Index, schools: pd.Index):
    problems: list[Problem] = []
    if "walk" not in travel:
        problems.append(Problem("travel", "no walking travel matrix", fix="pass travel={'walk': ..., 'bus': ...}"))
    walk = _matrix(travel, "walk", villages, schools, problems)
    bus = _matrix(travel, "bus", villages, schools, problems)
    if problems:
        raise LayoutInputError(problems, "travel times do not fit the plan")
    wmin, wmet = walk
    bmin, bmet = bus if bus is not None else (np.full_like(wmin, np.inf), np.full_like(wmin, np.inf))
    return wmin, wmet, bmin, bmet


def _trip(mode: np.ndarray, wmin, wmet, bmin, bmet) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and metres of each trip by its mode (boarders: the weekly trip home by the quicker way)."""
    board_bus = bmin <= wmin
    minutes = np.select([mode == "walk", mode == "bus"], [wmin, bmin], np.where(board_bus, bmin, wmin))
    metres = np.select([mode == "walk", mode == "bus"], [wmet, bmet], np.where(board_bus, bmet, wmet))
    return minutes, metres


def _band_positions(bands: pd.Series) -> np.ndarray:
    """Each row's band as its position in BANDS (a dictionary look-up per row, not a list search)."""
    pos = {b: i for i, b in enumerate(BANDS)}
    return np.fromiter((pos[b] for b in bands.to_numpy(dtype=object)), dtype=np.int64, count=len(bands))


# ---- seats and beds -----------------------------------------------------------------------------------------------
def band_seats(plan, school_ids: pd.Index, standards) -> np.ndarray:
    """Seats of each school by band (schools × g1_3, g4_6, g7_9).

    A school's own seats are shared among the bands it teaches in proportion to their grades (whole seats,
    largest remainder, so they add up to the school's seats); seats a merge added go to the bands whose pupils
    came, and seats an ``expand`` built for one band to that band. A band the school does not teach gets none.
    """
    own, expanded, merged = _own_and_merged_seats(plan, school_ids, standards)
    return own + expanded + merged


def _own_and_merged_seats(plan, school_ids: pd.Index, standards) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seats by band: the school's own (shared by grades), those an ``expand`` built for one band, and those merges
    added for the pupils they brought."""
    s = plan.schools.loc[school_ids]
    bands = standards.bands
    lo, hi = s["grade_lo"].to_numpy(int), s["grade_hi"].to_numpy(int)

    def cols(prefix: str) -> np.ndarray:
        return np.column_stack([s[f"{prefix}_{b}"].to_numpy(float) if f"{prefix}_{b}" in s else np.zeros(len(s))
                                for b in BANDS])

    merged, expanded = cols("merged"), cols("expanded")
    own = np.maximum(s["seats"].to_numpy(float) - merged.sum(axis=1) - expanded.sum(axis=1), 0.0)
    return _shared_by_grades(own, lo, hi, bands), expanded, merged


def _shared_by_grades(own: np.ndarray, lo: np.ndarray, hi: np.ndarray, bands) -> np.ndarray:
    """Whole seats of each school shared among the bands it teaches by their grades (largest remainder)."""
    grades = np.column_stack([np.where((lo <= bands[b][0]) & (hi >= bands[b][1]), bands[b][1] - bands[b][0] + 1, 0)
                              for b in BANDS]).astype(float)
    total = grades.sum(axis=1, keepdims=True)
    share = own[:, None] * np.divide(grades, total, out=np.zeros_like(grades), where=total > 0)
    base = np.floor(share)
    rest = np.rint(own - base.sum(axis=1)).astype(int)
    order = np.argsort(-(share - base), axis=1, kind="stable")
    for i in np.flatnonzero((rest > 0) & (total[:, 0] > 0)):
        base[i, order[i, : rest[i]]] += 1
    return base


# ---- today, scaled to the year ------------------------------------------------------------------------------------
def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    base = np.floor(values)
    rest = int(total - base.sum())
    if rest > 0:
        base[np.argsort(-(values - base), kind="stable")[:rest]] += 1
    return base.astype(np.int64)


def _scaled_today(county, attendance, census: pd.DataFrame, exact: bool):
    """Today's rows (village, band, school, mode, children) scaled to ``census`` children, the children of villages
    that had none on a roll today (``new``), and the children not on any roll, by village and band."""
    base = attendance.by_band()
    home = base[base["village_id"] != NO_HOME].reset_index(drop=True)
    outside = base[base["village_id"] == NO_HOME].reset_index(drop=True)
    today = current_demand(county)
    onroll = home.groupby(["village_id", "band"])["children"].sum()
    today_long = today.stack().rename("today")
    today_long.index = today_long.index.set_names(["village_id", "band"])
    new_long = census[list(BANDS)].stack().rename("new")
    new_long.index = new_long.index.set_names(["village_id", "band"])
    frame = pd.concat([today_long, new_long, onroll.rename("onroll")], axis=1).fillna(0)
    if exact:
        target = frame["onroll"]
    else:
        ratio = np.divide(frame["new"], frame["today"], out=np.zeros(len(frame)), where=frame["today"] > 0)
        target = pd.Series(np.rint(frame["onroll"].to_numpy() * ratio), index=frame.index)
        target = target.where(frame["today"] > 0, 0.0)
        if len(home):
            key = pd.MultiIndex.from_frame(home[["village_id", "band"]])
            share = home["children"].to_numpy(float) / onroll.reindex(key).to_numpy(float)
            want = share * target.reindex(key).to_numpy(float)
            home = home.assign(_key=list(zip(home["village_id"], home["band"], strict=True)), _want=want)
            scaled = np.zeros(len(home), dtype=np.int64)
            for k, idx in home.groupby("_key").indices.items():
                scaled[idx] = _largest_remainder(home["_want"].to_numpy()[idx], int(target.get(k, 0)))
            home = home.assign(children=scaled).drop(columns=["_key", "_want"])
            home = home[home["children"] > 0].reset_index(drop=True)
    has_pattern = frame["today"] > 0
    new = (frame["new"] - target).where(~has_pattern, 0.0)
    not_on = (frame["new"] - target).where(has_pattern, 0.0).clip(lower=0)
    new = new[new > 0].astype(np.int64)
    not_on = not_on[not_on > 0].astype(np.int64)
    demand = pd.concat([home.groupby(["village_id", "band"])["children"].sum(), new]).groupby(level=[0, 1]).sum()
    demand = (demand.unstack("band").reindex(index=census.index, columns=list(BANDS)).fillna(0).astype(np.int64))
    demand.index.name = "village_id"
    return home, outside, new, not_on, demand


# ---- allocate -----------------------------------------------------------------------------------------------------
def _receiver(plan, sid: str) -> str | None:
    """The open school that took a merged school's pupils (None for a plain closure)."""
    s = plan.schools
    into = s.at[sid, "merged_into"] if sid in s.index else None
    return into if isinstance(into, str) and into in s.index and s.at[into, "status"] == "open" else None


def allocate(county, plan, travel: Mapping[str, TravelMatrix], standards=None, year: int = 0, *,
             demand: pd.DataFrame | None = None, attendance=None) -> Allocation:
    """Where every child goes under ``plan``: today's attendance, with the children the plan touches moved.

    Parameters
    ----------
    county : County
    plan : Plan
        Which schools are open, the grades they teach, their seats and beds (``Plan.status_quo(county)`` for
        today's layout).
    travel : mapping of mode -> TravelMatrix
        ``"walk"`` (required) and ``"bus"`` (optional: without it nobody is moved onto a bus) covering every
        village and every open school of the plan, new sites included.
    standards : Standards, optional
        Defaults to the county's.
    year : int
        Years ahead; each village's pupils follow today's pattern scaled to :func:`layout.demand.project_demand`.
    demand : DataFrame, optional
        Children by village and band (as the villages' ``g1_3`` … columns) to use instead of the projection.
    attendance : Attendance, optional
        Today's attendance (default :func:`layout.attendance.attendance_today`).

    Returns
    -------
    Allocation

    Raises
    ------
    LayoutInputError
        When the travel matrices do not cover the plan's schools or the villages.

    Example
    -------
    >>> import layout
    >>> from layout.datasets import make_county
    >>> from layout.plan import Plan
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> tr = {m: layout.travel(county, m) for m in ("walk", "bus")}
    >>> today = allocate(county, Plan.status_quo(county), tr)
    >>> bool((today.by_school()["total"] == county.schools["enrolment"]).all()), today.students_unserved
    (True, 0)
    """
    t0 = time.perf_counter()
    std = standards or county.standards
    today = today_inputs(county, travel, std, year, demand=demand, attendance=attendance)
    return allocate_from(today, county, plan, travel, std, started=t0)


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Today:
    """What every allocation of one county, year and travel starts from, whatever the plan (see
    :func:`today_inputs`): the children living in each village (``census``), today's attendance scaled to the year
    (``home``: rows with a home village; ``outside``: pupils from outside the county), children of villages no roll
    holds a pattern for (``new``), children on no roll (``not_on``), the children on rolls by village and band
    (``demand``), the villages in matrix order and whether the year is today's data exactly."""

    census: pd.DataFrame
    attendance: object
    home: pd.DataFrame
    outside: pd.DataFrame
    new: pd.Series
    not_on: pd.Series
    demand: pd.DataFrame
    villages: pd.Index
    year: int
    exact: bool


def today_inputs(county, travel: Mapping[str, TravelMatrix], standards=None, year: int = 0, *,
                 demand: pd.DataFrame | None = None, attendance=None) -> Today:
    """The plan-independent part of :func:`allocate` (reused when many plans of one county are allocated).

    Parameters and defaults are those of :func:`allocate`.

    Returns
    -------
    Today
    """
    from layout.attendance import attendance_today

    census = project_demand(county, year) if demand is None else demand[list(BANDS)].astype(np.int64)
    census.index = pd.Index(census.index.astype(str), name="village_id")
    att = attendance if attendance is not None else attendance_today(county, travel)
    exact = demand is None and year == 0
    home, outside, new, not_on, dem = _scaled_today(county, att, census, exact)
    return Today(census, att, home, outside, new, not_on, dem, pd.Index(census.index, name="village_id"),
                 int(year), exact)


def allocate_from(today: Today, county, plan, travel: Mapping[str, TravelMatrix], standards=None, *,
                  matrices: tuple | None = None, fates: tuple | None = None,
                  started: float | None = None, memo: dict | None = None) -> Allocation:
    """:func:`allocate` from its plan-independent inputs.

    Parameters
    ----------
    today : Today
        From :func:`today_inputs` for the same county, travel, standards and year.
    county, plan, travel, standards
        As for :func:`allocate`.
    matrices : tuple, optional
        ``(walk_min, walk_m, bus_min, bus_m)`` for ``today.villages`` × the plan's open schools (in
        ``plan.open_schools`` order, unreachable as inf), when already read from ``travel``.
    fates : tuple, optional
        ``(target, why)`` of every row of ``today.home`` under this plan (as the private ``_fates`` gives them),
        when already known.
    started : float, optional
        ``time.perf_counter()`` at the start (for :attr:`Allocation.seconds`).
    memo : dict, optional
        Kept by the caller between calls on the same ``today`` (e.g. one dict per
        :class:`layout.scenario.engine.IncrementalEvaluator`): the parts that do not depend on the plan are stored
        there and reused (today the placement of pupils from outside the county when none of them moves). The
        result is the same with or without it.

    Returns
    -------
    Allocation
    """
    t0 = time.perf_counter() if started is None else started
    std = standards or county.standards
    census, att, year = today.census, today.attendance, today.year
    home, outside, new, not_on, dem = today.home, today.outside, today.new, today.not_on, today.demand.copy()
    villages = today.villages
    s = plan.schools
    open_ids = s.index[s["status"] == "open"]
    wmin, wmet, bmin, bmet = _matrices(travel, villages, open_ids) if matrices is None else matrices
    estimated = any(getattr(travel.get(m), "estimated", False) for m in ("walk", "bus"))
    notes = [] if "bus" in travel else [Note("note.no_bus_matrix")]
    if att.inferred:
        notes.append(Note("note.attendance_inferred"))

    # -- who stays, who moves
    serves = {b: set(plan.serving(b)) for b in BANDS}
    moves_by = _explicit_moves(plan)
    home_target, home_why = _fates(home, plan, serves, moves_by) if fates is None else fates
    out_target, out_why = _fates(outside.assign(village_id=NO_HOME), plan, serves, {})
    kept = home[home_why == ""]
    displaced = home[home_why != ""].assign(target=home_target[home_why != ""], why=home_why[home_why != ""])
    extra = pd.DataFrame({"village_id": new.index.get_level_values(0), "band": new.index.get_level_values(1),
                          "school_id": "", "mode": "", "children": new.to_numpy(np.int64), "target": "", "why": "new"})
    named = [k for k in not_on.index if k in moves_by]          # a move names children on no roll today too
    enrolled = pd.DataFrame({"village_id": [v for v, _ in named], "band": [b for _, b in named], "school_id": "",
                             "mode": "", "children": not_on.loc[named].to_numpy(np.int64) if named else [],
                             "target": [moves_by[k] for k in named], "why": "moved"})
    not_on = not_on.drop(named)
    displaced = pd.concat([displaced, extra, enrolled], ignore_index=True)

    # -- seats and beds left for the children who move
    kept_all = pd.concat([kept, outside[out_why == ""]], ignore_index=True)
    own, expanded, merged = _own_and_merged_seats(plan, open_ids, std)
    load = np.zeros((len(open_ids), len(BANDS)))
    board_load = np.zeros(len(open_ids))
    if len(kept_all):
        pos = open_ids.get_indexer(kept_all["school_id"])
        bpos = _band_positions(kept_all["band"])
        np.add.at(load, (pos, bpos), kept_all["children"].to_numpy(float))
        board = (kept_all["mode"] == "board").to_numpy()
        np.add.at(board_load, pos[board], kept_all["children"].to_numpy(float)[board])
    # new classrooms and merged-in seats are on top of a school's crowding today: its own seats may be full already
    seats_left = np.maximum(own - load, 0.0) + expanded + merged
    beds = np.where(s.loc[open_ids, "boarding"].to_numpy(bool), s.loc[open_ids, "beds"].to_numpy(float), 0.0)
    beds_left = np.maximum(beds - board_load, 0.0)

    # -- the kept rows, with their trips
    vi = villages.get_indexer(kept["village_id"])
    si = open_ids.get_indexer(kept["school_id"])
    km, kt = _trip(kept["mode"].to_numpy(), wmin[vi, si], wmet[vi, si], bmin[vi, si], bmet[vi, si])
    kept_rows = pd.DataFrame({"village_id": kept["village_id"].to_numpy(), "band": kept["band"].to_numpy(),
                              "school_id": kept["school_id"].to_numpy(), "mode": kept["mode"].to_numpy(),
                              "children": kept["children"].to_numpy(np.int64), "minutes": km, "metres": kt,
                              "from_school": kept["school_id"].to_numpy(), "moved": False})

    placed = place(county, plan, travel, displaced.rename(columns={"school_id": "from_school"}), std,
                   seats_left=seats_left, beds_left=beds_left, matrices=(villages, open_ids, wmin, wmet, bmin, bmet))
    assignments = pd.concat([kept_rows, placed.assignments], ignore_index=True)
    assignments = (assignments.groupby(["village_id", "band", "school_id", "mode", "from_school", "moved"],
                                       as_index=False, sort=True)
                   .agg(children=("children", "sum"), minutes=("minutes", "first"), metres=("metres", "first")))
    assignments = assignments[list(_ASSIGN_COLS)].astype(_ASSIGN_COLS)
    if memo is not None and not (out_why != "").any():
        # nobody from outside moves: they stay at their schools, whatever the plan (no plan-dependent input left)
        if "outside_kept" not in memo:
            memo["outside_kept"] = _place_outside(plan, outside, out_target, out_why, serves)
        outside_rows, outside_unserved = (f.copy() for f in memo["outside_kept"])
    else:
        outside_rows, outside_unserved = _place_outside(plan, outside, out_target, out_why, serves)
    unserved = pd.concat([placed.unserved, outside_unserved], ignore_index=True).astype(_UNSERVED_COLS)
    not_on_roll = pd.DataFrame({"village_id": not_on.index.get_level_values(0),
                                "band": not_on.index.get_level_values(1), "children": not_on.to_numpy(np.int64)})
    for (v, b), n in zip(named, enrolled["children"], strict=True):
        dem.loc[v, b] += int(n)
    return Allocation(assignments, unserved, placed.splits, dem, plan, int(year), estimated, placed.status,
                      placed.objective, time.perf_counter() - t0, tuple(notes), placed.moves, outside_rows,
                      not_on_roll.astype({"village_id": object, "band": object}), att.inferred, census)


def _explicit_moves(plan) -> dict[tuple, str]:
    """``(village, band) -> school`` and ``(village, band, from school) -> school`` of the plan's ``move`` actions
    (later actions win)."""
    out: dict[tuple, str] = {}
    for a in plan.actions:
        if getattr(a, "keyword", "") == "move":
            for v in a.villages:
                for b in a.bands or BANDS:
                    out[(str(v), str(b)) if not a.from_ else (str(v), str(b), str(a.from_))] = str(a.to)
    return out


def _fates(rows: pd.DataFrame, plan, serves: dict[str, set], moves_by: dict) -> tuple[np.ndarray, np.ndarray]:
    """For each row of today's attendance: the school the plan sends it to ("" if none named) and why it moves
    ("" when it stays)."""
    s = plan.schools
    target = np.full(len(rows), "", dtype=object)
    why = np.full(len(rows), "", dtype=object)
    modes = rows["mode"].to_numpy() if "mode" in rows else np.full(len(rows), "")
    for i, (v, b, sid) in enumerate(zip(rows["village_id"], rows["band"], rows["school_id"], strict=True)):
        to = moves_by.get((v, b, sid), moves_by.get((v, b)))
        if sid not in serves[b]:   # its school closes, merges or drops the band: it moves, wherever a move says
            status = s.at[sid, "status"] if sid in s.index else "closed"
            into = _receiver(plan, sid)
            why[i] = ("merged" if into else "closed") if status != "open" else "grades_dropped"
            target[i] = to if to is not None else (into if into and into in serves[b] else "")
        elif to is not None and (to != sid or modes[i] == "walk"):
            # moved elsewhere, or re-placed by the rule at its own school (a long walk becomes a bus ride)
            target[i], why[i] = to, "moved"
    return target, why


def _place_outside(plan, outside: pd.DataFrame, target: np.ndarray, why: np.ndarray, serves):
    """Pupils from outside the county stay at their school; when it closes they follow the merge, or go to the
    nearest open school teaching their grades (straight line between the schools: their home is unknown)."""
    s = plan.schools
    rows, lost = [], []
    for r, to, w in zip(outside.itertuples(index=False), target, why, strict=True):
        dest = r.school_id if w == "" else to
        if not dest:
            cands = sorted(serves[r.band])
            if cands:
                here = s.geometry[r.school_id]
                d = s.geometry.loc[cands].distance(here)
                dest = str(d.idxmin())
        if dest:
            rows.append({"school_id": dest, "band": r.band, "mode": r.mode, "children": int(r.children),
                         "from_school": r.school_id})
        else:
            en, zh = UNSERVED_REASONS["no_school_for_outside_pupils"]
            lost.append({"village_id": NO_HOME, "band": r.band, "children": int(r.children),
                         "reason": "no_school_for_outside_pupils", "message_en": en, "message_zh": zh,
                         "from_school": r.school_id})
    out = pd.DataFrame(rows, columns=list(_OUTSIDE_COLS)).astype(_OUTSIDE_COLS)
    if len(out):
        out = out.groupby(["school_id", "band", "mode", "from_school"], as_index=False)["children"].sum()
        out = out[list(_OUTSIDE_COLS)].astype(_OUTSIDE_COLS)
    return out, pd.DataFrame(lost, columns=list(_UNSERVED_COLS))


# ---- placing children by the rules --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Placement:
    """What :func:`place` returns: ``assignments`` and ``unserved`` (as in :class:`Allocation`), ``moves``,
    ``splits``, solver ``status`` and ``objective``."""

    assignments: pd.DataFrame
    unserved: pd.DataFrame
    moves: pd.DataFrame
    splits: pd.DataFrame
    status: str = "optimal"
    objective: float = 0.0


def place(county, plan, travel: Mapping[str, TravelMatrix], groups: pd.DataFrame, standards=None, *,
          seats_left: np.ndarray | None = None, beds_left: np.ndarray | None = None, matrices=None) -> Placement:
    """Place groups of children at the plan's open schools under the travel rule of their band.

    Parameters
    ----------
    county : County
    plan : Plan
    travel : mapping of mode -> TravelMatrix
        Covering the groups' villages and the plan's open schools.
    groups : DataFrame
        ``village_id, band, children`` and optionally ``target`` (a school they should go to when its rules allow,
        "" for none), ``from_school`` and ``why`` (carried into :attr:`Placement.moves`).
    standards : Standards, optional
    seats_left : array (open schools × bands), optional
        Seats available to the groups (default: every seat of the plan's open schools).
    beds_left : array (open schools,), optional
        Beds available (default: the boarding schools' beds).
    matrices : tuple, optional
        ``(villages, open_ids, walk_min, walk_m, bus_min, bus_m)`` already read from ``travel``.

    Returns
    -------
    Placement

    Example
    -------
    >>> import layout, pandas as pd
    >>> from layout.datasets import make_county
    >>> from layout.plan import Plan
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> tr = {m: layout.travel(county, m) for m in ("walk", "bus")}
    >>> groups = pd.DataFrame({"village_id": ["V0010"], "band": ["g1_3"], "children": [12]})
    >>> p = place(county, Plan.status_quo(county), tr, groups)
    >>> int(p.assignments["children"].sum() + p.unserved["children"].sum())
    12
    """
    std = standards or county.standards
    s = plan.schools
    if matrices is None:
        villages = pd.Index(pd.unique(groups["village_id"].astype(str)), name="village_id")
        open_ids = s.index[s["status"] == "open"]
        wmin, wmet, bmin, bmet = _matrices(travel, villages, open_ids)
    else:
        villages, open_ids, wmin, wmet, bmin, bmet = matrices
    g = groups.reset_index(drop=True)
    for col, default in (("target", ""), ("from_school", ""), ("why", "")):
        if col not in g:
            g[col] = default
    g = (g.assign(target=g["target"].fillna("").astype(str), from_school=g["from_school"].fillna("").astype(str),
                  why=g["why"].fillna("").astype(str))
         .groupby(["village_id", "band", "target", "from_school", "why"], as_index=False, sort=True)["children"].sum())
    g = g[g["children"] > 0].reset_index(drop=True)
    if seats_left is None:
        seats_left = band_seats(plan, open_ids, std)
    if beds_left is None:
        beds_left = np.where(s.loc[open_ids, "boarding"].to_numpy(bool), s.loc[open_ids, "beds"].to_numpy(float), 0.0)
    if g.empty:
        return Placement(_empty(_ASSIGN_COLS), _empty(_UNSERVED_COLS), _empty(_MOVE_COLS), _splits_empty())
    lo = s.loc[open_ids, "grade_lo"].to_numpy(int)
    hi = s.loc[open_ids, "grade_hi"].to_numpy(int)
    n_s = len(open_ids)
    gv = villages.get_indexer(g["village_id"].astype(str))
    gb = _band_positions(g["band"])
    gt = open_ids.get_indexer(g["target"])          # -1 when no target (or it is not open)
    demand = g["children"].to_numpy(np.int64)

    arcs = {k: [] for k in ("g", "j", "m", "min", "met")}
    reason = np.empty(len(g), dtype=object)
    for bi, band in enumerate(BANDS):
        sel = np.flatnonzero(gb == bi)
        if not len(sel):
            continue
        rule = std.travel_rule(band)
        blo, bhi = std.bands[band]
        teach = (lo <= blo) & (hi >= bhi)
        w, b = wmin[gv[sel]], bmin[gv[sel]]
        can_walk = (w <= rule.walk_limit) & teach[None, :]
        can_bus = ((b <= rule.bus_limit) & teach[None, :] & ~can_walk) if rule.may_bus else np.zeros_like(can_walk)
        trip = np.minimum(w, b)
        can_board = ((beds_left > 0)[None, :] & teach[None, :] & ~can_walk & ~can_bus & np.isfinite(trip)) \
            if rule.may_board else np.zeros_like(can_walk)
        any_arc = (can_walk | can_bus | can_board).any(axis=1)
        if not teach.any():
            why = "no_school_for_band"
        elif not rule.may_board:
            why = "beyond_day_limit"
        else:
            why = "no_place_in_reach"
        reason[sel] = np.where(any_arc, "capacity", why)
        for m, mask, mm, mt in (("walk", can_walk, w, wmet[gv[sel]]), ("bus", can_bus, b, bmet[gv[sel]]),
                                ("board", can_board, trip, np.where(b <= w, bmet[gv[sel]], wmet[gv[sel]]))):
            rr, jj = np.nonzero(mask)
            arcs["g"].append(sel[rr])
            arcs["j"].append(jj)
            arcs["m"].append(np.full(len(rr), MODES.index(m)))
            arcs["min"].append(mm[rr, jj])
            arcs["met"].append(mt[rr, jj])
    a_g, a_j, a_m = (np.concatenate(arcs[k]).astype(int) for k in ("g", "j", "m"))
    a_min, a_met = np.concatenate(arcs["min"]), np.concatenate(arcs["met"])

    # tier penalties: each exceeds the largest saving of the tiers below along a chain through n_s schools
    walk_cap = max(std.walk_limit(b) for b in BANDS)
    bus_cap = max(std.bus_limit(b) for b in BANDS)
    board_trip_cap = float(a_min[a_m == 2].max()) if (a_m == 2).any() else 0.0
    chain = n_s + 1
    p_bus = walk_cap * chain + 1.0
    p_board = (p_bus + bus_cap) * chain + 1.0
    p_off = (p_board + board_trip_cap) * chain + 1.0
    p_unserved = (p_off + p_board + board_trip_cap) * chain + 1.0
    off = (gt[a_g] >= 0) & (a_j != gt[a_g])
    cost = a_min + np.select([a_m == 1, a_m == 2], [p_bus, p_board], 0.0) + np.where(off, p_off, 0.0)
    x = np.zeros(len(a_g))
    objective, status = 0.0, "optimal"
    if len(a_g):
        x, objective, integer = _solve(cost, a_g, a_j * len(BANDS) + gb[a_g], a_j, a_m, demand,
                                       seats_left.ravel(), beds_left, p_unserved)
        if integer:
            status = "optimal (integer programme)"
    left = demand - np.bincount(a_g, weights=x, minlength=len(g))
    if (left < 0).any():
        raise RuntimeError("placement produced more children than demand")  # guarded invariant

    used = x > 0
    has_target_arc = np.zeros(len(g), bool)
    np.logical_or.at(has_target_arc, a_g[~off & (gt[a_g] >= 0)], True)
    how = np.where(gt[a_g] < 0, "nearest", np.where(~off, "target",
                                                    np.where(has_target_arc[a_g], "overflow_full", "overflow_rules")))
    ug = a_g[used]
    assignments = pd.DataFrame({
        "village_id": g["village_id"].to_numpy()[ug], "band": g["band"].to_numpy()[ug],
        "school_id": open_ids.to_numpy()[a_j[used]], "mode": np.array(MODES, dtype=object)[a_m[used]],
        "children": x[used].astype(np.int64), "minutes": a_min[used], "metres": a_met[used],
        "from_school": g["from_school"].to_numpy()[ug], "moved": True}).astype(_ASSIGN_COLS)
    un = left > 0
    reasons = reason[un]
    unserved = pd.DataFrame({
        "village_id": g["village_id"].to_numpy()[un], "band": g["band"].to_numpy()[un],
        "children": left[un].astype(np.int64), "reason": reasons,
        "message_en": [UNSERVED_REASONS[r][0] for r in reasons],
        "message_zh": [UNSERVED_REASONS[r][1] for r in reasons],
        "from_school": g["from_school"].to_numpy()[un]}).astype(_UNSERVED_COLS)
    moves = pd.concat([
        pd.DataFrame({"village_id": assignments["village_id"], "band": assignments["band"],
                      "from_school": assignments["from_school"], "to_school": assignments["school_id"],
                      "mode": assignments["mode"], "children": assignments["children"],
                      "minutes": assignments["minutes"], "why": g["why"].to_numpy()[ug], "how": how[used]}),
        pd.DataFrame({"village_id": unserved["village_id"], "band": unserved["band"],
                      "from_school": unserved["from_school"], "to_school": "", "mode": "",
                      "children": unserved["children"], "minutes": np.nan, "why": g["why"].to_numpy()[un],
                      "how": "unserved"})], ignore_index=True).astype(_MOVE_COLS)
    return Placement(assignments, unserved, moves, _splits(assignments, unserved), status, objective)


def _lp(cost, g_of, r_of, j_of, m_of, demand, caps, beds, p_unserved):
    """Solve the flow LP over the given arcs (plus one unserved variable per group); HiGHS dual simplex.

    ``r_of`` is each arc's seat row (school × band), ``j_of`` its school (bed rows for boarding arcs).
    """
    n_a, n_g, n_r, n_s = len(cost), len(demand), len(caps), len(beds)
    c = np.concatenate([cost, np.full(n_g, p_unserved)])
    a_eq = sp.hstack([sp.csr_matrix((np.ones(n_a), (g_of, np.arange(n_a))), shape=(n_g, n_a)),
                      sp.identity(n_g, format="csr")]).tocsr()
    board = m_of == 2
    rows = np.concatenate([r_of, n_r + j_of[board]])
    cols = np.concatenate([np.arange(n_a), np.nonzero(board)[0]])
    a_ub = sp.hstack([sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_r + n_s, n_a)),
                      sp.csr_matrix((n_r + n_s, n_g))]).tocsr()
    b_ub = np.concatenate([caps, beds])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=demand.astype(float), bounds=(0, None),
                  method="highs-ds")
    if res.status != 0:
        raise RuntimeError(f"allocation solver failed: {res.message}")  # cannot happen: u keeps it feasible
    return res, c, a_ub, b_ub, a_eq


def _solve(cost, g_of, r_of, j_of, m_of, demand, caps, beds, p_unserved, first_arcs: int = 3,
           max_rounds: int = 50):
    """Least-cost flow over all arcs by column generation: start from each group's cheapest arcs per mode,
    price every other arc with the duals, add those that would lower the cost, repeat until none does.

    The result is optimal for the full problem (LP optimality: no arc has a negative reduced cost) and whole,
    since every restricted problem keeps the totally unimodular structure.

    Returns
    -------
    (x, objective, integer_fallback)
    """
    n_a, n_r = len(cost), len(caps)
    order = np.lexsort((cost, m_of, g_of))
    key = g_of[order] * 3 + m_of[order]
    first = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank = np.arange(n_a) - np.repeat(first, np.diff(np.r_[first, n_a]))
    active = np.zeros(n_a, bool)
    active[order[rank < first_arcs]] = True
    board = m_of == 2
    for _ in range(max_rounds):
        idx = np.flatnonzero(active)
        res, c, a_ub, b_ub, a_eq = _lp(cost[idx], g_of[idx], r_of[idx], j_of[idx], m_of[idx], demand, caps, beds,
                                       p_unserved)
        y = res.eqlin.marginals                 # per group
        lam = res.ineqlin.marginals             # ≤ 0: seats then beds
        reduced = cost - y[g_of] - lam[r_of] - np.where(board, lam[n_r + j_of], 0.0)
        tol = 1e-7 * max(1.0, float(np.abs(cost).max()))
        enter = ~active & (reduced < -tol)
        if not enter.any():
            break
        active |= enter
    else:   # not converged in max_rounds (never seen): solve over every arc
        idx = np.arange(n_a)
        res, c, a_ub, b_ub, a_eq = _lp(cost, g_of, r_of, j_of, m_of, demand, caps, beds, p_unserved)
    sol = res.x
    integer = False
    if np.abs(sol - np.rint(sol)).max() > 1e-6:
        # A vertex of this totally unimodular system is whole; guard against solver tolerance anyway.
        res = milp(c, constraints=[LinearConstraint(a_ub, -np.inf, b_ub), LinearConstraint(a_eq, demand, demand)],
                   integrality=np.ones(len(c)), bounds=Bounds(0, np.inf))
        sol, integer = res.x, True
    sol = np.rint(sol)
    x = np.zeros(n_a)
    x[idx] = sol[: len(idx)]
    return x, float(c @ sol), integer


def _splits_empty() -> pd.DataFrame:
    return _empty({"village_id": object, "band": object, "children": np.int64, "parts": np.int64, "detail": object,
                   "detail_en": object, "detail_zh": object})


def _splits(assignments: pd.DataFrame, unserved: pd.DataFrame) -> pd.DataFrame:
    """The village-band groups placed in more than one part (a school and mode, or unserved): ``village_id, band,
    children, parts, detail`` (``S001:12(walk), S004:3(bus)``), ``detail_en``, ``detail_zh``, by village and band;
    each group's parts by school and mode.

    Plain Python over the rows (usually few, and almost none split): a pandas group-by cost more than the rest of a
    what-if edit's placement.
    """
    sums: dict[tuple, int] = {}
    for v, b, sid, m, n in zip(assignments["village_id"], assignments["band"], assignments["school_id"],
                               assignments["mode"], assignments["children"], strict=True):
        sums[(v, b, sid, m)] = sums.get((v, b, sid, m), 0) + int(n)
    for v, b, n in zip(unserved["village_id"], unserved["band"], unserved["children"], strict=True):
        sums[(v, b, "unserved", "-")] = sums.get((v, b, "unserved", "-"), 0) + int(n)
    groups: dict[tuple, list] = {}
    for k in sorted(sums):
        groups.setdefault(k[:2], []).append((k[2], k[3], sums[k]))
    groups = {k: p for k, p in groups.items() if len(p) > 1}
    if not groups:
        return _splits_empty()

    def label(sid, m, n, in_words=None) -> str:   # in_words: a language for the words, None for the codes
        name = sid if in_words is None or sid != "unserved" else t("summary.unserved", in_words)
        return f"{name}:{n}" + ("" if m == "-" else f"({m if in_words is None else t(f'mode.{m}', in_words)})")

    keys = list(groups)
    out = pd.DataFrame({
        "village_id": [k[0] for k in keys], "band": [k[1] for k in keys],
        "children": np.array([sum(n for _, _, n in p) for p in groups.values()], dtype=np.int64),
        "parts": np.array([len(p) for p in groups.values()], dtype=np.int64),
        "detail": [", ".join(label(*x) for x in p) for p in groups.values()],
        "detail_en": [", ".join(label(*x, "en") for x in p) for p in groups.values()],
        "detail_zh": ["、".join(label(*x, "zh") for x in p) for p in groups.values()]})
    return out.astype({"village_id": object, "band": object, "detail": object, "detail_en": object,
                       "detail_zh": object})
