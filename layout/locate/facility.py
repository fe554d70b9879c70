"""A multi-commodity capacitated facility-location model with site options, modular expansion and a second,
designated resource — solved exactly as a MILP on HiGHS.

It knows nothing about schools. Its pieces:

* **sites**, each choosing at most one **option** (or exactly one when required); an option has a fixed cost, a
  capital cost, and a capacity for each **commodity** it serves (0: it does not serve it);
* **expansions**: whole modules of capacity for one commodity at one site, each with a cost and a capital cost,
  allowed only while an option of the site serves that commodity;
* a second **resource** per site (e.g. beds): arcs marked as using it need the site *designated* (a binary with a
  cost), and its load is at most what the site has plus extra units bought;
* **groups** of demand of one commodity, each assigned to one arc (single sourcing) or left unserved at a
  penalty; a group with a **home** arc must take it whenever the home site serves its commodity (nobody moves
  unless their site stops serving them);
* side constraints: bounds on the number of chosen options in given sets, on the number of designated sites in
  given sets, and on the total capital (a budget).

Minimise  Σ option fixed costs + Σ expansion costs + Σ designation costs + Σ resource unit costs + Σ arc costs +
unserved penalties, subject to the above. The answer carries the objective, the proven lower bound and the gap.

Example
-------
>>> import numpy as np
>>> p = FacilityProblem(
...     option_site=np.array([0, 1]), option_fixed=np.array([100.0, 100.0]),
...     option_capacity=np.array([[50.0], [50.0]]),
...     group_demand=np.array([30.0, 30.0]), group_commodity=np.array([0, 0]),
...     arc_group=np.array([0, 0, 1, 1]), arc_site=np.array([0, 1, 0, 1]), arc_cost=np.array([1.0, 9.0, 9.0, 1.0]),
...     unserved_cost=1e4)
>>> s = solve_facility(p)
>>> s.status, s.site_option.tolist(), s.group_arc.tolist()      # one site cannot hold both groups
('optimal', [0, 1], [0, 3])
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from layout.errors import LayoutInputError, Problem
from layout.locate.milp import solve_milp
from layout.locate.solution import relative_gap

__all__ = ["FacilityProblem", "FacilitySolution", "solve_facility"]


def _arr(v, n: int | None = None, dtype=float, fill=0.0) -> np.ndarray:
    if v is None:
        return np.full(n or 0, fill, dtype=dtype)
    return np.asarray(v, dtype=dtype)


@dataclass
class FacilityProblem:
    """The data of one model (arrays; see the module docstring).

    Parameters
    ----------
    option_site : int array (n_options,)
        The site of each option (sites are numbered 0 … n_sites − 1).
    option_fixed : float array (n_options,)
        Cost when the option is chosen.
    option_capacity : float array (n_options, n_commodities)
        Capacity for each commodity; an option serves a commodity when its capacity is > 0 or
        ``option_serves`` says so.
    group_demand : float array (n_groups,)
        Units of each group (what an arc's capacity use is).
    group_commodity : int array (n_groups,)
    arc_group, arc_site : int arrays (n_arcs,)
    arc_cost : float array (n_arcs,)
        Total cost of sending the whole group along the arc.
    unserved_cost : float
        Penalty per unit of demand left unserved.
    option_serves : bool array (n_options, n_commodities), optional
        Serves even with zero spare capacity (e.g. a full school whose own pupils are fixed).
    option_capital : float array (n_options,), optional
        Capital spent when chosen (for the budget).
    site_required : bool array (n_sites,), optional
        The site must choose an option.
    option_forbidden : bool array (n_options,), optional
    arc_uses_resource : bool array (n_arcs,), optional
        Arcs that need the site designated and consume its resource.
    arc_home : bool array (n_arcs,), optional
        Each group's home arc (at most one per group).
    expansion_site, expansion_commodity : int arrays (n_exp,), optional
    expansion_size, expansion_cost, expansion_capital, expansion_max : float arrays (n_exp,), optional
        Module size, cost and capital per module, and the most modules.
    resource_have, resource_unit_cost, resource_unit_capital, resource_max_extra : float arrays (n_sites,)
        What each site has, the cost and capital of an extra unit, and the most extra units.
    designate_cost, designate_capital : float arrays (n_sites,), optional
        Cost and capital of designating a site.
    designate_allowed : bool array (n_sites,), optional
    count_limits : list of (option mask, lo, hi) or (option mask, lo, hi, penalty), optional
        ``lo ≤ Σ chosen options in mask ≤ hi``; with a penalty the bounds are soft: each unit outside them costs
        the penalty (the answer's ``limit_slack`` says by how much each limit was missed).
    designate_limits : list of (site mask, lo, hi) or (site mask, lo, hi, penalty), optional
    option_total_capacity : float array (n_options,), optional
        Most demand an option takes over all commodities together (e.g. a school-size cap).
    arc_forbidden : bool array (n_arcs,), optional
        Arcs that may not be used (kept in the data so arc numbers stay the same).
    arc_outside_capacity : bool array (n_arcs,), optional
        Arcs whose demand does not count towards their site's capacity for the commodity (it still counts towards
        ``option_total_capacity``): e.g. pupils who stay at a school already beyond its rooms, so that the capacity
        holds only the newcomers.
    arc_relief : int array (n_arcs,), optional
        The relief each arc counts towards (−1: none): demand leaving a crowded site. Relief ``k`` earns
        ``relief_value[k]`` per unit, up to ``relief_cap[k]`` units.
    relief_value, relief_cap : float arrays (n_relief,), optional
    site_neighbourhood : int array (n_sites,), optional
        A label per site (e.g. its district): a model with more arcs than :func:`solve_facility`'s ``split_above``
        is improved one neighbourhood at a time (:mod:`layout.locate.facility_split`).
    budget : float, optional
        Upper bound on total capital.
    single_source : bool
        Groups take one arc each (binary) or may split (continuous).
    """

    option_site: np.ndarray
    option_fixed: np.ndarray
    option_capacity: np.ndarray
    group_demand: np.ndarray
    group_commodity: np.ndarray
    arc_group: np.ndarray
    arc_site: np.ndarray
    arc_cost: np.ndarray
    unserved_cost: float
    option_serves: np.ndarray | None = None
    option_capital: np.ndarray | None = None
    site_required: np.ndarray | None = None
    option_forbidden: np.ndarray | None = None
    arc_uses_resource: np.ndarray | None = None
    arc_home: np.ndarray | None = None
    expansion_site: np.ndarray | None = None
    expansion_commodity: np.ndarray | None = None
    expansion_size: np.ndarray | None = None
    expansion_cost: np.ndarray | None = None
    expansion_capital: np.ndarray | None = None
    expansion_max: np.ndarray | None = None
    resource_have: np.ndarray | None = None
    resource_unit_cost: np.ndarray | None = None
    resource_unit_capital: np.ndarray | None = None
    resource_max_extra: np.ndarray | None = None
    designate_cost: np.ndarray | None = None
    designate_capital: np.ndarray | None = None
    designate_allowed: np.ndarray | None = None
    count_limits: list = field(default_factory=list)
    designate_limits: list = field(default_factory=list)
    budget: float | None = None
    single_source: bool = True
    option_total_capacity: np.ndarray | None = None
    arc_forbidden: np.ndarray | None = None
    arc_outside_capacity: np.ndarray | None = None
    arc_relief: np.ndarray | None = None
    relief_value: np.ndarray | None = None
    relief_cap: np.ndarray | None = None
    site_neighbourhood: np.ndarray | None = None

    @property
    def n_sites(self) -> int:
        return int(self.option_site.max()) + 1 if len(self.option_site) else 0


@dataclass(frozen=True)
class FacilitySolution:
    """What :func:`solve_facility` returns.

    Attributes
    ----------
    site_option : int array (n_sites,)
        The chosen option of each site, −1 for none.
    group_arc : int array (n_groups,)
        The arc each group takes, −1 when unserved (with ``single_source=False``: the arc taking most of it).
    arc_flow : float array (n_arcs,)
        Share of each group on each arc.
    expansions : float array (n_exp,)
        Modules built.
    designated : bool array (n_sites,)
    resource_extra : float array (n_sites,)
        Extra resource units bought.
    unserved : float array (n_groups,)
        Share of each group left unserved.
    objective, lower_bound, gap : float
    status : str
        ``optimal``, ``time_limit`` (best found when the limit stopped the search), ``infeasible``.
    seconds : float
    capital : float
        Total capital of the answer.
    limit_slack : float array
        For each count limit then each designation limit: units by which a soft limit was missed (0 when met).
    option_value : float array
        The solver's value of each option's choice (0 or 1; between them in a linear relaxation).
    """

    site_option: np.ndarray
    group_arc: np.ndarray
    arc_flow: np.ndarray
    expansions: np.ndarray
    designated: np.ndarray
    resource_extra: np.ndarray
    unserved: np.ndarray
    objective: float
    lower_bound: float
    gap: float
    status: str
    seconds: float
    capital: float
    limit_slack: np.ndarray = field(default_factory=lambda: np.zeros(0))
    option_value: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _check(p: FacilityProblem) -> None:
    problems = []
    n_opt, n_g, n_a = len(p.option_site), len(p.group_demand), len(p.arc_group)
    cap = np.asarray(p.option_capacity, dtype=float)
    if cap.ndim != 2 or cap.shape[0] != n_opt:
        problems.append(Problem("facility model", "option_capacity must be (options × commodities)",
                                column="option_capacity", fix="one row per option"))
    for name, arr, n in (("option_fixed", p.option_fixed, n_opt), ("group_commodity", p.group_commodity, n_g),
                         ("arc_site", p.arc_site, n_a), ("arc_cost", p.arc_cost, n_a)):
        if len(arr) != n:
            problems.append(Problem("facility model", f"{name} has {len(arr)} entries, expected {n}", column=name,
                                    fix="give one value per option / group / arc"))
    if n_a and (np.asarray(p.arc_group).max() >= n_g or np.asarray(p.arc_group).min() < 0):
        problems.append(Problem("facility model", "arc_group names a group that does not exist", column="arc_group",
                                fix="number groups 0 … n_groups − 1"))
    if np.any(~np.isfinite(np.asarray(p.arc_cost, float))) or np.any(~np.isfinite(np.asarray(p.option_fixed, float))):
        problems.append(Problem("facility model", "costs must be finite", column="arc_cost",
                                fix="leave impossible arcs out instead of giving them an infinite cost"))
    if np.any(np.asarray(p.group_demand, float) < 0):
        problems.append(Problem("facility model", "demand must be ≥ 0", column="group_demand", fix="drop negative"))
    if problems:
        raise LayoutInputError(problems, "facility model: invalid input")


def solve_facility(p: FacilityProblem, *, time_limit: float | None = None, start: dict | None = None,
                   rel_gap: float = 1e-6, split_above: int | None = None, bound: bool = True) -> FacilitySolution:
    """Solve the model within the time limit: exactly (MILP, HiGHS), started from a quick two-phase answer.

    Its linear relaxation is solved first (its value is a proven lower bound, and on these models it is close);
    options it opens fully or not at all are fixed and the rest solved exactly (a small MILP); the full model is
    then solved from that answer for the rest of the time, when the gap is still above ``rel_gap``. The best answer
    is returned with the best proven bound of the phases, so the gap is honest.

    A model with more arcs than ``split_above``, site neighbourhoods and a start that meets every constraint is
    solved instead by :func:`layout.locate.facility_split.improve_by_neighbourhoods` (one neighbourhood at a time,
    the rest held, then the relaxation for the bound): HiGHS on the whole of such a model may not even finish its
    presolve within the time.

    Parameters
    ----------
    p : FacilityProblem
    time_limit : float, optional
        Seconds; the best answer found and the proven bound are returned when it is reached.
    start : dict, optional
        A feasible answer to start from: ``site_option`` (n_sites,) and ``group_arc`` (n_groups,), optionally
        ``expansions``, ``designated`` — e.g. today's layout.
    rel_gap : float
        Stop when the relative gap falls below this.
    split_above : int, optional
        Arcs above which a model with ``site_neighbourhood`` is solved by neighbourhoods (default: never).
    bound : bool
        For a model solved by neighbourhoods: give part of the time to its relaxation for a proven bound (off for
        an answer wanted only as a start; the gap is then NaN).

    Returns
    -------
    FacilitySolution
    """
    t0 = time.perf_counter()

    def left(share: float = 1.0) -> float | None:
        return None if time_limit is None else max(0.5, share * (time_limit - (time.perf_counter() - t0)))

    mx = _assemble(p)
    if (split_above is not None and p.site_neighbourhood is not None and start is not None
            and len(p.arc_group) > split_above):
        x0 = start_vector(p, mx, start)
        if _fits(mx, x0, mx.row_lo, mx.col_hi):
            from layout.locate.facility_split import improve_by_neighbourhoods

            return improve_by_neighbourhoods(p, mx, x0, time_limit=time_limit, rel_gap=rel_gap, bound=bound)
    lp = _solve_once(p, time_limit=left(0.5), relax=True, matrix=mx)
    if lp.status == "infeasible":
        return lp
    if len(lp.option_value) != len(p.option_site):   # the relaxation did not finish: the whole model, from start
        return _solve_once(p, time_limit=left(), start=start, rel_gap=rel_gap, matrix=mx)
    # fix what the relaxation decides (options at 0 or 1), solve the rest exactly, then the whole model from there
    # (a start stays feasible: what it uses is never fixed away, so the answer is never worse than the start)
    val = lp.option_value
    osite = np.asarray(p.option_site)
    used = np.zeros(len(osite), bool)
    if start is not None:
        so = np.asarray(start["site_option"], int)
        used[so[so >= 0]] = True
    start_open = np.zeros(p.n_sites, bool)
    start_open[osite[used]] = True
    sure = (val >= 1 - 1e-6) & (used | ~start_open[osite] if start is not None else True)
    forbid = _arr(p.option_forbidden, len(osite), bool, False) | ((val <= 1e-6) & ~used)
    required = _arr(p.site_required, p.n_sites, bool, False).copy()
    required[osite[sure]] = True
    sure_site = np.zeros(p.n_sites, bool)
    sure_site[osite[sure]] = True
    forbid |= sure_site[osite] & ~sure & ~used
    fixed = _solve_once(p, time_limit=left(0.5), start=start, rel_gap=rel_gap, matrix=mx, forbidden=forbid,
                        required=required)
    best = fixed if math.isfinite(fixed.objective) else None
    bound = lp.lower_bound if math.isfinite(lp.lower_bound) else -math.inf
    if best is None or relative_gap(best.objective, bound) > rel_gap:
        warm = start if best is None else {"site_option": best.site_option, "group_arc": best.group_arc,
                                           "expansions": best.expansions, "designated": best.designated}
        full = _solve_once(p, time_limit=left(), start=warm, rel_gap=rel_gap, matrix=mx)
        if best is None or (math.isfinite(full.objective) and full.objective < best.objective - 1e-9):
            best = full
        bound = max(bound, full.lower_bound)
    if best is None or not math.isfinite(best.objective):
        return best if best is not None else lp
    lb = min(bound, best.objective)
    gap = relative_gap(best.objective, lb)
    status = "optimal" if gap <= max(rel_gap, 1e-9) else "time_limit"
    return replace(best, lower_bound=float(lb), gap=gap, status=status, seconds=time.perf_counter() - t0)


@dataclass
class _Matrix:
    """The assembled MILP of a :class:`FacilityProblem`: columns y (options) | e (expansions) | d (designation) |
    r (extra resource) | x (arcs) | u (unserved) | two slacks per limit | z (relief units); the first ``n_sites``
    rows say "at most (exactly, when required) one option per site". Built once and reused by every phase of
    :func:`solve_facility`, which change only bounds."""

    c: np.ndarray
    a: sp.csc_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    offs: tuple
    capital_coef: np.ndarray
    limits: list


class _Rows:
    """Constraint rows collected as blocks of coordinates."""

    def __init__(self):
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []
        self.n = 0

    def block(self, k: int, r_idx, c_idx, v, r_lo, r_hi) -> None:
        """``k`` rows at once: ``r_idx`` are row numbers 0 … k − 1 within the block."""
        self.rows.append(self.n + np.asarray(r_idx, int))
        self.cols.append(np.asarray(c_idx, int))
        self.vals.append(np.broadcast_to(np.asarray(v, float), len(self.cols[-1])))
        self.lo.append(np.broadcast_to(np.asarray(r_lo, float), k))
        self.hi.append(np.broadcast_to(np.asarray(r_hi, float), k))
        self.n += k

    def matrix(self, n_col: int):
        """The sparse matrix and its row bounds."""
        def cat(parts, t):
            return np.concatenate(parts).astype(t) if parts else np.zeros(0, t)

        a = sp.csc_array((cat(self.vals, float), (cat(self.rows, int), cat(self.cols, int))), shape=(self.n, n_col))
        return a, cat(self.lo, float), cat(self.hi, float)


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(starts[i], starts[i] + counts[i])`` for every i."""
    counts = np.asarray(counts, int)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, int)
    first = np.cumsum(counts) - counts
    return np.arange(total) - np.repeat(first, counts) + np.repeat(np.asarray(starts, int), counts)


def _assemble(p: FacilityProblem) -> _Matrix:
    """The MILP of the problem (see :class:`_Matrix`), built with array operations."""
    _check(p)
    n_opt = len(p.option_site)
    n_s = p.n_sites
    cap = np.asarray(p.option_capacity, dtype=float)
    serves = (cap > 0) if p.option_serves is None else (np.asarray(p.option_serves, bool) | (cap > 0))
    n_k = cap.shape[1]
    n_g, n_a = len(p.group_demand), len(p.arc_group)
    q = np.asarray(p.group_demand, float)
    gc = np.asarray(p.group_commodity, int)
    ag, asite = np.asarray(p.arc_group, int), np.asarray(p.arc_site, int)
    ac = gc[ag] if n_a else np.zeros(0, int)
    osite = np.asarray(p.option_site, int)
    res_arc = _arr(p.arc_uses_resource, n_a, bool, False)
    home = _arr(p.arc_home, n_a, bool, False)
    ex_s = _arr(p.expansion_site, None, int)
    ex_c = _arr(p.expansion_commodity, None, int)
    n_e = len(ex_s)
    ex_size, ex_cost = _arr(p.expansion_size, n_e), _arr(p.expansion_cost, n_e)
    ex_cap, ex_max = _arr(p.expansion_capital, n_e), _arr(p.expansion_max, n_e, fill=0.0)
    r_have = _arr(p.resource_have, n_s)
    r_cost, r_capital = _arr(p.resource_unit_cost, n_s), _arr(p.resource_unit_capital, n_s)
    r_max = _arr(p.resource_max_extra, n_s)
    d_cost, d_capital = _arr(p.designate_cost, n_s), _arr(p.designate_capital, n_s)
    d_allowed = _arr(p.designate_allowed, n_s, bool, True)
    used_res = np.zeros(n_s, bool)
    used_res[asite[res_arc]] = True
    Y, E, D, R, X, U = 0, n_opt, n_opt + n_e, n_opt + n_e + n_s, n_opt + n_e + 2 * n_s, n_opt + n_e + 2 * n_s + n_a
    limits = [("y", *lim) for lim in p.count_limits] + [("d", *lim) for lim in p.designate_limits]
    n_l = len(limits)
    L = U + n_g                          # two slack columns per limit: below lo, above hi
    relief_value = _arr(p.relief_value, None)
    n_z = len(relief_value)
    Z = L + 2 * n_l                      # one column per relief: the units earned
    n_col = Z + n_z
    penalty = np.array([float(lim[4]) if len(lim) > 4 and lim[4] is not None else 0.0 for lim in limits])
    c = np.concatenate([np.asarray(p.option_fixed, float), ex_cost, d_cost, r_cost,
                        np.asarray(p.arc_cost, float), q * float(p.unserved_cost), np.repeat(penalty, 2),
                        -relief_value])
    col_lo = np.zeros(n_col)
    col_hi = np.concatenate([np.where(_arr(p.option_forbidden, n_opt, bool, False), 0.0, 1.0), ex_max,
                             np.where(d_allowed & used_res, 1.0, 0.0), np.where(used_res, r_max, 0.0),
                             np.where(_arr(p.arc_forbidden, n_a, bool, False), 0.0, 1.0), np.ones(n_g),
                             np.repeat(np.where(penalty > 0, np.inf, 0.0), 2), _arr(p.relief_cap, n_z)])
    integer = np.zeros(n_col, bool)
    integer[Y:Y + n_opt] = True
    integer[E:E + n_e] = True
    integer[D:D + n_s] = True
    if p.single_source:
        integer[X:X + n_a] = True
    m = _Rows()
    ones = np.ones

    # (site, commodity) → the options serving it, as ranges of a sorted table
    pair_o, pair_k = np.nonzero(serves)
    pair_key = osite[pair_o] * n_k + pair_k
    order = np.argsort(pair_key, kind="stable")
    pair_key, pair_o, pair_k = pair_key[order], pair_o[order], pair_k[order]

    def serving(keys):
        lo_ = np.searchsorted(pair_key, keys, "left")
        return lo_, np.searchsorted(pair_key, keys, "right") - lo_

    required = _arr(p.site_required, n_s, bool, False)
    # 1. at most one option per site (exactly one when required)
    m.block(n_s, osite, Y + np.arange(n_opt), 1.0, np.where(required, 1.0, 0.0), 1.0)
    # 2. each group: its arcs plus unserved = 1
    m.block(n_g, np.concatenate([ag, np.arange(n_g)]), np.concatenate([X + np.arange(n_a), U + np.arange(n_g)]),
            1.0, 1.0, 1.0)
    # 3. linking: x_a ≤ Σ options of its site serving its commodity
    akey = asite * n_k + ac
    first, count = serving(akey)
    idx = _ranges(first, count)
    m.block(n_a, np.concatenate([np.arange(n_a), np.repeat(np.arange(n_a), count)]),
            np.concatenate([X + np.arange(n_a), Y + pair_o[idx]]),
            np.concatenate([ones(n_a), -ones(len(idx))]), -np.inf, 0.0)
    # 4. capacity per (site, commodity) that has arcs, in the order the arcs first name them
    keys, first_arc, inverse = np.unique(akey, return_index=True, return_inverse=True)
    rank = np.empty(len(keys), int)
    rank[np.argsort(first_arc, kind="stable")] = np.arange(len(keys))
    first, count = serving(keys)
    idx = _ranges(first, count)
    ex_key = ex_s * n_k + ex_c
    ex_pos = np.minimum(np.searchsorted(keys, ex_key), max(len(keys) - 1, 0))
    ex_in = (keys[ex_pos] == ex_key) if len(keys) else np.zeros(n_e, bool)
    counted = np.flatnonzero(~_arr(p.arc_outside_capacity, n_a, bool, False))
    m.block(len(keys),
            np.concatenate([rank[inverse[counted]], np.repeat(rank, count), rank[ex_pos[ex_in]]]),
            np.concatenate([X + counted, Y + pair_o[idx], E + np.flatnonzero(ex_in)]),
            np.concatenate([q[ag[counted]], -cap[pair_o[idx], pair_k[idx]], -ex_size[ex_in]]), -np.inf, 0.0)
    # 5. expansions only where an option serves the commodity
    first, count = serving(ex_key)
    idx = _ranges(first, count)
    m.block(n_e, np.concatenate([np.arange(n_e), np.repeat(np.arange(n_e), count)]),
            np.concatenate([E + np.arange(n_e), Y + pair_o[idx]]),
            np.concatenate([ones(n_e), -np.repeat(ex_max, count)]), -np.inf, 0.0)
    # 6. the designated resource: per site, its use, the extra bought, designation needs an option, and each arc
    #    that uses it needs the designation
    sites = np.flatnonzero(used_res)
    r_arcs = np.flatnonzero(res_arc)
    r_arcs = r_arcs[np.argsort(asite[r_arcs], kind="stable")]
    n_arcs = np.bincount(asite[r_arcs], minlength=n_s)[sites]
    base = np.cumsum(3 + n_arcs) - (3 + n_arcs)
    site_of = np.full(n_s, -1)
    site_of[sites] = np.arange(len(sites))
    arc_base = base[site_of[asite[r_arcs]]]
    arc_pos = np.arange(len(r_arcs)) - np.repeat(np.cumsum(n_arcs) - n_arcs, n_arcs)
    opt_order = np.argsort(osite, kind="stable")
    opt_first = np.searchsorted(osite[opt_order], sites, "left")
    opt_count = np.searchsorted(osite[opt_order], sites, "right") - opt_first
    oidx = opt_order[_ranges(opt_first, opt_count)]
    n6 = int((3 + n_arcs).sum())
    lo6, hi6 = np.full(n6, -np.inf), np.zeros(n6)
    hi6[base] = r_have[sites]
    m.block(n6,
            np.concatenate([arc_base, base, base + 1, base + 1, base + 2, np.repeat(base + 2, opt_count),
                            arc_base + 3 + arc_pos, arc_base + 3 + arc_pos]),
            np.concatenate([X + r_arcs, R + sites, R + sites, D + sites, D + sites, Y + oidx,
                            X + r_arcs, D + asite[r_arcs]]),
            np.concatenate([q[ag[r_arcs]], -ones(len(sites)), ones(len(sites)), -r_max[sites], ones(len(sites)),
                            -ones(len(oidx)), ones(len(r_arcs)), -ones(len(r_arcs))]), lo6, hi6)
    # 7. a group stays home while its home site serves it
    h_arcs = np.flatnonzero(home)
    first, count = serving(akey[h_arcs])
    h_arcs, first, count = h_arcs[count > 0], first[count > 0], count[count > 0]
    idx = _ranges(first, count)
    m.block(len(h_arcs), np.concatenate([np.repeat(np.arange(len(h_arcs)), count), np.arange(len(h_arcs))]),
            np.concatenate([Y + pair_o[idx], X + h_arcs]), np.concatenate([ones(len(idx)), -ones(len(h_arcs))]),
            -np.inf, 0.0)
    # 8-9. count limits and designation limits (soft ones through their slack columns)
    for k, (what, mask, c_lo, c_hi, *_) in enumerate(limits):
        sel = np.flatnonzero(np.asarray(mask, bool))
        col0 = Y if what == "y" else D
        m.block(1, np.zeros(len(sel) + 2, int), [*(col0 + sel), L + 2 * k, L + 2 * k + 1],
                [*ones(len(sel)), 1.0, -1.0], -np.inf if c_lo is None else float(c_lo),
                np.inf if c_hi is None else float(c_hi))
    # relief: units earned ≤ the demand that leaves the crowded site
    if n_z:
        rel = _arr(p.arc_relief, n_a, int, -1)
        r_in = np.flatnonzero(rel >= 0)
        m.block(n_z, np.concatenate([np.arange(n_z), rel[r_in]]), np.concatenate([Z + np.arange(n_z), X + r_in]),
                np.concatenate([ones(n_z), -q[ag[r_in]]]), -np.inf, 0.0)
    # total capacity of an option (over all commodities), on sites with arcs and an option that has one
    if p.option_total_capacity is not None:
        tot = np.asarray(p.option_total_capacity, float)
        site_arcs = np.bincount(asite, minlength=n_s)
        site_finite = np.bincount(osite[np.isfinite(tot)], minlength=n_s)
        rows_s = np.flatnonzero((site_arcs > 0) & (site_finite > 0))
        row_of = np.full(n_s, -1)
        row_of[rows_s] = np.arange(len(rows_s))
        big = np.bincount(asite, weights=q[ag], minlength=n_s)
        a_in = np.flatnonzero(row_of[asite] >= 0)
        o_in = np.flatnonzero(row_of[osite] >= 0)
        m.block(len(rows_s), np.concatenate([row_of[asite[a_in]], row_of[osite[o_in]]]),
                np.concatenate([X + a_in, Y + o_in]),
                np.concatenate([q[ag[a_in]], -np.where(np.isfinite(tot[o_in]), tot[o_in], big[osite[o_in]])]),
                -np.inf, 0.0)
    # 10. budget
    capital_coef = np.zeros(n_col)
    capital_coef[Y:Y + n_opt] = _arr(p.option_capital, n_opt)
    capital_coef[E:E + n_e] = ex_cap
    capital_coef[D:D + n_s] = d_capital
    capital_coef[R:R + n_s] = r_capital
    if p.budget is not None:
        nz = np.flatnonzero(capital_coef)
        m.block(1, np.zeros(len(nz), int), nz, capital_coef[nz], -np.inf, float(p.budget))
    a_mat, lo, hi = m.matrix(n_col)
    return _Matrix(c, a_mat, lo, hi, col_lo, col_hi, integer, (Y, E, D, R, X, U, L, Z), capital_coef, limits)


def _solve_once(p: FacilityProblem, *, time_limit: float | None = None, start: dict | None = None,
                rel_gap: float = 1e-6, relax: bool = False, matrix: _Matrix | None = None,
                forbidden: np.ndarray | None = None, required: np.ndarray | None = None) -> FacilitySolution:
    """One HiGHS run of the model (``relax``: its linear relaxation, every variable continuous); ``forbidden``
    (options) and ``required`` (sites) replace the problem's own when given."""
    t0 = time.perf_counter()
    mx = matrix if matrix is not None else _assemble(p)
    Y, E, D, R, X, U, L, Z = mx.offs
    n_opt, n_e, n_s, n_a, n_g = E - Y, D - E, R - D, U - X, L - U
    col_hi, row_lo = mx.col_hi, mx.row_lo
    if forbidden is not None:
        col_hi = col_hi.copy()
        col_hi[Y:Y + n_opt] = np.where(forbidden, 0.0, 1.0)
    if required is not None:
        row_lo = row_lo.copy()
        row_lo[:n_s] = np.where(required, 1.0, 0.0)
    integer = np.zeros_like(mx.integer) if relax else mx.integer
    x0 = None if start is None else start_vector(p, mx, start)
    res = solve_milp(mx.c, mx.a, row_lo, mx.row_hi, mx.col_lo, col_hi, integer,
                     time_limit=time_limit, start=x0, rel_gap=rel_gap, abs_gap=1e-6)
    if res.x is None and x0 is not None and res.status != "infeasible" and not relax and _fits(mx, x0, row_lo,
                                                                                                 col_hi):
        # the clock stopped HiGHS before it took up the start (presolve of a large model): the start stands,
        # with whatever bound was proven
        res = replace(res, x=x0, objective=float(mx.c @ x0), status="time_limit")
    if res.x is None:
        return FacilitySolution(np.full(n_s, -1), np.full(n_g, -1), np.zeros(n_a), np.zeros(n_e), np.zeros(n_s, bool),
                                np.zeros(n_s), np.ones(n_g), math.inf, -math.inf if res.status != "infeasible" else
                                math.inf, math.nan, res.status if res.status == "infeasible" else "time_limit",
                                time.perf_counter() - t0, math.nan)
    status = "optimal" if res.status == "optimal" else ("time_limit" if res.status == "time_limit" else res.status)
    return decode(p, mx, res.x, float(res.objective), float(min(res.bound, res.objective)), status,
                  time.perf_counter() - t0, relax=relax)


def decode(p: FacilityProblem, mx: _Matrix, x: np.ndarray, objective: float, lower_bound: float, status: str,
           seconds: float, *, relax: bool = False) -> FacilitySolution:
    """The answer a column vector of the assembled model stands for (``relax``: of its linear relaxation, options
    counted as chosen above one half)."""
    Y, E, D, R, X, U, L, Z = mx.offs
    n_opt, n_e, n_s, n_a, n_g = E - Y, D - E, R - D, U - X, L - U
    n_l = len(mx.limits)
    osite, ag = np.asarray(p.option_site, int), np.asarray(p.arc_group, int)
    yv = x[Y:Y + n_opt].copy()
    y = (yv > 0.5) if relax else np.rint(yv).astype(bool)
    site_option = np.full(n_s, -1)
    site_option[osite[y]] = np.flatnonzero(y)
    flow = np.clip(x[X:X + n_a], 0.0, 1.0)
    if p.single_source and not relax:
        flow = np.rint(flow)
    group_arc = np.full(n_g, -1)
    if n_a:
        order = np.lexsort((-flow, ag))
        first = order[np.r_[True, np.diff(ag[order]) != 0]]
        ok = flow[first] > 1e-6
        group_arc[ag[first[ok]]] = first[ok]
    slack = x[L:L + 2 * n_l].reshape(-1, 2).sum(axis=1) if n_l else np.zeros(0)
    return FacilitySolution(site_option, group_arc, flow, np.rint(x[E:E + n_e]), np.rint(x[D:D + n_s]).astype(bool),
                            x[R:R + n_s], x[U:U + n_g], objective, lower_bound, relative_gap(objective, lower_bound),
                            status, seconds, float(mx.capital_coef @ x), slack, yv)


def _fits(mx: _Matrix, x: np.ndarray, row_lo: np.ndarray, col_hi: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether the column vector ``x`` meets every row and bound of the model (integrality is the start's own)."""
    ax = mx.a @ x
    return bool(np.all(ax >= row_lo - tol) and np.all(ax <= mx.row_hi + tol)
                and np.all(x >= mx.col_lo - tol) and np.all(x <= col_hi + tol))


def start_vector(p: FacilityProblem, mx: _Matrix, start: dict) -> np.ndarray:
    """A full column vector of the assembled model from a start given as options and arcs (resource, designation
    and the soft limits' slacks filled as the start needs them; ``expansions`` and ``designated`` taken when
    given)."""
    Y, E, D, R, X, U, L, Z = mx.offs
    x = np.zeros(len(mx.c))
    so = np.asarray(start["site_option"], int)
    x[Y + so[so >= 0]] = 1.0
    arcs = np.asarray(start["group_arc"], int)
    x[X + arcs[arcs >= 0]] = 1.0
    x[U + np.flatnonzero(arcs < 0)] = 1.0
    if "expansions" in start:
        x[E:E + len(start["expansions"])] = start["expansions"]
    n_a = U - X
    res_arc = _arr(p.arc_uses_resource, n_a, bool, False)
    asite, ag, q = np.asarray(p.arc_site, int), np.asarray(p.arc_group, int), np.asarray(p.group_demand, float)
    have = _arr(p.resource_have, p.n_sites)
    load = np.zeros(p.n_sites)
    used = arcs[arcs >= 0]
    np.add.at(load, asite[used[res_arc[used]]], q[ag[used[res_arc[used]]]])
    for s in np.flatnonzero(load > 0):
        x[D + s] = 1.0
        x[R + s] = max(0.0, load[s] - have[s])
    if "designated" in start:
        x[D:D + p.n_sites] = np.maximum(x[D:D + p.n_sites], np.asarray(start["designated"], float))
    for k, (what, mask, c_lo, c_hi, *_) in enumerate(mx.limits):   # the slack the start needs for soft limits
        val = float(x[(Y if what == "y" else D) + np.flatnonzero(np.asarray(mask, bool))].sum())
        x[L + 2 * k] = max(0.0, (c_lo or 0.0) - val) if c_lo is not None else 0.0
        x[L + 2 * k + 1] = max(0.0, val - c_hi) if c_hi is not None else 0.0
    return x
