"""Robust over time: the recommendation evaluated now and at later years of projected enrolment."""

from __future__ import annotations

import pandas as pd

from layout.evaluate import evaluate
from layout.plan import Plan

__all__ = ["robustness", "years_checked"]


def years_checked(horizon: int) -> list[int]:
    """Now, half-way and the horizon (e.g. 0, 5, 10)."""
    return sorted({0, horizon // 2, horizon})


def robustness(county, travel, plan, std, horizon: int, ev_now, base_now):
    """For every school an action is about, whether the plan still breaks no new hard rule there in each year
    checked (its school, the school it merges into, or its pupils' villages), against the status quo of the same
    year.

    Returns
    -------
    frame : DataFrame
        ``school_id, holds_y0, holds_y5, …, holds_all``.
    evals : dict
        ``year -> (plan evaluation, status quo evaluation)``.
    """
    evals = {}
    for y in years_checked(horizon):
        if y == 0:
            evals[y] = (ev_now, base_now)
        else:
            base = evaluate(county, Plan.status_quo(county), travel, std, year=y)
            evals[y] = (evaluate(county, plan, travel, std, year=y, baseline=base), base)
    moves = ev_now.allocation.moves
    items = {}
    for a in plan.actions:
        if a.keyword == "move":
            continue
        sid = str(getattr(a, "school", None) or getattr(a, "from_", None) or getattr(a, "id", None))
        schools = {sid} | ({a.into} if getattr(a, "into", None) else set())
        villages = set(moves.loc[moves["from_school"] == sid, "village_id"])
        got = items.setdefault(sid, (set(), set()))
        got[0].update(schools)
        got[1].update(villages)
    rows = []
    for sid, (schools, villages) in sorted(items.items()):
        row = {"school_id": sid}
        for y, (ev, _) in evals.items():
            new = [v for v in ev.violations if v.severity == "hard" and v.status == "new"]
            row[f"holds_y{y}"] = not any(v.school_id in schools or v.village_id in villages for v in new)
        row["holds_all"] = all(row[f"holds_y{y}"] for y in evals)
        rows.append(row)
    cols = ["school_id", *[f"holds_y{y}" for y in evals], "holds_all"]
    return pd.DataFrame(rows, columns=cols), evals
