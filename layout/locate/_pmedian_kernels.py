"""Compiled (numba) kernels of the p-median Lagrangian relaxation, shared by the bound and the tree search.

Costs come as a sites × points array (``cost_t[j, i] = w_i d_ij``, contiguous per site) so each site value
``ρ_j = Σ_i min(0, cost_t[j, i] − λ_i)`` is one pass over a contiguous row. ``inf`` (pair not allowed) never
counts. The subgradient loop matches :func:`layout.locate.lagrangian.pmedian_bound` step for step and keeps
its state in the arrays passed in, so a caller can run it in chunks and check a deadline in between.

The kernels have explicit signatures, so they are compiled (or loaded from numba's on-disk cache, a fraction
of a second) when this module is imported rather than inside the first solve (and the module is imported on
first use, before the solve's clock starts: :mod:`layout.locate._compiled`); callers pass exactly these
types (float64 arrays, int64 site indices, C-contiguous cost rows).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["site_values", "subgradient", "greedy_gains"]


@numba.njit("void(float64[:, ::1], int64[:], float64[:], float64[:])", cache=True)
def site_values(cost_t, cand, lam, rho):  # pragma: no cover - compiled
    """Fill ``rho[a] = Σ_i min(0, cost_t[cand[a], i] − λ_i)`` for every candidate position ``a``.

    Example
    -------
    >>> import numpy as np
    >>> rho = np.empty(2)
    >>> site_values(np.array([[1.0, 5.0], [4.0, 0.0]]), np.array([0, 1]), np.array([3.0, 3.0]), rho)
    >>> rho.tolist()
    [-2.0, -3.0]
    """
    n = lam.shape[0]
    for a in range(cand.shape[0]):
        row = cost_t[cand[a]]
        s = 0.0
        for i in range(n):
            r = row[i] - lam[i]
            if r < 0.0:
                s += r
        rho[a] = s


@numba.njit("Tuple((float64, float64, int64, boolean))(float64[:, ::1], int64[:], boolean[:], int64, float64[:], "
            "float64[:], float64, float64, int64, float64, int64, int64, float64)", cache=True)
def subgradient(cost_t, cand, is_req, p, lam, best_lam, best, upper, max_iter, theta, stall, patience,
                stop_above):  # pragma: no cover - compiled
    """Run up to ``max_iter`` subgradient steps from multipliers ``lam`` (updated in place).

    Parameters
    ----------
    cost_t : ndarray (m, n)
        Weighted costs, sites × points.
    cand, is_req : ndarray
        Candidate site rows of ``cost_t`` and which of them are required.
    p : int
        Sites to open.
    lam, best_lam : ndarray (n,)
        Current multipliers and those of the best bound so far (both updated in place).
    best, theta, stall : float, float, int
        Best bound so far, step factor and steps since the last improvement (carried between calls).
    upper : float
        A known objective (Polyak step target).
    patience : int
        Steps without improvement before ``theta`` halves.
    stop_above : float
        Stop once the best bound exceeds this.

    Returns
    -------
    (best, theta, stall, finished)
        ``finished`` is True when a stopping rule fired (rather than ``max_iter`` running out).

    Example
    -------
    >>> import numpy as np
    >>> cost_t = np.array([[0.0, 4, 9, 8], [4, 0, 5, 6], [9, 5, 0, 1]])  # 3 sites, 4 points
    >>> lam = np.zeros(4); best_lam = lam.copy()
    >>> r = subgradient(cost_t, np.arange(3), np.zeros(3, dtype=np.bool_), 2, lam, best_lam, -np.inf, 5.0,
    ...                 500, 2.0, 0, 20, np.inf)
    >>> round(r[0], 3) <= 5.0 and r[3]
    True
    """
    n = lam.shape[0]
    mc = cand.shape[0]
    rho = np.empty(mc)
    key = np.empty(mc)
    g = np.empty(n)
    chosen = np.empty(p, np.int64)
    scale = max(1.0, abs(upper))
    for _ in range(max_iter):
        site_values(cost_t, cand, lam, rho)
        c = 0
        for a in range(mc):
            if is_req[a]:
                if c < p:
                    chosen[c] = a
                    c += 1
                key[a] = np.inf
            else:
                key[a] = rho[a]
        if c < p:
            order = np.argsort(key)
            for t in range(min(p - c, mc - c)):
                chosen[c] = order[t]
                c += 1
        value = lam.sum()
        for t in range(c):
            value += rho[chosen[t]]
        if value > best + 1e-12 * max(1.0, abs(value)):
            best = value
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                theta /= 2.0
                stall = 0
        g[:] = 1.0
        for t in range(c):
            row = cost_t[cand[chosen[t]]]
            for i in range(n):
                if row[i] - lam[i] < 0.0:
                    g[i] -= 1.0
        norm = 0.0
        for i in range(n):
            norm += g[i] * g[i]
        if norm == 0.0 or theta < 1e-4 or upper - best <= 1e-9 * scale or best > stop_above:
            return best, theta, stall, True
        step = theta * max(upper - value, 1e-9 * scale) / norm
        for i in range(n):
            lam[i] += step * g[i]
    return best, theta, stall, False


@numba.njit("void(float64[:, ::1], int64[:], float64[:], float64[:], float64[:])", cache=True)
def greedy_gains(cost_t, free, d1, w, out):  # pragma: no cover - compiled
    """Fill ``out[a] = Σ_i w_i · max(0, d1_i − cost_t[free[a], i])``: the saving of opening each free site.

    Example
    -------
    >>> import numpy as np
    >>> out = np.empty(2)
    >>> greedy_gains(np.array([[1.0, 5.0], [4.0, 0.0]]), np.array([0, 1]), np.array([3.0, 3.0]), np.ones(2), out)
    >>> out.tolist()
    [2.0, 3.0]
    """
    n = d1.shape[0]
    for a in range(free.shape[0]):
        row = cost_t[free[a]]
        s = 0.0
        for i in range(n):
            r = d1[i] - row[i]
            if r > 0.0:
                s += w[i] * r
        out[a] = s
