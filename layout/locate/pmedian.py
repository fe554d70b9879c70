"""Uncapacitated p-median: open p sites, serve every demand point from its nearest open site.

Two paths, chosen automatically by size (``method="auto"``), both reporting a proven lower bound:

* **exact** — greedy + swap search gives a start; a Lagrangian bound with site fixing (repeated while sites
  are removed) may already prove it optimal. When at most :data:`BNB_MAX_FREE` sites are left to choose
  (small p, where the LP bound is weakest but fixing leaves few candidates), a Lagrangian branch-and-bound
  (:mod:`layout.locate.pmedian_bnb`) searches next; if it does not finish in its share of the time, or p is
  larger, a MILP in HiGHS on the compact *radius* formulation
  (Elloumi 2010; García, Labbé & Marín 2011). For demand point i let ``D_i^1 < D_i^2 < …`` be its distinct
  costs to candidate sites. With ``y_j ∈ {0, 1}`` (site open) and ``u_i^k ≥ 0`` ("i is not served within
  ``D_i^k``")::

      min  Σ_i w_i (D_i^1 + Σ_k (D_i^{k+1} − D_i^k) u_i^k)
      s.t. u_i^1 + Σ_{j: d_ij = D_i^1} y_j ≥ 1
           u_i^k − u_i^{k−1} + Σ_{j: d_ij = D_i^k} y_j ≥ 0      (chained: each y_j appears once per i)
           Σ_j y_j = p,  y_j = 1 required,  y_j = 0 forbidden

  Levels beyond the one holding the (m − p + 1)-th nearest candidate are never needed (some open site is
  always among them). Levels are further truncated at each point's cost in the best known solution; the
  truncated model is a relaxation (its optimum is a lower bound), and points found served beyond their
  truncation get more levels until the truncated and the true objective agree — then the answer is proven
  optimal.
* **heuristic** — greedy + swap search (Whitaker / Resende–Werneck fast interchange) with a Lagrangian
  lower bound, for problems too large for the MILP. With a time limit the greedy start gets 25 % of it
  (then completes cheaply), greedy + swap 50 %, the bound the rest.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from layout.locate._compiled import load_kernels
from layout.locate._inputs import check_p, prepare, unreachable_message
from layout.locate.heuristics import evaluate, greedy, penalised, swap_search
from layout.locate.lagrangian import pmedian_bound, pmedian_site_fixing
from layout.locate.milp import solve_milp
from layout.locate.pmedian_bnb import pmedian_branch_and_bound
from layout.locate.solution import Solution, infeasible, no_solution, relative_gap, with_compile_time

__all__ = ["p_median", "EXACT_MAX_PAIRS"]

#: ``method="auto"`` uses the exact MILP path up to this many allowed (demand, site) pairs.
EXACT_MAX_PAIRS = 2_500_000
_OPT_TOL = 1e-7
#: Build the untruncated radius model when it has at most this many nonzeros.
FULL_MODEL_NNZ = 400_000
LAGRANGE_ITERATIONS = 600
FIXING_ROUNDS = 4
#: HiGHS settings that help on the radius model (measured on pmed: restarts cost more than they gain).
HIGHS_OPTIONS = {"mip_allow_restart": False, "mip_pscost_minreliable": 0}
#: Shares of the time limit for the greedy start and for greedy + swap search (the rest goes to the bound).
GREEDY_SHARE = 0.25
SEARCH_SHARE = 0.5
#: Lagrangian branch-and-bound runs before the MILP when at most this many sites are left to choose (small p:
#: weak LP bound but few candidates left after site fixing, where its nodes are far cheaper than the MILP's).
BNB_MAX_FREE = 20
#: Share of the remaining time the branch-and-bound may use before the MILP takes over.
BNB_SHARE = 0.8
#: With a time limit, a further radius round starts only when at least this share of the previous round's
#: seconds is left: each round's model is larger, and HiGHS can overrun a short limit on its first LP by several
#: seconds (seen: 14 s for a 2.8 s limit on a 2000 × 1000 instance).
NEXT_ROUND_SHARE = 0.5


def _ragged(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner and position for concatenated ranges ``range(lengths[0]), range(lengths[1]), …``."""
    lengths = np.asarray(lengths, dtype=np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    within = np.arange(int(lengths.sum())) - np.repeat(starts, lengths)
    return owner, within


def is_integral(values: np.ndarray) -> bool:
    """True when all finite values are whole numbers (the objective is then integral)."""
    v = values[np.isfinite(values)]
    return bool(np.all(v == np.round(v)))


class RadiusModel:
    """The radius formulation for the active demand points (weight > 0), with per-point truncation."""

    def __init__(self, cost: np.ndarray, weights: np.ndarray, p: int, candidates: np.ndarray,
                 required: np.ndarray):
        self.w = weights
        self.p = p
        self.cand = candidates
        self.req_pos = np.flatnonzero(np.isin(candidates, required))
        dc = cost[:, candidates]
        n, mc = dc.shape
        self.mc = mc
        order = np.argsort(dc, axis=1, kind="stable")
        s = np.take_along_axis(dc, order, axis=1)
        fin = np.isfinite(s)
        new = fin.copy()
        new[:, 1:] &= s[:, 1:] != s[:, :-1]
        lev = np.cumsum(new, axis=1) - 1
        self.K = new.sum(axis=1)
        kmax = int(self.K.max()) if n else 0
        lv = np.full((n, kmax + 1), np.inf)
        r, c = np.nonzero(new)
        lv[r, lev[r, c]] = s[r, c]
        self.LV = lv
        k_cap = mc - p
        cap_level = np.where(fin[:, k_cap], lev[:, k_cap], self.K - 1)
        self.F = np.minimum(self.K - 1, cap_level)
        self.order, self.lev, self.fin = order, lev, fin

    def level_of(self, d: np.ndarray) -> np.ndarray:
        """Index of the level holding cost ``d`` per point (clipped to the final level)."""
        return np.minimum((d[:, None] - 1e-12 > self.LV).sum(axis=1), self.F)

    def build(self, L: np.ndarray):
        """Assemble the truncated MILP for per-point last levels ``L``."""
        n, mc = len(self.w), self.mc
        nrow_i = L + 1
        roff = np.concatenate([[0], np.cumsum(nrow_i)])
        n_rows = int(roff[-1])
        has_last_u = L < self.F
        nu_i = L + has_last_u
        uoff = mc + np.concatenate([[0], np.cumsum(nu_i)])
        n_cols = int(uoff[-1])
        keep = self.fin & (self.lev <= L[:, None])
        ii, kk = np.nonzero(keep)
        y_rows = roff[ii] + self.lev[ii, kk]
        y_cols = self.order[ii, kk]
        uo, ul = _ragged(nu_i)
        u_cols = uoff[uo] + ul
        u_cost = self.w[uo] * (self.LV[uo, ul + 1] - self.LV[uo, ul])
        nxt = ul + 1 <= L[uo]
        rows = np.concatenate([y_rows, roff[uo] + ul, roff[uo[nxt]] + ul[nxt] + 1, np.full(mc, n_rows)])
        cols = np.concatenate([y_cols, u_cols, u_cols[nxt], np.arange(mc)])
        vals = np.concatenate([np.ones(len(y_rows)), np.ones(len(u_cols)), -np.ones(int(nxt.sum())),
                               np.ones(mc)])
        a = sp.csc_array((vals, (rows, cols)), shape=(n_rows + 1, n_cols))
        c = np.zeros(n_cols)
        c[mc:] = u_cost
        row_lo = np.zeros(n_rows + 1)
        row_lo[roff[:-1]] = 1.0
        row_lo[-1] = self.p
        row_hi = np.full(n_rows + 1, np.inf)
        row_hi[-1] = self.p
        col_lo = np.zeros(n_cols)
        col_lo[self.req_pos] = 1.0
        col_hi = np.full(n_cols, np.inf)
        col_hi[:mc] = 1.0
        integer = np.zeros(n_cols, dtype=bool)
        integer[:mc] = True
        offset = float(self.w @ self.LV[:, 0]) if n else 0.0
        return dict(c=c, a=a, row_lo=row_lo, row_hi=row_hi, col_lo=col_lo, col_hi=col_hi, integer=integer,
                    offset=offset), (uo, ul, uoff)

    def start(self, layout_info, open_pos: np.ndarray, d: np.ndarray, n_cols: int) -> np.ndarray:
        """Warm-start vector for the open candidate positions ``open_pos`` and point costs ``d``."""
        uo, ul, uoff = layout_info
        x = np.zeros(n_cols)
        x[open_pos] = 1.0
        x[uoff[uo] + ul] = (d[uo] > self.LV[uo, ul] + 1e-12).astype(float)
        return x


def _result(open_sites, assignment, objective, lower, status, t0, method, explanation="", **extra):
    lower = min(lower, objective)
    gap = relative_gap(objective, lower)
    if status in ("optimal", "feasible") and gap <= _OPT_TOL:
        status = "optimal"
    elif status == "optimal":
        status = "feasible"
    return Solution(open=np.sort(np.asarray(open_sites, dtype=np.int64)),
                    assignment=np.asarray(assignment, dtype=np.int64), objective=float(objective),
                    lower_bound=float(lower), gap=gap, status=status, seconds=time.perf_counter() - t0,
                    explanation=explanation, method=method, extra=extra)


def p_median(cost, p, weights=None, required=None, forbidden=None, max_cost=None, time_limit=None, *,
             method: str = "auto") -> Solution:
    """Open ``p`` sites minimising the total weighted cost from each demand point to its nearest open site.

    Parameters
    ----------
    cost : array (n_demand, n_sites) or scipy.sparse
        Travel cost (e.g. minutes). Dense: ``inf`` where a pair is not allowed. Sparse: absent pairs are not
        allowed (beyond a cutoff); stored zeros are real zero costs.
    p : int
        Number of sites to open.
    weights : array (n_demand,), optional
        Demand per point (e.g. pupils); default 1.
    required, forbidden : sequence of int or bool mask, optional
        Sites that must open / may not open.
    max_cost : float, optional
        Travel cap: pairs costing more are not allowed.
    time_limit : float, optional
        Seconds; the best solution and its proven bound are returned when reached (status ``"time_limit"``).
    method : {"auto", "exact", "heuristic"}
        ``"exact"``: proven optimum (Lagrangian branch-and-bound for small p, else MILP on the radius
        formulation in HiGHS; ``Solution.method`` says which); ``"heuristic"``: greedy + swap search with a
        Lagrangian bound; ``"auto"`` picks exact up to :data:`EXACT_MAX_PAIRS` allowed pairs.

    Returns
    -------
    Solution
        ``objective`` is the weighted total cost; every demand point is assigned (``assignment >= 0``).

    Raises
    ------
    LayoutInputError
        Bad parameters (p larger than the candidate sites, required ∩ forbidden, negative costs, …).

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0, 4, 9], [6, 0, 5], [9, 5, 0], [8, 6, 1]])
    >>> s = p_median(cost, 2)
    >>> s.open.tolist(), s.objective, s.status
    ([1, 2], 5.0, 'optimal')
    """
    timing: dict = {}
    sol = _p_median(cost, p, weights, required, forbidden, max_cost, time_limit, method, timing)
    return with_compile_time(sol, timing.get("compile_seconds", 0.0))


def _p_median(cost, p, weights, required, forbidden, max_cost, time_limit, method, timing: dict) -> Solution:
    """:func:`p_median`; records in ``timing`` the seconds spent loading compiled kernels."""
    t0 = time.perf_counter()
    prep, problems = prepare(cost, weights=weights, required=required, forbidden=forbidden, max_cost=max_cost)
    if prep is not None:
        p = check_p(p, prep, problems)
    if method not in ("auto", "exact", "heuristic"):
        problems.add("locate parameters", "method must be 'auto', 'exact' or 'heuristic'", column="method",
                     value=method, fix="pass one of the three")
    if time_limit is not None and not (isinstance(time_limit, int | float) and time_limit > 0):
        problems.add("locate parameters", "time_limit must be a positive number of seconds",
                     column="time_limit", value=time_limit, fix="pass e.g. 60")
    problems.raise_if_any("p-median: invalid input")
    # the compiled kernels (greedy, bounds): loaded, or compiled on a cold numba cache, before the clock starts
    compiled = timing["compile_seconds"] = load_kernels("pmedian")
    t0 += compiled
    deadline = t0 + time_limit if time_limit else None
    n = prep.n
    unreached = prep.unreachable()
    if len(unreached):
        return infeasible(n, unreachable_message(unreached, max_cost), time.perf_counter() - t0)
    w = prep.weights
    act = np.flatnonzero(w > 0)
    if len(act) == 0:  # nothing to serve: any p sites do
        open_ = np.concatenate([prep.required, np.setdiff1d(prep.candidates, prep.required)])[:p]
        _, assign = evaluate(penalised(prep.cost, w), w, np.sort(open_))
        return _result(open_, assign, 0.0, 0.0, "optimal", t0, "trivial")

    pen = penalised(prep.cost, w)
    greedy_end = None if deadline is None else t0 + GREEDY_SHARE * time_limit
    budget = None if deadline is None else t0 + SEARCH_SHARE * time_limit
    open_ = greedy(pen, w, p, prep.candidates, prep.required, deadline=greedy_end)
    open_ = swap_search(pen, w, open_, prep.candidates, prep.required, deadline=budget)
    ub, assign = evaluate(prep.cost, w, open_)
    n_pairs = int(np.isfinite(prep.cost[act][:, prep.candidates]).sum())
    use_exact = method == "exact" or (method == "auto" and (n_pairs <= EXACT_MAX_PAIRS or not math.isfinite(ub)))
    if not use_exact:
        wc = w[act, None] * prep.cost[act]
        d_ub = wc[np.arange(len(act)), assign[act]]
        lb, _ = pmedian_bound(wc, p, prep.candidates, prep.required, ub, lam=d_ub, deadline=deadline)
        # the multipliers at each point's nearest candidate give Σ_i min_j w_i d_ij, a bound in itself
        lb = max(lb, float(np.min(wc[:, prep.candidates], axis=1).sum()))
        if is_integral(wc):
            lb = math.ceil(lb - 1e-9)
        hit = deadline is not None and time.perf_counter() > deadline
        return _result(open_, assign, ub, lb, "time_limit" if hit else "feasible", t0, "heuristic+lagrangian")
    return _exact(prep, w, act, p, open_, ub, t0, deadline, max_cost, pen)


def _exact(prep, w, act, p, open_, ub, t0, deadline, max_cost, pen) -> Solution:
    cost_a = prep.cost[act]
    wa = w[act]
    wc = wa[:, None] * cost_a
    integral = is_integral(wc)
    best_open, best_obj = open_, ub
    lower = -math.inf
    candidates, required = prep.candidates, prep.required
    fixed = 0
    if math.isfinite(ub):
        # Lagrangian bound, then drop sites that cannot belong to a better solution; repeat on the smaller
        # problem (closed sites raise the bound) while sites keep being removed.
        lam = cost_a[:, best_open].min(axis=1) * wa
        lag_deadline = None if deadline is None else time.perf_counter() + 0.25 * (deadline - time.perf_counter())
        for round_ in range(FIXING_ROUNDS):
            lb, lam = pmedian_bound(wc, p, candidates, required, best_obj, lam=lam, deadline=lag_deadline,
                                    max_iter=LAGRANGE_ITERATIONS)
            if round_ == 0:  # the sites the relaxation picks are a good start for another swap search
                red = wc[:, candidates] - lam[:, None]
                rho = np.where(red < 0, red, 0.0).sum(axis=0)
                free = np.flatnonzero(~np.isin(candidates, required))
                picked = candidates[free[np.argsort(rho[free], kind="stable")[: p - len(required)]]]
                other = swap_search(pen, w, np.concatenate([required, picked]), candidates, required,
                                    deadline=lag_deadline)
                other_obj, _ = evaluate(prep.cost, w, other)
                if other_obj < best_obj:
                    best_obj, best_open = other_obj, other
            threshold = best_obj - 1.0 + 1e-6 if integral else best_obj * (1 + 1e-12) + 1e-12
            lb, close, force = pmedian_site_fixing(wc, p, candidates, required, lam, threshold)
            lower = max(lower, math.ceil(lb - 1e-6) if integral else lb)
            if lower >= best_obj - 1e-9 * max(1.0, abs(best_obj)) or (integral and lb > threshold):
                _, assign = evaluate(prep.cost, w, best_open)
                return _result(best_open, assign, best_obj, best_obj, "optimal", t0, "heuristic+lagrangian")
            fixed += int(close.sum())
            required = np.union1d(required, candidates[force])
            candidates = candidates[~close]
            if len(candidates) < p or len(required) > p:  # no better solution exists
                _, assign = evaluate(prep.cost, w, best_open)
                return _result(best_open, assign, best_obj, best_obj, "optimal", t0, "heuristic+lagrangian")
            if not close.any() and not force.any():
                break
        if p - len(required) <= BNB_MAX_FREE:
            bnb_deadline = None if deadline is None else \
                time.perf_counter() + BNB_SHARE * (deadline - time.perf_counter())
            res = pmedian_branch_and_bound(wc, p, candidates, required, best_open, best_obj, lam,
                                           integral=integral, deadline=bnb_deadline)
            if res.objective < best_obj:
                best_obj, best_open = res.objective, res.open
            lower = max(lower, res.lower_bound)
            if res.complete:
                _, assign = evaluate(prep.cost, w, best_open)
                return _result(best_open, assign, best_obj, best_obj, "optimal", t0, "lagrangian-bnb",
                               nodes=res.nodes, sites_fixed=fixed)
    model = RadiusModel(cost_a, wa, p, candidates, required)
    pos_of = np.full(prep.m, -1)
    pos_of[candidates] = np.arange(len(candidates))

    def point_costs(sites):
        return cost_a[:, sites].min(axis=1)

    d_best = point_costs(best_open)
    full_nnz = int((model.fin & (model.lev <= model.F[:, None])).sum())
    if full_nnz <= FULL_MODEL_NNZ or not math.isfinite(best_obj):
        L = model.F.copy()
    else:
        L = model.level_of(d_best)
    status = "feasible"
    rounds = 0
    last_seconds = 0.0
    while True:
        rounds += 1
        remaining = None if deadline is None else deadline - time.perf_counter()
        if remaining is not None and remaining <= max(0.05, NEXT_ROUND_SHARE * last_seconds):
            status = "time_limit"
            break
        milp, info = model.build(L)
        start = None
        if math.isfinite(best_obj) and np.all(pos_of[best_open] >= 0):
            start = model.start(info, pos_of[best_open], d_best, len(milp["c"]))
        res = solve_milp(**milp, time_limit=remaining, start=start, rel_gap=1e-9,
                         abs_gap=0.999 if integral else 1e-9, heuristic_effort=0.01 if start is not None else None,
                         options=HIGHS_OPTIONS)
        last_seconds = res.seconds
        if res.status == "infeasible":
            if math.isfinite(best_obj):  # only better solutions were kept: the known one is optimal
                lower = best_obj
                status = "optimal"
                break
            return infeasible(prep.n, _cover_explanation(prep, p, max_cost, deadline),
                              time.perf_counter() - t0, method="milp")
        bound = res.bound
        if integral and math.isfinite(bound):
            bound = math.ceil(bound - 1e-6)
        lower = max(lower, min(bound, best_obj))
        if res.x is None:
            status = "time_limit"
            break
        y = np.flatnonzero(res.x[:model.mc] > 0.5)
        sites = candidates[y]
        d = point_costs(sites)
        true_obj = float(wa @ d)
        if true_obj < best_obj - 1e-9:
            best_obj, best_open, d_best = true_obj, np.sort(sites), d
        if res.status != "optimal":
            status = "time_limit"
            break
        lower = max(lower, min(bound, best_obj))
        short = d > model.LV[np.arange(len(d)), L] + 1e-12
        if not short.any() or lower >= best_obj - 1e-9 * max(1.0, abs(best_obj)):
            status = "optimal" if lower >= best_obj - 1e-6 * max(1.0, abs(best_obj)) else "feasible"
            break
        L = np.maximum(L, model.level_of(d))
    if not math.isfinite(best_obj):
        # stopped by the clock before any solution: not a proof that none exists
        return no_solution(prep.n, deadline and deadline - t0, time.perf_counter() - t0, "milp",
                           lower_bound=lower)
    _, assign = evaluate(prep.cost, w, best_open)
    return _result(best_open, assign, best_obj, lower, status, t0, "milp", rounds=rounds, sites_fixed=fixed)


def _cover_explanation(prep, p, max_cost, deadline) -> str:
    from layout.locate.coverage import set_cover

    within = f" within {max_cost:g}" if max_cost is not None else ""
    remaining = 10.0 if deadline is None else max(1.0, min(10.0, deadline - time.perf_counter()))
    cover = set_cover(np.where(np.isfinite(prep.cost), prep.cost, np.inf), np.inf,
                      weights=prep.weights, required=prep.required, forbidden=prep.forbidden, time_limit=remaining)
    if cover.status == "optimal":
        return (f"p = {p} sites cannot serve every demand point{within}; at least {int(cover.objective)} "
                f"sites are needed")
    return f"p = {p} sites cannot serve every demand point{within}"
