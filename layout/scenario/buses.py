"""The bus routes of an evaluated plan as the scenario's delta lists them.

An evaluation carries its school buses in ``costs["bus_routes"]`` (:class:`layout.evaluate.buses.PlanBuses`: each
school's riders pooled into shared routes by :mod:`layout.transport`, or the per-link estimate). Those routes are
kept per school while the school's riders do not change, so a scenario's edit re-routes only the schools it
touches, exactly as a full :func:`layout.evaluate.evaluate` of the same plan does (the same function, the same
cache). :func:`route_table` gives the routes in one shape for :func:`layout.scenario.delta.compute_delta`.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["route_table", "ROUTE_COLUMNS", "BUS_METHODS"]

#: The columns of :func:`route_table`.
ROUTE_COLUMNS = ["route", "school_id", "villages", "riders", "vehicles", "km_per_trip"]

#: How buses are planned: shared routes, or the per-link estimate (the ``buses`` argument of ``evaluate``).
BUS_METHODS = ("routes", "estimate")


def route_table(evaluation) -> pd.DataFrame:
    """The bus routes an evaluation runs: :data:`ROUTE_COLUMNS`, one row per route, by route id.

    Parameters
    ----------
    evaluation : Evaluation
        With ``costs["bus_routes"]`` (every evaluation of :func:`layout.evaluate.evaluate`).

    Returns
    -------
    DataFrame
        ``route`` (the route id), ``school_id``, ``villages`` (the stops in pickup order), ``riders``,
        ``vehicles`` and ``km_per_trip`` (the daily tour).

    Example
    -------
    >>> from layout.datasets import make_county
    >>> from layout.evaluate import evaluate
    >>> table = route_table(evaluate(make_county(n_villages=30, n_townships=3, seed=2), buses="estimate"))
    >>> list(table.columns) == ROUTE_COLUMNS
    True
    """
    bus = evaluation.costs.get("bus_routes")
    r = getattr(bus, "routes", None)
    if r is None or r.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("route", "school_id", "villages") else float)
                             for c in ROUTE_COLUMNS})
    r = r.sort_index()
    return pd.DataFrame({"route": r.index.astype(str), "school_id": r["school_id"].astype(str).to_numpy(),
                         "villages": r["stops"].astype(str).to_numpy(),
                         "riders": r["children"].to_numpy(float), "vehicles": r["vehicles"].to_numpy(float),
                         "km_per_trip": r["km"].to_numpy(float)})
