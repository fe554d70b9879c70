"""Variable neighbourhood search over open sites for the capacitated p-median.

When capacities are nearly full, a better solution often needs several sites to move at once, with points
passed along chains of neighbouring sites; re-optimising a few clusters at a time
(:mod:`layout.locate.capacitated_search`) can stall there (Osman–Christofides cpmp20: 1019 in a minute, against
the optimum 1005 that this search finds in under a second). This search moves sites one at a time with every
point re-placed (compiled moves in :mod:`layout.locate._capacitated_kernels`), lets loads exceed capacity at a
price ``α`` per unit that rises until the local optimum is feasible (strategic oscillation), and escapes local
optima by moving ``k`` random sites at once, ``k`` growing while nothing improves (variable neighbourhood
search, as Fleszar & Hindi 2008 applied it to this problem). Only feasible solutions are returned.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from layout.locate.capacitated_search import cluster_costs

__all__ = ["improve_sites"]

#: Sites offered in place of each open site: the ones its points could move to most cheaply.
NEAR_SITES = 30
#: Most sites moved at once by a shake.
MAX_SHAKE = 4
#: Times the overload price doubles before a local optimum is given up as infeasible.
MAX_PRICE_RAISES = 12
#: Shakes in a row without improvement after which the search stops (unless the deadline comes first).
PATIENCE = 200
#: Passes of point moves per local search.
ASSIGN_PASSES = 50


@dataclass
class _State:
    """Open sites, assignment and loads of one solution (arrays the kernels change in place)."""

    opn: np.ndarray
    assign: np.ndarray
    load: np.ndarray

    def copy(self) -> _State:
        return _State(self.opn.copy(), self.assign.copy(), self.load.copy())


def improve_sites(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, open_sites: np.ndarray,
                  assign: np.ndarray, required: np.ndarray, candidates: np.ndarray, deadline: float | None = None,
                  patience: int = PATIENCE, seed: int = 0) -> tuple[float, np.ndarray, np.ndarray]:
    """Search for a cheaper feasible solution until ``deadline``, starting from a feasible one.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where a pair is not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    open_sites, assign : ndarray of int
        A feasible solution (open site indices; site per point).
    required, candidates : ndarray of int
        Sites that must stay open; sites that may open.
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    patience : int
        Shakes in a row without improvement after which the search stops.
    seed : int
        Seed of the random site moves.

    Returns
    -------
    (objective, open sites, assignment)
        The best feasible solution seen (the start if nothing better was found).

    Example
    -------
    >>> cost = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 3.0], [4.0, 3.0, 0.0], [5.0, 4.0, 1.0]])
    >>> start_open, start_assign = np.array([0, 1]), np.array([0, 1, 0, 1])  # cost 8
    >>> obj, o, a = improve_sites(cost, np.ones(4), np.full(3, 2.0), start_open, start_assign,
    ...                           np.array([], int), np.arange(3), time.perf_counter() + 1.0)
    >>> obj
    2.0
    """
    # compiled: imported on first use
    from layout.locate._capacitated_kernels import best_site_swap, improve_assignment, site_swap_trial

    cost = np.ascontiguousarray(wcost, dtype=np.float64)
    n, m = cost.shape
    q = np.ascontiguousarray(demand, dtype=np.float64)
    cap = np.ascontiguousarray(capacity, dtype=np.float64)
    rng = np.random.default_rng(seed)
    is_cand = np.zeros(m, dtype=bool)
    is_cand[candidates] = True
    is_cand[required] = True
    is_req = np.zeros(m, dtype=bool)
    is_req[required] = True
    order = np.argsort(-q, kind="stable").astype(np.int64)
    finite = np.where(np.isfinite(cost), cost, 0.0)
    blocked = (~np.isfinite(cost)).astype(np.float64)
    rows = np.arange(n)

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    def objective(s: _State) -> float:
        return float(cost[rows, s.assign].sum())

    def feasible(s: _State) -> bool:
        s.load[:] = np.bincount(s.assign, weights=q, minlength=m)  # drop rounding drift of the moves
        return bool(np.all(s.load[s.opn] <= cap[s.opn] + 1e-9))

    def neighbours(s: _State) -> np.ndarray:
        """For each open site, the closed candidates its points could move to most cheaply (-1 pads)."""
        p = len(s.opn)
        label = np.full(m, -1)
        label[s.opn] = np.arange(p)
        move = cluster_costs(finite, blocked, label[s.assign], p)[0]
        move[:, ~is_cand] = np.inf
        move[:, s.opn] = np.inf
        k = min(NEAR_SITES, m)
        near = np.argsort(move, axis=1, kind="stable")[:, :k]
        near = np.where(np.isfinite(np.take_along_axis(move, near, axis=1)), near, -1)
        return np.ascontiguousarray(near, dtype=np.int64)

    def descend(s: _State, alpha: float) -> tuple[_State | None, float]:
        """Local optimum (site swaps and point moves) from ``s``, raising the price until it is feasible."""
        t_opn, t_assign, t_load = s.opn.copy(), s.assign.copy(), s.load.copy()
        for _ in range(MAX_PRICE_RAISES):
            while not out_of_time():
                improve_assignment(cost, q, cap, s.opn, s.assign, s.load, alpha, True, ASSIGN_PASSES)
                movable = ~is_req[s.opn]
                a, b = best_site_swap(cost, q, cap, s.opn, s.assign, s.load, alpha, movable, neighbours(s),
                                      t_opn, t_assign, t_load, order)
                if a < 0:
                    break
                site_swap_trial(cost, q, cap, s.opn, s.assign, s.load, alpha, a, b, t_opn, t_assign, t_load,
                                order)
                s.opn[:], s.assign[:], s.load[:] = t_opn, t_assign, t_load
            if feasible(s):
                return s, alpha
            if out_of_time():
                break
            alpha *= 2.0
        return None, alpha

    def shake(s: _State, k: int) -> _State:
        """Move ``k`` random movable sites to random nearby closed candidates."""
        s = s.copy()
        t_opn, t_assign, t_load = s.opn.copy(), s.assign.copy(), s.load.copy()
        for _ in range(k):
            movable = np.flatnonzero(~is_req[s.opn])
            if not len(movable):
                break
            a = int(rng.choice(movable))
            near = neighbours(s)[a]
            near = near[near >= 0]
            if not len(near):
                continue
            b = int(rng.choice(near[: max(3, len(near) // 3)]))
            value = site_swap_trial(cost, q, cap, s.opn, s.assign, s.load, alpha, a, b, t_opn, t_assign, t_load,
                                    order)
            if math.isfinite(value):
                s.opn[:], s.assign[:], s.load[:] = t_opn, t_assign, t_load
        return s

    start_assign = np.ascontiguousarray(assign, dtype=np.int64)
    start = _State(np.ascontiguousarray(open_sites, dtype=np.int64), start_assign,
                   np.bincount(start_assign, weights=q, minlength=m).astype(np.float64))
    best_value = objective(start)
    best = start.copy()
    # price of a unit of overload: the mean cost per unit of demand, raised as needed
    alpha = max(best_value / max(float(q.sum()), 1e-12), 1e-9)
    current, alpha = descend(start.copy(), alpha)
    if current is not None and objective(current) < best_value:
        best, best_value = current.copy(), objective(current)
    current = best.copy()
    k, k_max = 1, max(1, min(MAX_SHAKE, len(best.opn) // 2))
    idle = 0
    while idle < patience and not out_of_time():
        trial, alpha = descend(shake(current, k), alpha)
        alpha = max(alpha * 0.8, 1e-9)
        value = objective(trial) if trial is not None else math.inf
        if value < best_value - 1e-9 * max(1.0, abs(best_value)):
            best, best_value, current, k, idle = trial.copy(), value, trial, 1, 0
        else:
            idle += 1
            k = k % k_max + 1
            current = best.copy()
    return best_value, np.sort(best.opn), best.assign
