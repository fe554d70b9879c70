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

import math
import time

import numpy as np

__all__ = ["whole_numbers", "knapsack01_ranked", "site_lists", "knapsack_bound"]


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


#: Each point is listed at this many of its cheapest sites per average cluster size (n / p) in the sparse
#: relaxation of :func:`knapsack_bound` ...
LIST_PER_CLUSTER = 4.0
#: ... and at least this many.
LIST_MIN = 30
#: The sparse relaxation solves 0-1 knapsacks (stronger than the LP bound: the bound of column generation on the
#: set-partitioning model) while the longest site list times the capacity stays below this many table cells;
#: continuous knapsacks above. Only the sites that can be among the p chosen are solved as 0-1 knapsacks.
EXACT_CELLS = 5e7
#: Subgradient steps per call of the compiled loop without a deadline.
STEP_CHUNK = 10
#: With a deadline, each call of the compiled loop (which cannot look at the clock) is sized from the time the
#: steps so far took to last about this many seconds, and never past the deadline: one step costs from a
#: millisecond (1,200 points, 600 sites) to seconds (large capacities with 0-1 knapsacks).
CHUNK_SECONDS = 0.05


def site_lists(wcost: np.ndarray, candidates: np.ndarray, k: int, reach: np.ndarray | None = None):
    """Each point listed at its ``k`` cheapest candidate sites (and every site within ``reach``), CSR by site.

    Returns ``(ptr, idx, cst, lam_cap)``: entries ``ptr[a]:ptr[a + 1]`` list the points of candidate ``a``
    (``idx``) and their costs (``cst``); ``lam_cap[i]`` is point i's cheapest cost at a site where it is *not*
    listed (``inf`` when it is listed everywhere it may go), the ceiling that keeps every unlisted pair's reduced
    cost non-negative.

    Example
    -------
    >>> cost = np.array([[1.0, 2.0, 3.0], [3.0, 1.0, np.inf]])
    >>> ptr, idx, cst, cap = site_lists(cost, np.arange(3), 1)
    >>> ptr.tolist(), idx.tolist(), cap.tolist()
    ([0, 1, 2, 2], [0, 1], [2.0, 3.0])
    >>> site_lists(cost, np.arange(3), 1, reach=np.array([2.5, 0.0]))[3].tolist()
    [3.0, 3.0]
    """
    cand = np.asarray(candidates)
    # every site a candidate (the generated and literature instances): no copy of the n × m table
    whole = len(cand) == wcost.shape[1] and bool(np.all(cand == np.arange(len(cand))))
    sub = wcost if whole else wcost[:, cand]
    n, m = sub.shape
    k = int(min(max(k, 1), m))
    if k < m:
        # the k cheapest (ties broken by argpartition) plus every site within reach; one partition, and passes
        # over the n × m table kept few (at 3,038 × 3,038 under load this took 6 of the bound's 10 s)
        near = np.argpartition(sub, k - 1, axis=1)[:, :k]
        listed = np.zeros((n, m), dtype=bool)
        np.put_along_axis(listed, near, True, axis=1)
        if reach is not None:
            listed |= sub <= reach[:, None]
        listed &= np.isfinite(sub)
        lam_cap = np.where(listed, np.inf, sub).min(axis=1)
    else:
        listed = np.isfinite(sub)
        lam_cap = np.full(n, np.inf)
    rows, cols = np.nonzero(listed)  # ordered by point: reorder by site, then point
    order = np.argsort(cols, kind="stable")
    rows, cols = rows[order], cols[order]
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=m), out=ptr[1:])
    return ptr, rows.astype(np.int64), np.ascontiguousarray(sub[rows, cols], dtype=np.float64), lam_cap


def knapsack_bound(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int, candidates: np.ndarray,
                   required: np.ndarray, upper: float, lam: np.ndarray | None = None,
                   deadline: float | None = None, max_iter: int = 3000, k: int | None = None,
                   exact: bool | None = None, patience: int = 20,
                   reach: np.ndarray | None = None) -> tuple[float, np.ndarray, dict]:
    """Lagrangian lower bound of the capacitated p-median with the capacities kept (sparse, compiled).

    Relaxes "every point assigned once"; each site's subproblem is a knapsack over the points listed there
    (:func:`site_lists`; multipliers are kept below ``lam_cap``, so the bound is exact for them and valid). With
    whole-number demands and capacities and a small enough table the knapsacks are 0-1 (a bound above the
    linear-programming one); otherwise continuous (the LP bound at best).

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    p : int
        Sites to open.
    candidates, required : ndarray of int
        Sites that may open, sites that must.
    upper : float
        Objective of a known solution (steers the step).
    lam : ndarray, optional
        Starting multipliers (e.g. each point's cost in the known solution).
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    max_iter : int
        Most subgradient steps.
    k : int, optional
        Sites listed per point (default ``max(LIST_MIN, LIST_PER_CLUSTER · n / p)``).
    exact : bool, optional
        Force 0-1 (True) or continuous (False) knapsacks; default by :data:`EXACT_CELLS`.
    patience : int
        Steps without a better bound before the step halves.
    reach : ndarray (n,), optional
        Also list each point at every site it reaches within this cost (e.g. twice its cost in a known
        solution: where capacities are tight, points travel past their ``k`` nearest sites and their
        multipliers must be free to rise that far).

    Returns
    -------
    (bound, multipliers, info)
        ``info`` has ``steps``, ``exact``, ``listed`` (entries of the site lists) and ``sites``: the p sites the
        relaxation opens at the best multipliers.

    Example
    -------
    >>> cost = np.array([[0.0, 3.0], [1.0, 2.0], [3.0, 0.0]])
    >>> bound, lam, info = knapsack_bound(cost, np.ones(3), np.array([2.0, 2.0]), 2, np.arange(2),
    ...                                   np.array([], int), upper=1.0)
    >>> round(bound, 6), info["exact"]
    (1.0, True)
    """
    # compiled: imported on first use
    from layout.locate._knapsack_kernels import knapsack_steps, site_knapsacks

    n = wcost.shape[0]
    cand = np.asarray(candidates)
    if k is None:
        k = int(max(LIST_MIN, math.ceil(LIST_PER_CLUSTER * n / max(p, 1))))
    ptr, idx, cst, lam_cap = site_lists(wcost, cand, k, reach)
    cap = np.ascontiguousarray(capacity[cand], dtype=np.float64)
    q = np.ascontiguousarray(demand, dtype=np.float64)
    if exact is None:
        longest = float(np.diff(ptr).max()) if len(ptr) > 1 else 0.0
        exact = whole_numbers(demand, cap) and longest * (float(cap.max()) + 1.0) <= EXACT_CELLS
    exact = bool(exact and whole_numbers(demand, cap))
    is_req = np.isin(cand, required)
    if lam is None:
        lam = np.where(np.isfinite(wcost[:, cand]), wcost[:, cand], np.inf).min(axis=1)
    lam = np.minimum(np.asarray(lam, dtype=np.float64), lam_cap).copy()
    best_lam = lam.copy()
    best, theta, stall, done = -np.inf, 2.0, 0, False
    steps = 0
    chunk = STEP_CHUNK if deadline is None else 1  # the first step measures the cost of one
    spent = 0.0
    while steps < max_iter and not done:
        chunk = min(chunk, max_iter - steps)
        t = time.perf_counter()
        best, theta, stall, done = knapsack_steps(ptr, idx, cst, q, cap, is_req, int(p), lam, lam_cap, best_lam,
                                                  float(best), float(upper), int(chunk), float(theta), int(stall),
                                                  int(patience), exact)
        now = time.perf_counter()
        steps += chunk
        spent += now - t
        if deadline is not None:
            if now >= deadline:
                break
            per_step = max(spent / steps, 1e-6)
            chunk = int(max(1, min(CHUNK_SECONDS, deadline - now) / per_step))
    # the sites the relaxation opens at the best multipliers (a capacity-aware choice of p sites)
    rho, xe = np.empty(len(cand)), np.empty(len(idx))
    site_knapsacks(ptr, idx, cst, q, cap, best_lam, exact, rho, xe)
    rho[is_req] = -np.inf
    sites = np.sort(cand[np.argsort(rho, kind="stable")[:p]])
    return float(best), best_lam, dict(steps=steps, exact=exact, listed=len(idx), sites=sites)
