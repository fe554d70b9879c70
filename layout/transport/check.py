"""Checks of a route plan from its routes alone: every ride recomputed on the roads, seats, and riders conserved."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.standards import Standards
from layout.transport.legs import county_legs
from layout.transport.parameters import bus_rules
from layout.transport.problem import ride_minutes

__all__ = ["check_bus_routes", "BusRouteError"]

CHECK_BATCH_POINTS = 150


class BusRouteError(AssertionError):
    """Raised by :func:`check_bus_routes` when a ride is over its limit, a bus is over its seats or riders are lost."""


def check_bus_routes(result, county, riders: pd.DataFrame | None = None, *, standards: Standards | None = None,
                     sites: gpd.GeoDataFrame | None = None, network=None, tolerance: float = 1e-6) -> pd.DataFrame:
    """Recompute every routed child's ride from the routes' stop order on the road network and check it.

    Checks, each against the standards rather than the values stored in the result:

    * every rider's ride (dwell at its stop and every later one, the drives between the stops and to the school,
      the school's off-road leg) is within its band's ``travel.bus_limit_minutes``, and equals the stored
      ``ride_minutes``;
    * every route has one vehicle carrying at most ``costs.bus_seats`` children;
    * with ``riders``: routed + unserved children = input children for every village, school and band.

    Parameters
    ----------
    result : BusRoutes
    county : County
    riders : DataFrame, optional
        The input of :func:`~layout.transport.bus_routes`.
    standards : Standards, optional
        Default ``county.standards``.
    sites, network : optional
        As passed to :func:`~layout.transport.bus_routes`.
    tolerance : float
        Minutes of rounding allowed.

    Returns
    -------
    DataFrame
        The riders with ``checked_minutes`` (recomputed ride), ``band_limit`` and ``within_limit``. For the
        per-link estimate there are no routes to recompute: ``checked_minutes`` are its rows' own minutes (the
        allocation's door-to-door trips) and only the conservation is checked.

    Raises
    ------
    BusRouteError
        Listing every violation.
    """
    from layout.network import county_network
    from layout.transport.routes import read_riders

    std = standards or county.standards
    rules = bus_rules(std)
    problems: list[str] = []
    out = result.riders.copy()
    out["checked_minutes"] = np.nan
    out["band_limit"] = out["band"].map(lambda b: std.bus_limit(b))
    schools = county.schools[["geometry"]].set_axis(county.schools.index.astype(str))
    if sites is not None and len(sites):
        schools = pd.concat([schools, sites[["geometry"]].set_axis(sites.index.astype(str))])
    villages = county.villages[["geometry"]].set_axis(county.villages.index.astype(str))
    if not result.estimated and len(result.stops):
        net = network if network is not None else county_network(county)
        checked: dict[str, float] = {}
        groups = {str(sid): sorted(g["village_id"].unique()) for sid, g in result.stops.groupby("school_id")}
        # other batches than the routing used: the same minutes must come out of other searches
        all_legs = county_legs(net, groups, schools.geometry, villages, std, batch_points=CHECK_BATCH_POINTS)
        for sid, g in result.stops.groupby("school_id"):
            legs = all_legs[str(sid)]
            row = {v: i + 1 for i, v in enumerate(legs.village_ids)}
            for rid, r in g.sort_values("order").groupby("route_id"):
                if r["order"].tolist() != list(range(1, len(r) + 1)):
                    problems.append(f"route {rid}: stop order is not 1..{len(r)}")
                rides = ride_minutes(legs.minutes, [row[v] for v in r["village_id"]], rules.stop_minutes,
                                     legs.school_walk_minutes)
                for v, m in zip(r["village_id"], rides, strict=True):
                    checked[(rid, v)] = float(m)
        out["checked_minutes"] = [checked.get((a, b), np.nan) for a, b in zip(out["route_id"], out["village_id"],
                                                                                 strict=True)]
        over = out[~(out["checked_minutes"] <= out["band_limit"] + tolerance)]
        for _, x in over.iterrows():
            problems.append(f"route {x['route_id']}: {x['children']} {x['band']} children of {x['village_id']} ride "
                            f"{x['checked_minutes']:.2f} min > limit {x['band_limit']:g}")
        off = out[np.abs(out["checked_minutes"] - out["ride_minutes"]) > max(tolerance, 1e-6)]
        for _, x in off.iterrows():
            problems.append(f"route {x['route_id']}: stored ride {x['ride_minutes']:.2f} min of {x['village_id']} "
                            f"differs from the recomputed {x['checked_minutes']:.2f}")
        load = result.riders.groupby("route_id")["children"].sum()
        for rid, n in load[load > rules.seats].items():
            problems.append(f"route {rid}: {n} children on a {rules.seats}-seat bus")
        if (result.routes["vehicles"] != 1).any():
            problems.append("a shared route must have exactly one vehicle")
        stored = result.routes["children"]
        if not stored.reindex(load.index).fillna(-1).astype(int).equals(load.astype(int)):
            problems.append("route children differ from the sum of their riders")
    if result.estimated:      # no routes to recompute: the estimate's minutes are the allocation's own trips
        out["checked_minutes"] = out["ride_minutes"]
    out["within_limit"] = out["checked_minutes"] <= out["band_limit"] + tolerance
    if riders is not None:
        want = read_riders(riders, villages.index, schools.index).set_index(["village_id", "school_id", "band"])
        got = pd.concat([result.riders[["village_id", "school_id", "band", "children"]],
                         result.unserved[["village_id", "school_id", "band", "children"]]])
        got = got.groupby(["village_id", "school_id", "band"])["children"].sum()
        both = pd.concat([want["children"].rename("input"), got.rename("output")], axis=1).fillna(0)
        bad = both[both["input"] != both["output"]]
        for (v, s, b), x in bad.iterrows():
            problems.append(f"{v} → {s} {b}: {int(x['input'])} riders in, {int(x['output'])} routed or unserved")
    if problems:
        raise BusRouteError("; ".join(problems[:20]) + (f"; … and {len(problems) - 20} more" if len(problems) > 20
                                                          else ""))
    return out
