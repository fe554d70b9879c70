"""Lagrangian relaxation lower bounds (subgradient optimisation).

p-median: relax "every demand point is assigned once" with multipliers λ. For fixed λ the problem splits by
site: ``ρ_j = Σ_i min(0, w_i d_ij − λ_i)`` and the bound is ``Σ_i λ_i + Σ_{j ∈ P} ρ_j`` where P holds the
required sites plus the most negative ρ among the other candidates, up to p sites.

Capacitated p-median: the same relaxation; each site's subproblem becomes a continuous knapsack
``min Σ_i (c_ij − λ_i) x_ij  s.t.  Σ_i q_i x_ij ≤ Q_j, 0 ≤ x ≤ 1`` solved greedily by ratio. The bound then
equals the linear-programming bound of the strong formulation; it also yields, for every pair (i, j), a bound
on any solution assigning i to j, which is used to remove pairs that cannot appear in a better solution.

Every value returned is a valid lower bound for any λ, so the subgradient loop may stop at any time.
"""

from __future__ import annotations

import time

import numpy as np

__all__ = ["pmedian_bound", "pmedian_site_fixing", "site_fixing_from_rho", "capacitated_bound", "knapsack_values"]


#: Subgradient steps between two deadline checks.
_CHUNK = 25


def _select(rho: np.ndarray, p: int, free: np.ndarray, required: np.ndarray) -> np.ndarray:
    k = p - len(required)
    if k <= 0:
        return required
    part = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
    return np.concatenate([required, part])


def pmedian_bound(wcost: np.ndarray, p: int, candidates: np.ndarray, required: np.ndarray,
                  upper: float, lam: np.ndarray | None = None, deadline: float | None = None,
                  max_iter: int = 600, *, theta: float = 2.0, patience: int = 20,
                  stop_above: float | None = None) -> tuple[float, np.ndarray]:
    """Best Lagrangian lower bound found for the p-median with weighted costs ``wcost`` (inf = not allowed).

    Parameters
    ----------
    wcost : ndarray (n, m)
        ``weights[i] * cost[i, j]``; rows of weight-0 demand must be removed by the caller.
    p : int
        Number of sites.
    candidates, required : ndarray of int
        Sites that may open / must open.
    upper : float
        Objective of a known solution (steers the step size).
    lam : ndarray, optional
        Starting multipliers (e.g. each point's cost in the known solution).
    deadline : float, optional
        ``time.perf_counter()`` value after which to stop.
    max_iter : int
        Subgradient steps at most.
    theta, patience : float, int
        Starting step factor, halved after ``patience`` steps without improvement.
    stop_above : float, optional
        Stop as soon as the bound exceeds this value (e.g. to prune a branch-and-bound node).

    Returns
    -------
    (bound, multipliers)
    """
    from layout.locate._pmedian_kernels import subgradient  # compiled: imported on first use

    n = wcost.shape[0]
    if n == 0:
        return 0.0, np.zeros(0)
    sub = wcost[:, candidates]
    req_pos = np.flatnonzero(np.isin(candidates, required))
    if lam is None:
        lam = np.where(np.isfinite(sub), sub, np.nan)
        lam = np.nanmin(lam, axis=1)
    lam = lam.astype(float).copy()
    best_lam = lam.copy()
    best, stall, done = -np.inf, 0, 0
    cost_t = np.ascontiguousarray(sub.T, dtype=np.float64)
    pos = np.arange(len(candidates))
    is_req = np.zeros(len(candidates), dtype=bool)
    is_req[req_pos] = True
    stop = np.inf if stop_above is None else float(stop_above)
    while done < max_iter:  # compiled steps in chunks, the deadline checked in between
        chunk = min(_CHUNK, max_iter - done)
        best, theta, stall, finished = subgradient(cost_t, pos, is_req, p, lam, best_lam, best, float(upper),
                                                   chunk, float(theta), stall, patience, stop)
        done += chunk
        if finished or (deadline is not None and time.perf_counter() > deadline):
            break
    return float(best), best_lam


def pmedian_site_fixing(wcost: np.ndarray, p: int, candidates: np.ndarray, required: np.ndarray,
                        lam: np.ndarray, threshold: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Sites whose opening (closing) forces every solution above ``threshold``, at multipliers ``lam``.

    Returns ``(bound, must_close, must_open)`` with boolean masks over ``candidates``. A site is closed if the
    Lagrangian bound with it forced open exceeds ``threshold`` (and vice versa), so any solution with objective
    ≤ ``threshold`` keeps every site that is not fixed.
    """
    sub = wcost[:, candidates]
    red = sub - lam[:, None]
    rho = np.where(red < 0, red, 0.0).sum(axis=0)
    return site_fixing_from_rho(rho, float(lam.sum()), p, np.isin(candidates, required), threshold)


def site_fixing_from_rho(rho: np.ndarray, lam_sum: float, p: int, is_required: np.ndarray,
                         threshold: float) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`pmedian_site_fixing` from the site values ``rho`` (per candidate) and ``Σ λ`` already computed.

    Returns ``(bound, must_close, must_open)``.
    """
    req_pos = np.flatnonzero(is_required)
    free_pos = np.flatnonzero(~is_required)
    chosen = _select(rho, p, free_pos, req_pos)
    bound = float(lam_sum + rho[chosen].sum())
    must_close = np.zeros(len(rho), dtype=bool)
    must_open = np.zeros(len(rho), dtype=bool)
    chosen_free = np.setdiff1d(chosen, req_pos)
    other = np.setdiff1d(free_pos, chosen_free)
    if len(chosen_free) and len(other):
        worst_in = float(rho[chosen_free].max())
        best_out = float(rho[other].min())
        must_close[other] = bound - worst_in + rho[other] > threshold
        must_open[chosen_free] = bound - rho[chosen_free] + best_out > threshold
    return bound, must_close, must_open


def knapsack_values(red: np.ndarray, demand: np.ndarray, capacity: np.ndarray):
    """Continuous knapsack per site (column) over items (rows) with negative reduced cost.

    Returns ``(rho, cum_q, cum_v, x)``: the optimal value per site, the breakpoints (cumulative demand and
    value along the ratio order, with a leading 0 row) describing value as a function of capacity, and the
    fractional solution ``x`` (n × m).
    """
    n, m = red.shape
    neg = red < 0
    q = np.maximum(demand, 1e-12)
    ratio = np.where(neg, red / q[:, None], np.inf)
    order = np.argsort(ratio, axis=0, kind="stable")
    cols = np.arange(m)[None, :]
    red_s = np.where(neg[order, cols], red[order, cols], 0.0)
    q_s = np.where(neg[order, cols], demand[order], 0.0)
    cum_q = np.vstack([np.zeros((1, m)), np.cumsum(q_s, axis=0)])
    cum_v = np.vstack([np.zeros((1, m)), np.cumsum(red_s, axis=0)])
    before = cum_q[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((capacity[None, :] - before) / np.where(q_s > 0, q_s, 1.0), 0.0, 1.0)
    frac = np.where(q_s > 0, frac, np.where(red_s < 0, 1.0, 0.0))
    rho = (frac * red_s).sum(axis=0)
    x = np.zeros((n, m))
    x[order, cols] = frac
    return rho, cum_q, cum_v, x


def capacitated_bound(cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, p: int,
                      candidates: np.ndarray, required: np.ndarray, upper: float,
                      lam: np.ndarray | None = None, deadline: float | None = None,
                      max_iter: int = 400) -> tuple[float, np.ndarray]:
    """Best Lagrangian lower bound for the capacitated p-median; ``cost`` inf = not allowed.

    Continuous knapsacks: the bound equals the LP bound of the strong formulation.

    Returns (bound, multipliers).
    """
    sub = cost[:, candidates]
    cap = capacity[candidates]
    req_pos = np.flatnonzero(np.isin(candidates, required))
    free_pos = np.setdiff1d(np.arange(len(candidates)), req_pos)
    if lam is None:
        fin = np.where(np.isfinite(sub), sub, np.nan)
        lam = np.nanmin(fin, axis=1)
    lam = lam.astype(float).copy()
    best, best_lam = -np.inf, lam.copy()
    theta, stall = 2.0, 0
    for _ in range(max_iter):
        red = sub - lam[:, None]
        rho, _, _, x = knapsack_values(red, demand, cap)
        chosen = _select(rho, p, free_pos, req_pos)
        value = float(lam.sum() + rho[chosen].sum())
        if value > best + 1e-12 * max(1.0, abs(value)):
            best, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2.0, 0
        g = 1.0 - x[:, chosen].sum(axis=1)
        norm = float(g @ g)
        if norm < 1e-12 or theta < 5e-4 or upper - best <= 1e-9 * max(1.0, abs(best)):
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        target = upper if np.isfinite(upper) else value + 0.05 * max(1.0, abs(value))
        lam = lam + theta * max(target - value, 1e-9 * max(1.0, abs(target))) / norm * g
    return best, best_lam
