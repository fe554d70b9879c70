"""The per-link estimate of school buses: every village–school link runs its own buses. A quick upper bound.

Each rider row (a village, a band, a school) runs ⌈children / ``bus_seats``⌉ buses, each driving the link
``bus_trips_per_day`` times a day (4: the morning and the afternoon run, each there and back) over the one-way
metres of the row (the allocation's bus-matrix metres, off-road legs included), on every school day. Nothing is
pooled — neither villages along one road nor the bands of one village — so it counts more vehicles and more
vehicle-km than any real route plan. It is labelled ``"per-link estimate"`` wherever it shows, and it is what
:func:`~layout.transport.bus_routes` returns (with a notice) when no routing library can run.

This is the rule ``layout.evaluate.costs`` priced buses with, moved here; vehicles are now also charged their
annual cost (``costs.bus_vehicle_annual_cost``) as the shared routes are, so the two compare like with like.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.standards import Standards
from layout.transport.parameters import bus_rules
from layout.transport.result import ROUTE_COLUMNS, STOP_COLUMNS, BusRoutes, fleet_and_costs, unserved_table

__all__ = ["per_link_estimate", "PER_LINK"]

PER_LINK = "per-link estimate"


def per_link_estimate(riders: pd.DataFrame, standards: Standards, *, notes: tuple[str, ...] = ()) -> BusRoutes:
    """School buses priced link by link (an upper bound), labelled ``"per-link estimate"``.

    Parameters
    ----------
    riders : DataFrame
        ``village_id, school_id, band, children, metres`` (one-way), e.g. the allocation's rows with mode
        ``"bus"``; with a ``mode`` column only its ``"bus"`` rows are read. ``minutes`` is copied when given.
    standards : Standards
    notes : tuple of str
        Notes to carry (e.g. why routing fell back to this estimate).

    Returns
    -------
    BusRoutes
        ``method="per-link estimate"``, ``estimated=True``; one "route" per link with ⌈children / seats⌉
        vehicles; rows whose metres are not finite are unserved (no road).

    Raises
    ------
    LayoutInputError
        No ``metres`` column, or negative children.

    Example
    -------
    >>> from layout.standards import load_standards
    >>> r = pd.DataFrame({"village_id": ["V1", "V2"], "school_id": ["S1", "S1"], "band": ["g7_9", "g4_6"],
    ...                   "children": [40, 5], "metres": [5000.0, 2000.0]})
    >>> est = per_link_estimate(r, load_standards())
    >>> est.vehicles, round(est.vehicle_km_per_year), est.method
    (3, 9120, 'per-link estimate')
    """
    rules = bus_rules(standards)
    r = riders
    if "mode" in r:
        r = r[r["mode"] == "bus"]
    missing = [c for c in ("village_id", "school_id", "band", "children", "metres") if c not in r]
    if missing:
        raise LayoutInputError([Problem("riders", f"no {c} column", column=c,
                                        fix="pass the allocation's bus rows (they carry one-way metres)")
                                for c in missing])
    children = pd.to_numeric(r["children"], errors="coerce")
    if (children < 0).any() or children.isna().any():
        bad = r.index[(children < 0) | children.isna()][0]
        raise LayoutInputError([Problem("riders", "children must be a whole number of 0 or more", row=int(bad)
                                        if isinstance(bad, (int, np.integer)) else None, column="children",
                                        value=r.loc[bad, "children"], fix="correct the count")])
    r = r.assign(children=children.astype(np.int64))
    r = r[r["children"] > 0].reset_index(drop=True)
    metres = r["metres"].to_numpy(float)
    ok = np.isfinite(metres)
    un = r.loc[~ok, ["village_id", "school_id", "band", "children"]].assign(
        reason="no_road", detail="no road between the village and the school for a school bus")
    s = r[ok].reset_index(drop=True)
    vehicles = np.ceil(s["children"].to_numpy(float) / rules.seats).astype(np.int64)
    km = s["metres"].to_numpy(float) / 1000.0
    ids = pd.Index([f"{sid}-L{i + 1:03d}" for i, sid in enumerate(s["school_id"].astype(str))], name="route_id")
    minutes = s["minutes"].to_numpy(float) if "minutes" in s else np.full(len(s), np.nan)
    routes = pd.DataFrame({
        "school_id": s["school_id"].astype(str).to_numpy(), "kind": "per-link", "bands": s["band"].to_numpy(),
        "stops": s["village_id"].astype(str).to_numpy(), "n_stops": 1, "children": s["children"].to_numpy(),
        "minutes": minutes, "limit_minutes": [rules.limits.get(b, np.nan) for b in s["band"]],
        "km": 2 * km, "loaded_km": km, "empty_km": km, "vehicles": vehicles,
        "vehicle_km_per_year": vehicles * km * rules.link_trips_per_day * rules.school_days}, index=ids)
    unserved = unserved_table([un])
    by_school, fleet, costs = fleet_and_costs(routes, unserved, rules)
    routes = routes[ROUTE_COLUMNS]
    stops = pd.DataFrame({"route_id": ids.to_numpy(), "order": 1, "village_id": routes["stops"].to_numpy(),
                          "school_id": routes["school_id"].to_numpy(), "children": routes["children"].to_numpy(),
                          "bands": routes["bands"].to_numpy(), "ride_minutes": minutes,
                          "limit_minutes": routes["limit_minutes"].to_numpy()})[STOP_COLUMNS]
    riders_out = stops.rename(columns={"bands": "band"})[["route_id", "village_id", "school_id", "band", "children",
                                                          "ride_minutes", "limit_minutes"]]
    note = ("per-link estimate: every village-school link runs its own buses (an upper bound, not routes); "
            "ride minutes are the allocation's door-to-door minutes")
    return BusRoutes(routes=routes, stops=stops, riders=riders_out, unserved=unserved,
                     lines=gpd.GeoDataFrame({"school_id": [], "children": [], "minutes": [], "km": []},
                                            geometry=[], index=pd.Index([], name="route_id")),
                     stop_points=gpd.GeoDataFrame(stops.iloc[:0], geometry=[]), by_school=by_school, fleet=fleet,
                     costs=costs, method=PER_LINK, estimated=True, notes=(*notes, note))
