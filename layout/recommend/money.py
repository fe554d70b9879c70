"""Who saves what: the county's change in annual cost and capital, shared out among the actions of a plan so that
the parts add up to the total.

Each school's change (its annual cost under the plan minus today's, line by line) goes to the school whose pupils
caused it: a school that takes in moved pupils passes its change on to the schools they came from, in proportion
to the pupils; any other school keeps its own (a closed school's saving, a downgraded school's fewer posts, a new
school built for nobody). What no school's pupils explain stays ``other`` (e.g. the shared bus routes of a county
changing together), so that Σ shares + other = the county's change, exactly.
"""

from __future__ import annotations

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
    >>> from layout.datasets import make_county                                 # doctest: +SKIP
    >>> shares, other = cost_shares(today, plan_evaluation)                      # doctest: +SKIP
    >>> shares["annual_total"].sum() + other["annual_total"]                     # doctest: +SKIP
    """
    b = baseline.costs["by_school"].reindex(columns=list(LINES), fill_value=0.0)
    p = evaluation.costs["by_school"].reindex(columns=list(LINES), fill_value=0.0)
    delta = p.sub(b.reindex(p.index, fill_value=0.0), fill_value=0.0)
    moves = evaluation.allocation.moves
    moves = moves[moves["to_school"] != ""]
    into = moves.groupby(["to_school", "from_school"])["children"].sum()
    shares = pd.DataFrame(0.0, index=delta.index, columns=list(LINES))
    other = pd.Series(0.0, index=list(LINES))
    for sid, row in delta.iterrows():
        if not row.abs().sum():
            continue
        if sid in into.index.get_level_values(0):
            src = into.loc[sid]
            src = src[src.index != ""]
            if len(src) and src.sum() > 0:
                for frm, n in src.items():
                    if frm in shares.index:
                        shares.loc[frm] += row * (n / src.sum())
                    else:
                        other += row * (n / src.sum())
                continue
        shares.loc[sid] += row
    return shares[shares.abs().sum(axis=1) > 0], other
