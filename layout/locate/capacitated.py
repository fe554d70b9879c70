"""Capacitated p-median with single sourcing: open p sites, assign each demand point wholly to one open site
without exceeding the sites' capacities; minimise the total (weighted) cost.

Three routes, chosen by size:

* **Tiny** (at most ``TINY_PAIRS`` allowed pairs): the strong MILP straight away; HiGHS proves it in
  milliseconds (spopt's 10-student × 74-school case: about 60 ms, fixed overhead beyond the HiGHS run 5–7 ms).
  If it is not proven within ``TINY_SECONDS`` the exact path below takes over.
* **Large with many sites** (more than ``LARGE_ENTRIES`` pairs, ``p ≥ LARGE_P``, no minimum loads): the
  matheuristic of :mod:`layout.locate.capacitated_matheuristic` (min-cost-flow assignment, median moves, MILP
  neighbourhoods, restarts) with the Lagrangian bound that keeps the capacities
  (:func:`layout.locate.capacitated_bound.knapsack_bound`). There the exact path's reduction keeps nearly every
  pair and its MILP stalls (a clustered 535-point instance with p = 50 ended at 18,772 where the matheuristic
  reaches 13,291 in the same 60 s).
* Otherwise the **exact path**, in three steps, each keeping a valid lower bound:

1. **Start**: the sites of the uncapacitated p-median heuristic and those opened by the Lagrangian relaxation
   below each get a single-source assignment from HiGHS (each point first offered its nearest few of those
   sites; when HiGHS finds none within its share of a short limit, the min-cost-flow assignment of
   :func:`layout.locate.capacitated_start.flow_assignment`); the better one is improved by a variable
   neighbourhood search that moves sites one at a time with every point re-placed (:mod:`layout.locate.capacitated_vns`; until ``VNS_SHARE`` of the time left or a run
   of shakes without improvement; skipped with minimum loads or above ``VNS_MAX_WORK``), then by
   re-optimising a few neighbouring clusters at a time
   (:mod:`layout.locate.capacitated_search`) until no part improves or a fifth (a quarter when the whole
   problem is small enough for the MILP) of the time limit has passed.
2. **Lagrangian relaxation** of the assignment rows (each site a continuous knapsack, see
   :mod:`layout.locate.lagrangian`) gives the linear-programming bound and, for every pair (i, j) and every site,
   a bound on any solution using it (with exact 0-1 knapsacks, :mod:`layout.locate.capacitated_bound`, when
   demands and capacities are whole numbers). Pairs and sites whose bound exceeds the best known objective
   cannot appear in a better solution and are removed.
3. **MILP** on the remaining pairs (strong formulation with ``x_ij ≤ y_j``), warm-started from step 1; with a
   time limit, a better solution found in the first part of the time tightens the reduction before the rest.
   With a time limit, when the reduced problem still has ``RESTRICTED_RATIO`` times more pairs than "each point
   to its nearest few sites" would, that restricted MILP runs first (most of the remaining time): it is not a
   proof, but HiGHS finds far better solutions in it, and a better solution shrinks the reduced problem for the
   exact MILP that follows (it is skipped when it would itself have more than ``MILP_MAX_PAIRS`` pairs). With more than ``MILP_MAX_PAIRS`` pairs left after that, the exact MILP is skipped
   and the cluster search goes on instead: the answer then carries the Lagrangian bound.
"""

from __future__ import annotations

import math
import time

import numpy as np

from layout.locate._assignment import AssignmentModel
from layout.locate._compiled import load_kernels
from layout.locate._inputs import _vector, check_p, list_ids, prepare, unreachable_message
from layout.locate.capacitated_bound import knapsack01_ranked, whole_numbers
from layout.locate.capacitated_matheuristic import matheuristic
from layout.locate.capacitated_search import first_part_size, improve_clusters
from layout.locate.capacitated_start import flow_assignment
from layout.locate.capacitated_vns import NEAR_SITES, improve_sites
from layout.locate.heuristics import greedy, penalised, swap_search
from layout.locate.lagrangian import _select, capacitated_bound, knapsack_values, pmedian_bound
from layout.locate.pmedian import _result as pmedian_result
from layout.locate.pmedian import is_integral
from layout.locate.solution import Solution, infeasible, no_solution, with_compile_time

__all__ = ["capacitated_p_median", "capacity_explanation"]

#: Instances with at most this many allowed (point, site) pairs go straight to the strong MILP (fast path): HiGHS
#: proves such models in milliseconds, while the heuristic steps below cost a fixed tenth of a second or more.
TINY_PAIRS = 2_000
#: Seconds the fast path may take (at most a quarter of the time limit) before the full method takes over.
TINY_SECONDS = 1.0
#: Instances with more (point, site) entries than this go to the matheuristic of
#: :mod:`layout.locate.capacitated_matheuristic` (unless minimum loads are set) ...
LARGE_ENTRIES = 200_000
#: ... when they also open at least this many sites (few roomy sites: the exact path's reduction works).
LARGE_P = 40
#: Share of the time left (after the starting solutions) for the site search of layout.locate.capacitated_vns;
#: on instances of a few hundred points it usually stops earlier, after PATIENCE shakes without improvement.
VNS_SHARE = 0.15
#: Seconds for that search when there is no time limit.
VNS_SECONDS = 5.0
#: Largest ``n (p² k + n)`` (points, open sites, sites offered per move) for which that search runs: one of its
#: steps tries p·k site moves of n·p work each and passes of n² point swaps, and a step cannot be interrupted.
VNS_MAX_WORK = 5e7
#: Seconds for the swap search of the uncapacitated p-median that gives a start, and the most share of the time
#: limit it may take.
UNCAPACITATED_SWAP_SECONDS = 2.0
SWAP_SHARE = 0.05
#: Relative gap at which the search for a starting solution stops.
START_GAP = 1e-3
#: Seconds for each starting assignment.
START_SECONDS = 3.0
#: Each point may go to its nearest this-many sites in a starting assignment (all of them when that fails).
START_NEAREST = 8
#: Share of the time limit after which the cluster search stops (the rest goes to bound and MILP).
SEARCH_SHARE = 0.2
#: The same when the whole problem is small enough for the MILP (which then needs the time for the proof).
SEARCH_SHARE_SMALL = 0.25
#: Largest sites × capacity table for which pairs are reduced with exact 0-1 knapsacks.
DP_MAX_CELLS = 5_000_000
#: With a time limit, the MILP is skipped (the cluster search goes on) when more pairs than this remain after
#: the reduction: HiGHS spends longer than any sensible limit just presolving such models.
MILP_MAX_PAIRS = 40_000
#: Share of the remaining time for the uncapacitated p-median bound (a cheap second lower bound).
UNCAPACITATED_SHARE = 0.1
#: Share of the remaining time given to the first MILP on the reduced problem.
FIRST_CHUNK = 0.3
#: When too many pairs remain for the full MILP, a MILP restricted to each point's nearest sites looks for a
#: better solution first: each point keeps this many sites per average cluster size (n / p) ...
NEAREST_PER_CLUSTER = 3.0
#: ... and at least this many.
NEAREST_MIN = 20
#: The restricted MILP runs when the reduced problem has this many times more pairs than it would.
RESTRICTED_RATIO = 1.5
#: Share of the remaining time for that restricted MILP.
RESTRICTED_SHARE = 0.7


def capacity_explanation(prep, demand: np.ndarray, capacity: np.ndarray, n_open: int | None) -> str:
    """Plain words for why capacities cannot hold the demand ("" when no simple reason is found)."""
    total = float(demand.sum())
    caps = capacity[prep.candidates]
    if n_open is not None:
        free = np.setdiff1d(prep.candidates, prep.required)
        best = np.sort(capacity[free])[::-1][: max(0, n_open - len(prep.required))]
        usable = float(capacity[prep.required].sum() + best.sum())
        if usable < total - 1e-9:
            return (f"total capacity short by {total - usable:g}: demand {total:g}, the {n_open} largest "
                    f"allowed sites hold {usable:g}")
    elif caps.sum() < total - 1e-9:
        return f"total capacity short by {total - float(caps.sum()):g}: demand {total:g}, all sites hold {caps.sum():g}"
    reach = np.where(np.isfinite(prep.cost), capacity[None, :], 0.0).max(axis=1)
    too_big = np.flatnonzero(demand > reach + 1e-9)
    if len(too_big):
        i = too_big[0]
        what = (f"demand point {i} is" if len(too_big) == 1 else f"demand points {list_ids(too_big)} are")
        return (f"{what} larger than any site it can reach (point {i} needs {demand[i]:g}, the largest "
                f"reachable capacity is {reach[i]:g})")
    return ""


def _result(open_sites, assignment, objective, lower, status, t0, method, wcost=None, **extra) -> Solution:
    if wcost is not None:  # recompute from the assignment: no solver round-off in the reported value
        exact = float(np.sort(wcost[np.arange(len(assignment)), assignment]).sum())
        if lower >= objective - 1e-9 * max(1.0, abs(objective)):
            lower = exact
        objective = exact
    return pmedian_result(open_sites, assignment, objective, lower, status, t0, method, **extra)


def capacitated_p_median(cost, p, demand, capacity, min_load=None, weights=None, required=None, forbidden=None,
                         max_cost=None, time_limit=None, seed: int = 0) -> Solution:
    """Open ``p`` sites and assign each demand point to one of them within capacity, minimising total cost.

    Parameters
    ----------
    cost : array (n_demand, n_sites) or scipy.sparse
        Travel cost; ``inf`` (dense) or absent (sparse) where a pair is not allowed.
    p : int
        Number of sites to open.
    demand : array (n_demand,)
        Load each point puts on its site (e.g. pupils).
    capacity : float or array (n_sites,)
        Load each site can take when open.
    min_load : float or array (n_sites,), optional
        Least load an open site must carry.
    weights : array (n_demand,), optional
        Multiplies each point's cost in the objective (default 1: the objective is the plain sum of costs, the
        Osman–Christofides convention). Pass ``weights=demand`` for pupil-minutes.
    required, forbidden, max_cost, time_limit
        As in :func:`~layout.locate.p_median`.
    seed : int
        Seed of the random choices of the large-instance search (restarts, order of the parts). A run is
        repeatable for a seed up to where its time limits fall (HiGHS sub-solves and phases stop by the clock).

    Returns
    -------
    Solution
        ``assignment`` gives each point's single site; ``status="infeasible"`` (proven) with an
        ``explanation`` such as "total capacity short by 120"; ``status="time_limit"`` with ``objective`` inf
        (``feasible`` False) when the time limit passed before any solution was found, with an explanation
        asking for more time. Kernels compiled before the clock started are noted in ``extra["compile_seconds"]``
        and the explanation.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0, 2, 5], [1, 0, 4], [5, 4, 0], [6, 5, 1]])
    >>> s = capacitated_p_median(cost, 2, demand=[1, 1, 1, 1], capacity=[2, 2, 2])
    >>> s.open.tolist(), s.objective
    ([0, 2], 2.0)
    """
    timing: dict = {}
    sol = _capacitated(cost, p, demand, capacity, min_load, weights, required, forbidden, max_cost, time_limit,
                       seed, timing)
    return with_compile_time(sol, timing.get("compile_seconds", 0.0))


def _capacitated(cost, p, demand, capacity, min_load, weights, required, forbidden, max_cost, time_limit, seed,
                 timing: dict) -> Solution:
    """:func:`capacitated_p_median`; records in ``timing`` the seconds spent loading compiled kernels."""
    t0 = time.perf_counter()
    prep, problems = prepare(cost, weights=weights, required=required, forbidden=forbidden, max_cost=max_cost)
    if prep is not None:
        p = check_p(p, prep, problems)
        q = _vector(demand, prep.n, "demand", None, problems)
        if demand is None:
            problems.add("locate parameters", "demand is required", column="demand", fix="give one value per point")
        cap = _vector(capacity, prep.m, "capacity", None, problems, allow_inf=True)
        if capacity is None:
            problems.add("locate parameters", "capacity is required", column="capacity",
                         fix="give one value per site, or one for all")
        ml = _vector(min_load, prep.m, "min_load", 0.0, problems)
    if time_limit is not None and not (isinstance(time_limit, int | float) and time_limit > 0):
        problems.add("locate parameters", "time_limit must be a positive number of seconds",
                     column="time_limit", value=time_limit, fix="pass e.g. 60")
    problems.raise_if_any("capacitated p-median: invalid input")
    deadline = None if time_limit is None else t0 + time_limit
    n = prep.n
    unreached = prep.unreachable()
    if len(unreached):
        return infeasible(n, unreachable_message(unreached, max_cost), time.perf_counter() - t0)
    # a point can only go to a site that could hold it
    allowed = np.isfinite(prep.cost) & (q[:, None] <= cap[None, :] + 1e-9)
    allowed[:, prep.forbidden] = False
    why = capacity_explanation(prep, q, cap, p)
    if why or not allowed.any(axis=1).all():
        return infeasible(n, why or unreachable_message(np.flatnonzero(~allowed.any(axis=1)), max_cost),
                          time.perf_counter() - t0)
    wcost = np.where(allowed, prep.weights[:, None] * np.where(allowed, prep.cost, 0.0), np.inf)
    integral = is_integral(wcost)
    abs_gap = 0.999 if integral else 1e-9

    def model(mask: np.ndarray, sites: np.ndarray, open_lo_sites: np.ndarray) -> AssignmentModel:
        sites = np.sort(np.asarray(sites))
        ii, jj = np.nonzero(mask)
        return AssignmentModel(n=n, sites=sites, pair_i=ii, pair_j=jj, pair_cost=wcost[ii, jj], demand=q,
                               capacity=cap[sites], min_load=ml[sites] if ml.any() else None,
                               open_lo=np.isin(sites, open_lo_sites).astype(float), p_lo=p, p_hi=p)

    def left():
        return None if deadline is None else max(0.05, deadline - time.perf_counter())

    if allowed.sum() <= TINY_PAIRS:
        # fast path: the whole strong MILP, usually proven at once; otherwise the full method goes on
        limit = TINY_SECONDS if time_limit is None else min(TINY_SECONDS, 0.25 * time_limit)
        r, o, a = model(allowed, prep.candidates, prep.required).solve(time_limit=limit, rel_gap=1e-9,
                                                                        abs_gap=abs_gap)
        if r.status == "infeasible":
            return infeasible(n, "no assignment satisfies the capacities and minimum loads with p = "
                              f"{p} sites", time.perf_counter() - t0, method="milp")
        if r.status == "optimal" and o is not None:
            return _result(o, a, r.objective, r.objective, "optimal", t0, "milp", wcost=wcost,
                           milp_seconds=r.seconds)

    # the compiled kernels of the search below (the fast path needs none): loaded, or compiled on a cold numba
    # cache (tens of seconds), before the clock starts, so the time limit is all search
    compiled = timing["compile_seconds"] = load_kernels()
    t0 += compiled
    if deadline is not None:
        deadline += compiled
    if n * prep.m > LARGE_ENTRIES and p >= LARGE_P and not ml.any():
        ub, open0, assign0, lower, extra = matheuristic(wcost, q, cap, p, allowed, prep.candidates, prep.required,
                                                        deadline=deadline, abs_gap=abs_gap, integral=integral,
                                                        seed=seed)
        if open0 is None:  # the search found none in its time: not a proof that none exists
            return no_solution(n, time_limit, time.perf_counter() - t0, "matheuristic", lower_bound=lower)
        status = "optimal" if lower >= ub - 1e-9 * max(1.0, abs(ub)) else (
            "time_limit" if time_limit is not None else "feasible")
        return _result(open0, assign0, ub, lower, status, t0, "matheuristic+lagrangian", wcost=wcost, **extra)
    # 1. Lagrangian bound (no upper bound yet), then starting solutions: the sites the relaxation picks and
    #    the uncapacitated p-median's sites, each with a single-source assignment found by HiGHS.
    # the uncapacitated p-median heuristic: a start, per-point multipliers and a step target for the relaxation
    pen = penalised(wcost, np.ones(n))
    unc = greedy(pen, np.ones(n), p, prep.candidates, prep.required)
    swap_end = time.perf_counter() + UNCAPACITATED_SWAP_SECONDS
    unc = swap_search(pen, np.ones(n), unc, prep.candidates, prep.required,
                      deadline=swap_end if deadline is None else min(swap_end, t0 + SWAP_SHARE * time_limit))
    unc_cost = pen[:, unc].min(axis=1)
    target = 1.1 * float(unc_cost.sum()) + 1.0
    lag_deadline = None if deadline is None else t0 + 0.1 * time_limit
    lb, lam = capacitated_bound(wcost, q, cap, p, prep.candidates, prep.required, target, lam=unc_cost,
                                deadline=lag_deadline, max_iter=150)
    starts = [unc, _relaxation_sites(wcost, q, cap, p, prep.candidates, prep.required, lam)]
    open0 = assign0 = None
    ub = math.inf
    part_size = None
    per_start = START_SECONDS if time_limit is None else min(START_SECONDS, 0.05 * time_limit)
    for site_set in starts:
        # each point linked to its nearest few of the chosen sites first (small, fast); all of them if that fails
        only = np.zeros(prep.m, dtype=bool)
        only[site_set] = True
        sub_cost = np.where(allowed & only[None, :], wcost, np.inf)
        k = min(len(site_set), START_NEAREST)
        rank = np.argsort(np.argsort(sub_cost, axis=1, kind="stable"), axis=1, kind="stable")
        for mask in (np.isfinite(sub_cost) & (rank < k), allowed & only[None, :]):
            r, o, a = model(mask, np.asarray(site_set), site_set).solve(
                time_limit=per_start, rel_gap=START_GAP, abs_gap=abs_gap)
            if o is not None or (deadline is not None and time.perf_counter() > deadline):
                break  # (past the time limit the larger model would only overrun it further)
        if o is not None and r.objective < ub:
            ub, open0, assign0 = r.objective, o, a
    if open0 is None and not ml.any():
        # HiGHS found no start in its share of the time (a short limit on a loaded machine): the min-cost-flow
        # assignment of the matheuristic, which does not stop by the clock, gives one to go on from
        for site_set in starts:
            a, obj = flow_assignment(wcost, q, cap, np.asarray(site_set))
            if a is not None and obj < ub:
                ub, open0, assign0 = obj, np.sort(np.asarray(site_set)), a
    extra = {"start_objective": ub}
    if open0 is not None and not ml.any() and n * (p * p * min(NEAR_SITES, prep.m) + n) <= VNS_MAX_WORK:
        # move sites one at a time with every point re-placed (see layout.locate.capacitated_vns)
        vns_end = time.perf_counter() + (VNS_SECONDS if time_limit is None else VNS_SHARE * left())
        ub, open0, assign0 = improve_sites(wcost, q, cap, open0, assign0, prep.required, prep.candidates,
                                           deadline=vns_end)
        extra["vns_objective"] = ub
    if open0 is not None and first_part_size(n, p) < p:
        # re-optimise a few neighbouring clusters at a time (see layout.locate.capacitated_search)
        share = SEARCH_SHARE if allowed.sum() > MILP_MAX_PAIRS else SEARCH_SHARE_SMALL
        search_end = None if deadline is None else t0 + share * time_limit
        ub, open0, assign0, part_size = improve_clusters(wcost, q, cap, allowed, open0, assign0, prep.required,
                                                         prep.candidates, min_load=ml if ml.any() else None,
                                                         deadline=search_end, abs_gap=abs_gap)
    lower = math.ceil(lb - 1e-6) if integral and math.isfinite(lb) else lb
    mask, sites, must_open = allowed, prep.candidates, prep.required
    if math.isfinite(ub):
        # 2. Lagrangian bound with the known solution
        lag_deadline = None if deadline is None else time.perf_counter() + 0.1 * (deadline - time.perf_counter())
        lb2, lam = capacitated_bound(wcost, q, cap, p, prep.candidates, prep.required, ub, lam=lam,
                                     deadline=lag_deadline)
        if lb2 > lb:
            lower = math.ceil(lb2 - 1e-6) if integral else lb2
    # the uncapacitated p-median bound is valid too (capacities relaxed) and, compiled, converges far faster
    # than the knapsack relaxation on large instances, where the latter gets only a few steps in its time
    unc_deadline = None if deadline is None else time.perf_counter() + UNCAPACITATED_SHARE * left()
    lb_unc, _ = pmedian_bound(wcost, p, prep.candidates, prep.required, ub if math.isfinite(ub) else target,
                              lam=unc_cost, deadline=unc_deadline)
    lower = max(lower, math.ceil(lb_unc - 1e-6) if integral else lb_unc)
    # 3. reduce with the best known solution and solve the MILP on what is left; when a time limit is set the
    #    first MILP gets part of the time, and any better solution it finds tightens the reduction.
    chunked = deadline is not None
    restricted_tried = False
    k_near = max(NEAREST_MIN, math.ceil(NEAREST_PER_CLUSTER * n / p))
    first_chunk = True
    while True:
        if math.isfinite(ub):
            if lower >= ub - 1e-9 * max(1.0, abs(ub)):
                return _result(open0, assign0, ub, ub, "optimal", t0, "milp+lagrangian", wcost=wcost, **extra)
            threshold = ub - 1.0 + 1e-6 if integral else ub * (1 + 1e-12) + 1e-12
            mask, close, force, lb3 = _reduce(wcost, q, cap, p, prep.candidates, prep.required, lam, threshold)
            lower = max(lower, math.ceil(lb3 - 1e-6) if integral else lb3)
            if lower >= ub - 1e-9 * max(1.0, abs(ub)) or (integral and lb3 > threshold):
                return _result(open0, assign0, ub, ub, "optimal", t0, "milp+lagrangian", wcost=wcost, **extra)
            sites = prep.candidates[~close]
            must_open = np.union1d(prep.required, prep.candidates[force])
            mask = mask & allowed
            mask[:, prep.candidates[close]] = False
            extra.update(pairs_kept=int(mask.sum()), pairs_allowed=int(allowed.sum()), sites_fixed=int(close.sum()))
            if len(sites) < p or len(must_open) > p or not mask.any(axis=1).all():
                return _result(open0, assign0, ub, ub, "optimal", t0, "milp+lagrangian", wcost=wcost, **extra)
            if (deadline is not None and not restricted_tried
                    and RESTRICTED_RATIO * n * k_near < extra["pairs_kept"]
                    and n * k_near <= MILP_MAX_PAIRS):
                # large for the full MILP: look for a better solution among each point's nearest sites first
                restricted_tried = True
                near = _nearest_pairs(wcost, mask, k_near)
                near[np.arange(n), assign0] = True  # the incumbent stays a solution (warm start)
                res, open1, assign1 = model(near, np.union1d(sites, open0), must_open).solve(
                    time_limit=RESTRICTED_SHARE * left(), start_open=open0, start_assign=assign0,
                    rel_gap=1e-9, abs_gap=abs_gap)
                extra["restricted_pairs"] = int(near.sum())
                if open1 is not None and res.objective < ub - 1e-9 * max(1.0, abs(ub)):
                    ub, open0, assign0 = res.objective, open1, assign1
                continue
            if deadline is not None and extra["pairs_kept"] > MILP_MAX_PAIRS:
                # too big for the MILP within the time limit: spend the rest on the cluster search
                ub, open0, assign0, _ = improve_clusters(wcost, q, cap, allowed, open0, assign0, prep.required,
                                                         prep.candidates, min_load=ml if ml.any() else None,
                                                         deadline=deadline, abs_gap=abs_gap, size=part_size,
                                                         seed=1)
                status = "optimal" if lower >= ub - 1e-9 * max(1.0, abs(ub)) else "time_limit"
                return _result(open0, assign0, ub, lower, status, t0, "search+lagrangian", wcost=wcost, **extra)
        if open0 is None and deadline is not None and time.perf_counter() >= deadline:
            break  # the time is up and nothing found: HiGHS would overrun the limit (presolve is not interrupted)
        remaining = left()
        # the first chunk gets at least a second, but never more than the time left
        limit = remaining if not chunked else min(remaining, max(1.0, FIRST_CHUNK * remaining))
        res, open1, assign1 = model(mask, sites, must_open).solve(
            time_limit=limit, start_open=open0, start_assign=assign0, rel_gap=1e-9, abs_gap=abs_gap,
            heuristic_effort=0.01 if open0 is not None and not first_chunk else None)
        first_chunk = False
        if res.status == "infeasible":
            if open0 is not None and math.isfinite(lower):  # only better solutions were kept
                return _result(open0, assign0, ub, ub, "optimal", t0, "milp+lagrangian", wcost=wcost, **extra)
            return infeasible(n, "no assignment satisfies the capacities and minimum loads with p = "
                              f"{p} sites", time.perf_counter() - t0, method="milp")
        improved = open1 is not None and (not math.isfinite(ub) or res.objective < ub - 1e-9 * max(1.0, abs(ub)))
        if improved:
            ub, open0, assign0 = res.objective, open1, assign1
        bound = res.bound
        if integral and math.isfinite(bound):
            bound = math.ceil(bound - 1e-6)
        if math.isfinite(ub):
            lower = max(lower, min(bound, ub))
        if open0 is None and res.status == "optimal":
            break
        if res.status == "optimal" or not chunked or left() is None or left() < 0.5:
            break
        if not improved:
            chunked = False  # nothing new to reduce with: give the MILP the rest of the time
    if open0 is None:  # stopped by the clock before any solution: not a proof that none exists
        return no_solution(n, time_limit, time.perf_counter() - t0, "milp+lagrangian", lower_bound=lower)
    status = "optimal" if lower >= ub - 1e-9 * max(1.0, abs(ub)) else "time_limit"
    return _result(open0, assign0, ub, lower, status, t0, "milp+lagrangian", wcost=wcost, **extra)


def _relaxation_sites(wcost, demand, capacity, p, candidates, required, lam) -> np.ndarray:
    """The p sites the Lagrangian relaxation opens at multipliers ``lam``."""
    red = wcost[:, candidates] - lam[:, None]
    rho = knapsack_values(red, demand, capacity[candidates])[0]
    req_pos = np.flatnonzero(np.isin(candidates, required))
    free_pos = np.setdiff1d(np.arange(len(candidates)), req_pos)
    return np.sort(candidates[_select(rho, p, free_pos, req_pos)])


def _nearest_pairs(wcost: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Pairs of ``mask`` linking each point to its ``k`` cheapest sites among those ``mask`` allows."""
    sub = np.where(mask, wcost, np.inf)
    k = min(k, sub.shape[1])
    part = np.argpartition(sub, k - 1, axis=1)[:, :k]
    near = np.zeros(mask.shape, dtype=bool)
    np.put_along_axis(near, part, True, axis=1)
    return near & mask


def _reduce(wcost, demand, capacity, p, candidates, required, lam, threshold):
    """Pairs (mask over all sites) and sites that may still belong to a solution ≤ ``threshold``."""
    sub = wcost[:, candidates]
    cap = capacity[candidates]
    red = sub - lam[:, None]
    rho, cum_q, cum_v, _ = knapsack_values(red, demand, cap)
    table = None
    if whole_numbers(demand, cap) and red.shape[1] * (np.max(cap) + 1) <= DP_MAX_CELLS:
        rho, table, _ = knapsack01_ranked(red, demand, cap)
    req_pos = np.flatnonzero(np.isin(candidates, required))
    free_pos = np.setdiff1d(np.arange(len(candidates)), req_pos)
    chosen = _select(rho, p, free_pos, req_pos)
    bound = float(lam.sum() + rho[chosen].sum())
    in_chosen = np.zeros(len(candidates), dtype=bool)
    in_chosen[chosen] = True
    chosen_free = np.setdiff1d(chosen, req_pos)
    other = np.setdiff1d(free_pos, chosen_free)
    worst_in = float(rho[chosen_free].max()) if len(chosen_free) else math.inf
    best_out = float(rho[other].min()) if len(other) else math.inf
    base = np.where(in_chosen, bound - rho, bound - worst_in)  # bound without site j's own term
    close = np.zeros(len(candidates), dtype=bool)
    force = np.zeros(len(candidates), dtype=bool)
    close[other] = base[other] + rho[other] > threshold
    force[chosen_free] = bound - rho[chosen_free] + best_out > threshold
    keep = np.zeros(wcost.shape, dtype=bool)
    for c, j in enumerate(candidates):
        if close[c] or not np.isfinite(base[c]):
            continue
        ok = np.isfinite(sub[:, c])
        rest = cap[c] - demand
        if table is not None:
            f = table[c, np.clip(rest, 0, None).astype(np.int64)]
        else:
            f = np.interp(np.maximum(rest, 0.0), cum_q[:, c], cum_v[:, c])
        pair_bound = base[c] + red[:, c] + f
        keep[:, j] = ok & (rest >= -1e-9) & (pair_bound <= threshold)
    return keep, close, force, bound
