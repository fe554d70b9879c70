"""Incremental evaluation: the evaluation of a plan one edit away from an evaluated plan, recomputing only what the
edit touches, and equal to a full :func:`layout.evaluate.evaluate` (the same tables, numbers and violations, in the
same order).

Where a full evaluation spends its time on a 2,000-village county (profiled, ``benchmarks/scenario.py``): reading
today's attendance scaled to the year, the travel matrices of the open schools, every attendance row's fate under
the plan, the school table's per-school rows, the 6-of-7 rows of every school, the posts each school needs, the
per-link bus estimate, the trip check of every village and the per-school checks. None of them depends on more
than its own school or village, so a :class:`Step` keeps them and the next edit recomputes only

* the **fates** of the attendance rows at schools whose status, grades or receiving school changed, and of the
  villages a ``move`` names (:func:`layout.allocate.allocate_from` with those fates);
* the **children the plan moves**: every child displaced by the plan is placed again by the same flow problem
  (:func:`layout.allocate.place`; its seats and beds couple them, so placing only the newest ones would not give
  the full answer); children who stay keep their rows;
* the **school rows** of schools touched by the edit or by the moved children — their table row, posts, bus links,
  checks and 6-of-7 row — and the **trip checks** of the villages whose children moved;
* the county aggregates from those rows (balance CVs, cost lines, staffing totals, trip statistics, Gini), which are
  cheap sums.

The school buses come from :func:`layout.evaluate.buses.plan_buses`, as in a full evaluation: it keeps each school's
shared routes while the school's riders do not change, so only the schools whose bus riders an edit changed are
routed again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from layout.allocate import _explicit_moves, _fates, allocate_from, today_inputs
from layout.attendance import attendance_today
from layout.evaluate import Evaluation
from layout.evaluate.balance import (
    balance_parts,
    basic_balance,
    quality_balance,
    quality_school_row,
    resources_after_closures,
)
from layout.evaluate.buses import plan_buses
from layout.evaluate.costs import plan_costs
from layout.evaluate.equity import travel_equity
from layout.evaluate.schools import school_table, unmet_boarding
from layout.evaluate.staffing import posts_needed_after, posts_needed_now, staffing_table
from layout.evaluate.travel_stats import travel_by_band
from layout.evaluate.violations import (
    _CLASS_CODES,
    find_violations,
    grade_change_violations,
    plan_receivers,
    primary_boarder_violations,
    quality_violation,
    resolved_violations,
    school_violations,
    trip_violations,
)
from layout.scenario.buses import BUS_METHODS
from layout.schema import BANDS

__all__ = ["IncrementalEvaluator", "Step", "changed_schools", "splice_rows"]

_FATE_COLUMNS = ("status", "grade_lo", "grade_hi", "merged_into")


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Step:
    """An evaluated plan and what the next edit reuses.

    Attributes
    ----------
    plan : Plan
    evaluation : Evaluation
        Equal to ``evaluate(county, plan, travel, standards, year, baseline=...)``.
    touched_schools, touched_villages : Index
        What this step recomputed (every school and village for the first step).
    seconds : float
        Wall time of the step.
    """

    plan: object
    evaluation: Evaluation
    touched_schools: pd.Index
    touched_villages: pd.Index
    seconds: float
    fates: tuple = field(repr=False, default=())
    moves_by: dict = field(repr=False, default_factory=dict)
    unmet: pd.Series | None = field(repr=False, default=None)
    receivers: frozenset = field(repr=False, default=frozenset())
    quality_rows: dict = field(repr=False, default_factory=dict)
    need_now: dict = field(repr=False, default_factory=dict)
    need_after: dict = field(repr=False, default_factory=dict)
    trips: dict = field(repr=False, default_factory=dict)
    school_checks: dict = field(repr=False, default_factory=dict)
    grade_checks: dict = field(repr=False, default_factory=dict)
    boarder_checks: dict = field(repr=False, default_factory=dict)
    version: int = field(repr=False, default=0)
    marked: dict = field(repr=False, default_factory=dict)


def changed_schools(old: pd.DataFrame, new: pd.DataFrame, columns=None, *, also=None):
    """Schools of ``new`` whose row differs from ``old`` in ``columns`` (default: all but the geometry), and those
    ``old`` lacks; missing values equal missing values. With ``also`` (some of the columns), the schools differing
    in those columns too, as a second result.

    Example
    -------
    >>> a = pd.DataFrame({"status": ["open", "open"], "x": [1.0, np.nan]}, index=["S1", "S2"])
    >>> b = pd.DataFrame({"status": ["closed", "open"], "x": [1.0, np.nan]}, index=["S1", "S2"])
    >>> list(changed_schools(a, b))
    ['S1']
    """
    cols = [c for c in new.columns if c != "geometry"] if columns is None else list(columns)
    o = pd.DataFrame(old.drop(columns="geometry", errors="ignore"))
    n = pd.DataFrame(new.drop(columns="geometry", errors="ignore"))
    if not n.index[:len(o)].equals(o.index):
        o = o.reindex(n.index[n.index.isin(o.index)])
    k = len(o)
    common, added = n.index[:k], n.index[k:]
    if not common.equals(o.index):      # schools are only ever added at the end; anything else: align by id
        common = n.index[n.index.isin(o.index)]
        added = n.index[~n.index.isin(o.index)]
        o, n = o.loc[common], n.loc[common]
    differ = np.zeros(len(common), dtype=bool)
    extra = np.zeros(len(common), dtype=bool)
    for c in cols:
        a, b = o[c].to_numpy(), n[c].to_numpy()[:len(common)]
        with np.errstate(invalid="ignore"):
            d = ~((pd.isna(a) & pd.isna(b)) | (a == b))
        differ |= d
        if also is not None and c in also:
            extra |= d
    out = common[differ].append(added)
    return out if also is None else (out, common[extra].append(added))


def splice_rows(old: pd.DataFrame, rows: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """``old`` with the rows of ``rows`` put in their place (or added), in ``index`` order, each column rebuilt as
    the table's constructor builds it from values (so a column's type follows its values, as in a full table).

    Example
    -------
    >>> old = pd.DataFrame({"n": [1, 2], "into": [None, None]}, index=["S1", "S2"])
    >>> new = pd.DataFrame({"n": [5], "into": ["S1"]}, index=["S2"])
    >>> out = splice_rows(old, new, pd.Index(["S1", "S2"]))
    >>> out["n"].tolist(), out.at["S2", "into"]
    ([1, 5], 'S1')
    """
    if rows.empty and old.index.equals(index):
        return old
    pos_new = rows.index.get_indexer(index)
    pos_old = old.index.get_indexer(index)
    fresh = pos_new >= 0
    columns = {}
    for c in old.columns:
        o, n = old[c].to_numpy(), rows[c].to_numpy()
        numeric = o.dtype.kind in "biuf" and n.dtype.kind in "biuf" and (o.dtype.kind == "b") == (n.dtype.kind == "b")
        dtype = np.result_type(o.dtype, n.dtype) if numeric else object
        values = np.empty(len(index), dtype=dtype)
        values[fresh] = n[pos_new[fresh]]
        values[~fresh] = o[pos_old[~fresh]]
        # a list: the constructor infers the type from the values, as school_table's columns are inferred
        columns[c] = values if numeric else values.tolist()
    return pd.DataFrame(columns, index=index)


def _index(values) -> pd.Index:
    return pd.Index(sorted({v for v in values if isinstance(v, str) and v}), dtype=object)


def _differing_rows(f0: pd.DataFrame, f1: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Rows (of ``cols``) that one frame has more often than the other (missing values equal)."""
    if f0.empty and f1.empty:
        return f0[cols]
    both = pd.concat([f0[cols], f1[cols]], ignore_index=True)
    sign = np.r_[np.ones(len(f0), np.int64), -np.ones(len(f1), np.int64)]
    count = both.assign(_n=sign).groupby(cols, dropna=False, sort=False)["_n"].sum()
    keys = count.index[count.to_numpy() != 0]
    return keys.to_frame(index=False) if len(keys) else both.iloc[:0]


class IncrementalEvaluator:
    """Evaluates plans of one county, travel, standards and year, each from the evaluated plan it was edited from.

    Parameters
    ----------
    county : County
    travel : mapping of mode -> TravelMatrix
        Covering every village and every school of the plans evaluated (new sites included: call
        :meth:`set_travel` when new sites were added).
    standards : Standards
    year : int
    baseline : Evaluation or None
        The status quo's evaluation (violations are marked new or existing against it).
    buses : {"routes", "estimate"}
        School buses on shared routes (default) or the per-link estimate, as the ``buses`` argument of
        :func:`layout.evaluate.evaluate` (the baseline must be evaluated the same way).

    Example
    -------
    >>> from layout.datasets import make_county
    >>> from layout.evaluate import evaluate, travel_for_plan
    >>> from layout.plan import Plan, Close
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> plan = Plan.status_quo(county)
    >>> travel = travel_for_plan(county, plan)
    >>> base = evaluate(county, plan, travel)
    >>> engine = IncrementalEvaluator(county, travel, county.standards, 0, base)
    >>> first = engine.step(plan)
    >>> small = base.schools["enrolment"].idxmin()
    >>> after = engine.step(plan.apply(Close(small)), first)
    >>> after.evaluation.students_moved == int(base.schools.at[small, "enrolment"])
    True
    >>> list(after.touched_schools) != list(first.touched_schools)
    True
    """

    def __init__(self, county, travel, standards, year: int, baseline, buses: str = "routes"):
        self.county = county
        self.standards = standards
        self.year = int(year)
        self.baseline = baseline
        if buses not in BUS_METHODS:
            raise ValueError(f"buses must be one of {BUS_METHODS}, not {buses!r}")
        self.buses = buses
        self.vnames = (county.villages["name"].astype(str) if "name" in county.villages
                       else pd.Series(dtype=str))
        self.travel: dict = {}
        self.set_travel(travel)

    # ---- travel and today's attendance --------------------------------------------------------------------
    def set_travel(self, travel) -> None:
        """Use these travel matrices from now on (e.g. with a new site's columns added)."""
        travel = dict(travel)
        if self.travel and all(travel.get(m) is self.travel.get(m) for m in ("walk", "bus")):
            return
        self.travel = travel
        att = attendance_today(self.county, travel)      # as allocate() reads it with these matrices
        today = today_inputs(self.county, travel, self.standards, self.year, attendance=att)
        old = getattr(self, "today", None)
        if old is not None and all(getattr(old, k).equals(getattr(today, k))
                                   for k in ("home", "outside", "new", "not_on", "demand", "census")):
            today = old                                  # the same rows: the steps' fates stay valid
        else:
            self._version = getattr(self, "_version", 0) + 1
            self._memo: dict = {}                        # allocate_from's plan-independent pieces of this today
        self.today = today
        home = today.home
        self._rows_of_school = {k: np.asarray(v) for k, v in home.groupby("school_id").indices.items()}
        self._rows_of_group = {k: np.asarray(v) for k, v in home.groupby(["village_id", "band"]).indices.items()}
        self._matrices_by_school(travel)

    def _matrices_by_school(self, travel) -> None:
        """Walk and bus minutes and metres, schools × villages (each school's row is contiguous, so the open
        schools' rows are copied quickly; read transposed they are exactly the matrices ``allocate`` reads)."""
        villages = self.today.villages
        walk = travel["walk"]
        cols = pd.Index(walk.school_ids)
        self._cols = cols
        out = []
        for mode in ("walk", "bus"):
            tm = travel.get(mode)
            if tm is None:
                out += [np.full((len(cols), len(villages)), np.inf)] * 2
                continue
            for frame in (tm.minutes, tm.metres):
                a = frame.reindex(index=villages, columns=cols).to_numpy(dtype=float).T
                out.append(np.ascontiguousarray(np.where(np.isnan(a), np.inf, a)))
        self._by_school = out

    def _open_matrices(self, open_ids: pd.Index) -> tuple:
        hit = getattr(self, "_last_open", None)
        if hit is not None and hit[0].equals(open_ids) and hit[1] == self._version:
            return hit[2]
        pos = self._cols.get_indexer(open_ids)
        if (pos < 0).any():
            missing = list(open_ids[pos < 0][:5])
            raise KeyError(f"travel matrices do not cover schools {missing}: add their travel (set_travel)")
        out = tuple(m[pos].T for m in self._by_school)
        self._last_open = (open_ids, self._version, out)
        return out

    # ---- one step -----------------------------------------------------------------------------------------
    def step(self, plan, prev: Step | None = None) -> Step:
        """The evaluation of ``plan``, reusing ``prev`` (the evaluated plan it was edited from; None: compute all).

        Returns
        -------
        Step
        """
        t0 = time.perf_counter()
        county, std = self.county, self.standards
        if prev is not None and prev.version != self._version:
            prev = None          # today's attendance changed with the travel matrices: recompute everything
        ps = plan.schools
        if prev is None:
            changed = fate_changed = ps.index
        else:
            changed, fate_changed = changed_schools(prev.plan.schools, ps, also=_FATE_COLUMNS)

        # -- allocation: fates of the rows the edit can change, then the same placement as allocate()
        fates, moves_by, vb_changed = self._fates(plan, prev, fate_changed)
        open_ids = ps.index[ps["status"] == "open"]
        alloc = allocate_from(self.today, county, plan, self.travel, std, matrices=self._open_matrices(open_ids),
                              fates=fates, started=t0, memo=self._memo)
        if prev is None:
            t_alloc, v_alloc = ps.index, self.today.villages
        else:
            t_alloc, v_alloc = self._allocation_touched(prev, alloc, fates, vb_changed)

        # -- school rows
        unmet = unmet_boarding(plan, alloc, std, self.travel)
        if prev is None:
            touched = ps.index
            table = school_table(county, plan, alloc, std, self.travel, unmet=unmet)
        else:
            um = pd.concat([prev.unmet, unmet], axis=1).fillna(0)
            unmet_changed = um.index[(um.iloc[:, 0] != um.iloc[:, 1]).to_numpy()] if len(um) else pd.Index([])
            touched = ps.index[ps.index.isin(changed.union(t_alloc).union(unmet_changed))]
            rows = school_table(county, plan, alloc, std, self.travel, ids=touched, unmet=unmet)
            table = splice_rows(prev.evaluation.schools, rows, ps.index)

        resources, res_moves = resources_after_closures(plan, std)
        # -- staffing: posts needed today (once per school) and after (touched schools)
        need_now = dict(prev.need_now) if prev is not None else {}
        need_after = dict(prev.need_after) if prev is not None else {}
        new_now = table.index[~table.index.isin(list(need_now))]
        if len(new_now):
            need_now.update(zip(new_now, posts_needed_now(county, table.loc[new_now], std), strict=True))
        redo = touched.union(table.index[~table.index.isin(list(need_after))])
        redo = table.index[table.index.isin(redo)]
        if len(redo):
            need_after.update(zip(redo, posts_needed_after(table.loc[redo], std), strict=True))
        needs = (np.array([need_now[s] for s in table.index], dtype=float),
                 np.array([need_after[s] for s in table.index], dtype=float))
        staffing, staffing_totals = staffing_table(county, plan, table, resources["teachers"], std, needs=needs)

        # -- balance: resources after closures and staffing, stage parts, the 6-of-7 rows of schools whose parts
        #    changed
        parts, _ = balance_parts(plan, table, std, staffing, (resources, res_moves))
        quality_rows, school_rows, failing = self._quality_rows(parts, table, prev)
        balance = {"quality": quality_balance(plan, table, std, (parts, res_moves), school_rows=school_rows),
                   "basic": basic_balance(plan, table, std, (parts, res_moves))}

        # -- costs, with the buses routed again only for the schools whose riders changed (plan_buses keeps the rest)
        is_today = not plan.actions
        base = None if is_today else self.baseline
        bus = self._buses(plan, alloc, prev)
        costs = plan_costs(plan, table, alloc, std, staffing=staffing, buses=bus.by_school, bus_method=bus.method,
                           vehicles_today=None if base is None else float(base.costs["buses"]))
        costs["staffing"] = staffing_totals
        costs["bus_routes"] = bus

        # -- violations: per-village and per-school checks of what was touched, the rest as full
        receivers = frozenset(plan_receivers(plan))
        sections, caches = self._checks(plan, alloc, table, prev, touched, changed, t_alloc, v_alloc, receivers)
        sections["quality"] = failing
        found = find_violations(county, plan, alloc, table, balance, std, bus_unserved=bus.unserved,
                                sections=sections)
        violations, marked = self._mark(found, base, prev)
        resolved = [] if base is None else resolved_violations(found, base.violations)
        ev = Evaluation(plan_name=plan.name, description=plan.description, year=self.year,
                        estimated=alloc.estimated, allocation=alloc, by_band=travel_by_band(alloc, std),
                        schools=table, balance=balance, costs=costs, equity=travel_equity(county, alloc),
                        violations=violations, county_name=county.name, staffing=staffing, resolved=resolved,
                        notes=tuple(bus.notes))
        return Step(plan, ev, touched, pd.Index(v_alloc), time.perf_counter() - t0, fates=fates, moves_by=moves_by,
                    unmet=unmet, receivers=receivers, quality_rows=quality_rows, need_now=need_now,
                    need_after=need_after, version=self._version, marked=marked, **caches)

    def _buses(self, plan, alloc, prev: Step | None):
        """:func:`plan_buses` of the plan, or the previous step's buses when their input is the same: the same bus
        riders (village, school, band, children, metres, minutes) at schools on the same sites, and no note from
        routing (a note comes from routing again, which plan_buses would then do)."""
        cols = ["village_id", "school_id", "band", "children", "metres", "minutes"]
        if prev is not None:
            old = prev.evaluation.costs.get("bus_routes")
            a0, a1 = prev.evaluation.allocation.assignments, alloc.assignments
            r0 = a0.loc[(a0["mode"] == "bus").to_numpy(), cols].reset_index(drop=True)
            r1 = a1.loc[(a1["mode"] == "bus").to_numpy(), cols].reset_index(drop=True)
            if old is not None and not old.notes and r0.equals(r1):
                ids = pd.unique(r1["school_id"])
                g0, g1 = prev.plan.schools.geometry, plan.schools.geometry
                if g0.index.isin(ids).sum() == len(ids) and all(
                        g0[i].equals_exact(g1[i], 0.0) for i in ids):
                    return old
        return plan_buses(self.county, plan, alloc, self.standards, method=self.buses)

    def _mark(self, found: list, base, prev: Step | None) -> tuple[list, dict]:
        """:func:`mark_status` of the violations (every one ``existing`` for today's plan itself), reusing the marked
        copies of those the previous step had (the same objects, from the sections kept)."""
        old = prev.marked if prev is not None else {}
        keys, crowded = self._baseline_keys() if base is not None else (None, None)
        marked, out = {}, []
        for v in found:
            if keys is None:
                status = "existing"
            elif v.code in _CLASS_CODES:    # one breach of two degrees: new only where worse than today
                status = "existing" if _CLASS_CODES[v.code] <= crowded.get(v.school_id, 0) else "new"
            else:
                status = "existing" if v.key in keys else "new"
            hit = old.get(id(v))
            if hit is None or hit[0] is not v or hit[1].status != status:
                hit = (v, replace(v, status=status))
            marked[id(v)] = hit
            out.append(hit[1])
        return out, marked

    def _baseline_keys(self) -> tuple[set, dict]:
        """The status quo's violation keys and its schools' class-size breach degree (as :func:`mark_status`)."""
        if getattr(self, "_keys", None) is None:
            base = self.baseline.violations if self.baseline is not None else []
            self._keys = ({v.key for v in base},
                          {v.school_id: _CLASS_CODES[v.code] for v in base if v.code in _CLASS_CODES})
        return self._keys

    # ---- the pieces ----------------------------------------------------------------------------------------
    def _fates(self, plan, prev: Step | None, fate_changed: pd.Index):
        """Fates of today's attendance rows: all for the first step, else only rows at schools whose status,
        grades or receiver changed and rows of the village-band groups whose ``move`` changed."""
        home = self.today.home
        serves = {b: set(plan.serving(b)) for b in BANDS}
        moves_by = _explicit_moves(plan)
        if prev is None:
            return _fates(home, plan, serves, moves_by), moves_by, set()
        ps = plan.schools
        via = ps.index[ps["merged_into"].isin(set(fate_changed)).to_numpy()]
        keys = set(moves_by) | set(prev.moves_by)
        vb = {(k[0], k[1]) for k in keys if moves_by.get(k) != prev.moves_by.get(k)}
        parts = [self._rows_of_school.get(s, np.empty(0, int)) for s in fate_changed.union(via)]
        parts += [self._rows_of_group.get(k, np.empty(0, int)) for k in vb]
        idx = np.unique(np.concatenate(parts)).astype(int) if parts else np.empty(0, int)
        target, why = prev.fates[0].copy(), prev.fates[1].copy()
        if len(idx):
            t_new, w_new = _fates(home.iloc[idx], plan, serves, moves_by)
            target[idx], why[idx] = t_new, w_new
        return (target, why), moves_by, vb

    def _allocation_touched(self, prev: Step, alloc, fates, vb_changed) -> tuple[pd.Index, pd.Index]:
        """Schools and villages whose allocation rows differ from the previous step's."""
        home = self.today.home
        flipped = np.flatnonzero((prev.fates[1] == "") != (fates[1] == ""))
        schools = set(home["school_id"].to_numpy()[flipped])
        villages = set(home["village_id"].to_numpy()[flipped]) | {v for v, _ in vb_changed}
        a0, a1 = prev.evaluation.allocation, alloc
        # the moved children's assignment rows are the moves' rows grouped: the moves alone tell what changed
        cols = {"outside": ["school_id", "band", "mode", "children", "from_school"],
                "unserved": ["village_id", "band", "children", "reason", "from_school"],
                "moves": ["village_id", "band", "from_school", "to_school", "mode", "children", "minutes", "why",
                          "how"],
                "splits": ["village_id", "band", "children", "parts", "detail"]}
        for name, cs in cols.items():
            f0, f1 = getattr(a0, name), getattr(a1, name)
            if f0.equals(f1):
                continue
            diff = _differing_rows(f0, f1, cs)
            for k in ("school_id", "from_school", "to_school"):
                if k in diff:
                    schools.update(diff[k].tolist())
            if "village_id" in diff:
                villages.update(diff["village_id"].tolist())
        return _index(schools), _index(villages)

    def _quality_rows(self, parts: pd.DataFrame, table: pd.DataFrame, prev: Step | None):
        """The 6-of-7 row of every parts row (and its violation when the school fails), recomputed only where the
        row's students or resources changed."""
        cache = prev.quality_rows if prev is not None else {}
        num = parts.drop(columns=["school_id", "stage", "kind"]).to_numpy(dtype=float)
        ids, stages, kinds = (parts[c].to_numpy(dtype=object) for c in ("school_id", "stage", "kind"))
        out, rows, failing = {}, [None] * len(parts), [None] * len(parts)
        miss = []
        for i in range(len(parts)):
            k = (ids[i], stages[i], kinds[i], num[i].tobytes())
            hit = cache.get(k[:2])
            if hit is not None and hit[0] == k:
                out[k[:2]] = hit
                rows[i], failing[i] = hit[1], hit[2]
            else:
                miss.append((i, k))
        if miss:
            names = table["name"]
            for (i, k), r in zip(miss, parts.iloc[[i for i, _ in miss]].itertuples(index=False), strict=True):
                row = quality_school_row(r, self.standards)
                bad = (quality_violation(row["school_id"], row["stage"], row["indicators_met"], names[row["school_id"]])
                       if row["passes"] is False else None)
                out[k[:2]] = (k, row, bad)
                rows[i], failing[i] = row, bad
        return out, rows, [v for v in failing if v is not None]

    def _checks(self, plan, alloc, table, prev: Step | None, touched, changed, t_alloc, v_alloc, receivers):
        """The per-village and per-school sections of the violations, recomputed where they can change."""
        std, county = self.standards, self.county
        a = alloc.assignments
        is_open = (table["status"] == "open").to_numpy()
        if prev is None:
            trips, schools_c, grades, boarders = {}, {}, {}, {}
            v_redo, s_redo, g_redo, b_redo = None, table.index, table.index, None
        else:
            trips, schools_c = dict(prev.trips), dict(prev.school_checks)
            grades, boarders = dict(prev.grade_checks), dict(prev.boarder_checks)
            flipped = prev.receivers ^ receivers
            v_redo, b_redo = v_alloc, t_alloc
            s_redo = table.index[table.index.isin(touched.union(pd.Index(sorted(flipped), dtype=object)))]
            g_redo = table.index[table.index.isin(changed)]

        def regroup(cache: dict, found: list, keys, attr: str) -> None:
            for k in keys:
                cache.pop(k, None)
            for v in found:
                cache.setdefault(getattr(v, attr), []).append(v)

        rows = a if v_redo is None else a[a["village_id"].isin(v_redo).to_numpy()]
        regroup(trips, trip_violations(rows, std, self.vnames), [] if v_redo is None else v_redo, "village_id")
        open_rows = table.loc[s_redo][is_open[table.index.get_indexer(s_redo)]]
        regroup(schools_c, school_violations(open_rows, receivers), s_redo, "school_id")
        regroup(grades, grade_change_violations(county, plan, table, std, ids=g_redo), g_redo, "school_id")
        rows = a if b_redo is None else a[a["school_id"].isin(b_redo).to_numpy()]
        regroup(boarders, primary_boarder_violations(rows, table), [] if b_redo is None else b_redo, "school_id")

        order = table.index
        sections = {
            "trips": [v for k in sorted(trips) for v in trips[k]],
            "schools": [v for k, o in zip(order, is_open, strict=True) if o for v in schools_c.get(k, ())],
            "grades": [v for k in order for v in grades.get(k, ())],
            "boarders": [v for k in sorted(boarders) for v in boarders[k]],
        }
        return sections, {"trips": trips, "school_checks": schools_c, "grade_checks": grades,
                          "boarder_checks": boarders}
