"""Robust over time: the recommendation evaluated now and at later years of projected enrolment."""

from __future__ import annotations

import pandas as pd

from layout.evaluate import evaluate
from layout.plan import Plan
from layout.recommend.verify import new_hard_violations

__all__ = ["robustness", "years_checked"]


def years_checked(horizon: int) -> list[int]:
    """Now, half-way and the horizon (e.g. 0, 5, 10)."""
    return sorted({0, horizon // 2, horizon})


def robustness(county, travel, plan, moves, sites, std, horizon: int, ev_now, base_now):
    """For every action, whether it holds in each year: no hard rule newly broken that involves its school,
    its receiving school or its children (compared with the status quo of the same year).

    Returns
    -------
    frame : DataFrame
        ``school_id, action, holds_y0, holds_y5, …, holds_all``.
    evals : dict
        ``year -> (plan evaluation, status quo evaluation)``.
    """
    evals = {}
    for y in years_checked(horizon):
        if y == 0:
            evals[y] = (ev_now, base_now)
        else:
            evals[y] = (evaluate(county, plan, travel, std, year=y),
                        evaluate(county, Plan.status_quo(county), travel, std, year=y))
    items = [(m.school, m.action, {m.school, m.into} - {None}, {v for v, _ in m.catchment})
             for m in moves if m.active]
    items += [(b.school, "boarding", {b.school}, set(b.villages)) for b in sites]
    new_ids = plan.schools.index[plan.schools["is_new"].astype(bool)]
    items += [(str(sid), "open", {str(sid)}, set()) for sid in sorted(new_ids)]
    rows = []
    for sid, action, schools, villages in items:
        row = {"school_id": sid, "action": action}
        for y, (ev, base) in evals.items():
            new, unserved = new_hard_violations(ev, base)
            hit = any(v.school_id in schools or v.village_id in villages for v in new)
            hit |= any(v in villages for v, _ in unserved.index)
            row[f"holds_y{y}"] = not hit
        row["holds_all"] = all(row[f"holds_y{y}"] for y in evals)
        rows.append(row)
    cols = ["school_id", "action", *[f"holds_y{y}" for y in evals], "holds_all"]
    return pd.DataFrame(rows, columns=cols), evals
