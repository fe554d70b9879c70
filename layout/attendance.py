"""Today's attendance: which school the children of each village attend, in which grade, and how they get there.

Every plan is judged against today, so today must be the data, not a model of it. A county folder may carry the
bureau's roll (学籍) as ``attendance.*`` (home village, school, grade, pupils, mode); :func:`attendance_today`
then returns it, filling only the modes a row leaves blank. Without it, the attendance is **inferred** so that the
data are reproduced exactly:

1. For every grade, a transportation problem sends each village's children to schools teaching that grade so that
   every school's enrolment in the grade (``enrol_g``) is met exactly, at the least total travel time (the shorter
   of the walk and the bus trip on the road network, matched only within ``attendance.match_within_minutes``).
   Where the villages' children and the rolls disagree, the
   difference is carried, never hidden: children no roll holds (**not on any roll**) and pupils on a roll with no
   home village in the county (**roll without a home village**, e.g. pupils from another county).
2. Each school's boarders (``boarders``) are its farthest pupils of the grades that may board; its bus riders
   (``bus_riders``, when the schools file gives them) are its farthest remaining pupils that a bus reaches, those
   beyond the walking limit first. Everyone else walks. Without a ``bus_riders`` column nobody is assumed to ride.

The transportation problems are linear programmes (HiGHS dual simplex) solved by column generation: each village
starts with its nearest schools, and arcs with a negative reduced cost are added until none is left, so the
result is optimal over all village–school pairs. Their vertices are whole children.

Example
-------
>>> from layout.datasets import make_county
>>> county = make_county(n_villages=40, n_townships=4, seed=1).with_changes(attendance=None)
>>> att = attendance_today(county)
>>> att.inferred, bool(att.table.groupby("school_id")["children"].sum().sum() == county.schools["enrolment"].sum())
(True, True)
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from layout.county import ATTENDANCE_COLUMNS, NO_HOME
from layout.i18n import Phrase, pair
from layout.schema import BANDS, GRADES

__all__ = ["Attendance", "attendance_today", "infer_attendance", "fill_modes"]

_CACHE: dict[tuple, tuple[weakref.ref, Attendance]] = {}


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Attendance:
    """Who goes where today.

    Attributes
    ----------
    table : DataFrame
        :data:`layout.county.ATTENDANCE_COLUMNS`: ``village_id`` (``""`` for pupils without a home village),
        ``school_id``, ``grade`` (0 where only the band is known), ``band``, ``mode`` (walk / bus / board),
        ``children``.
    inferred : bool
        True when the county gave no attendance and it was inferred from the rolls.
    not_on_roll : DataFrame
        ``village_id, grade, band, children``: children of a village that no school's roll holds.
    messages : tuple of (en, zh)
        Data problems and assumptions, for ``layout check``.
    """

    table: pd.DataFrame
    inferred: bool
    not_on_roll: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["village_id", "grade", "band", "children"]))
    messages: tuple[tuple[str, str], ...] = ()

    @property
    def roll_without_home(self) -> pd.DataFrame:
        """``school_id, grade, band, children`` of pupils on a roll with no home village in the county."""
        t = self.table[self.table["village_id"] == NO_HOME]
        return (t.groupby(["school_id", "grade", "band"], as_index=False)["children"].sum()
                if len(t) else pd.DataFrame(columns=["school_id", "grade", "band", "children"]))

    def by_band(self) -> pd.DataFrame:
        """Rows summed over grades: ``village_id, band, school_id, mode, children``, sorted."""
        t = self.table
        return (t.groupby(["village_id", "band", "school_id", "mode"], as_index=False, sort=True)["children"].sum()
                .astype({"children": np.int64}))

    def school_totals(self) -> pd.DataFrame:
        """Per school: pupils by band, ``total``, ``walk``, ``bus``, ``board`` and ``no_home``."""
        t = self.table
        out = t.pivot_table(index="school_id", columns="band", values="children", aggfunc="sum", fill_value=0)
        out = out.reindex(columns=list(BANDS), fill_value=0)
        out["total"] = out.sum(axis=1)
        modes = t.pivot_table(index="school_id", columns="mode", values="children", aggfunc="sum", fill_value=0)
        modes = modes.reindex(columns=["walk", "bus", "board"], fill_value=0)
        out[["walk", "bus", "board"]] = modes
        out["no_home"] = t[t["village_id"] == NO_HOME].groupby("school_id")["children"].sum()
        return out.fillna(0).astype(np.int64)


def _travel(county, travel: Mapping | None) -> dict:
    from layout.network import travel as network_travel

    out = dict(travel or {})
    for mode in ("walk", "bus"):
        tm = out.get(mode)
        if tm is None or len(county.schools.index.difference(tm.school_ids)) or len(
                county.villages.index.difference(tm.village_ids)):
            out[mode] = network_travel(county, mode)
    return out


def _minutes(travel: Mapping, villages: pd.Index, schools: pd.Index, mode: str) -> np.ndarray:
    tm = travel.get(mode)
    if tm is None:
        return np.full((len(villages), len(schools)), np.inf)
    m = tm.minutes.reindex(index=villages, columns=schools).to_numpy(dtype=float)
    return np.where(np.isnan(m), np.inf, m)


def attendance_today(county, travel: Mapping | None = None) -> Attendance:
    """The county's attendance today: the given roll (blank modes filled), or one inferred from the rolls.

    Parameters
    ----------
    county : County
    travel : mapping of mode -> TravelMatrix, optional
        ``{"walk": ..., "bus": ...}`` covering the county's villages and schools; computed when missing.

    Returns
    -------
    Attendance
        Cached per county and travel matrices (the same objects give the same value without recomputing).

    Example
    -------
    >>> from layout.datasets import make_county
    >>> att = attendance_today(make_county(n_villages=30, n_townships=3, seed=2))
    >>> sorted(att.table["mode"].unique()) <= ["board", "bus", "walk"]
    True
    """
    key = (id(county), *(id((travel or {}).get(m)) for m in ("walk", "bus")))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is county:
        return hit[1]
    travel = _travel(county, travel)
    if county.attendance is not None:
        att = fill_modes(county, county.attendance, travel, inferred=False)
    else:
        att = infer_attendance(county, travel)
    for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[k]
    _CACHE[key] = (weakref.ref(county), att)
    return att


def _transport(cost: np.ndarray, supply: np.ndarray, demand: np.ndarray, first: int = 20,
               max_rounds: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Transportation problem with slack: villages (rows) supply children, schools (columns) need pupils.

    Minimises Σ cost·x + P·(unplaced children + unfilled places), P larger than any trip, so as many children as
    possible are matched to places, then at the least travel. ``cost`` is ``inf`` where a village cannot reach a
    school. Column generation over the finite pairs, started from each village's ``first`` nearest schools and each
    school's ``first`` nearest villages.

    Returns
    -------
    (rows, cols, flows, unplaced) — arcs with positive flow, and per village the children left unplaced.
    """
    n, m = cost.shape
    finite = np.isfinite(cost)
    if not finite.any() or supply.sum() == 0 or demand.sum() == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0), supply.astype(float)
    big = 2.0 * float(cost[finite].max()) + 10.0
    c = np.where(finite, cost, np.inf)
    active = np.zeros_like(finite)
    k = min(first, m)
    near_s = np.argpartition(c, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (n, 1))
    active[np.repeat(np.arange(n), near_s.shape[1]), near_s.ravel()] = True
    kv = min(first, n)
    near_v = np.argpartition(c, kv - 1, axis=0)[:kv, :] if kv < n else np.tile(np.arange(n)[:, None], (1, m))
    active[near_v.ravel(), np.tile(np.arange(m), near_v.shape[0])] = True
    active &= finite & (supply[:, None] > 0) & (demand[None, :] > 0)
    usable = finite & (supply[:, None] > 0) & (demand[None, :] > 0)
    for _ in range(max_rounds):
        ii, jj = np.nonzero(active)
        na = len(ii)
        obj = np.concatenate([c[ii, jj], np.full(n + m, big)])
        rows = np.concatenate([ii, n + jj, np.arange(n), n + np.arange(m)])
        cols = np.concatenate([np.arange(na), np.arange(na), na + np.arange(n), na + n + np.arange(m)])
        a_eq = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + m, na + n + m))
        res = linprog(obj, A_eq=a_eq, b_eq=np.concatenate([supply, demand]).astype(float), bounds=(0, None),
                      method="highs-ds")
        if res.status != 0:
            raise RuntimeError(f"attendance inference failed: {res.message}")  # slack keeps it feasible
        y = res.eqlin.marginals
        reduced = np.where(usable & ~active, c - y[:n, None] - y[None, n:], np.inf)
        enter = reduced < -1e-9 * max(1.0, big)
        if not enter.any():
            break
        active |= enter
    x = np.rint(res.x)
    flows = x[:na]
    keep = flows > 0
    placed = np.bincount(ii[keep], weights=flows[keep], minlength=n)
    return ii[keep], jj[keep], flows[keep], supply - placed


def infer_attendance(county, travel: Mapping | None = None) -> Attendance:
    """Infer today's attendance from the rolls (``enrol_g``, ``boarders``, ``bus_riders``) and travel times.

    Parameters
    ----------
    county : County
    travel : mapping of mode -> TravelMatrix, optional
        Walking and bus times (computed when missing).

    Returns
    -------
    Attendance
        ``inferred=True``; every school's enrolment per grade, boarders and bus riders reproduced exactly where the
        villages' children allow it, the rest carried as "not on any roll" / "roll without a home village" and
        explained in ``messages``.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> county = make_county(n_villages=30, n_townships=3, seed=4).with_changes(attendance=None)
    >>> att = infer_attendance(county)
    >>> t = att.table.groupby(["school_id", "grade"])["children"].sum()
    >>> all(int(t.get((s, g), 0)) == int(county.schools.at[s, f"enrol_{g}"])
    ...     for s in county.schools.index for g in range(1, 10))
    True
    """
    travel = _travel(county, travel)
    std = county.standards
    v, s = county.villages, county.schools
    vids, sids = pd.Index(v.index.astype(str)), pd.Index(s.index.astype(str))
    trip = np.fmin(_minutes(travel, vids, sids, "walk"), _minutes(travel, vids, sids, "bus"))
    trip = np.where(trip <= float(std.get("attendance.match_within_minutes")), trip, np.inf)
    lo, hi = s["grade_lo"].to_numpy(int), s["grade_hi"].to_numpy(int)
    graded = all(f"grade_{g}" in v for g in GRADES)
    rows, not_on, messages = [], [], []
    units = [(g, std.band_of_grade(g)) for g in GRADES] if graded else [(0, b) for b in BANDS]
    for g, band in units:
        if g:
            supply = v[f"grade_{g}"].to_numpy(float)
            need = s[f"enrol_{g}"].to_numpy(float)
            teach = (lo <= g) & (hi >= g)
        else:
            blo, bhi = std.bands[band]
            supply = v[band].to_numpy(float)
            need = sum(s[f"enrol_{k}"].to_numpy(float) for k in range(blo, bhi + 1))
            teach = (lo <= blo) & (hi >= bhi)
        cols = np.flatnonzero(teach & (need > 0))
        ii, jj, flows, left = _transport(trip[:, cols], supply, need[cols])
        filled = np.bincount(jj, weights=flows, minlength=len(cols))
        for i, j, f in zip(ii, jj, flows, strict=True):
            rows.append((vids[i], sids[cols[j]], g, band, "", int(f)))
        for j in np.flatnonzero(need[cols] - filled > 0):
            rows.append((NO_HOME, sids[cols[j]], g, band, "", int(need[cols][j] - filled[j])))
        for i in np.flatnonzero(left > 0):
            not_on.append((vids[i], g, band, int(left[i])))
        what = Phrase("grade", g=g) if g else Phrase(f"band.{band}")
        if supply.sum() != need.sum():
            messages.append(pair("attendance_msg.totals_differ", what=what, children=int(supply.sum()),
                                 pupils=int(need.sum())))
    table = pd.DataFrame(rows, columns=list(ATTENDANCE_COLUMNS))
    not_on_roll = pd.DataFrame(not_on, columns=["village_id", "grade", "band", "children"])
    messages.insert(0, pair("attendance_msg.inferred"))
    if len(not_on_roll):
        messages.append(pair("attendance_msg.not_on_roll", n=int(not_on_roll["children"].sum()),
                             villages=not_on_roll["village_id"].nunique()))
    no_home = table[table["village_id"] == NO_HOME]
    if len(no_home):
        messages.append(pair("attendance_msg.no_home", n=int(no_home["children"].sum()),
                             schools=no_home["school_id"].nunique()))
    filled = fill_modes(county, table, travel, inferred=True)
    return Attendance(filled.table, True, not_on_roll, tuple(messages) + filled.messages)


def _take(school: np.ndarray, children: np.ndarray, eligible: np.ndarray, keys: list[np.ndarray],
          want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children taken from each row, school by school, in order of ``keys`` (``numpy.lexsort`` order: the last
    key first) until each school's ``want`` is met; and what each school still lacks."""
    take = np.zeros(len(children))
    idx = np.flatnonzero(eligible)
    short = want.astype(float).copy()
    if len(idx):
        order = idx[np.lexsort((*[k[idx] for k in keys], school[idx]))]
        kids = children[order].astype(float)
        sch = school[order]
        cum = pd.Series(kids).groupby(sch).cumsum().to_numpy()
        got = np.clip(want[sch] - (cum - kids), 0.0, kids)
        take[order] = got
        short -= np.bincount(sch, weights=got, minlength=len(want))
    return take, np.maximum(short, 0.0)


def _lookup(tm, vids: pd.Index, sids: pd.Index) -> np.ndarray:
    """Minutes of each (village, school) pair from a travel matrix (inf where unknown or unreachable)."""
    out = np.full(len(vids), np.inf)
    if tm is None:
        return out
    known = np.asarray(vids.isin(tm.village_ids) & sids.isin(tm.school_ids))
    if known.any():
        vals = tm.minutes.to_numpy(dtype=float)[tm.village_ids.get_indexer(vids[known]),
                                                 tm.school_ids.get_indexer(sids[known])]
        out[known] = np.where(np.isnan(vals), np.inf, vals)
    return out


def fill_modes(county, table: pd.DataFrame, travel: Mapping, inferred: bool) -> Attendance:
    """Fill blank modes of an attendance table from the schools' ``boarders`` and ``bus_riders``.

    Boarders are the farthest pupils of the grades that may board; bus riders the farthest remaining pupils a bus
    reaches, those beyond the walking limit first; the rest walk. Rows whose mode is given are kept as given and
    count toward the school's totals. Pupils without a home village keep walking (their trip is unknown).

    Parameters
    ----------
    county : County
    table : DataFrame
        :data:`layout.county.ATTENDANCE_COLUMNS`; ``mode`` may be ``""``.
    travel : mapping of mode -> TravelMatrix
    inferred : bool
        Carried into the result.

    Returns
    -------
    Attendance
    """
    std = county.standards
    s = county.schools
    t = table.copy().reset_index(drop=True)
    t["mode"] = t["mode"].fillna("").astype(object)
    messages: list[tuple[str, str]] = []
    if "bus_riders" not in s or s["bus_riders"].isna().all():
        messages.append(pair("attendance_msg.no_bus_riders"))
    vids, sids = pd.Index(t["village_id"].astype(str)), pd.Index(t["school_id"].astype(str))
    t["_walk"] = _lookup(travel.get("walk"), vids, sids)
    t["_bus"] = _lookup(travel.get("bus"), vids, sids)
    t["_home"] = t["village_id"] != NO_HOME
    t["_limit"] = t["band"].map(std.walk_limit).astype(float)
    t["_board_ok"] = t["band"].map(std.may_board).astype(bool)
    codes, uniq = pd.factorize(t["school_id"])
    home = t["_home"].to_numpy(bool)
    walk_min, bus_min = t["_walk"].to_numpy(float), t["_bus"].to_numpy(float)
    vid_rank = pd.factorize(t["village_id"], sort=True)[0]
    pieces = []
    for mode, column in (("board", "boarders"), ("bus", "bus_riders")):
        given = (s[column].reindex(uniq).to_numpy(float) if column in s else np.full(len(uniq), np.nan))
        have = np.bincount(codes, weights=t["children"].to_numpy(float) * (t["mode"] == mode).to_numpy(),
                           minlength=len(uniq))
        want = np.where(np.isfinite(given), np.maximum(given - have, 0.0), 0.0)
        blank = (t["mode"] == "").to_numpy() & home & (t["children"].to_numpy() > 0)
        if mode == "board":
            eligible = blank & t["_board_ok"].to_numpy(bool)
            keys = [vid_rank, -np.fmin(walk_min, bus_min)]            # farthest first
        else:
            eligible = blank & np.isfinite(bus_min)
            keys = [vid_rank, -walk_min, ~(walk_min > t["_limit"].to_numpy(float))]   # beyond the walk first
        take, short = _take(codes, t["children"].to_numpy(float), eligible, keys, want)
        if take.any():
            moved = t[take > 0].copy()
            moved["children"] = take[take > 0].astype(np.int64)
            moved["mode"] = mode
            pieces.append(moved)
            t["children"] = (t["children"].to_numpy(float) - take).astype(np.int64)
        for k in np.flatnonzero(short > 0):
            n = int(given[k])
            messages.append(pair(f"attendance_msg.short_{mode}", school=uniq[k], n=n, have=n - int(short[k])))
    t.loc[t["mode"] == "", "mode"] = "walk"
    out = pd.concat([t, *pieces], ignore_index=True)
    out = out[out["children"] > 0]
    out = (out.groupby(["village_id", "school_id", "grade", "band", "mode"], as_index=False, sort=True)["children"]
           .sum().astype({"children": np.int64, "grade": np.int64})[list(ATTENDANCE_COLUMNS)])
    return Attendance(out, inferred, messages=tuple(messages))
