"""A large facility model improved one neighbourhood at a time (a MILP-based large-neighbourhood search).

On a model of a few hundred sites and over a hundred thousand arcs, HiGHS on the whole MILP may spend its time in
presolve and the root and give back only its start. Most of such a model is local, though: the sites of one
neighbourhood (a label per site, :attr:`~layout.locate.facility.FacilityProblem.site_neighbourhood`) compete for
the demand around them. So, from a start that meets every constraint:

1. **One neighbourhood at a time.** Its sites' options are free; so are the groups that have an arc to one of its
   sites (all their arcs, to any site) and, everywhere, the expansions, designations, extra resource, slacks and
   reliefs; everything else is held at the incumbent. HiGHS solves that MILP (its presolve removes what is held)
   from the incumbent, which stays feasible, so an answer is never worse than the one before.
2. **Pairs.** When a sweep over the single neighbourhoods finds nothing better, each neighbourhood is freed with the
   one it shares most groups with, so moves across a border are tried too; then singles again, until a sweep of
   both finds nothing or the search's share of the time is spent.
3. **The bound.** The linear relaxation of the whole model is solved with the rest of the time: its value is a
   proven lower bound, so the gap stated is honest (NaN when the relaxation did not finish).

Deterministic: neighbourhoods are visited in the order of their labels. The answer's status is ``optimal`` when the
gap is within ``rel_gap``, ``feasible`` when a whole sweep found nothing better (a local optimum of this search,
with the relaxation's gap), and ``time_limit`` when the time ran out first.

Example
-------
>>> import numpy as np
>>> from layout.locate.facility import FacilityProblem, solve_facility
>>> p = FacilityProblem(
...     option_site=np.arange(4), option_fixed=np.full(4, 100.0), option_capacity=np.full((4, 1), 50.0),
...     group_demand=np.full(4, 20.0), group_commodity=np.zeros(4, int),
...     arc_group=np.repeat(np.arange(4), 2), arc_site=np.array([0, 1, 1, 0, 2, 3, 3, 2]),
...     arc_cost=np.array([1.0, 5.0, 1.0, 5.0, 1.0, 5.0, 1.0, 5.0]), unserved_cost=1e4,
...     site_neighbourhood=np.array([0, 0, 1, 1]))
>>> today = {"site_option": np.arange(4), "group_arc": np.array([0, 2, 4, 6])}   # four schools, one group each
>>> s = solve_facility(p, start=today, split_above=0)
>>> s.status, int((s.site_option >= 0).sum()), s.objective                   # two schools hold all four groups
('optimal', 2, 212.0)
"""

from __future__ import annotations

import math
import time

import numpy as np

from layout.locate.facility import FacilityProblem, FacilitySolution, _Matrix, _solve_once, decode
from layout.locate.milp import solve_milp
from layout.locate.solution import relative_gap

__all__ = ["improve_by_neighbourhoods", "neighbourhood_pairs"]

#: share of the time the search may use; the relaxation (the bound) has the rest
SEARCH_SHARE = 0.6


def neighbourhood_pairs(labels: np.ndarray, arc_group: np.ndarray, arc_site: np.ndarray) -> list[tuple[int, int]]:
    """Each neighbourhood with the one it shares most groups with (groups having arcs into both), each pair once.

    Example
    -------
    >>> neighbourhood_pairs(np.array([0, 1, 2]), np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]))
    [(0, 1), (1, 2)]
    """
    lab = np.asarray(labels)[np.asarray(arc_site, int)]
    pairs = np.unique(np.column_stack([np.asarray(arc_group, int), lab]), axis=0)   # (group, label) once each
    n_lab = int(np.asarray(labels).max()) + 1 if len(labels) else 0
    shared = np.zeros((n_lab, n_lab))
    for g_rows in np.split(pairs[:, 1], np.flatnonzero(np.diff(pairs[:, 0])) + 1):
        if len(g_rows) > 1:
            shared[np.ix_(g_rows, g_rows)] += 1
    np.fill_diagonal(shared, 0)
    out = set()
    for a in range(n_lab):
        if shared[a].max() > 0:
            b = int(np.argmax(shared[a]))
            out.add((min(a, b), max(a, b)))
    return sorted(out)


def _free_columns(mx: _Matrix, free_sites: np.ndarray, osite: np.ndarray, ag: np.ndarray, asite: np.ndarray,
                  arc_open: np.ndarray) -> np.ndarray:
    """Columns held at the incumbent when only ``free_sites`` may change (True = held)."""
    Y, E, D, R, X, U, L, Z = mx.offs
    free_g = np.zeros(L - U, bool)
    free_g[ag[free_sites[asite] & arc_open]] = True
    held = np.zeros(len(mx.c), bool)
    held[Y:E] = ~free_sites[osite]
    held[X:U] = ~free_g[ag]
    held[U:L] = ~free_g
    return held


def improve_by_neighbourhoods(p: FacilityProblem, mx: _Matrix, x0: np.ndarray, *, time_limit: float | None,
                              rel_gap: float = 5e-3, bound: bool = True) -> FacilitySolution:
    """Improve a feasible answer neighbourhood by neighbourhood, then bound it (see the module docstring).

    Parameters
    ----------
    p : FacilityProblem
        With ``site_neighbourhood``.
    mx : _Matrix
        The assembled model of ``p``.
    x0 : ndarray
        A column vector meeting every row and bound of ``mx`` (the start).
    time_limit : float, optional
        Seconds for the search and the bound together.
    rel_gap : float
        Each neighbourhood's MILP stops at this gap; the answer is ``optimal`` within it of the bound.
    bound : bool
        Solve the relaxation for a proven bound with the last ``1 − SEARCH_SHARE`` of the time (otherwise the
        search has all of it and the gap is NaN).

    Returns
    -------
    FacilitySolution
    """
    t0 = time.perf_counter()
    deadline = math.inf if time_limit is None else t0 + float(time_limit)
    search_end = math.inf if time_limit is None else t0 + (SEARCH_SHARE if bound else 1.0) * float(time_limit)
    labels = np.unique(np.asarray(p.site_neighbourhood), return_inverse=True)[1]
    osite, ag, asite = (np.asarray(v, int) for v in (p.option_site, p.arc_group, p.arc_site))
    arc_open = mx.col_hi[mx.offs[4]:mx.offs[5]] > 0
    n_lab = int(labels.max()) + 1 if len(labels) else 0
    singles = [(k,) for k in range(n_lab)]
    pairs = neighbourhood_pairs(labels, ag[arc_open], asite[arc_open])
    x, best = np.asarray(x0, float).copy(), float(mx.c @ x0)
    sweeps = [singles, pairs]
    stale = 0                        # sweeps in a row that found nothing better
    k = 0
    while stale < len(sweeps) and time.perf_counter() < search_end:
        parts = sweeps[k % len(sweeps)]
        k += 1
        improved = False
        for n, part in enumerate(parts):
            now = time.perf_counter()
            if now >= search_end:
                break
            held = _free_columns(mx, np.isin(labels, part), osite, ag, asite, arc_open)
            lo, hi = mx.col_lo.copy(), mx.col_hi.copy()
            lo[held], hi[held] = x[held], x[held]
            share = (search_end - now) / (len(parts) - n) if math.isfinite(search_end) else None
            cap = None if share is None else max(1.0, min(search_end - now, 3.0 * share))
            res = solve_milp(mx.c, mx.a, mx.row_lo, mx.row_hi, lo, hi, mx.integer, time_limit=cap, start=x,
                             rel_gap=rel_gap, abs_gap=1e-6)
            if res.x is not None and res.objective < best - max(1e-9 * abs(best), 1e-6):
                x, best, improved = np.asarray(res.x, float), float(res.objective), True
        else:
            stale = 0 if improved else stale + 1
            continue
        break                        # the search's time ran out inside a sweep
    converged = stale >= len(sweeps)
    lower = -math.inf
    if bound:
        left = None if time_limit is None else max(0.5, deadline - time.perf_counter())
        lp = _solve_once(p, time_limit=left, relax=True, matrix=mx)
        if lp.status == "optimal" and math.isfinite(lp.objective):
            lower = min(lp.objective, best)
    gap = relative_gap(best, lower)
    status = "optimal" if gap <= max(rel_gap, 1e-9) else ("feasible" if converged else "time_limit")
    return decode(p, mx, x, best, lower, status, time.perf_counter() - t0)
