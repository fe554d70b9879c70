"""Sparse MILP for "open sites, assign every demand point to one open site" with capacities.

Variables: ``y_j`` (site j open, binary) for the listed sites and ``x_e`` for the listed (point, site) pairs
(binary with single sourcing, else continuous in [0, 1]). Rows:

* ``Σ_{e ∋ i} x_e = 1``                         every demand point served once
* ``Σ_i q_i x_ij − Q_j y_j ≤ 0``                 capacity (only when some capacity is finite)
* ``Σ_i q_i x_ij − L_j y_j ≥ 0``                 minimum load (only where L_j > 0)
* ``x_ij − y_j ≤ 0``                             no service from a closed site (strengthens the bound)
* ``p_lo ≤ Σ_j y_j ≤ p_hi``                      number of open sites (optional)
* extra rows over ``y`` (e.g. a limit on closures)

Objective: ``Σ_e c_e x_e + Σ_j f_j y_j``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from layout.locate.milp import MilpResult, solve_milp

__all__ = ["AssignmentModel"]


@dataclass
class AssignmentModel:
    """Pairs and sites of an assignment MILP (indices into the original cost matrix)."""

    n: int
    sites: np.ndarray  # site indices (columns of cost) that may open
    pair_i: np.ndarray  # demand index per pair
    pair_j: np.ndarray  # site index per pair (must be in ``sites``)
    pair_cost: np.ndarray
    demand: np.ndarray  # (n,)
    capacity: np.ndarray  # per entry of ``sites`` (inf = none)
    min_load: np.ndarray | None = None  # per entry of ``sites``
    fixed_cost: np.ndarray | None = None  # per entry of ``sites``
    open_lo: np.ndarray | None = None  # per entry of ``sites``: 1 = must open
    p_lo: float | None = None
    p_hi: float | None = None
    single_source: bool = True
    extra_rows: list = field(default_factory=list)  # (coef over sites, lo, hi)

    def solve(self, time_limit=None, start_open=None, start_assign=None, rel_gap=1e-7, abs_gap=1e-6,
              heuristic_effort=None, options=None) -> tuple[MilpResult, np.ndarray | None, np.ndarray | None]:
        """Solve; returns (result, open site indices, assignment per demand point). ``options``: further HiGHS
        options by name."""
        ns, ne, n = len(self.sites), len(self.pair_i), self.n
        pos = np.full(int(self.sites.max()) + 1 if ns else 1, -1)
        pos[self.sites] = np.arange(ns)
        pj = pos[self.pair_j]
        ecol = ns + np.arange(ne)
        rows, cols, vals, lo, hi = [], [], [], [], []
        r0 = 0
        # assignment
        rows.append(r0 + self.pair_i)
        cols.append(ecol)
        vals.append(np.ones(ne))
        lo.append(np.ones(n))
        hi.append(np.ones(n))
        r0 += n
        q = self.demand[self.pair_i]
        capped = np.isfinite(self.capacity)
        if capped.any():
            cap_row = np.full(ns, -1)
            cap_row[capped] = r0 + np.arange(int(capped.sum()))
            e = capped[pj]
            rows += [cap_row[pj[e]], cap_row[capped]]
            cols += [ecol[e], np.flatnonzero(capped)]
            vals += [q[e], -self.capacity[capped]]
            lo.append(np.full(int(capped.sum()), -np.inf))
            hi.append(np.zeros(int(capped.sum())))
            r0 += int(capped.sum())
        if self.min_load is not None and (self.min_load > 0).any():
            has = self.min_load > 0
            ml_row = np.full(ns, -1)
            ml_row[has] = r0 + np.arange(int(has.sum()))
            e = has[pj]
            rows += [ml_row[pj[e]], ml_row[has]]
            cols += [ecol[e], np.flatnonzero(has)]
            vals += [q[e], -self.min_load[has]]
            lo.append(np.zeros(int(has.sum())))
            hi.append(np.full(int(has.sum()), np.inf))
            r0 += int(has.sum())
        # linking x_e <= y_j
        rows += [r0 + np.arange(ne), r0 + np.arange(ne)]
        cols += [ecol, pj]
        vals += [np.ones(ne), -np.ones(ne)]
        lo.append(np.full(ne, -np.inf))
        hi.append(np.zeros(ne))
        r0 += ne
        if self.p_lo is not None or self.p_hi is not None:
            rows.append(np.full(ns, r0))
            cols.append(np.arange(ns))
            vals.append(np.ones(ns))
            lo.append([-np.inf if self.p_lo is None else self.p_lo])
            hi.append([np.inf if self.p_hi is None else self.p_hi])
            r0 += 1
        for coef, rlo, rhi in self.extra_rows:
            nz = np.flatnonzero(coef)
            rows.append(np.full(len(nz), r0))
            cols.append(nz)
            vals.append(np.asarray(coef, dtype=float)[nz])
            lo.append([rlo])
            hi.append([rhi])
            r0 += 1
        a = sp.csc_array((np.concatenate(vals).astype(float),
                          (np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64))),
                         shape=(r0, ns + ne))
        c = np.concatenate([np.zeros(ns) if self.fixed_cost is None else self.fixed_cost, self.pair_cost])
        col_lo = np.zeros(ns + ne)
        if self.open_lo is not None:
            col_lo[:ns] = self.open_lo
        col_hi = np.ones(ns + ne)
        integer = np.zeros(ns + ne, dtype=bool)
        integer[:ns] = True
        if self.single_source:
            integer[ns:] = True
        start = None
        if start_open is not None and start_assign is not None:
            so = np.asarray(start_open)
            where = np.where(so < len(pos), pos[np.minimum(so, len(pos) - 1)], -1)
            chosen = start_assign[self.pair_i] == self.pair_j
            if int(chosen.sum()) == n and np.all(where >= 0):  # else the start is not a solution of this model
                start = np.zeros(ns + ne)
                start[where] = 1.0
                start[ns:][chosen] = 1.0
        res = solve_milp(c, a, np.concatenate([np.asarray(v, float) for v in lo]),
                         np.concatenate([np.asarray(v, float) for v in hi]), col_lo, col_hi, integer,
                         time_limit=time_limit, start=start, rel_gap=rel_gap, abs_gap=abs_gap,
                         heuristic_effort=heuristic_effort, options=options)
        if res.x is None:
            return res, None, None
        y = res.x[:ns] > 0.5
        xe = res.x[ns:]
        if self.single_source:
            chosen = xe > 0.5
            assign = np.full(n, -1, dtype=np.int64)
            assign[self.pair_i[chosen]] = self.pair_j[chosen]
        else:  # main share
            assign = np.full(n, -1, dtype=np.int64)
            best = np.full(n, -1.0)
            for e in np.flatnonzero(xe > 1e-9):
                i = self.pair_i[e]
                if xe[e] > best[i]:
                    best[i], assign[i] = xe[e], self.pair_j[e]
        return res, np.sort(self.sites[y]), assign
