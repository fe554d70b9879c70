"""Who saves what: the county's change in annual cost and capital, shared out among the actions of a plan so that
the parts add up to the total.

Each school's change (its annual cost under the plan minus today's, line by line) goes to the actions whose moves of
pupils caused it. Every moved child has a cause: the school it left, when that school closes, merges or drops its
grades; the school it went to, when the plan moves it there (a new school relieving a crowded one, a re-zoning). A
school's change is shared among the causes of the children who came in or went out, in proportion to them; a
school no child moved to or from keeps its own (a new school built for nobody, a boarding school whose beds grew).
What no school's pupils explain stays ``other``, so that Σ shares + other = the county's change, exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cost_shares", "LINES"]

LINES = ("staffing", "per_student_funds", "fixed_site", "boarding", "bus", "annual_total", "capital_total")


def cost_shares(baseline, evaluation) -> tuple[pd.DataFrame, pd.Series]:
    """The change of every cost line shared out among the schools whose pupils caused it.

    Parameters
    ----------
    baseline : Evaluation
        Today (same year).
    evaluation : Evaluation
        The plan.

    Returns
    -------
    shares : DataFrame
        Index school_id (schools an action is about); columns :data:`LINES` (yuan; annual lines a year, capital
        once).
    other : Series
        What no school explains, per line.

    Example
    -------
    >>> shares, other = cost_shares(today, plan_evaluation)
    >>> shares.index.tolist()                       # the two teaching points the plan closes
    ['S011', 'S017']
    >>> change = plan_evaluation.costs["annual"]["total"] - today.costs["annual"]["total"]
    >>> bool(abs(shares["annual_total"].sum() + other["annual_total"] - change) < 1)   # shares add up
    True
    """
    b = baseline.costs["by_school"].reindex(columns=list(LINES), fill_value=0.0)
    p = evaluation.costs["by_school"].reindex(columns=list(LINES), fill_value=0.0)
    delta = p.sub(b.reindex(p.index, fill_value=0.0), fill_value=0.0)
    moves = evaluation.allocation.moves
    moves = moves[moves["to_school"] != ""]
    cause = np.where(moves["why"].isin(["moved", "new"]), moves["to_school"], moves["from_school"])
    flow = pd.concat([pd.DataFrame({"school": moves["to_school"], "cause": cause, "n": moves["children"]}),
                      pd.DataFrame({"school": moves["from_school"], "cause": cause, "n": moves["children"]})])
    flow = flow[(flow["school"] != "") & (flow["cause"] != "")].groupby(["school", "cause"])["n"].sum()
    shares = pd.DataFrame(0.0, index=delta.index, columns=list(LINES))
    other = pd.Series(0.0, index=list(LINES))
    for sid, row in delta.iterrows():
        if not row.abs().sum():
            continue
        by_cause = flow.loc[sid] if sid in flow.index.get_level_values(0) else None
        if by_cause is None or by_cause.sum() <= 0:
            shares.loc[sid] += row
            continue
        for c, n in by_cause.items():
            if c in shares.index:
                shares.loc[c] += row * (n / by_cause.sum())
            else:
                other += row * (n / by_cause.sum())
    return shares[shares.abs().sum(axis=1) > 0], other
