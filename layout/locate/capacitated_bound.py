"""Lagrangian bound for the capacitated p-median with exact 0-1 knapsacks per site.

Relax "every demand point is assigned once" with multipliers λ. For fixed λ each site j solves the 0-1 knapsack
``ρ_j = min Σ_i (c_ij − λ_i) x_i  s.t.  Σ_i q_i x_i ≤ Q_j, x binary`` and the bound is ``Σ_i λ_i + Σ_{j∈P} ρ_j``
over the p best sites (required sites always in P). The 0-1 knapsack makes this bound at least the linear
programming bound of the strong formulation, often much higher (it equals the bound of the set-partitioning /
column-generation model whose columns are single-site clusters).

Demands and capacities must be whole numbers. The knapsacks are solved together by dynamic programming over
capacity, one step per item *rank*: for each site only the points with negative reduced cost take part, sorted,
so a step handles the k-th such point of every site at once. Every value returned is a valid lower bound.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["whole_numbers", "knapsack01_ranked", "capacitated_bound01", "pair_bounds"]


def whole_numbers(demand: np.ndarray, capacity: np.ndarray) -> bool:
    """True when every demand and every (finite) capacity is a whole number, so the exact knapsack applies."""
    return bool(np.all(demand == np.round(demand)) and np.all(np.isfinite(capacity))
                and np.all(capacity == np.round(capacity)) and np.all(demand >= 0))


def knapsack01_ranked(red: np.ndarray, demand: np.ndarray, capacity: np.ndarray, decisions: bool = False):
    """Exact 0-1 knapsack per site (column) over the items (rows) with negative reduced cost.

    Parameters
    ----------
    red : ndarray (n, m)
        Reduced cost of putting item i in knapsack j (``inf`` = not allowed).
    demand : ndarray (n,)
        Whole-number weights.
    capacity : ndarray (m,)
        Whole-number capacities.
    decisions : bool
        Also return the optimal item choice of every knapsack.

    Returns
    -------
    (rho, table, x)
        ``rho[j]`` the optimum at capacity ``Q_j``; ``table[j, c]`` the optimum at capacity ``c`` (≤ max Q);
        ``x`` (n × m, bool) the chosen items when ``decisions`` else None.

    Example
    -------
    >>> red = np.array([[-5.0], [-4.0], [-3.0]])
    >>> rho, table, x = knapsack01_ranked(red, np.array([3, 2, 2]), np.array([4]), decisions=True)
    >>> float(rho[0]), x[:, 0].tolist()
    (-7.0, [False, True, True])
    """
    n, m = red.shape
    q = np.rint(demand).astype(np.int64)
    cap = np.rint(capacity).astype(np.int64)
    qmax = int(cap.max()) if m else 0
    neg = (red < 0) & (q[:, None] <= cap[None, :])
    zero = neg & (q[:, None] == 0)
    base = np.where(zero, red, 0.0).sum(axis=0)
    neg &= ~zero
    count = neg.sum(axis=0)
    k_max = int(count.max()) if m else 0
    table = np.zeros((m, qmax + 1))
    if k_max:
        # items of each site in rank order (negative ones first)
        key = np.where(neg, red, np.inf)
        order = np.argsort(key, axis=0, kind="stable")[:k_max]  # (K, m)
        valid = np.arange(k_max)[:, None] < count[None, :]
        caps = np.arange(qmax + 1)[None, :]
        dec = np.zeros((k_max, m, qmax + 1), dtype=bool) if decisions else None
        for k in range(k_max):
            live = np.flatnonzero(valid[k])
            items = order[k, live]
            w = q[items]
            r = red[items, live]
            src = caps - w[:, None]
            ok = src >= 0
            cand = np.where(ok, np.take_along_axis(table[live], np.maximum(src, 0), axis=1) + r[:, None], np.inf)
            sub = table[live]
            better = cand < sub
            table[live] = np.where(better, cand, sub)
            if dec is not None:
                dec[k, live] = better
    rho = table[np.arange(m), cap] + base
    table += base[:, None]
    x = None
    if decisions:
        x = zero.copy()
        c = cap.copy()
        for k in range(k_max - 1, -1, -1):
            live = np.flatnonzero(valid[k])
            took = dec[k, live, c[live]]
            items = order[k, live]
            x[items[took], live[took]] = True
            c[live[took]] -= q[items[took]]
    return rho, table, x


def _select(rho: np.ndarray, p: int, free: np.ndarray, required: np.ndarray) -> np.ndarray:
    k = p - len(required)
    if k <= 0:
        return required
    part = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
    return np.concatenate([required, part])


def capacitated_bound01(cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int,
                        candidates: np.ndarray, required: np.ndarray, upper: float, lam: np.ndarray,
                        deadline: float | None = None, max_iter: int = 1000,
                        integral: bool = False) -> tuple[float, np.ndarray]:
    """Best Lagrangian lower bound with exact 0-1 knapsacks (subgradient optimisation from ``lam``).

    Parameters
    ----------
    cost : ndarray (n, m)
        Weighted cost, ``inf`` where a pair is not allowed.
    demand, capacity : ndarray
        Whole numbers (see :func:`whole_numbers`).
    p : int
        Number of sites to open.
    candidates, required : ndarray of int
        Sites that may / must open.
    upper : float
        Objective of a known solution: the step target, and the loop stops once the bound reaches it.
    lam : ndarray (n,)
        Starting multipliers (e.g. from the continuous relaxation).
    deadline : float, optional
        ``time.perf_counter()`` value at which to stop.
    integral : bool
        Objective values are whole numbers: stop once the rounded-up bound reaches ``upper``.

    Returns
    -------
    (bound, multipliers)

    Example
    -------
    >>> cost = np.array([[0.0, 3.0], [1.0, 2.0], [4.0, 0.0]])
    >>> lb, lam = capacitated_bound01(cost, np.array([1, 1, 1]), np.array([2, 2]), 2, np.arange(2),
    ...                               np.array([], dtype=int), 3.0, np.zeros(3))
    >>> round(lb, 6)
    1.0
    """
    sub = cost[:, candidates]
    cap = capacity[candidates]
    req_pos = np.flatnonzero(np.isin(candidates, required))
    free_pos = np.setdiff1d(np.arange(len(candidates)), req_pos)
    lam = lam.astype(float).copy()
    best, best_lam = -np.inf, lam.copy()
    theta, stall = 1.0, 0
    stop_at = upper - 1.0 + 1e-6 if integral else upper - 1e-9 * max(1.0, abs(upper))
    for _ in range(max_iter):
        red = sub - lam[:, None]
        rho, _, _ = knapsack01_ranked(red, demand, cap)
        chosen = _select(rho, p, free_pos, req_pos)
        value = float(lam.sum() + rho[chosen].sum())
        if value > best + 1e-12 * max(1.0, abs(value)):
            best, best_lam = value, lam.copy()
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2.0, 0
        if best > stop_at or theta < 1e-3 or (deadline is not None and time.perf_counter() > deadline):
            break
        _, _, x = knapsack01_ranked(red[:, chosen], demand, cap[chosen], decisions=True)
        g = 1.0 - x.sum(axis=1)
        norm = float(g @ g)
        if norm < 1e-12:
            break
        lam = lam + theta * max(upper - value, 1e-9 * max(1.0, abs(upper))) / norm * g
    return best, best_lam


def pair_bounds(cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int, candidates: np.ndarray,
                required: np.ndarray, lam: np.ndarray):
    """Bounds at multipliers ``lam`` on any solution that opens a site / uses a pair.

    Returns ``(bound, site_open, site_closed, pair)``: the Lagrangian bound; per candidate the bound with it open
    and with it closed; per (point, candidate) pair the bound with that assignment forced (``inf`` when not
    allowed or over capacity). Any solution using the pair (opening the site, …) costs at least that much.
    """
    sub = cost[:, candidates]
    cap = capacity[candidates]
    red = sub - lam[:, None]
    rho, table, _ = knapsack01_ranked(red, demand, cap)
    req_pos = np.flatnonzero(np.isin(candidates, required))
    free_pos = np.setdiff1d(np.arange(len(candidates)), req_pos)
    chosen = _select(rho, p, free_pos, req_pos)
    bound = float(lam.sum() + rho[chosen].sum())
    in_chosen = np.zeros(len(candidates), dtype=bool)
    in_chosen[chosen] = True
    chosen_free = np.setdiff1d(chosen, req_pos)
    other = np.setdiff1d(free_pos, chosen_free)
    worst_in = float(rho[chosen_free].max()) if len(chosen_free) else np.inf
    best_out = float(rho[other].min()) if len(other) else np.inf
    base = np.where(in_chosen, bound - rho, bound - worst_in)  # bound without site j's own term
    site_open = base + rho
    site_closed = np.full(len(candidates), bound)
    site_closed[chosen_free] = bound - rho[chosen_free] + best_out
    site_closed[req_pos] = np.inf
    q = np.rint(demand).astype(np.int64)
    rest = np.rint(cap).astype(np.int64)[None, :] - q[:, None]  # (n, m)
    f = table[np.arange(len(cap))[None, :], np.clip(rest, 0, None)]
    # a point with non-negative reduced cost may still be forced in: table includes only the useful items
    pair = base[None, :] + red + f
    pair = np.where(np.isfinite(sub) & (rest >= 0), pair, np.inf)
    return bound, site_open, site_closed, pair
