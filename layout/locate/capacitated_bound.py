"""Exact 0-1 knapsacks of every site at once, for the capacitated p-median's Lagrangian reduction.

With multipliers λ on "every demand point is assigned once", site j's best use is the 0-1 knapsack
``ρ_j = min Σ_i (c_ij − λ_i) x_i  s.t.  Σ_i q_i x_i ≤ Q_j, x binary``. Solving it exactly (rather than its
continuous relaxation) gives stronger site and pair bounds, which :mod:`layout.locate.capacitated` uses to
drop pairs and sites that cannot be in a better solution.

Demands and capacities must be whole numbers. The knapsacks are solved together by dynamic programming over
capacity, one step per item *rank*: for each site only the points with negative reduced cost take part, sorted,
so a step handles the k-th such point of every site at once.
"""

from __future__ import annotations

import numpy as np

__all__ = ["whole_numbers", "knapsack01_ranked"]


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
