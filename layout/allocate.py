"""Allocation: where every child goes under a plan, and how they get there (walk, school bus or boarding).

:func:`allocate` solves one minimum-cost flow (a linear programme solved by HiGHS' dual simplex) over arcs
*village-band group → school*:

* a school only takes a band it teaches under the plan; closed and merged schools take no one;
* **walk** when the walk is within the band's limit (``travel.walk_limit_minutes``);
* else **school bus** when the band may ride (``travel.may_bus``) and the bus trip is within its limit;
* else **board** at a boarding school with beds when the band may board (``travel.may_board``; never grades 1–3);
* else the children are **unserved**, with the reason.

Capacities: a school's seats are shared among the bands it teaches by their number of grades (classrooms are
by grade: a village primary cannot seat 200 first-graders because it has room for 200 pupils), plus the seats a
merge added for the bands whose pupils it brought (:func:`band_seats`); beds cap boarders. The costs rank the
rules strictly — first as few children unserved as possible, then as few boarders, then as few bus riders,
then the least total minutes — by tier penalties chosen from the data so no trade across tiers can pay (each
tier's penalty exceeds the largest possible saving of the tier below along any chain of reassignments). Within
a tier the objective is the least total child travel time (nearby admission, 就近入学).

The arcs are many (every bus- and boarding-reachable school), so the LP is solved by column generation:
each group's three cheapest arcs per mode first, then every other arc priced with the duals and added while any
would lower the cost — the result is optimal over all arcs. Optimal vertices are whole children (the
constraint matrix is a flow matrix except where beds are shared by two boarding bands of a nine-year school);
should the solver return a fractional vertex, the restricted problem is re-solved as an integer programme.

Children of one village and band stay together unless a capacity forces a split: a vertex of the flow
polytope splits at most one group per full capacity, and every split is listed in :attr:`Allocation.splits`.
Students are conserved exactly: assigned + unserved = demand for every village and band.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from layout.demand import project_demand
from layout.errors import LayoutInputError, Problem
from layout.network.matrix import TravelMatrix
from layout.schema import BANDS

__all__ = ["allocate", "Allocation", "ConservationError", "UNSERVED_REASONS", "MODES", "band_seats"]

MODES = ("walk", "bus", "board")
UNSERVED_REASONS = {
    "no_school_for_band": ("no open school teaches these grades", "无开设该学段的学校"),
    "beyond_walk_limit": ("no school within the walking time limit (these grades may not ride or board)",
                          "步行时限内无学校(该学段不乘车、不寄宿)"),
    "no_place_in_reach": ("no school within the walk or bus limits and no boarding school with beds",
                          "步行、校车时限内无学校,且无有床位的寄宿制学校"),
    "capacity": ("the schools in reach are full (seats or beds)", "可达学校学位或床位已满"),
}


class ConservationError(AssertionError):
    """Raised by :meth:`Allocation.check_conserved` when children were lost or invented."""


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Allocation:
    """Where every child goes under a plan.

    Attributes
    ----------
    assignments : DataFrame
        One row per village, band, school and mode: ``village_id, band, school_id, mode`` (walk/bus/board),
        ``children`` (int), ``minutes`` and ``metres`` (one-way trip; for boarders the weekly trip home).
    unserved : DataFrame
        ``village_id, band, children, reason, message_en, message_zh``.
    splits : DataFrame
        Village-band groups sent to more than one school or mode: ``village_id, band, children, parts, detail``.
    demand : DataFrame
        The demand allocated (index village_id; g1_3, g4_6, g7_9).
    plan : Plan
    year : int
    estimated : bool
        Travel times are straight-line estimates.
    status, objective, seconds
        Solver status, objective value and wall time.
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

    @property
    def table(self) -> pd.DataFrame:
        """Alias of :attr:`assignments`."""
        return self.assignments

    @property
    def students_total(self) -> int:
        return int(self.demand.to_numpy().sum())

    @property
    def students_assigned(self) -> int:
        return int(self.assignments["children"].sum())

    @property
    def students_unserved(self) -> int:
        return int(self.unserved["children"].sum())

    def check_conserved(self, demand: pd.DataFrame | None = None) -> bool:
        """Check assigned + unserved = demand for every village and band (exactly, whole children).

        Parameters
        ----------
        demand : DataFrame, optional
            Demand to check against (default: the demand allocated).

        Returns
        -------
        True

        Raises
        ------
        ConservationError
            Naming the first villages and bands that do not add up.
        """
        demand = self.demand if demand is None else demand
        want = demand[list(BANDS)].stack()
        want.index = want.index.set_names(["village_id", "band"])
        got = (pd.concat([self.assignments[["village_id", "band", "children"]],
                          self.unserved[["village_id", "band", "children"]]])
               .groupby(["village_id", "band"])["children"].sum())
        diff = got.reindex(want.index, fill_value=0).astype(np.int64) - want.astype(np.int64)
        extra = got.index.difference(want.index)
        bad = diff[diff != 0]
        if len(bad) or len(extra):
            shown = ", ".join(f"{v}/{b}: {int(d):+d}" for (v, b), d in bad.head(5).items())
            raise ConservationError(f"children not conserved in {len(bad)} village-band group(s) "
                                    f"({shown}){'; unknown groups ' + str(list(extra[:5])) if len(extra) else ''}")
        return True

    def by_school(self) -> pd.DataFrame:
        """Pupils per school: one column per band, ``total``, and per mode (``walk``, ``bus``, ``board``).

        Every school of the plan is a row (zeros for closed or empty schools).
        """
        a = self.assignments
        ids = self.plan.schools.index
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
        """Per village: children, assigned, unserved, child-weighted mean and max trip minutes."""
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


def allocate(county, plan, travel: Mapping[str, TravelMatrix], standards=None, year: int = 0, *,
             demand: pd.DataFrame | None = None) -> Allocation:
    """Assign every child of every village and band to a school and a travel mode, or list them unserved.

    Parameters
    ----------
    county : County
    plan : Plan
        Which schools are open, the grades they teach, their seats and beds (``Plan.status_quo(county)`` for
        today's layout).
    travel : mapping of mode -> TravelMatrix
        ``"walk"`` (required) and ``"bus"`` (optional: without it nobody rides) covering every village and every
        open school of the plan, new sites included.
    standards : Standards, optional
        Defaults to the county's.
    year : int
        Years ahead; demand from :func:`layout.demand.project_demand`.
    demand : DataFrame, optional
        Children by village and band to allocate instead of the projection.

    Returns
    -------
    Allocation

    Raises
    ------
    LayoutInputError
        When the travel matrices do not cover the plan's schools or the villages.

    Example
    -------
    >>> from layout.plan import Plan                                          # doctest: +SKIP
    >>> walk, bus = layout.travel(county, "walk"), layout.travel(county, "bus")   # doctest: +SKIP
    >>> alloc = allocate(county, Plan.status_quo(county), {"walk": walk, "bus": bus})   # doctest: +SKIP
    >>> alloc.check_conserved()                                               # doctest: +SKIP
    True
    """
    t0 = time.perf_counter()
    std = standards or county.standards
    dem = project_demand(county, year) if demand is None else demand[list(BANDS)].astype(np.int64)
    villages = pd.Index(dem.index.astype(str), name="village_id")
    s = plan.schools
    open_ids = s.index[(s["status"] == "open") & (s["seats"] > 0)]
    problems: list[Problem] = []
    if "walk" not in travel:
        problems.append(Problem("travel", "no walking travel matrix", fix="pass travel={'walk': ..., 'bus': ...}"))
    walk = _matrix(travel, "walk", villages, open_ids, problems)
    bus = _matrix(travel, "bus", villages, open_ids, problems)
    if problems:
        raise LayoutInputError(problems, "travel times do not fit the plan")
    estimated = any(getattr(travel.get(m), "estimated", False) for m in ("walk", "bus"))
    notes = [] if "bus" in travel else ["no bus travel matrix given: nobody rides a school bus"]
    wmin, wmet = walk
    bmin, bmet = bus if bus is not None else (np.full_like(wmin, np.inf), np.full_like(wmin, np.inf))

    seats = band_seats(plan, open_ids, std)          # (schools × 3) seats by band
    beds = np.where(s.loc[open_ids, "boarding"].to_numpy(dtype=bool), s.loc[open_ids, "beds"].to_numpy(float), 0.0)
    lo = s.loc[open_ids, "grade_lo"].to_numpy(int)
    hi = s.loc[open_ids, "grade_hi"].to_numpy(int)
    n_s = len(open_ids)

    # Arcs, band by band.
    g_of, j_of, m_of, mins_of, mets_of, b_of = [], [], [], [], [], []
    groups = []          # (village index, band)
    group_demand = []
    group_reason = []    # reason if unserved and no arc
    walk_cap = max(std.walk_limit(b) for b in BANDS)
    bus_cap = max(std.bus_limit(b) for b in BANDS)
    vi_all = np.arange(len(villages))
    for bi, band in enumerate(BANDS):
        d = dem[band].to_numpy(dtype=np.int64)
        blo, bhi = std.bands[band]
        teach = (lo <= blo) & (hi >= bhi)
        wl, bl = std.walk_limit(band), std.bus_limit(band)
        can_walk = (wmin <= wl) & teach[None, :]
        can_bus = ((bmin <= bl) & teach[None, :] & ~can_walk) if std.may_bus(band) else np.zeros_like(can_walk)
        trip = np.minimum(wmin, bmin)
        can_board = ((beds > 0)[None, :] & teach[None, :] & ~can_walk & ~can_bus & np.isfinite(trip)) \
            if std.may_board(band) else np.zeros_like(can_walk)
        keep = d > 0
        gidx = np.full(len(villages), -1)
        gidx[keep] = np.arange(len(groups), len(groups) + int(keep.sum()))
        for v in vi_all[keep]:
            groups.append((v, band))
            group_demand.append(d[v])
        has_any = (can_walk | can_bus | can_board).any(axis=1)
        if not teach.any():
            reason = "no_school_for_band"
        elif not (std.may_bus(band) or std.may_board(band)):
            reason = "beyond_walk_limit"
        else:
            reason = "no_place_in_reach"
        group_reason.extend(np.where(has_any[keep], "capacity", reason).tolist())
        for mode, mask, mm, mt in (("walk", can_walk, wmin, wmet), ("bus", can_bus, bmin, bmet),
                                   ("board", can_board, trip, np.where(bmin <= wmin, bmet, wmet))):
            vv, jj = np.nonzero(mask & keep[:, None])
            g_of.append(gidx[vv])
            j_of.append(jj)
            m_of.append(np.full(len(vv), MODES.index(mode)))
            b_of.append(np.full(len(vv), bi))
            mins_of.append(mm[vv, jj])
            mets_of.append(mt[vv, jj])
    g_of = np.concatenate(g_of) if g_of else np.zeros(0, int)
    j_of = np.concatenate(j_of) if j_of else np.zeros(0, int)
    m_of = np.concatenate(m_of) if m_of else np.zeros(0, int)
    b_of = np.concatenate(b_of) if b_of else np.zeros(0, int)
    mins_of = np.concatenate(mins_of) if mins_of else np.zeros(0)
    mets_of = np.concatenate(mets_of) if mets_of else np.zeros(0)
    n_g, n_a = len(groups), len(g_of)
    group_demand = np.asarray(group_demand, dtype=np.int64)

    # Tier penalties: each exceeds the largest saving of the tiers below along a chain through n_s schools.
    board_trip_cap = float(mins_of[m_of == 2].max()) if (m_of == 2).any() else 0.0
    chain = n_s + 1
    p_bus = walk_cap * chain + 1.0
    p_board = (p_bus + bus_cap) * chain + 1.0
    p_unserved = (p_board + board_trip_cap) * chain + 1.0
    cost = mins_of + np.select([m_of == 1, m_of == 2], [p_bus, p_board], 0.0)

    x = np.zeros(n_a)
    u = group_demand.astype(float).copy()
    status, objective = "optimal", 0.0
    if n_a:
        x, objective, integer = _solve(cost, g_of, j_of * len(BANDS) + b_of, j_of, m_of, group_demand,
                                       seats.ravel(), beds, p_unserved)
        if integer:
            notes.append("solved as an integer programme (the linear relaxation was not whole)")
        u = group_demand - np.bincount(g_of, weights=x, minlength=n_g)
        if (u < 0).any():
            raise RuntimeError("allocation produced more children than demand")  # guarded invariant

    used = x > 0
    gv = np.array([groups[g][0] for g in range(n_g)], dtype=int) if n_g else np.zeros(0, int)
    gb = np.array([groups[g][1] for g in range(n_g)], dtype=object) if n_g else np.zeros(0, object)
    assignments = pd.DataFrame({
        "village_id": pd.Series(villages.to_numpy()[gv[g_of[used]]], dtype=object),
        "band": pd.Series(gb[g_of[used]], dtype=object),
        "school_id": pd.Series(open_ids.to_numpy()[j_of[used]], dtype=object),
        "mode": pd.Series(np.array(MODES, dtype=object)[m_of[used]], dtype=object),
        "children": x[used].astype(np.int64),
        "minutes": mins_of[used],
        "metres": mets_of[used],
    })
    un = u > 0
    reasons = np.asarray(group_reason, dtype=object)[un] if n_g else np.zeros(0, object)
    unserved = pd.DataFrame({
        "village_id": pd.Series(villages.to_numpy()[gv[un]], dtype=object),
        "band": pd.Series(gb[un], dtype=object),
        "children": u[un].astype(np.int64),
        "reason": pd.Series(reasons, dtype=object),
        "message_en": pd.Series([UNSERVED_REASONS[r][0] for r in reasons], dtype=object),
        "message_zh": pd.Series([UNSERVED_REASONS[r][1] for r in reasons], dtype=object),
    })
    splits = _splits(assignments, unserved)
    return Allocation(assignments, unserved, splits, dem.set_axis(villages), plan, int(year), estimated, status,
                      objective, time.perf_counter() - t0, tuple(notes))


def band_seats(plan, school_ids: pd.Index, standards) -> np.ndarray:
    """Seats of each school by band (schools × g1_3, g4_6, g7_9).

    A school's own seats are shared among the bands it teaches in proportion to their grades (whole seats,
    largest remainder, so they add up to the school's seats); seats a merge added go to the bands whose pupils
    came. A band the school does not teach gets none.
    """
    s = plan.schools.loc[school_ids]
    bands = standards.bands
    lo, hi = s["grade_lo"].to_numpy(int), s["grade_hi"].to_numpy(int)
    merged = np.column_stack([s[f"merged_{b}"].to_numpy(float) if f"merged_{b}" in s else np.zeros(len(s))
                              for b in BANDS])
    own = np.maximum(s["seats"].to_numpy(float) - merged.sum(axis=1), 0.0)
    grades = np.column_stack([np.where((lo <= bands[b][0]) & (hi >= bands[b][1]), bands[b][1] - bands[b][0] + 1, 0)
                              for b in BANDS]).astype(float)
    total = grades.sum(axis=1, keepdims=True)
    share = own[:, None] * np.divide(grades, total, out=np.zeros_like(grades), where=total > 0)
    base = np.floor(share)
    rest = np.rint(own - base.sum(axis=1)).astype(int)
    order = np.argsort(-(share - base), axis=1, kind="stable")
    for i in np.flatnonzero((rest > 0) & (total[:, 0] > 0)):
        base[i, order[i, : rest[i]]] += 1
    return base + merged


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


def _splits(assignments: pd.DataFrame, unserved: pd.DataFrame) -> pd.DataFrame:
    parts = pd.concat([assignments[["village_id", "band", "school_id", "mode", "children"]],
                       unserved.assign(school_id="unserved", mode="-")[["village_id", "band", "school_id", "mode",
                                                                         "children"]]], ignore_index=True)
    size = parts.groupby(["village_id", "band"])["children"].transform("size")
    parts = parts[size > 1]
    if parts.empty:
        return pd.DataFrame({"village_id": pd.Series(dtype=object), "band": pd.Series(dtype=object),
                             "children": pd.Series(dtype=np.int64), "parts": pd.Series(dtype=np.int64),
                             "detail": pd.Series(dtype=object)})
    label = (parts["school_id"].astype(str) + ":" + parts["children"].astype(str)
             + np.where(parts["mode"] == "-", "", "(" + parts["mode"].astype(str) + ")"))
    g = parts.assign(label=label).groupby(["village_id", "band"], sort=True)
    out = g.agg(children=("children", "sum"), parts=("children", "size"), detail=("label", ", ".join)).reset_index()
    out["children"] = out["children"].astype(np.int64)
    out["parts"] = out["parts"].astype(np.int64)
    return out.astype({"village_id": object, "band": object, "detail": object})
