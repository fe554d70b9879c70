"""Rank proposals by a goal a committee chooses.

Every goal first orders proposals by the children they leave without a place and then by their hard
violations (so those breaking no hard rule and leaving no child unserved come first), then by its own criteria (each minimised, ``-column`` maximised), with the proposal name as the last tie-break so the
ranking is the same on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from layout.batch.pareto import parse_objective
from layout.i18n import t

__all__ = ["GOALS", "rank"]

_KEYS: dict[str, tuple[str, ...]] = {
    "balanced": ("-balance_pass", "mean_minutes", "annual_cost", "capital_cost"),
    "travel": ("mean_minutes", "g1_3_p90_minutes", "-g1_3_within_30min", "annual_cost"),
    "cost": ("annual_cost", "capital_cost", "mean_minutes"),
    "capital": ("capital_cost", "annual_cost", "mean_minutes"),
    "balance": ("-balance_pass", "balance_primary_mean_cv", "balance_middle_mean_cv", "mean_minutes"),
    "fewest_schools": ("schools_open", "mean_minutes", "annual_cost"),
}
#: goal -> its labels (the catalogue's ``rank_goal.*``) and the columns it orders by
GOALS: dict[str, dict] = {g: {"zh": t(f"rank_goal.{g}", "zh"), "en": t(f"rank_goal.{g}", "en"), "keys": keys}
                          for g, keys in _KEYS.items()}


def rank(table: pd.DataFrame, goal: str | Sequence[str] = "balanced", ok: pd.Series | None = None) -> pd.Series:
    """Rank 1, 2, ... of each proposal for ``goal``; proposals that failed get no rank (NA).

    Parameters
    ----------
    table : DataFrame
        One row per proposal.
    goal : str or sequence of str
        A name from :data:`GOALS` or a list of columns (``-column`` to maximise).
    ok : boolean Series, optional
        Rows that were evaluated (default: all).

    Returns
    -------
    Series of Int64

    Example
    -------
    >>> t = pd.DataFrame({"proposal": ["A", "B"], "violations_hard": [0, 0], "students_unserved": [0, 0],
    ...                   "annual_cost": [2.0, 1.0], "capital_cost": [0, 0], "mean_minutes": [10, 12]})
    >>> rank(t, "cost").tolist()
    [2, 1]
    """
    if isinstance(goal, str):
        if goal not in GOALS:
            raise ValueError(f"unknown goal {goal!r}; use one of {', '.join(GOALS)} or a list of columns")
        keys = GOALS[goal]["keys"]
    else:
        keys = tuple(goal)
    ok = pd.Series(True, index=table.index) if ok is None else ok.reindex(table.index, fill_value=False)
    sub = table[ok.to_numpy(dtype=bool)]
    out = pd.Series(pd.NA, index=table.index, dtype="Int64")
    if sub.empty:
        return out
    sort_cols: dict[str, np.ndarray] = {}

    def num(col: str) -> np.ndarray:
        if col not in sub.columns:
            return np.zeros(len(sub))
        x = pd.to_numeric(sub[col].astype(object).map(lambda v: float(v) if isinstance(v, bool) else v),
                          errors="coerce").to_numpy(dtype=float)
        return x

    # hard rules first: fewest children left without a place, then fewest hard violations (a county whose
    # status quo already breaks rules still ranks the proposal that adds breaches last)
    sort_cols["_unserved"] = np.nan_to_num(num("students_unserved"), nan=np.inf)
    sort_cols["_hard"] = np.nan_to_num(num("violations_hard"), nan=np.inf)
    for i, spec in enumerate(keys):
        col, sign = parse_objective(spec)
        x = num(col) * sign
        sort_cols[f"_k{i}"] = np.where(np.isnan(x), np.inf, x)
    frame = pd.DataFrame(sort_cols, index=sub.index)
    frame["_name"] = sub["proposal"].astype(str).to_numpy() if "proposal" in sub else sub.index.astype(str)
    order = frame.sort_values(list(frame.columns), kind="stable").index
    out.loc[order] = np.arange(1, len(order) + 1)
    return out
