"""Fast p-median heuristics: greedy construction and best-improvement vertex substitution (swap).

The swap search evaluates every (close r, open j) exchange at once with the Whitaker / Resende–Werneck
decomposition ``delta(r, j) = loss(r) − gain(j) − extra(r, j)``, where for the current closest (d1) and second
closest (d2) open site of each demand point

* ``gain(j)  = Σ_i w_i · max(0, d1_i − d_ij)`` — saving from opening j,
* ``loss(r)  = Σ_{i: φ1(i)=r} w_i · (d2_i − d1_i)`` — cost of closing r,
* ``extra(r, j) = Σ_{i: φ1(i)=r} w_i · max(0, d2_i − max(d_ij, d1_i))`` — correction when both happen.

Every evaluation is a dense numpy operation over demand × candidate sites, so one iteration costs a few
passes over the cost matrix.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

__all__ = ["penalised", "evaluate", "greedy", "swap_search"]


def penalised(cost: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Replace ``inf`` (pair not allowed) by a penalty larger than any all-allowed total."""
    finite = np.isfinite(cost)
    top = float(cost[finite].max()) if finite.any() else 1.0
    pos = weights[weights > 0]
    wmin = float(pos.min()) if pos.size else 1.0
    big = (float(weights.sum()) * (top + 1.0) + 1.0) / wmin + top + 1.0
    return np.where(finite, cost, big)


def evaluate(cost: np.ndarray, weights: np.ndarray, open_sites: np.ndarray) -> tuple[float, np.ndarray]:
    """Total weighted cost of serving each demand point from its nearest open site, and that assignment."""
    sub = cost[:, open_sites]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(len(k)), k]
    pos = weights > 0
    total = float(weights[pos] @ d[pos]) if pos.any() else 0.0
    return total, np.asarray(open_sites)[k]


def greedy(cost: np.ndarray, weights: np.ndarray, p: int, candidates: np.ndarray,
           required: np.ndarray, deadline: float | None = None) -> np.ndarray:
    """Greedy addition: start from the required sites, add the site saving most until ``p`` are open.

    ``cost`` must be finite (see :func:`penalised`). Each step costs one compiled pass over demand × free sites
    (:func:`~layout.locate._pmedian_kernels.greedy_gains`), so on
    large problems with large p the full greedy can take long: once ``deadline`` (a ``time.perf_counter()``
    value) has passed, the sites still missing are chosen by :func:`_farthest_fill` (one pass over the demand
    per site). Returns sorted site indices.
    """
    from layout.locate._pmedian_kernels import greedy_gains  # compiled: imported on first use

    open_ = list(int(j) for j in required)
    free = np.setdiff1d(candidates, required).astype(np.int64)
    if open_:
        d1 = cost[:, open_].min(axis=1)
    else:
        j = int(free[np.argmin(weights @ cost[:, free])])
        open_.append(j)
        free = free[free != j]
        d1 = cost[:, j].copy()
    d1 = np.asarray(d1, dtype=np.float64)
    cost_t = np.ascontiguousarray(cost.T, dtype=np.float64) if len(open_) < p else None
    w = np.ascontiguousarray(weights, dtype=np.float64)
    while len(open_) < p and len(free):
        gain = np.empty(len(free))
        greedy_gains(cost_t, free, d1, w, gain)
        if deadline is not None and time.perf_counter() > deadline:
            open_.extend(_farthest_fill(cost, weights, p - len(open_), free, d1))
            break
        k = int(np.argmax(gain))
        j = int(free[k])
        open_.append(j)
        d1 = np.minimum(d1, cost_t[j])
        free = np.delete(free, k)
    return np.sort(np.array(open_, dtype=np.int64))


def _farthest_fill(cost: np.ndarray, weights: np.ndarray, k: int, free: np.ndarray, d1: np.ndarray) -> list[int]:
    """Open ``k`` more sites, each the nearest free site to the demand point now costing most (w_i · d1_i).

    A spread-out completion in O(k · (n + m)): much cheaper than greedy steps, and a fair start for the swap
    search.
    """
    free = np.asarray(free).copy()
    d1 = d1.copy()
    wpos = np.where(weights > 0, weights, 0.0)
    out: list[int] = []
    for _ in range(min(k, len(free))):
        i = int(np.argmax(wpos * d1))
        kk = int(np.argmin(cost[i, free]))
        j = int(free[kk])
        out.append(j)
        d1 = np.minimum(d1, cost[:, j])
        free = np.delete(free, kk)
    return out


def swap_search(cost: np.ndarray, weights: np.ndarray, open_sites: np.ndarray, candidates: np.ndarray,
                required: np.ndarray, deadline: float | None = None, max_iter: int = 100_000) -> np.ndarray:
    """Best-improvement swap local search from ``open_sites``; stops at a local optimum or the deadline.

    ``cost`` must be finite. Required sites never close; only ``candidates`` open. Returns sorted indices.
    """
    open_ = np.array(sorted(open_sites), dtype=np.int64)
    p = len(open_)
    if p == 0:
        return open_
    act = weights > 0
    cost_a = cost[act]
    w = weights[act]
    scale = max(1.0, float(w @ cost_a[:, open_].min(axis=1))) if len(w) else 1.0
    tol = 1e-10 * scale
    is_req = np.isin(open_, required)
    rows = np.arange(len(w))
    for _ in range(max_iter):
        if deadline is not None and time.perf_counter() > deadline:
            break
        closed = np.setdiff1d(candidates, open_)
        if len(closed) == 0 or len(w) == 0 or is_req.all():
            break
        sub = cost_a[:, open_]
        if p >= 2:
            two = np.argpartition(sub, 1, axis=1)[:, :2]
            a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
            first = np.where(a <= b, two[:, 0], two[:, 1])
            d1, d2 = np.minimum(a, b), np.maximum(a, b)
        else:
            first = np.zeros(len(w), dtype=np.int64)
            d1 = sub[:, 0]
            d2 = None
        dc = cost_a[:, closed]
        if d2 is None:  # one site: swapping is re-choosing it
            totals = w @ dc
            k = int(np.argmin(totals))
            if totals[k] < w @ d1 - tol:
                open_ = np.array([closed[k]])
                continue
            break
        gain = w @ np.maximum(d1[:, None] - dc, 0.0)
        loss = np.bincount(first, weights=w * (d2 - d1), minlength=p)
        extra_terms = w[:, None] * np.maximum(d2[:, None] - np.maximum(dc, d1[:, None]), 0.0)
        assign = sp.csr_array((np.ones(len(w)), (first, rows)), shape=(p, len(w)))
        extra = assign @ extra_terms
        delta = loss[:, None] - gain[None, :] - extra
        delta[is_req, :] = np.inf
        r, k = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[r, k] >= -tol:
            break
        open_[r] = closed[k]
        order = np.argsort(open_)
        open_, is_req = open_[order], is_req[order]
    return np.sort(open_)
