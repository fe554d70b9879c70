"""Starting solutions for large capacitated p-median instances: assignment by min-cost flow, medians by cluster.

For fixed open sites, assigning points within capacity is a generalized assignment problem; its linear
relaxation is a transportation problem (a min-cost flow), solved exactly by HiGHS over each point's ``g`` nearest
open sites, and a basic optimum splits at most ``p − 1`` points. Each point then goes to its largest share, and
the few overloads this can leave are repaired by compiled point moves with a rising overload price
(:func:`layout.locate._capacitated_kernels.improve_assignment`). The medians are then moved to the best site of
each cluster (the site, near the cluster's points and able to hold its load, with the least total cost to them),
and the two steps alternate while the cost falls: a capacitated version of the k-medoids alternation that Gnägi &
Baumann (2021) use as the global phase of their matheuristic, with a min-cost flow where they solve the
assignment with a MILP.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from layout.locate.milp import solve_milp

__all__ = ["flow_assignment", "alternate"]

#: Each point may go to its nearest this-many open sites in the transportation problem (all when that fails).
FLOW_NEAREST = 12
#: Times the overload price doubles while repairing a rounded assignment.
REPAIR_RAISES = 30
#: Factor of each raise.
REPAIR_RAISE = 2.0
#: Seconds for the small MILP that places the points the LP split.
SPLIT_SECONDS = 0.5
#: The repair and the polish also swap points up to this many points (a swap pass costs n²).
POLISH_SWAPS_MAX = 2000
#: Passes of point moves per price while repairing, and passes of the final polish (shifts and swaps).
REPAIR_PASSES = 10
POLISH_PASSES = 10
#: Sites offered to each cluster when its median moves: this many nearest sites of each of its points.
MEDIAN_NEAREST = 3
#: Most rounds of "assign, then move the medians", and rounds in a row without a better solution.
MAX_ROUNDS = 30
ROUND_PATIENCE = 3


def _transport(wcost, demand, capacity, opn, g):
    """Fractional assignment to the open sites ``opn`` over each point's ``g`` nearest of them (None: infeasible)."""
    n = wcost.shape[0]
    p = len(opn)
    sub = wcost[:, opn]
    g = min(g, p)
    near = np.argpartition(sub, g - 1, axis=1)[:, :g] if g < p else np.tile(np.arange(p), (n, 1))
    ii = np.repeat(np.arange(n), near.shape[1])
    kk = near.ravel()
    c = sub[ii, kk]
    ok = np.isfinite(c)
    ii, kk, c = ii[ok], kk[ok], c[ok]
    ne = len(ii)
    rows = np.concatenate([ii, n + kk])
    vals = np.concatenate([np.ones(ne), demand[ii]])
    cols = np.concatenate([np.arange(ne), np.arange(ne)])
    a = sp.csc_array((vals, (rows, cols)), shape=(n + p, ne))
    cap = capacity[opn]
    lo = np.concatenate([np.ones(n), np.full(p, -np.inf)])
    hi = np.concatenate([np.ones(n), np.where(np.isfinite(cap), cap, np.inf)])
    res = solve_milp(c, a, lo, hi, np.zeros(ne), np.ones(ne), np.zeros(ne, dtype=bool))
    if res.x is None or res.status != "optimal":
        return None
    share = np.zeros((n, p))
    share[ii, kk] = res.x
    return share


def _place_split(cost, q, cap, opn, assign, split, share):
    """Assign the points the LP split, by a small MILP over the capacity the other points leave (in place)."""
    from layout.locate._assignment import AssignmentModel

    n, m = cost.shape
    keep = np.ones(n, dtype=bool)
    keep[split] = False
    used = np.bincount(assign[keep], weights=q[keep], minlength=m)
    rest = np.maximum(cap[opn] - used[opn], 0.0)
    sub = cost[np.ix_(split, opn)]
    ok = np.isfinite(sub) & (q[split, None] <= rest[None, :] + 1e-9)
    ii, kk = np.nonzero(ok)
    if not len(ii) or not ok.any(axis=1).all():
        return
    model = AssignmentModel(n=len(split), sites=opn, pair_i=ii, pair_j=opn[kk], pair_cost=sub[ii, kk],
                            demand=q[split], capacity=rest, open_lo=np.zeros(len(opn)), single_source=True)
    # every site may take points (y free): drop the linking by making all sites "open" at no cost
    model.open_lo = np.ones(len(opn))
    res, _, a = model.solve(time_limit=SPLIT_SECONDS, rel_gap=1e-4, abs_gap=1e-9)
    if a is not None:
        assign[split] = a


def _eject(cost, q, cap, opn, assign, load):
    """Move points out of overloaded sites, cheapest extra cost per unit of demand first, each to the cheapest
    open site with room for it (in place; ``load`` is kept up to date)."""
    room = cap[opn] - load[opn]
    for a in np.flatnonzero(room < -1e-9):
        j = opn[a]
        pts = np.flatnonzero(assign == j)
        sub = cost[np.ix_(pts, opn)]
        while room[a] < -1e-9 and len(pts):
            fits = (q[pts, None] <= room[None, :] + 1e-9) & np.isfinite(sub)
            fits[:, a] = False
            alt = np.where(fits, sub, np.inf)
            target = np.argmin(alt, axis=1)
            extra = (alt[np.arange(len(pts)), target] - sub[:, a]) / np.maximum(q[pts], 1e-12)
            t = int(np.argmin(extra))
            if not np.isfinite(extra[t]):
                break
            i, b = pts[t], int(target[t])
            assign[i] = opn[b]
            room[a] += q[i]
            room[b] -= q[i]
            load[j] -= q[i]
            load[opn[b]] += q[i]
            pts = np.delete(pts, t)
            sub = np.delete(sub, t, axis=0)


def flow_assignment(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, open_sites: np.ndarray,
                    g: int = FLOW_NEAREST, deadline: float | None = None) -> tuple[np.ndarray | None, float]:
    """Single-source assignment to fixed open sites: transportation LP, rounding, compiled repair.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed (C-contiguous float64 is fastest).
    demand, capacity : ndarray
        Load per point; capacity per site.
    open_sites : ndarray of int
        The open sites.
    g : int
        Open sites offered to each point in the transportation problem (all of them when that is infeasible).
    deadline : float, optional
        ``time.perf_counter()`` value after which the repair stops (the answer may then be None).

    Returns
    -------
    (assignment, objective)
        Site per point and its total cost, or ``(None, inf)`` when no feasible assignment was found.

    Example
    -------
    >>> cost = np.array([[0.0, 4.0], [1.0, 3.0], [5.0, 0.0]])
    >>> a, obj = flow_assignment(cost, np.ones(3), np.array([2.0, 2.0]), np.array([0, 1]))
    >>> a.tolist(), obj
    ([0, 0, 1], 1.0)
    """
    from layout.locate._capacitated_kernels import improve_assignment  # compiled: imported on first use

    cost = np.ascontiguousarray(wcost, dtype=np.float64)
    n, m = cost.shape
    opn = np.sort(np.asarray(open_sites, dtype=np.int64))
    q = np.ascontiguousarray(demand, dtype=np.float64)
    cap = np.ascontiguousarray(capacity, dtype=np.float64)
    share = None
    while share is None:  # widen the choice of sites until the transportation problem is feasible
        share = _transport(cost, q, cap, opn, g)
        if share is None:
            if g >= len(opn):
                return None, math.inf
            g = min(len(opn), 4 * g)
    assign = opn[np.argmax(share, axis=1)].astype(np.int64)
    split = np.flatnonzero(share.max(axis=1) < 1.0 - 1e-6)
    if len(split):
        # the LP splits at most p − 1 points: place them exactly in what the others leave of each capacity
        _place_split(cost, q, cap, opn, assign, split, share)
    load = np.bincount(assign, weights=q, minlength=m).astype(np.float64)
    if np.any(load[opn] > cap[opn] + 1e-9):
        _eject(cost, q, cap, opn, assign, load)
    alpha = max(float(cost[np.arange(n), assign].sum()) / max(float(q.sum()), 1e-12), 1e-6)
    # still overloaded (no single site had room left): point shifts and swaps at a rising price per unit of overload; the
    # result may be far from the best assignment to these sites, but the medians move on from it (on a clustered
    # 737-point instance with p = 148, 95 % full, the assignment MILP itself found no better in 15 s)
    # Above POLISH_SWAPS_MAX points the swaps join only when shifts alone leave an overload: a site so full that
    # no other site has room for any of its points (3,038 points, p = 1,000, 90 % full: 4 of 8 starts failed so,
    # and the matheuristic had no solution at all after 11 s of its 60; with the swaps each took 6-7 s, not 2 s)
    for swaps in dict.fromkeys([n <= POLISH_SWAPS_MAX, True]):
        price = alpha
        for _ in range(REPAIR_RAISES):
            if np.all(load[opn] <= cap[opn] + 1e-9) or (deadline is not None and time.perf_counter() > deadline):
                break
            improve_assignment(cost, q, cap, opn, assign, load, price, swaps, REPAIR_PASSES)
            price *= REPAIR_RAISE
    load = np.bincount(assign, weights=q, minlength=m)
    if np.any(load[opn] > cap[opn] + 1e-9) or not np.all(np.isfinite(cost[np.arange(n), assign])):
        return None, math.inf
    # with the loads feasible, polish with shifts that keep them so (a prohibitive price)
    load = load.astype(np.float64)
    improve_assignment(cost, q, cap, opn, assign, load, 1e6 * alpha, n <= POLISH_SWAPS_MAX, POLISH_PASSES)
    load = np.bincount(assign, weights=q, minlength=m)
    if np.any(load[opn] > cap[opn] + 1e-9):
        return None, math.inf
    return assign, float(cost[np.arange(n), assign].sum())


def _move_medians(cost, q, cap, opn, assign, near, is_cand, is_req):
    """Each cluster's best site (least total cost to its points, capacity ≥ its load); sites stay distinct."""
    new = opn.copy()
    taken = set(int(j) for j in opn)
    for a, j in enumerate(opn):
        if is_req[j]:
            continue
        pts = np.flatnonzero(assign == j)
        if not len(pts):
            continue
        load = float(q[pts].sum())
        cands = np.unique(np.concatenate([near[pts].ravel(), [j]]))
        cands = cands[is_cand[cands] & (cap[cands] >= load - 1e-9)]
        cands = np.array([c for c in cands if c == j or c not in taken], dtype=np.int64)
        if not len(cands):
            continue
        total = cost[np.ix_(pts, cands)].sum(axis=0)
        best = int(cands[np.argmin(total)])
        if best != j:
            taken.discard(int(j))
            taken.add(best)
            new[a] = best
    return np.sort(new)


def alternate(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, open_sites: np.ndarray,
              candidates: np.ndarray, required: np.ndarray, deadline: float | None = None,
              g: int = FLOW_NEAREST) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """Alternate "assign by min-cost flow" and "move each median within its cluster" while the cost falls.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    open_sites : ndarray of int
        Starting sites (e.g. the uncapacitated p-median's).
    candidates, required : ndarray of int
        Sites that may open; sites that must stay open.
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    g : int
        Open sites offered to each point in the transportation problem.

    Returns
    -------
    (objective, open sites, assignment)
        The best feasible solution seen, or ``(inf, None, None)``.

    Example
    -------
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> cost = np.abs(x[:, None] - x[None, :])
    >>> obj, o, a = alternate(cost, np.ones(6), np.full(6, 3.0), np.array([0, 3]), np.arange(6), np.array([], int))
    >>> obj, o.tolist()
    (4.0, [1, 4])
    """
    cost = np.ascontiguousarray(wcost, dtype=np.float64)
    n, m = cost.shape
    q = np.asarray(demand, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    is_cand = np.zeros(m, dtype=bool)
    is_cand[candidates] = True
    is_cand[required] = True
    is_req = np.zeros(m, dtype=bool)
    is_req[required] = True
    k = min(MEDIAN_NEAREST, m)
    masked = np.where(is_cand[None, :], cost, np.inf)
    near = np.argpartition(masked, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (n, 1))
    opn = np.sort(np.asarray(open_sites, dtype=np.int64))
    best, best_open, best_assign = math.inf, None, None
    seen = set()
    idle = 0
    for _ in range(MAX_ROUNDS):
        key = tuple(opn.tolist())
        if key in seen:
            break
        seen.add(key)
        # the first round always completes (there is nothing to return before it)
        assign, obj = flow_assignment(cost, q, cap, opn, g, deadline=deadline if best_open is not None else None)
        if assign is None:
            break
        if best_open is None or obj < best - 1e-9 * max(1.0, abs(best)):
            best, best_open, best_assign = obj, opn.copy(), assign.copy()
            idle = 0
        else:  # a worse round may still lead somewhere (medians move on): stop after a few
            idle += 1
            if idle >= ROUND_PATIENCE:
                break
        if deadline is not None and time.perf_counter() > deadline:
            break
        new = _move_medians(cost, q, cap, opn, assign, near, is_cand, is_req)
        if np.array_equal(new, opn):
            break
        opn = new
    return best, best_open, best_assign
