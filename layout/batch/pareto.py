"""Pareto-optimal proposals: none of the others is at least as good on every objective and better on one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_OBJECTIVES", "parse_objective", "pareto_mask"]

# Minimised by default: children's travel, children left without a school, money, broken rules.
DEFAULT_OBJECTIVES: tuple[str, ...] = ("mean_minutes", "students_unserved", "annual_cost", "capital_cost",
                                       "violations_hard")


def parse_objective(spec: str) -> tuple[str, float]:
    """``"annual_cost"`` → (column, +1: minimise); ``"-g1_3_within_30min"`` or ``"max:..."`` → (column, -1)."""
    spec = spec.strip()
    if spec.startswith("max:"):
        return spec[4:], -1.0
    if spec.startswith("min:"):
        return spec[4:], 1.0
    if spec.startswith("-"):
        return spec[1:], -1.0
    return spec, 1.0


def pareto_mask(table: pd.DataFrame, objectives: Sequence[str] = DEFAULT_OBJECTIVES,
                eligible: pd.Series | None = None) -> pd.Series:
    """Which rows are Pareto-optimal for the objectives (minimised unless written ``-column`` / ``max:column``).

    A missing value counts as the worst possible. Rows not ``eligible`` (e.g. proposals that failed) are never
    optimal and never dominate. Identical rows do not dominate each other: both are kept.

    Parameters
    ----------
    table : DataFrame
        One row per proposal with the objective columns.
    objectives : sequence of str
    eligible : boolean Series, optional
        Rows allowed to take part (default: all).

    Returns
    -------
    Series of bool
        Indexed like ``table``.

    Example
    -------
    >>> t = pd.DataFrame({"cost": [1, 2, 3], "minutes": [9, 5, 9]})
    >>> pareto_mask(t, ["cost", "minutes"]).tolist()
    [True, True, False]
    """
    eligible = pd.Series(True, index=table.index) if eligible is None else eligible.reindex(table.index,
                                                                                             fill_value=False)
    out = pd.Series(False, index=table.index)
    cand = table.index[eligible.to_numpy(dtype=bool)]
    if len(cand) == 0 or not objectives:
        return out
    cols = []
    for spec in objectives:
        col, sign = parse_objective(spec)
        if col not in table.columns:
            raise KeyError(f"objective {col!r} is not a column of the batch table")
        x = pd.to_numeric(table.loc[cand, col], errors="coerce").to_numpy(dtype=float) * sign
        cols.append(np.where(np.isnan(x), np.inf, x))
    v = np.column_stack(cols)                           # n × k, smaller is better
    le = (v[:, None, :] <= v[None, :, :]).all(axis=2)   # le[i, j]: i at least as good as j everywhere
    lt = (v[:, None, :] < v[None, :, :]).any(axis=2)
    dominated = (le & lt).any(axis=0)
    out.loc[cand] = ~dominated
    return out
