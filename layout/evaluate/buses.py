"""The school buses of a plan: its bus riders pooled into shared routes (:mod:`layout.transport`), school by school.

A school's routes depend only on the school and its riders (villages, bands, children), so each school's routes are
kept once computed (per county, in this process) and an evaluation routes only the schools whose riders changed —
a plan that closes a few schools re-routes a few schools. Without a road network, or when the routing library is
absent or fails, every school is priced by the labelled per-link estimate (an upper bound).
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["PlanBuses", "plan_buses"]

_CACHE: dict[int, tuple[weakref.ref, dict]] = {}
_TABLES = ("routes", "stops", "riders", "unserved")


@dataclass(frozen=True, eq=False)
class PlanBuses:
    """The buses of one plan.

    Attributes
    ----------
    by_school : DataFrame
        Index ``school_id``: ``vehicles``, ``vehicle_km``, ``cost`` (yuan a year).
    routes, stops, riders, unserved : DataFrame
        As in :class:`layout.transport.BusRoutes`, for every school of the plan.
    method : str
        The routing library, or ``"per-link estimate"``.
    notes : tuple of str
    """

    by_school: pd.DataFrame
    routes: pd.DataFrame
    stops: pd.DataFrame
    riders: pd.DataFrame
    unserved: pd.DataFrame
    method: str
    notes: tuple[str, ...] = field(default=())

    @property
    def vehicles(self) -> int:
        return int(self.by_school["vehicles"].sum()) if len(self.by_school) else 0

    def to_dict(self) -> dict:
        """The buses as plain data for ``evaluation.json``: method, vehicles, notes and each table as records
        (route lines without their geometry, which the map draws).

        Example
        -------
        >>> d = plan_evaluation.costs["bus_routes"].to_dict()
        >>> sorted(d)
        ['by_school', 'method', 'notes', 'riders', 'routes', 'stops', 'unserved', 'vehicles']
        """
        tables = {name: getattr(self, name) for name in ("by_school",) + _TABLES}
        return {"method": self.method, "vehicles": self.vehicles, "notes": list(self.notes)} | {
            name: t.drop(columns=["geometry"], errors="ignore") for name, t in tables.items()}


def _school_cache(county) -> dict:
    hit = _CACHE.get(id(county))
    if hit is not None and hit[0]() is county:
        return hit[1]
    for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[k]
    store: dict = {}
    _CACHE[id(county)] = (weakref.ref(county), store)
    return store


def _key(sid: str, rows: pd.DataFrame, geometry) -> tuple:
    return (sid, round(float(geometry.x), 1), round(float(geometry.y), 1),
            tuple(sorted(zip(rows["village_id"], rows["band"], rows["children"].astype(int), strict=True))))


def plan_buses(county, plan, allocation, standards, *, method: str = "routes") -> PlanBuses:
    """School buses of a plan: shared routes per school (cached), or the per-link estimate.

    Parameters
    ----------
    county : County
    plan : Plan
        For new schools' sites.
    allocation : Allocation
        Its rows with mode ``bus`` are the riders.
    standards : Standards
    method : {"routes", "estimate"}
        Shared routes (default), or the per-link estimate for a quick upper bound.

    Returns
    -------
    PlanBuses
    """
    from layout.transport import PER_LINK, bus_routes, per_link_estimate

    a = allocation.assignments
    riders = a[a["mode"] == "bus"][["village_id", "school_id", "band", "children", "metres", "minutes"]]
    if method == "estimate" or not len(riders):
        est = per_link_estimate(riders, standards)
        return _from_result(est, riders)
    store = _school_cache(county)
    geom = plan.schools.geometry
    parts, todo = {}, []
    for sid, rows in riders.groupby("school_id", sort=True):
        k = _key(str(sid), rows, geom[sid])
        if k in store:
            parts[sid] = store[k]
        else:
            todo.append((sid, k))
    notes: list[str] = []
    if todo:
        need = riders[riders["school_id"].isin([s for s, _ in todo])]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = bus_routes(need, county, standards, sites=plan.new_sites, geometry=False)
        notes += [str(w.message) for w in caught]
        for sid, k in todo:
            piece = {name: _rows_of(getattr(res, name), sid) for name in _TABLES}
            piece["by_school"] = res.by_school.loc[[sid]] if sid in res.by_school.index else res.by_school.iloc[:0]
            piece["method"] = res.method
            if not res.estimated:
                store[k] = piece
            parts[sid] = piece
    # school order, and rows numbered afresh: the same plan gives the same tables whichever schools were cached
    parts = {sid: parts[sid] for sid in sorted(parts)}
    methods = sorted({p["method"] for p in parts.values()})
    method_name = PER_LINK if PER_LINK in methods else (methods[0] if methods else PER_LINK)
    tables = {name: pd.concat([p[name] for p in parts.values()], ignore_index=name != "routes") if parts
              else pd.DataFrame() for name in _TABLES}
    by = pd.concat([p["by_school"] for p in parts.values()]) if parts else pd.DataFrame(
        columns=["vehicles", "vehicle_km_per_year", "annual_cost"])
    by_school = pd.DataFrame({"vehicles": by["vehicles"].astype(float), "vehicle_km": by["vehicle_km_per_year"],
                              "cost": by["annual_cost"]})
    by_school.index.name = "school_id"
    return PlanBuses(by_school, tables["routes"], tables["stops"], tables["riders"], tables["unserved"],
                     method_name, tuple(notes))


def _rows_of(frame: pd.DataFrame, sid: str) -> pd.DataFrame:
    if "school_id" in frame.columns:
        return frame[frame["school_id"] == sid]
    return frame.iloc[:0]


def _from_result(res, riders: pd.DataFrame) -> PlanBuses:
    by = res.by_school
    by_school = pd.DataFrame({"vehicles": by["vehicles"].astype(float), "vehicle_km": by["vehicle_km_per_year"],
                              "cost": by["annual_cost"]})
    by_school.index.name = "school_id"
    return PlanBuses(by_school, res.routes, res.stops, res.riders, res.unserved, res.method, tuple(res.notes))
