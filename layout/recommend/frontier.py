"""The trade-off frontier: the school model re-solved for several numbers of schools, each plan verified and
evaluated — what each step towards fewer schools costs or saves in money, travel and balance.

The number of schools is asked for through a price on each open school (a bonus for keeping schools, or a cost),
so every point is the goal's best plan with that many schools and solves as fast as the plan itself; the prices
are multiples of what a small school costs a year to keep (its site and its teachers beyond its pupils' norm).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from layout.recommend.repair import solve_and_verify

__all__ = ["trade_off_frontier", "pick_from_frontier", "FRONTIER_COLUMNS", "frontier_row"]

FRONTIER_COLUMNS = ["schools_open", "schools_closed", "schools_new", "mean_minutes", "worst_minutes",
                    "g1_3_mean_minutes", "g1_3_max_minutes", "annual_cost", "capital_cost", "annualised_cost",
                    "primary_mean_cv", "middle_mean_cv", "students_unserved", "new_hard_violations", "gap",
                    "chosen"]


def frontier_row(ev, gap: float = float("nan")) -> dict:
    """One frontier row from an evaluation."""
    a = ev.allocation.assignments
    w = a["children"].to_numpy(float)
    minutes = a["minutes"].to_numpy(float)
    day = (a["mode"] != "board").to_numpy()
    m = ev.summary_metrics()
    return {
        "schools_open": m["schools_open"], "schools_closed": m["schools_closed"], "schools_new": m["schools_new"],
        "mean_minutes": float(np.average(minutes[day], weights=w[day])) if w[day].sum() else np.nan,
        "worst_minutes": float(minutes[day].max()) if day.any() else np.nan,
        "g1_3_mean_minutes": m["g1_3_mean_minutes"], "g1_3_max_minutes": m["g1_3_max_minutes"],
        "annual_cost": m["annual_cost"], "capital_cost": m["capital_cost"], "annualised_cost": m["annualised_cost"],
        "primary_mean_cv": m["balance_primary_mean_cv"], "middle_mean_cv": m["balance_middle_mean_cv"],
        "students_unserved": m["students_unserved"], "new_hard_violations": m["new_hard_violations"],
        "gap": gap, "chosen": False,
    }


def trade_off_frontier(county, model, travel, baseline, standards, *, time_limit: float, rounds: int,
                       extra_limits: list | None = None, known: dict | None = None, start: dict | None = None):
    """Solve and verify the model with several prices on an open school, from a bonus for keeping every school to
    a cost that closes every school the rules allow.

    Parameters
    ----------
    county, model, travel, baseline, standards
    time_limit : float
        Seconds per point.
    rounds : int
        Repair rounds per point.
    extra_limits : list, optional
        The targets' count limits, kept at every point.
    known : dict, optional
        ``schools_open -> Verified`` already solved (reused, not solved again).
    start : dict, optional
        A feasible answer to start the first point from (e.g. the goal's own plan); each later point starts from
        the one before, whose price is the nearest, so the solver begins with a good plan in hand.

    The points' solves together take at most ``recommend.frontier_seconds`` (each point's limit is cut to what
    is left of it, and solves are not extended); once it is spent no further point is solved, and
    ``frame.attrs["points_skipped"]`` says how many were left out.

    Returns
    -------
    frame : DataFrame
        One row per number of schools reached (:data:`FRONTIER_COLUMNS`), sorted by ``schools_open``.
    built : dict
        ``schools_open -> Verified``.
    """
    points = int(standards.get("recommend.frontier_points"))
    o = model.options
    small = o[(o["option"] == "keep") & o["site_id"].map(model.sites["source"]).eq("school")
              & (o["site_id"].map(model.sites["n_now"]) < standards.small_school)]
    scale = float(model.problem.option_fixed[small.index].mean()) if len(small) else 3e5
    prices = [-scale * f for f in np.geomspace(0.03, 1.5, max(1, points - 1))] + [scale * 10.0]
    built = dict(known or {})
    budget = float(standards.get("recommend.frontier_seconds"))
    t0, skipped = time.perf_counter(), 0
    for price in prices:
        remaining = budget - (time.perf_counter() - t0)
        if remaining < 1.0:
            skipped += 1
            continue
        v = solve_and_verify(county, model, travel, baseline, standards, time_limit=min(time_limit, remaining),
                             rounds=rounds,
                             extra_limits=extra_limits, name="frontier", rel_gap=1e-2, per_school=price, start=start,
                             extend=False, bound=False)   # plans, not proofs: a large model's search has the time
        if not v.failed:
            start = v.decision.start_values()
        k = int(v.evaluation.summary_metrics()["schools_open"])
        if k not in built and not v.failed:
            built[k] = v
    rows = [frontier_row(built[k].evaluation, built[k].decision.solution.gap) for k in sorted(built)]
    frame = pd.DataFrame(rows, columns=FRONTIER_COLUMNS).reset_index(drop=True)
    frame.attrs["points_skipped"] = skipped
    return frame, built


def pick_from_frontier(frame: pd.DataFrame, goal: str) -> int | None:
    """The number of schools the goal prefers among frontier rows that break no new hard rule (None: keep the
    goal's own solution). ``best_balance`` takes the lowest primary mean CV (ties: more schools)."""
    ok = frame[frame["new_hard_violations"] == 0]
    if ok.empty or goal != "best_balance" or ok["primary_mean_cv"].isna().all():
        return None
    best = ok.assign(cv=ok["primary_mean_cv"].astype(float).fillna(np.inf)).sort_values(
        ["cv", "schools_open"], ascending=[True, False], kind="stable")
    return int(best.iloc[0]["schools_open"])
