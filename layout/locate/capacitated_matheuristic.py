"""Matheuristic for large capacitated p-median instances (many points, many sites to open).

The exact path of :mod:`layout.locate.capacitated` reduces the problem with its Lagrangian bound and hands the
rest to one MILP; that works while the bound is close (few, roomy sites), but with hundreds of points and tens
to hundreds of sites nearly full the reduction keeps almost every pair and the MILP never gets going (a
clustered 535-point instance with p = 50 ended 40 % above what this search finds). Here, in the spirit of
Stefanello, de Araújo & Müller (2015) and Gnägi & Baumann (2021), but with our own parts:

1. **Sites of the uncapacitated p-median** (greedy and swap search, a few seconds at most).
2. **Global phase**: assignment by min-cost flow (transportation LP, exact) alternated with moving each median
   within its cluster (:func:`layout.locate.capacitated_start.alternate`); when no start can be assigned within
   capacity, moved copies of the uncapacitated sites are tried while the search has time.
3. **Site moves** with every point re-placed (:func:`layout.locate.capacitated_vns.improve_sites`) where one of its
   steps is small enough; otherwise **location moves** evaluated on the points they touch, point shifts and
   swaps among listed sites, and iterated shakes (:func:`layout.locate.capacitated_relocate.relocate_search`,
   ``RELOCATE_SHARE`` of the budget from ``RELOCATE_MIN_P`` sites, ``RELOCATE_SHARE_MID_P`` below; on 3,038
   points with p = 1,000 it took a 54,000-61,000 start to about 31,500, where the MILP parts alone ended at
   51,800-57,100).
4. **Local phase**: MILP neighbourhoods of a few neighbouring clusters chosen by proximity, re-optimised exactly
   (points, sites and which of them open: several sites open and close at once; POPMUSIC,
   :func:`layout.locate.capacitated_search.improve_clusters`), growing while nothing improves.
5. **Restarts**: once no part improves, a few medians of the best solution move to nearby sites at random, the
   points are re-assigned by min-cost flow and the local phase runs again; the best solution is kept.
6. **Bounds**: the Lagrangian relaxation with the capacities kept (0-1 or continuous knapsacks per site,
   :func:`layout.locate.capacitated_bound.knapsack_bound`) and the uncapacitated p-median bound; the best of
   these, of the relaxation run for the second start and of "each point at its cheapest site" is stated.

Everything stops by the deadline and the random choices come from one seed, so a run is repeatable up to where
the deadline falls.
"""

from __future__ import annotations

import math
import time

import numpy as np

from layout.locate.capacitated_bound import knapsack_bound
from layout.locate.capacitated_relocate import relocate_search
from layout.locate.capacitated_search import improve_clusters
from layout.locate.capacitated_start import alternate, flow_assignment
from layout.locate.capacitated_vns import NEAR_SITES, improve_sites
from layout.locate.heuristics import greedy, penalised, swap_search
from layout.locate.lagrangian import pmedian_bound

__all__ = ["matheuristic"]

#: Seconds budget when no time limit is given.
DEFAULT_SECONDS = 120.0
#: Shares of the budget: greedy and swap search of the uncapacitated start (each), global phase (ends at this
#: share), site moves.
GREEDY_SHARE = 0.03
SWAP_SHARE = 0.06
GLOBAL_SHARE = 0.5
#: Share of the global phase for the start from the uncapacitated sites (the relaxation's sites get the rest).
UNCAPACITATED_START_PART = 0.8
VNS_SHARE = 0.1
#: Share of the budget for the location moves of layout.locate.capacitated_relocate, where the site moves above
#: are too costly.
RELOCATE_SHARE = 0.3
#: ... from this many open sites (clusters of a few points, where the MILP parts reach only some of them in the
#: time; with p = 148 on 737 points, five points per cluster, the parts do better and this share only took their
#: time: 14,614 against 13,448-13,457 in 60 s, at load 8).
RELOCATE_MIN_P = 300
#: Below ``RELOCATE_MIN_P``, where the site moves are too costly too, the location moves get this smaller share,
#: split over the starts. On clustered 737 points with p = 74 (ten points per cluster) only the MILP parts
#: improved the start without them, fewer than two passes of them in a minute, and the search stalled at
#: 14,675-15,152; with this share (and moves to the far sites) it ended at 13,997, and at p = 148 at 13,197.
RELOCATE_SHARE_MID_P = 0.1
#: Share of the budget kept at the end for the bounds (the knapsack relaxation gets most of it).
BOUND_SHARE = 0.2
#: Share of the bound time for the uncapacitated p-median bound.
UNCAPACITATED_BOUND_PART = 0.2
#: From ``RELOCATE_MIN_P`` sites the bounds get this share instead, all of it for the knapsack relaxation (the
#: uncapacitated bound is far below it there: 12,144 against 25,689 on 3,038 points with p = 1,000), taken from
#: the MILP parts, which improved the relocation's answer there by under 0.1 %.
BOUND_SHARE_LARGE_P = 0.3
#: Largest ``n (p² k + n)`` for the site moves (as in :mod:`layout.locate.capacitated`).
VNS_MAX_WORK = 5e7
#: Sites listed per point for building the parts of the local phase.
PART_SITES = 6
#: The knapsack relaxation lists each point at the sites within ``REACH_OWN`` times its cost in the best solution
#: plus ``REACH_MEAN`` times the mean cost (on a clustered 535-point instance with p = 50 the bound rose from
#: 10,552 with twice its own cost alone to 11,442, the value with every pair listed).
REACH_OWN = 2.0
REACH_MEAN = 2.0
#: The relaxation's sites are a second start up to this many sites.
RELAXATION_START_MAX_P = 200
#: Share of the budget for a first run of the knapsack relaxation, whose open sites are one of the two starts.
START_BOUND_SHARE = 0.05
#: A restart moves this share of the open sites (at least two).
SHAKE_SHARE = 0.05


def _nearest_sites(wcost: np.ndarray, allowed: np.ndarray, is_cand: np.ndarray, k: int) -> np.ndarray:
    sub = np.where(allowed & is_cand[None, :], wcost, np.inf)
    k = min(k, sub.shape[1])
    return np.argpartition(sub, k - 1, axis=1)[:, :k] if k < sub.shape[1] else np.tile(np.arange(k), (len(sub), 1))


def matheuristic(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int, allowed: np.ndarray,
                 candidates: np.ndarray, required: np.ndarray, deadline: float | None = None,
                 abs_gap: float = 1e-9, integral: bool = False, seed: int = 0):
    """Best solution found by the steps above, with a lower bound.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    p : int
        Sites to open.
    allowed : ndarray (n, m) of bool
        Pairs that may be used.
    candidates, required : ndarray of int
        Sites that may open; sites that must.
    deadline : float, optional
        ``time.perf_counter()`` value to stop at (default: ``DEFAULT_SECONDS`` from now).
    abs_gap : float
        HiGHS absolute gap for the parts (0.999 for whole-number costs).
    integral : bool
        Costs are whole numbers (the bound is rounded up).
    seed : int
        Seed of the random choices.

    Returns
    -------
    (objective, open sites, assignment, lower bound, extra)
        ``(inf, None, None, bound, extra)`` when no feasible solution was found.

    Example
    -------
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> cost = np.abs(x[:, None] - x[None, :])
    >>> obj, o, a, lb, _ = matheuristic(cost, np.ones(6), np.full(6, 3.0), 2, np.ones((6, 6), bool), np.arange(6),
    ...                                 np.array([], int), deadline=time.perf_counter() + 5)
    >>> obj, o.tolist(), lb
    (4.0, [1, 4], 4.0)
    """
    start = time.perf_counter()
    if deadline is None:
        deadline = start + DEFAULT_SECONDS
    budget = max(deadline - start, 0.1)
    n, m = wcost.shape
    cost = np.ascontiguousarray(wcost, dtype=np.float64)
    q = np.asarray(demand, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    rng = np.random.default_rng(seed)
    is_cand = np.zeros(m, dtype=bool)
    is_cand[candidates] = True
    extra: dict = {}
    ones = np.ones(n)
    pen = penalised(cost, ones)
    # greedy steps cost n·m each: past its share the rest is filled by farthest points, and the swap search
    # (which made a 3038-point, p = 600 start 15 % cheaper than the filled greedy) gets its own share
    unc = greedy(pen, ones, p, candidates, required, deadline=start + GREEDY_SHARE * budget)
    unc = swap_search(pen, ones, unc, candidates, required, deadline=time.perf_counter() + SWAP_SHARE * budget)
    unc_cost = pen[:, unc].min(axis=1)
    # the sites the capacitated relaxation opens: a second start, aware of capacities (a town needing several
    # sites gets them); with many small clusters it only costs time (3038 points, p = 600 / 1000: 2-3 times the
    # cost of the uncapacitated start)
    relax = p <= RELAXATION_START_MAX_P
    global_end = start + GLOBAL_SHARE * budget
    starts = [unc]
    if relax:
        reach = REACH_OWN * unc_cost + REACH_MEAN * float(np.mean(unc_cost))
        lb_start, _, info = knapsack_bound(cost, q, cap, p, candidates, required,
                                           1.2 * float(unc_cost.sum()) + 1.0, lam=unc_cost,
                                           deadline=time.perf_counter() + START_BOUND_SHARE * budget, reach=reach)
        starts.append(info["sites"])
        extra["start_knapsack_bound"] = lb_start
    ub, best_open, best_assign = math.inf, None, None
    found = []  # (objective, open sites, assignment) from each start
    for k, sites in enumerate(starts):
        last = k == len(starts) - 1
        end = global_end if last else time.perf_counter() + UNCAPACITATED_START_PART * (global_end - time.perf_counter())
        obj, o, a = alternate(cost, q, cap, sites, candidates, required, deadline=end)
        extra[f"start_{'relaxation' if k else 'uncapacitated'}"] = obj
        if o is not None:
            found.append((obj, o, a))
            if obj < ub:
                ub, best_open, best_assign = obj, o, a
    large_p = p >= RELOCATE_MIN_P
    search_end = deadline - (BOUND_SHARE_LARGE_P if large_p else BOUND_SHARE) * budget
    tries = 0
    while not found and time.perf_counter() < search_end:
        # no start could be assigned within capacity (rare: a tight instance, a start rounded badly): try the
        # uncapacitated sites with some moved at random while the search has time, rather than give up
        tries += 1
        sites = np.array(unc, dtype=np.int64)
        free = np.flatnonzero(~np.isin(sites, required))
        closed = np.setdiff1d(candidates, sites)
        k = min(len(free), len(closed), max(2, int(round(SHAKE_SHARE * p * tries))))
        if not k:
            break  # every site required, or every candidate open: nothing to move, a retry would repeat the start
        sites[rng.choice(free, size=k, replace=False)] = rng.choice(closed, size=k, replace=False)
        obj, o, a = alternate(cost, q, cap, sites, candidates, required, deadline=search_end)
        if o is not None:
            found.append((obj, o, a))
            ub, best_open, best_assign = obj, o, a
    extra.update(start_objective=ub, start_retries=tries)
    if best_open is not None and n * (p * p * min(NEAR_SITES, m) + n) <= VNS_MAX_WORK:
        ub, best_open, best_assign = improve_sites(cost, q, cap, best_open, best_assign, required, candidates,
                                                   deadline=min(search_end, time.perf_counter()
                                                                + VNS_SHARE * budget), seed=seed)
        extra["vns_objective"] = ub
    elif best_open is not None:
        # too many sites for those moves (each re-places every point): location moves evaluated on the points
        # they touch, with iterated shakes (see layout.locate.capacitated_relocate)
        # from every start in turn, cheapest first: where the descent ends depends on where it starts far more
        # than on its time (clustered 737 points, p = 74: 13,927-14,920 from four starts, each in 3 s or 20 s)
        share = (RELOCATE_SHARE if large_p else RELOCATE_SHARE_MID_P) / len(found)
        shakes = accepted = 0
        for obj, o, a in sorted(found, key=lambda f: f[0]):
            obj, o, a, info = relocate_search(cost, q, cap, o, a, required, candidates, seed=seed,
                                              deadline=min(search_end, time.perf_counter() + share * budget))
            if obj < ub:
                ub, best_open, best_assign = obj, o, a
            shakes, accepted = shakes + info["shakes"], accepted + info["accepted"]
        extra.update(relocate_objective=ub, relocate_shakes=shakes, relocate_accepted=accepted)
    near_sites = _nearest_sites(cost, allowed, is_cand, PART_SITES)
    rounds = 0
    if best_open is not None:
        ub, best_open, best_assign, _ = improve_clusters(cost, q, cap, allowed, best_open, best_assign, required,
                                                         candidates, deadline=search_end, abs_gap=abs_gap,
                                                         seed=seed, near_sites=near_sites)
        extra["local_objective"] = ub
        is_req = np.zeros(m, dtype=bool)
        is_req[required] = True
        while time.perf_counter() < search_end - 1.0:
            rounds += 1
            opn = best_open.copy()
            movable = np.flatnonzero(~is_req[opn])
            if not len(movable):
                break
            k = max(2, int(round(SHAKE_SHARE * p)))
            for a in rng.choice(movable, size=min(k, len(movable)), replace=False):
                pts = np.flatnonzero(best_assign == opn[a])
                pool = np.setdiff1d(near_sites[pts].ravel() if len(pts) else near_sites[rng.integers(n)], opn)
                if len(pool):
                    opn[a] = int(rng.choice(pool))
            assign, obj = flow_assignment(cost, q, cap, opn, deadline=search_end)
            if assign is None:
                continue
            obj, opn, assign, _ = improve_clusters(cost, q, cap, allowed, opn, assign, required, candidates,
                                                   deadline=search_end, abs_gap=abs_gap, seed=seed + rounds,
                                                   near_sites=near_sites)
            if obj < ub - 1e-9 * max(1.0, abs(ub)):
                ub, best_open, best_assign = obj, opn, assign
    extra["restarts"] = rounds
    # bounds, in the time kept for them
    upper = ub if math.isfinite(ub) else 1.1 * float(unc_cost.sum()) + 1.0
    left = max(0.05, deadline - time.perf_counter())
    lam0 = cost[np.arange(n), best_assign] if best_assign is not None else unc_cost
    lb_unc = -math.inf  # at large p far below the knapsack bound: that one gets all the time
    if not large_p:
        lb_unc, _ = pmedian_bound(cost, p, candidates, required, upper, lam=unc_cost,
                                  deadline=time.perf_counter() + UNCAPACITATED_BOUND_PART * left)
    # each point listed where it could plausibly go: within twice its cost plus twice the mean cost
    reach = REACH_OWN * lam0 + REACH_MEAN * float(np.mean(lam0))
    lb_knap, _, info = knapsack_bound(cost, q, cap, p, candidates, required, upper, lam=lam0, deadline=deadline,
                                      reach=reach)
    extra.update(bound_steps=info["steps"], bound_exact=info["exact"], knapsack_bound=lb_knap,
                 uncapacitated_bound=lb_unc)
    # every bound proven on the way counts, down to each point at its cheapest site (costs are never negative)
    trivial = float(np.where(is_cand[None, :] | np.isin(np.arange(m), required)[None, :], cost, np.inf)
                    .min(axis=1).sum())
    extra["trivial_bound"] = trivial
    lower = max(lb_unc, lb_knap, extra.get("start_knapsack_bound", -math.inf), trivial, 0.0)
    if integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    if math.isfinite(ub):
        lower = min(lower, ub)
    return ub, best_open, best_assign, lower, extra
