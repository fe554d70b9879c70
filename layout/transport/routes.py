"""`bus_routes`: pool each school's bus riders into shared morning routes on the road network.

Per school: the in-vehicle legs between its riders' villages and the school (:mod:`layout.transport.legs`), the
stops (:mod:`layout.transport.stops`: unserved riders with reasons, full shuttles, stops to pool), one
capacitated routing problem with a ride limit at every stop (:mod:`layout.transport.problem`) solved by a
routing library (:mod:`layout.transport.solvers`, VROOM by default), then every route re-checked in exact minutes.

Fleet: **one vehicle per route**. A bus serving routes of several schools in sequence is not modelled (every
school's run is taken to arrive at the same morning hour), so the fleet is an upper bound on that score.
A route's kilometres are its daily tour: the empty drive from the school (where the bus is kept) to the first
pickup, and the run back to school; the afternoon run drives the same tour backwards. Vehicle-km a year =
tour km × ``bus_runs_per_day`` × ``school_days_per_year``.

A routing library that is absent or fails degrades the whole county to the labelled per-link estimate
(:func:`~layout.transport.estimate.per_link_estimate`) with a notice (a warning and a note), never a crash.
"""

from __future__ import annotations

import importlib
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.schema import BANDS
from layout.standards import Standards
from layout.transport.estimate import per_link_estimate
from layout.transport.legs import SchoolLegs, county_legs
from layout.transport.parameters import BusRules, bus_rules
from layout.transport.problem import ride_minutes, routing_problem
from layout.transport.result import (
    RIDER_COLUMNS,
    ROUTE_COLUMNS,
    STOP_COLUMNS,
    BusRoutes,
    fleet_and_costs,
    unserved_table,
)
from layout.transport.solvers import DEFAULT_SOLVER, MODULES, SOLVERS, library_version, solve
from layout.transport.stops import Stop, school_stops

__all__ = ["bus_routes", "read_riders", "RoutingFallbackWarning"]


class RoutingFallbackWarning(UserWarning):
    """The routing library could not run: the result is the per-link estimate."""


def read_riders(riders: pd.DataFrame, village_ids: pd.Index, school_ids: pd.Index) -> pd.DataFrame:
    """Check and total the rider rows: one row per village, school and band with children > 0.

    Parameters
    ----------
    riders : DataFrame
        ``village_id, school_id, band, children``; with a ``mode`` column only its ``"bus"`` rows are read.
    village_ids, school_ids : Index
        Known villages and schools (the county's, plus any new sites).

    Returns
    -------
    DataFrame
        ``village_id, school_id, band, children`` (str ids, int children), sorted.

    Raises
    ------
    LayoutInputError
        Missing columns, unknown village, school or band, children not a whole number of 0 or more; every
        problem names the row (0-based position in ``riders``).

    Example
    -------
    >>> r = pd.DataFrame({"village_id": ["V1", "V1"], "school_id": ["S1", "S1"], "band": ["g1_3", "g1_3"],
    ...                   "children": [2, 3]})
    >>> read_riders(r, pd.Index(["V1"]), pd.Index(["S1"]))["children"].tolist()
    [5]
    """
    r = riders
    if "mode" in r:
        r = r[r["mode"].astype(str) == "bus"]
    cols = ["village_id", "school_id", "band", "children"]
    missing = [c for c in cols if c not in r]
    if missing:
        raise LayoutInputError([Problem("riders", f"no {c} column", column=c,
                                        fix="pass rows of village_id, school_id, band, children "
                                            "(the allocation's bus rows)") for c in missing])
    r = r[cols].reset_index(drop=True)
    problems: list[Problem] = []
    n = pd.to_numeric(r["children"], errors="coerce")
    known_v, known_s = set(map(str, village_ids)), set(map(str, school_ids))
    for i, (v, s, b, k, raw) in enumerate(zip(r["village_id"].astype(str), r["school_id"].astype(str), r["band"],
                                              n, r["children"], strict=True)):
        if v not in known_v:
            problems.append(Problem("riders", "unknown village", row=i, column="village_id", value=v,
                                    fix="use a village_id of the county's villages"))
        if s not in known_s:
            problems.append(Problem("riders", "unknown school", row=i, column="school_id", value=s,
                                    fix="use a school_id of the county's schools, or pass new sites with sites="))
        if b not in BANDS:
            problems.append(Problem("riders", "unknown grade band", row=i, column="band", value=b,
                                    fix=f"use one of {', '.join(BANDS)}"))
        if not (np.isfinite(k) and k >= 0 and k == int(k)):
            problems.append(Problem("riders", "children must be a whole number of 0 or more", row=i,
                                    column="children", value=raw, fix="correct the count"))
    if problems:
        raise LayoutInputError(problems, summary=f"{len(problems)} problem(s) in the bus riders")
    r = r.assign(village_id=r["village_id"].astype(str), school_id=r["school_id"].astype(str),
                 children=n.astype(np.int64))
    r = r.groupby(["school_id", "village_id", "band"], as_index=False, sort=True)["children"].sum()
    return r[r["children"] > 0][cols].reset_index(drop=True)


def bus_routes(riders: pd.DataFrame, county, standards: Standards | None = None, *,
               sites: gpd.GeoDataFrame | None = None, network=None, solver: str = DEFAULT_SOLVER, seed: int = 0,
               effort: float | None = None, geometry: bool = True) -> BusRoutes:
    """Shared morning routes of every school's bus riders, one vehicle a route, with the fleet and its cost.

    Parameters
    ----------
    riders : DataFrame
        ``village_id, school_id, band, children`` — the allocation's rows with mode ``"bus"`` (with a ``mode``
        column, only its ``"bus"`` rows are read; ``metres`` is used only by the per-link fallback).
    county : County
        Its road network (``county.roads``), villages and schools.
    standards : Standards, optional
        Default ``county.standards``: seats, dwell, ride limits, runs, days and costs (:func:`bus_rules`).
    sites : GeoDataFrame, optional
        New school sites of a proposal (index ``school_id``, points in the county CRS), as for
        :func:`layout.network.travel`.
    network : RoadNetwork, optional
        A prebuilt network in the county CRS (e.g. from OSM); default the county's roads.
    solver : str
        ``"vroom"`` (default, a dependency: ``pyvroom``), ``"pyvrp"`` or ``"ortools"`` (optional installs).
    seed : int
        PyVRP's seed. VROOM draws no random numbers: the same input always gives the same routes.
    effort : float, optional
        The search budget; default the library's measured default (``benchmarks/buses.py``). For VROOM its
        exploration level, 0–5: 0 (default) routes a 2,000-village county in about 10 s of CPU; 1 finds about
        1 % fewer vehicles there in about three times as long.
    geometry : bool
        Draw each route along the roads (:attr:`BusRoutes.lines`).

    Returns
    -------
    BusRoutes
        Routed + unserved children = input children for every village, school and band. ``method`` names the
        library, or is ``"per-link estimate"`` when the library is absent or failed (a
        :class:`RoutingFallbackWarning` is issued and the reason is in ``notes``), or when the county has no
        road network.

    Raises
    ------
    LayoutInputError
        Bad school-bus standards (a bus with no seats, a ride limit of 0 minutes or less, …) or bad rider rows.

    Example
    -------
    >>> import geopandas as gpd, pandas as pd
    >>> from pyproj import CRS
    >>> from shapely.geometry import LineString, Point
    >>> from layout.county import County
    >>> road = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (6000, 0)])], crs=32648)
    >>> v = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(2000, 0), Point(4000, 0)], crs=32648,
    ...                      index=pd.Index(["V1", "V2", "V3"], name="village_id"))
    >>> s = gpd.GeoDataFrame(geometry=[Point(6000, 0)], crs=32648, index=pd.Index(["S1"], name="school_id"))
    >>> county = County(name="demo", villages=v, schools=s, roads=road, crs=CRS(32648))
    >>> riders = pd.DataFrame({"village_id": ["V1", "V2", "V3"], "school_id": "S1", "band": "g4_6",
    ...                        "children": [10, 10, 10]})
    >>> plan = bus_routes(riders, county)
    >>> plan.method.split()[0]
    'pyvroom'

    >>> plan.routes[["stops", "children", "minutes", "km"]].to_dict("records")
    [{'stops': 'V1 → V2 → V3', 'children': 30, 'minutes': 21.0, 'km': 12.0}]
    """
    t0 = time.perf_counter()
    std = standards or county.standards
    rules = bus_rules(std)
    if solver not in SOLVERS:
        raise LayoutInputError([Problem("solver", "unknown routing library", value=solver,
                                        fix=f"use one of {', '.join(sorted(SOLVERS))}")])
    schools = county.schools[["geometry"]]
    if sites is not None and len(sites):
        schools = gpd.GeoDataFrame(geometry=list(schools.geometry) + list(sites.geometry), crs=county.crs,
                                   index=pd.Index(list(schools.index.astype(str)) + list(sites.index.astype(str)),
                                                  name="school_id"))
    schools = schools.set_axis(schools.index.astype(str))
    villages = county.villages[["geometry"]].set_axis(county.villages.index.astype(str))
    table = read_riders(riders, villages.index, schools.index)

    from layout.network import county_network

    net = network if network is not None else county_network(county)
    if net is None or len(net.edges) == 0:
        return _fallback(riders, table, county, std, sites, "the county has no road network, so buses cannot be "
                         "routed along roads", t0, warn=False)
    try:
        importlib.import_module(MODULES[solver])
    except Exception as exc:  # noqa: BLE001 - any import failure of an optional library degrades
        return _fallback(riders, table, county, std, sites,
                         f"the routing library {library_version(solver).split()[0]} could not be loaded "
                         f"({type(exc).__name__}: {exc})", t0)
    notes: list[str] = []
    parts: list[tuple[SchoolLegs, str, list[Stop]]] = []
    unserved_parts: list[pd.DataFrame] = []
    groups = {str(sid): sorted(rows["village_id"].unique()) for sid, rows in table.groupby("school_id", sort=True)}
    t_legs = time.perf_counter()
    all_legs = county_legs(net, groups, schools.geometry, villages, std)
    t_route = time.perf_counter()
    for sid, rows in table.groupby("school_id", sort=True):
        legs = all_legs[str(sid)]
        st = school_stops(rows, legs, rules)
        unserved_parts.append(st.unserved)
        parts += [(legs, "shuttle", [s]) for s in st.shuttles]
        try:
            routes, note = _pool(legs, st.pooled, rules, solver, seed, effort)
        except Exception as exc:  # noqa: BLE001 - a library failure degrades, never crashes
            return _fallback(riders, table, county, std, sites,
                             f"the routing library {library_version(solver)} failed on school {sid} "
                             f"({type(exc).__name__}: {exc})", t0)
        if note:
            notes.append(note)
        parts += [(legs, "shared", r) for r in routes]
    unserved = unserved_table(unserved_parts)
    result = _assemble(parts, unserved, rules, villages, method=library_version(solver),
                       notes=(f"routed with {library_version(solver)} (seed {seed}); one vehicle per route; "
                              "route km = the empty drive from the school to the first pickup + the run to school",
                              *notes))
    t_geom = time.perf_counter()
    if geometry and len(result.routes):
        from layout.transport.geometry import route_lines

        lines = route_lines(net, result, villages, schools, std)
        result = _replace(result, lines=lines)
    t_end = time.perf_counter()
    return _replace(result, seconds=t_end - t0, timings={"legs": t_route - t_legs, "routing": t_geom - t_route,
                                                         "geometry": t_end - t_geom})


def _pool(legs: SchoolLegs, stops: list[Stop], rules: BusRules, solver: str, seed: int,
          effort: float | None) -> tuple[list[list[Stop]], str]:
    """Routes (stops in pickup order) of one school's pooled stops, each checked in exact minutes."""
    if not stops:
        return [], ""
    if len(stops) == 1:
        return [stops], ""
    problem = routing_problem(legs, stops, rules)
    alone = problem.fits_alone()
    idx = np.flatnonzero(alone)
    routes: list[list[Stop]] = [[stops[j]] for j in np.flatnonzero(~alone)]   # at the limit to the second
    note = ""
    if len(idx) == 1:
        routes.append([stops[idx[0]]])
    elif len(idx) > 1:
        sub = routing_problem(legs, [stops[j] for j in idx], rules)
        found = solve(sub, solver, seed=seed, effort=effort)
        seen = sorted(j for r in found for j in r)
        if seen != list(range(len(idx))):
            raise RuntimeError("the routes do not visit every stop exactly once")
        for r in found:
            morning = [stops[idx[j]] for j in reversed(r)]
            if _keeps_limits(legs, morning, rules):
                routes.append(morning)
            else:          # never seen: the whole-number problem is stricter than the exact minutes
                routes += [[s] for s in morning]
                note = f"school {legs.school_id}: a route broke a limit in exact minutes and was split"
    return routes, note


def _keeps_limits(legs: SchoolLegs, stops: list[Stop], rules: BusRules) -> bool:
    rides = ride_minutes(legs.minutes, [s.village + 1 for s in stops], rules.stop_minutes, legs.school_walk_minutes)
    return bool(sum(s.children for s in stops) <= rules.seats
                and all(r <= s.limit for r, s in zip(rides, stops, strict=True)))


def _assemble(parts, unserved: pd.DataFrame, rules: BusRules, villages: gpd.GeoDataFrame, *, method: str,
              notes: tuple[str, ...]) -> BusRoutes:
    """Tables of routes, stops and riders from (legs, kind, stops in pickup order) parts."""
    parts = sorted(parts, key=lambda p: (p[0].school_id, p[1] != "shared", p[2][0].village_id))
    count: dict[str, int] = {}
    route_rows, stop_rows, rider_rows = [], [], []
    for legs, kind, stops in parts:
        sid = legs.school_id
        count[sid] = count.get(sid, 0) + 1
        rid = f"{sid}-R{count[sid]:02d}"
        order = [s.village + 1 for s in stops]
        rides = ride_minutes(legs.minutes, order, rules.stop_minutes, legs.school_walk_minutes)
        path = [*order, 0]
        loaded = float(sum(legs.metres[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))
        empty = float(legs.metres[0, order[0]])
        bands = sorted({b for s in stops for b in s.bands}, key=BANDS.index)
        route_rows.append({"route_id": rid, "school_id": sid, "kind": kind, "bands": ",".join(bands),
                           "stops": " → ".join(s.village_id for s in stops), "n_stops": len(stops),
                           "children": sum(s.children for s in stops), "minutes": float(rides[0]),
                           "limit_minutes": stops[0].limit, "km": (loaded + empty) / 1000.0,
                           "loaded_km": loaded / 1000.0, "empty_km": empty / 1000.0, "vehicles": 1})
        for p, (s, ride) in enumerate(zip(stops, rides, strict=True), start=1):
            stop_rows.append({"route_id": rid, "order": p, "village_id": s.village_id, "school_id": sid,
                              "children": s.children, "bands": ",".join(s.bands), "ride_minutes": float(ride),
                              "limit_minutes": s.limit})
            for band, n in s.bands.items():
                rider_rows.append({"route_id": rid, "village_id": s.village_id, "school_id": sid, "band": band,
                                   "children": int(n), "ride_minutes": float(ride),
                                   "limit_minutes": float(rules.limits[band])})
    routes = pd.DataFrame(route_rows, columns=["route_id", *ROUTE_COLUMNS[:-2]]).set_index("route_id")
    routes["children"] = routes["children"].astype(np.int64)
    routes["vehicles"] = routes["vehicles"].astype(np.int64)
    by_school, fleet, costs = fleet_and_costs(routes, unserved, rules)
    stops_df = pd.DataFrame(stop_rows, columns=STOP_COLUMNS)
    pts = villages.geometry.reindex(stops_df["village_id"]).to_numpy()
    stop_points = gpd.GeoDataFrame(stops_df.copy(), geometry=list(pts), crs=villages.crs)
    empty_lines = gpd.GeoDataFrame({"school_id": pd.Series([], dtype=object), "children": [], "minutes": [],
                                    "km": []}, geometry=[], crs=villages.crs, index=pd.Index([], name="route_id"))
    return BusRoutes(routes=routes[ROUTE_COLUMNS], stops=stops_df, riders=pd.DataFrame(rider_rows, columns=RIDER_COLUMNS),
                     unserved=unserved, lines=empty_lines, stop_points=stop_points, by_school=by_school, fleet=fleet,
                     costs=costs, method=method, estimated=False, notes=notes)


def _fallback(riders: pd.DataFrame, table: pd.DataFrame, county, std: Standards, sites, why: str, t0: float, *,
              warn: bool = True) -> BusRoutes:
    """The per-link estimate of the same riders, labelled, with the reason as a note (and a warning)."""
    notice = f"{why}; school buses are priced by the per-link estimate instead (an upper bound)"
    if warn:
        warnings.warn(notice, RoutingFallbackWarning, stacklevel=3)
    r = riders[riders["mode"].astype(str) == "bus"] if "mode" in riders else riders
    if "metres" in r and len(r) == len(r.dropna(subset=["metres"])):
        rows = r.assign(village_id=r["village_id"].astype(str), school_id=r["school_id"].astype(str))
    else:
        from layout.network import travel

        tm = travel(county, "bus", sites=sites)
        m = tm.metres
        m = m.set_axis(m.index.astype(str)).set_axis(m.columns.astype(str), axis=1)
        mins = tm.minutes.set_axis(m.index).set_axis(m.columns, axis=1)
        rows = table.assign(metres=[float(m.at[v, s]) for v, s in zip(table["village_id"], table["school_id"],
                                                                        strict=True)],
                            minutes=[float(mins.at[v, s]) for v, s in zip(table["village_id"], table["school_id"],
                                                                          strict=True)])
    est = per_link_estimate(rows, std, notes=(notice,))
    return _replace(est, seconds=time.perf_counter() - t0)


def _replace(result: BusRoutes, **changes) -> BusRoutes:
    from dataclasses import replace

    return replace(result, **changes)
