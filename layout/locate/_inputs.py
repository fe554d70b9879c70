"""Shared parameter checks: one calling convention, plain messages, :class:`LayoutInputError` on bad input."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from layout.errors import ProblemCollector

__all__ = ["Prepared", "prepare", "list_ids", "MAX_DENSE_ENTRIES"]

#: Largest cost matrix (demand × sites) handled; beyond this a sparse matrix with a cutoff is required.
MAX_DENSE_ENTRIES = 60_000_000
_WHERE = "locate parameters"


def list_ids(ids, limit: int = 12) -> str:
    """``"3, 17, 21"`` or ``"3, 17, … (40 in all)"`` for messages."""
    ids = [int(i) for i in ids]
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown if len(ids) <= limit else f"{shown}, … ({len(ids)} in all)"


@dataclass
class Prepared:
    """Validated inputs: a dense cost matrix with ``inf`` for pairs that are not allowed."""

    cost: np.ndarray  # (n, m) float64, inf = not allowed (absent, beyond max_cost, or forbidden site)
    weights: np.ndarray  # (n,)
    required: np.ndarray  # sorted site indices
    forbidden: np.ndarray  # sorted site indices
    candidates: np.ndarray  # sorted site indices that may open (not forbidden)

    @property
    def n(self) -> int:
        return self.cost.shape[0]

    @property
    def m(self) -> int:
        return self.cost.shape[1]

    def unreachable(self) -> np.ndarray:
        """Demand points (with positive weight) that no candidate site can serve."""
        ok = np.isfinite(self.cost[:, self.candidates]).any(axis=1) if len(self.candidates) else \
            np.zeros(self.n, dtype=bool)
        return np.flatnonzero(~ok & (self.weights > 0))


def _dense(cost, problems: ProblemCollector) -> np.ndarray | None:
    if sp.issparse(cost):
        if cost.ndim != 2:
            problems.add(_WHERE, "cost must be a 2-D matrix (demand points × sites)", column="cost",
                         value=cost.shape, fix="pass an n_demand × n_sites matrix")
            return None
        n, m = cost.shape
        if n * m > MAX_DENSE_ENTRIES:
            problems.add(_WHERE, f"cost matrix {n} × {m} is too large", column="cost", value=n * m,
                         fix=f"split the problem or reduce it below {MAX_DENSE_ENTRIES:,} pairs")
            return None
        coo = sp.coo_array(cost)
        dense = np.full((n, m), np.inf)
        dense[coo.row, coo.col] = np.asarray(coo.data, dtype=float)
        return dense
    try:
        dense = np.array(cost, dtype=float, copy=True)
    except (TypeError, ValueError):
        problems.add(_WHERE, "cost is not a numeric matrix", column="cost", value=type(cost).__name__,
                     fix="pass a numpy array or scipy.sparse matrix of travel costs")
        return None
    if dense.ndim != 2 or 0 in dense.shape:
        problems.add(_WHERE, "cost must be a non-empty 2-D matrix (demand points × sites)", column="cost",
                     value=dense.shape, fix="pass an n_demand × n_sites matrix")
        return None
    if dense.size > MAX_DENSE_ENTRIES:
        problems.add(_WHERE, f"cost matrix {dense.shape[0]} × {dense.shape[1]} is too large", column="cost",
                     value=dense.size, fix="pass a scipy.sparse matrix holding only pairs within a cutoff")
        return None
    return dense


def _vector(values, n: int, name: str, default: float | None, problems: ProblemCollector,
            allow_inf: bool = False) -> np.ndarray | None:
    if values is None:
        return None if default is None else np.full(n, float(default))
    arr = np.asarray(values, dtype=float).reshape(-1) if np.ndim(values) else np.full(n, float(values))
    if arr.shape != (n,):
        problems.add(_WHERE, f"{name} has {arr.size} values but {n} are needed", column=name, value=arr.size,
                     fix=f"give one {name} value per row/column of cost")
        return None
    bad = np.flatnonzero(np.isnan(arr) | (arr < 0) | (~np.isfinite(arr) if not allow_inf else False))
    if len(bad):
        problems.add(_WHERE, f"{name} must be finite and non-negative; bad at positions {list_ids(bad)}",
                     column=name, value=float(arr[bad[0]]), fix=f"correct {name} at those positions")
        return None
    return arr


def _sites(values, m: int, name: str, problems: ProblemCollector) -> np.ndarray:
    if values is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(values)
    if arr.dtype == bool:
        if arr.shape != (m,):
            problems.add(_WHERE, f"{name} mask has {arr.size} entries but there are {m} sites", column=name,
                         value=arr.size, fix="give one True/False per site (column of cost)")
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(arr)
    arr = arr.reshape(-1)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    is_int = np.issubdtype(arr.dtype, np.integer)
    if not is_int and (not np.issubdtype(arr.dtype, np.floating) or not np.all(arr == np.round(arr))):
        problems.add(_WHERE, f"{name} must list site indices (integers)", column=name, value=arr[:3].tolist(),
                     fix="pass column positions of cost, e.g. [0, 4]")
        return np.zeros(0, dtype=np.int64)
    arr = arr.astype(np.int64)
    bad = arr[(arr < 0) | (arr >= m)]
    if len(bad):
        problems.add(_WHERE, f"{name} lists sites outside 0…{m - 1}: {list_ids(bad)}", column=name,
                     value=int(bad[0]), fix="use column positions of the cost matrix")
        return np.zeros(0, dtype=np.int64)
    return np.unique(arr)


def check_p(p, prep: Prepared, problems: ProblemCollector) -> int | None:
    """Check a number of sites ``p`` against the candidates and required sites."""
    if p is None:
        return None
    if isinstance(p, bool) or not float(p).is_integer():
        problems.add(_WHERE, "p must be a whole number of sites", column="p", value=p, fix="pass an integer ≥ 1")
        return None
    p = int(p)
    if p < 1:
        problems.add(_WHERE, "p must be at least 1", column="p", value=p, fix="pass an integer ≥ 1")
    elif p > len(prep.candidates):
        problems.add(_WHERE, f"p = {p} is larger than the {len(prep.candidates)} candidate sites "
                     f"({prep.m} sites, {len(prep.forbidden)} forbidden)", column="p", value=p,
                     fix=f"choose p ≤ {len(prep.candidates)} or allow more sites")
    elif p < len(prep.required):
        problems.add(_WHERE, f"p = {p} is smaller than the {len(prep.required)} required sites", column="p",
                     value=p, fix=f"choose p ≥ {len(prep.required)} or require fewer sites")
    return p


def prepare(cost, *, weights=None, required=None, forbidden=None, max_cost=None,
            problems: ProblemCollector | None = None) -> tuple[Prepared | None, ProblemCollector]:
    """Validate the common inputs; returns the prepared data (None if broken) and the problem collector.

    The caller adds its own checks to the collector, then calls ``problems.raise_if_any()``.
    """
    problems = problems if problems is not None else ProblemCollector()
    dense = _dense(cost, problems)
    if dense is None:
        return None, problems
    n, m = dense.shape
    if np.isnan(dense).any():
        rows, cols = np.nonzero(np.isnan(dense))
        problems.add(_WHERE, f"cost has {len(rows)} missing (NaN) values, first at demand point {rows[0]}, "
                     f"site {cols[0]}", column="cost", value="NaN",
                     fix="use inf (dense) or leave the pair out (sparse) for pairs that are not allowed")
    neg = dense < 0
    if neg.any():
        rows, cols = np.nonzero(neg)
        problems.add(_WHERE, f"cost has {len(rows)} negative values, first at demand point {rows[0]}, "
                     f"site {cols[0]}", column="cost", value=float(dense[rows[0], cols[0]]),
                     fix="costs are travel times or distances and must be ≥ 0")
    w = _vector(weights, n, "weights", 1.0, problems)
    req = _sites(required, m, "required", problems)
    forb = _sites(forbidden, m, "forbidden", problems)
    both = np.intersect1d(req, forb)
    if len(both):
        problems.add(_WHERE, f"sites {list_ids(both)} are both required and forbidden", column="required",
                     value=int(both[0]), fix="remove them from one of the two lists")
    if max_cost is not None:
        if not isinstance(max_cost, int | float | np.number) or math.isnan(max_cost) or max_cost < 0:
            problems.add(_WHERE, "max_cost must be a non-negative number", column="max_cost", value=max_cost,
                         fix="pass the travel cap in the units of cost, e.g. 30 (minutes)")
        else:
            dense[dense > max_cost] = np.inf
    if problems:
        return None, problems
    dense[:, forb] = np.inf
    candidates = np.setdiff1d(np.arange(m), forb)
    return Prepared(dense, w, req, forb, candidates), problems


def unreachable_message(points: np.ndarray, max_cost) -> str:
    """Plain words for demand points no site can serve."""
    what = "demand point" if len(points) == 1 else "demand points"
    within = f" within {max_cost:g}" if max_cost is not None else ""
    return f"{what} {list_ids(points)} cannot reach any allowed site{within}"
