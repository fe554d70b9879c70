"""Location moves for the capacitated p-median where the site moves are too costly: descent and iterated
shakes, all within capacity.

At p = 600-1,000 on 3,038 points a cluster holds three points, and the MILP neighbourhoods of
:mod:`layout.locate.capacitated_search` reach only a fraction of the p clusters within a minute (HiGHS needs up
to a second per part when sites are nearly full). Here each move "close an open site, open a closed site" is
evaluated on the points it touches (:func:`layout.locate._relocate_kernels.relocate_pass`), so a pass over all
open sites takes milliseconds. The closed sites tried for an open site are those its points list among their
nearest and the ``FAR_SITES`` sites anywhere whose listing points would save the most there: the only moves
here, and in the MILP neighbourhoods, that take a site from where sites are in excess to where they are short.
On clustered 737 points with p = 74 the descent ended at 13,927-14,920 with them and 14,204-15,787 without
(from the same four starts).
A descent alternates passes of those moves with passes of point shifts and swaps among the sites each point
lists (:func:`layout.locate._relocate_kernels.point_pass`; capacities always hold); an iterated local search
then shakes the best solution (a few random location moves among neighbouring sites, whatever their cost),
descends again and keeps the result when it is cheaper. (Shaking to the far sites as well did no better.)
Deterministic for a seed up to where the deadline falls.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["relocate_search", "near_lists"]

#: Nearest candidate sites listed per point (where its cluster may move, and which points a new site attracts).
NEAR = 10
#: Nearest candidate sites per point for its shifts and swaps: more, since only about p / m of them are open (at
#: 3,038 points and p = 1,000 the 10 nearest hold about three open sites, too few for point moves).
POINT_NEAR = 50
#: Sites a shake moves: this share of p, at least ``SHAKE_MIN``.
SHAKE_SHARE = 0.01
SHAKE_MIN = 2
#: Closed sites anywhere that every open site may also move to in a pass: those whose listing points would save
#: the most by moving to them (capacity aside).
FAR_SITES = 10


def near_lists(wcost: np.ndarray, candidates: np.ndarray, k: int = NEAR):
    """Each point's ``k`` cheapest allowed candidate sites (cheapest first, ``-1`` padding) and, per site, the
    points listing it (CSR ``ptr``, ``idx``, cheapest first).

    Example
    -------
    >>> near, ptr, idx = near_lists(np.array([[0.0, 3.0, 1.0], [2.0, 0.0, np.inf]]), np.arange(3), 2)
    >>> near.tolist(), ptr.tolist(), idx.tolist()
    ([[0, 2], [1, 0]], [0, 2, 3, 4], [0, 1, 1, 0])
    """
    n, m = wcost.shape
    cand = np.asarray(candidates, dtype=np.int64)
    k = int(min(k, len(cand)))
    sub = wcost[:, cand]
    part = np.argpartition(sub, k - 1, axis=1)[:, :k] if k < len(cand) else np.tile(np.arange(len(cand)), (n, 1))
    part_cost = np.take_along_axis(sub, part, axis=1)
    order = np.argsort(part_cost, axis=1, kind="stable")
    part = np.take_along_axis(part, order, axis=1)
    part_cost = np.take_along_axis(part_cost, order, axis=1)
    near = np.where(np.isfinite(part_cost), cand[part], -1).astype(np.int64)
    ii = np.repeat(np.arange(n), k)
    jj = near.ravel()
    cc = part_cost.ravel()
    ok = jj >= 0
    ii, jj, cc = ii[ok], jj[ok], cc[ok]
    by = np.lexsort((cc, jj))
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(jj, minlength=m), out=ptr[1:])
    return np.ascontiguousarray(near), ptr, ii[by].astype(np.int64)


def relocate_search(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, open_sites: np.ndarray,
                    assign: np.ndarray, required: np.ndarray, candidates: np.ndarray,
                    deadline: float | None = None, seed: int = 0, lists=None,
                    max_rounds: int | None = None, far_sites: int = FAR_SITES) -> tuple[float, np.ndarray, np.ndarray, dict]:
    """Improve a feasible solution by location moves and point moves until the deadline.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    open_sites, assign : ndarray
        A feasible solution.
    required, candidates : ndarray of int
        Sites that must stay open; sites that may open.
    deadline : float, optional
        ``time.perf_counter()`` value to stop at (default: after one descent and ``max_rounds`` shakes).
    seed : int
        Seed of the shakes.
    lists : tuple, optional
        :func:`near_lists` of the instance, when the caller has them.
    max_rounds : int, optional
        Most shakes (default: until the deadline; 100 without one).
    far_sites : int
        Closed sites anywhere offered to every open site in a pass (see ``FAR_SITES``; 0: only the sites its
        points list).

    Returns
    -------
    (objective, open sites, assignment, info)
        ``info``: ``descent_objective``, ``shakes``, ``accepted``.

    Example
    -------
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> cost = np.abs(x[:, None] - x[None, :])
    >>> obj, o, a, _ = relocate_search(cost, np.ones(6), np.full(6, 3.0), np.array([0, 3]),
    ...                                np.array([0, 0, 0, 3, 3, 3]), np.array([], int), np.arange(6), max_rounds=5)
    >>> obj, o.tolist()
    (4.0, [1, 4])
    """
    # compiled: imported on first use
    from layout.locate._relocate_kernels import force_move, point_pass, relocate_pass

    cost = np.ascontiguousarray(wcost, dtype=np.float64)
    n, m = cost.shape
    q = np.ascontiguousarray(demand, dtype=np.float64)
    cap = np.ascontiguousarray(capacity, dtype=np.float64)
    near, ptr, idx = near_lists(cost, candidates) if lists is None else lists
    wide = near_lists(cost, candidates, POINT_NEAR)[0] if near.shape[1] < POINT_NEAR else near
    is_cand = np.zeros(m, dtype=bool)
    is_cand[candidates] = True
    movable = np.ones(m, dtype=bool)
    movable[required] = False
    rng = np.random.default_rng(seed)
    rows = np.arange(n)
    if max_rounds is None:
        max_rounds = 100 if deadline is None else 1 << 62

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    entry_site = np.repeat(np.arange(m), np.diff(ptr))

    def attractive(asg, is_open):
        """The ``far_sites`` closed candidate sites whose listing points would save the most there."""
        if far_sites <= 0:
            return np.empty(0, dtype=np.int64)
        saving = np.maximum(cost[idx, asg[idx]] - cost[idx, entry_site], 0.0)
        pull = np.bincount(entry_site, weights=saving, minlength=m)
        pull[is_open | ~is_cand] = -1.0
        top = np.argsort(-pull, kind="stable")[:far_sites]
        return top[pull[top] > 0].astype(np.int64)

    def descend(opn, asg):
        load = np.bincount(asg, weights=q, minlength=m).astype(np.float64)
        is_open = np.zeros(m, dtype=bool)
        is_open[opn] = True
        while not out_of_time():
            moved = 0
            while not out_of_time():
                moves, _ = relocate_pass(cost, q, cap, opn, asg, load, is_open, movable, is_cand, near, ptr, idx,
                                         rng.permutation(len(opn)).astype(np.int64), attractive(asg, is_open))
                moved += moves
                if moves == 0:
                    break
            while not out_of_time():
                moves, _ = point_pass(cost, q, cap, asg, load, is_open, wide)
                moved += moves
                if moves == 0:
                    break
            if not moved:
                break  # neither kind of move improves any more
        return opn, asg, load, is_open

    def valid(opn, asg) -> bool:
        load = np.bincount(asg, weights=q, minlength=m)
        return (len(np.unique(opn)) == len(opn) and bool(np.all(np.isin(asg, opn)))
                and bool(np.all(load <= cap + 1e-9)) and bool(np.all(np.isfinite(cost[rows, asg]))))

    start_obj = float(cost[rows, assign].sum())
    opn, asg, _, _ = descend(np.sort(np.asarray(open_sites, dtype=np.int64)).copy(), np.asarray(assign).astype(np.int64))
    best_open, best_assign = np.sort(opn), asg.copy()
    best = float(np.sort(cost[rows, best_assign]).sum())
    if not valid(best_open, best_assign) or best > start_obj:  # never worse than the start (cannot happen)
        best_open, best_assign, best = np.sort(np.asarray(open_sites)), np.asarray(assign).copy(), start_obj
    info = {"descent_objective": best, "shakes": 0, "accepted": 0}
    p = len(best_open)
    k = max(SHAKE_MIN, int(round(SHAKE_SHARE * p)))
    free = np.flatnonzero(movable[best_open])
    while info["shakes"] < max_rounds and not out_of_time() and len(free):
        info["shakes"] += 1
        opn, asg = best_open.copy(), best_assign.copy()
        load = np.bincount(asg, weights=q, minlength=m).astype(np.float64)
        is_open = np.zeros(m, dtype=bool)
        is_open[opn] = True
        # shake: a seed site and its neighbours each move to a random closed site listed by one of its points
        a0 = int(rng.choice(free))
        around = near[np.flatnonzero(asg == opn[a0])].ravel()
        pos_of = np.full(m, -1)
        pos_of[opn] = np.arange(p)
        targets = [a0] + [int(pos_of[j]) for j in around if j >= 0 and pos_of[j] >= 0 and movable[j]]
        for a in list(dict.fromkeys(targets))[:k]:
            pool = near[np.flatnonzero(asg == opn[a])].ravel()
            pool = pool[(pool >= 0)]
            pool = pool[~is_open[pool] & is_cand[pool]]
            if len(pool):
                force_move(cost, q, cap, opn, asg, load, is_open, near, ptr, idx, a, int(rng.choice(pool)))
        opn, asg, _, _ = descend(opn, asg)
        obj = float(np.sort(cost[rows, asg]).sum())
        if obj < best - 1e-9 * max(1.0, abs(best)) and valid(opn, asg):
            best, best_open, best_assign = obj, np.sort(opn), asg.copy()
            info["accepted"] += 1
            free = np.flatnonzero(movable[best_open])
    return best, best_open, best_assign, info
