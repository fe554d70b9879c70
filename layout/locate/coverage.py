"""Coverage models: the most demand covered by p sites, and the fewest sites covering everyone.

A demand point is *covered* by a site when its cost to the site is at most ``radius`` (e.g. 30 minutes).

* :func:`max_coverage` — choose p sites to cover as much weight as possible (Church & ReVelle 1974)::

      max Σ_i w_i z_i   s.t.  z_i ≤ Σ_{j covers i} y_j,  Σ_j y_j = p,  y binary, 0 ≤ z ≤ 1

  reported as a minimisation of the weight left uncovered, so ``lower_bound ≤ objective`` holds as for every
  model in :mod:`layout.locate`.
* :func:`set_cover` — open the fewest (or cheapest) sites so that every demand point is covered
  (Toregas et al. 1971)::

      min Σ_j f_j y_j   s.t.  Σ_{j covers i} y_j ≥ 1 for every demand point,  y binary
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from layout.locate._inputs import _vector, check_p, list_ids, prepare
from layout.locate.milp import solve_milp
from layout.locate.solution import Solution, infeasible, no_solution, relative_gap

__all__ = ["max_coverage", "set_cover"]


def _check_radius(radius, problems) -> None:
    if radius is None or isinstance(radius, bool) or not isinstance(radius, int | float | np.number) \
            or math.isnan(radius) or radius < 0:
        problems.add("locate parameters", "radius must be a non-negative number", column="radius", value=radius,
                     fix="pass the coverage cap in the units of cost, e.g. 30 (minutes)")


def _check_time(time_limit, problems) -> None:
    if time_limit is not None and not (isinstance(time_limit, int | float) and time_limit > 0):
        problems.add("locate parameters", "time_limit must be a positive number of seconds",
                     column="time_limit", value=time_limit, fix="pass e.g. 60")


def _nearest_within(cost: np.ndarray, open_sites: np.ndarray, radius: float) -> np.ndarray:
    """Nearest open site per point if within ``radius``, else -1."""
    if len(open_sites) == 0:
        return np.full(cost.shape[0], -1, dtype=np.int64)
    sub = cost[:, open_sites]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(len(k)), k]
    return np.where(np.isfinite(d) & (d <= radius), open_sites[k], -1).astype(np.int64)


def _finish(open_sites, assignment, objective, lower, status, t0, method, **extra) -> Solution:
    lower = min(lower, objective)
    gap = relative_gap(objective, lower)
    if status == "optimal" and gap > 1e-7:
        status = "feasible"
    return Solution(open=np.sort(np.asarray(open_sites, dtype=np.int64)), assignment=assignment,
                    objective=float(objective), lower_bound=float(lower), gap=gap, status=status,
                    seconds=time.perf_counter() - t0, method=method, extra=extra)


def max_coverage(cost, p, radius, weights=None, required=None, forbidden=None, time_limit=None) -> Solution:
    """Open ``p`` sites covering the most demand within ``radius``.

    Parameters
    ----------
    cost : array (n_demand, n_sites) or scipy.sparse
        Travel cost; ``inf`` / absent where not allowed.
    p : int
        Number of sites to open.
    radius : float
        Coverage cap in the units of cost.
    weights : array (n_demand,), optional
        Demand per point (default 1).
    required, forbidden : sequence of int or bool mask, optional
        Sites that must open / may not open.
    time_limit : float, optional
        Seconds.

    Returns
    -------
    Solution
        ``objective`` = weight left uncovered (minimised); ``extra["covered"]`` = weight covered;
        ``assignment`` = nearest open site within the radius, ``-1`` for uncovered points.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[5, 40], [10, 35], [50, 8]])
    >>> s = max_coverage(cost, 1, radius=30, weights=[1, 1, 5])
    >>> s.open.tolist(), s.extra["covered"], s.assignment.tolist()
    ([1], 5.0, [-1, -1, 1])
    """
    t0 = time.perf_counter()
    prep, problems = prepare(cost, weights=weights, required=required, forbidden=forbidden)
    if prep is not None:
        p = check_p(p, prep, problems)
    _check_radius(radius, problems)
    _check_time(time_limit, problems)
    problems.raise_if_any("max coverage: invalid input")
    w = prep.weights
    total = float(w.sum())
    cover = sp.csr_array(np.isfinite(prep.cost) & (prep.cost <= radius))
    # greedy start
    open_ = list(prep.required)
    covered = (cover[:, open_].sum(axis=1) > 0) if open_ else np.zeros(prep.n, dtype=bool)
    free = np.setdiff1d(prep.candidates, prep.required)
    cov_csc = sp.csc_array(cover)
    while len(open_) < p:
        gain = (w * ~covered) @ cov_csc[:, free]
        k = int(np.argmax(gain))
        open_.append(int(free[k]))
        covered |= cov_csc[:, [free[k]]].toarray().ravel() > 0
        free = np.delete(free, k)
    open_ = np.sort(np.array(open_, dtype=np.int64))
    greedy_uncovered = float(w[~covered].sum())
    rows = np.flatnonzero((w > 0) & (np.diff(cover.indptr) > 0))
    cand = prep.candidates
    sub = sp.csr_array(cover[rows][:, cand])
    nr, nc = len(rows), len(cand)
    # columns: y (nc), z (nr); rows: z_i - Σ y_j ≤ 0 ; Σ y = p
    coo = sp.coo_array(sub)
    a = sp.csc_array((np.concatenate([np.ones(nr), -np.ones(coo.nnz), np.ones(nc)]),
                      (np.concatenate([np.arange(nr), coo.row, np.full(nc, nr)]),
                       np.concatenate([nc + np.arange(nr), coo.col, np.arange(nc)]))), shape=(nr + 1, nc + nr))
    c = np.concatenate([np.zeros(nc), -w[rows]])
    row_lo = np.concatenate([np.full(nr, -np.inf), [p]])
    row_hi = np.concatenate([np.zeros(nr), [p]])
    col_lo = np.zeros(nc + nr)
    col_lo[np.flatnonzero(np.isin(cand, prep.required))] = 1.0
    integer = np.concatenate([np.ones(nc, dtype=bool), np.zeros(nr, dtype=bool)])
    start = np.concatenate([np.isin(cand, open_).astype(float), covered[rows].astype(float)])
    res = solve_milp(c, a, row_lo, row_hi, col_lo, np.ones(nc + nr), integer, offset=total,
                     time_limit=time_limit, start=start, rel_gap=1e-9, abs_gap=1e-9)
    if res.x is not None and res.objective < greedy_uncovered - 1e-9:
        open_ = np.sort(cand[res.x[:nc] > 0.5])
    assignment = _nearest_within(prep.cost, open_, radius)
    uncovered = float(w[assignment < 0].sum())
    status = "optimal" if res.status == "optimal" else "time_limit"
    lower = res.bound if math.isfinite(res.bound) else 0.0
    return _finish(open_, assignment, uncovered, max(0.0, lower), status, t0, "milp",
                   covered=total - uncovered, covered_share=(total - uncovered) / total if total else 1.0)


def set_cover(cost, radius, weights=None, required=None, forbidden=None, site_cost=None,
              time_limit=None) -> Solution:
    """Open the fewest (or cheapest) sites so that every demand point is within ``radius`` of one.

    Parameters
    ----------
    cost : array (n_demand, n_sites) or scipy.sparse
        Travel cost; ``inf`` / absent where not allowed.
    radius : float
        Coverage cap in the units of cost.
    weights : array (n_demand,), optional
        Points with weight 0 need no cover (default: all points need it).
    required, forbidden : sequence of int or bool mask, optional
        Sites that must open / may not open.
    site_cost : array (n_sites,), optional
        Cost of opening each site (default 1: fewest sites).
    time_limit : float, optional
        Seconds.

    Returns
    -------
    Solution
        ``objective`` = number (or total cost) of open sites; ``status="infeasible"`` names the points no site
        covers.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[5, 40, 20], [10, 35, 25], [50, 8, 28]])
    >>> s = set_cover(cost, radius=30)
    >>> s.open.tolist(), s.objective
    ([2], 1.0)
    """
    t0 = time.perf_counter()
    prep, problems = prepare(cost, weights=weights, required=required, forbidden=forbidden)
    _check_radius(radius, problems)
    _check_time(time_limit, problems)
    f = None
    if prep is not None:
        f = _vector(site_cost, prep.m, "site_cost", 1.0, problems)
    problems.raise_if_any("set cover: invalid input")
    within = np.isfinite(prep.cost) & (prep.cost <= radius)
    need = prep.weights > 0
    lonely = np.flatnonzero(need & ~within.any(axis=1))
    if len(lonely):
        what = "demand point" if len(lonely) == 1 else "demand points"
        return infeasible(prep.n, f"{what} {list_ids(lonely)} cannot reach any allowed site within {radius:g}",
                          time.perf_counter() - t0)
    cand = prep.candidates
    sub = sp.csc_array(within[need][:, cand].astype(float))
    col_lo = np.isin(cand, prep.required).astype(float)
    res = solve_milp(f[cand], sub, np.ones(sub.shape[0]), np.full(sub.shape[0], np.inf), col_lo,
                     np.ones(len(cand)), np.ones(len(cand), dtype=bool), time_limit=time_limit,
                     rel_gap=1e-9, abs_gap=0.999 if np.all(f == np.round(f)) else 1e-9)
    if res.x is None:
        # stopped by the clock before any cover: not a proof that none exists
        return no_solution(prep.n, time_limit, time.perf_counter() - t0, "milp", what="cover")
    open_ = np.sort(cand[res.x > 0.5])
    assignment = _nearest_within(prep.cost, open_, radius)
    lower = res.bound
    if np.all(f == np.round(f)) and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    status = "optimal" if res.status == "optimal" else "time_limit"
    return _finish(open_, assignment, float(f[open_].sum()), lower, status, t0, "milp")
