"""`BusRoutes`: a county's school-bus routes (or the per-link estimate), its fleet and what it costs a year."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.transport.parameters import BusRules
from layout.transport.stops import UNSERVED_REASONS

__all__ = ["BusRoutes", "ROUTE_COLUMNS", "STOP_COLUMNS", "RIDER_COLUMNS", "UNSERVED_COLUMNS", "fleet_and_costs"]

ROUTE_COLUMNS = ["school_id", "kind", "bands", "stops", "n_stops", "children", "minutes", "limit_minutes", "km",
                 "loaded_km", "empty_km", "vehicles", "vehicle_km_per_year", "annual_cost"]
STOP_COLUMNS = ["route_id", "order", "village_id", "school_id", "children", "bands", "ride_minutes", "limit_minutes"]
RIDER_COLUMNS = ["route_id", "village_id", "school_id", "band", "children", "ride_minutes", "limit_minutes"]
UNSERVED_COLUMNS = ["village_id", "school_id", "band", "children", "reason", "detail", "message_en", "message_zh"]


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class BusRoutes:
    """School-bus routes of a county: one vehicle per route, each route a morning run to one school.

    Attributes
    ----------
    routes : DataFrame
        Index ``route_id``; ``school_id``, ``kind`` (``shared``: pooled stops; ``shuttle``: a full bus from one
        village; ``per-link``: the estimate), ``bands`` (comma-separated), ``stops`` (village ids in pickup order,
        ``" → "``), ``n_stops``, ``children``, ``minutes`` (first pickup to arrival at school), ``limit_minutes``
        (the first stop's limit), ``km`` (the daily tour: the empty drive from the school to the first pickup
        plus the run to school), ``loaded_km``, ``empty_km``, ``vehicles`` (1 a route), ``vehicle_km_per_year``
        (``km × bus_runs_per_day × school_days_per_year``) and ``annual_cost`` (yuan).
    stops : DataFrame
        ``route_id, order`` (1 = first pickup), ``village_id, school_id, children, bands, ride_minutes`` (to
        school), ``limit_minutes`` (the strictest limit of the bands boarding there).
    riders : DataFrame
        ``route_id, village_id, school_id, band, children, ride_minutes, limit_minutes``: every routed child.
    unserved : DataFrame
        ``village_id, school_id, band, children, reason, detail, message_en, message_zh``.
    lines : GeoDataFrame
        Index ``route_id``; the morning run from the first stop to the school along the roads (LineString, county
        CRS) with ``school_id, children, minutes, km``. Empty for the per-link estimate.
    stop_points : GeoDataFrame
        The stops table with each village's point (for numbered markers on a map).
    by_school : DataFrame
        Index ``school_id``: ``routes, vehicles, children, vehicle_km_per_year, annual_cost``.
    fleet : dict
        ``vehicles, routes, shared_routes, shuttles, children_routed, children_unserved, vehicle_km_per_year``.
    costs : dict
        Yuan a year: ``vehicles`` (vehicles × ``bus_vehicle_annual_cost``), ``vehicle_km`` (vehicle-km ×
        ``bus_cost_per_vehicle_km``), ``total``; and ``capital_new_vehicles`` (vehicles ×
        ``bus_vehicle_capital``, shown apart: what buying the whole fleet new would cost).
    method : str
        The routing library and version (``"pyvrp 0.14.1"``), or ``"per-link estimate"``.
    estimated : bool
        True for the per-link estimate (an upper bound, not routes).
    notes : tuple of str
    seconds : float
        Wall time in all.
    timings : dict
        Wall seconds of the parts: ``legs`` (network searches), ``routing`` (stops and the library),
        ``geometry`` (drawing the routes).
    """

    routes: pd.DataFrame
    stops: pd.DataFrame
    riders: pd.DataFrame
    unserved: pd.DataFrame
    lines: gpd.GeoDataFrame
    stop_points: gpd.GeoDataFrame
    by_school: pd.DataFrame
    fleet: dict
    costs: dict
    method: str
    estimated: bool = False
    notes: tuple[str, ...] = field(default=())
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    @property
    def vehicles(self) -> int:
        return int(self.fleet["vehicles"])

    @property
    def vehicle_km_per_year(self) -> float:
        return float(self.fleet["vehicle_km_per_year"])

    @property
    def annual_cost(self) -> float:
        return float(self.costs["total"])

    @property
    def children_routed(self) -> int:
        return int(self.fleet["children_routed"])

    @property
    def children_unserved(self) -> int:
        return int(self.fleet["children_unserved"])

    def summary(self, lang: str = "en") -> str:
        """One line for a planner.

        Example
        -------
        >>> from layout.transport.estimate import per_link_estimate
        >>> from layout.standards import load_standards
        >>> r = pd.DataFrame({"village_id": ["V1"], "school_id": ["S1"], "band": ["g7_9"], "children": [40],
        ...                   "metres": [5000.0]})
        >>> print(per_link_estimate(r, load_standards()).summary())
        per-link estimate: 2 vehicles on 1 routes for 40 children (0 unserved), 7,600 vehicle-km a year, 262,800 yuan a year
        """
        f = self.fleet
        if lang == "zh":
            return (f"{self.method}：{f['vehicles']}辆校车、{f['routes']}条线路，接送{f['children_routed']}名学生"
                    f"（{f['children_unserved']}名无法乘车），每年{f['vehicle_km_per_year']:,.0f}车公里、"
                    f"{self.costs['total']:,.0f}元")
        return (f"{self.method}: {f['vehicles']} vehicles on {f['routes']} routes for {f['children_routed']} children "
                f"({f['children_unserved']} unserved), {f['vehicle_km_per_year']:,.0f} vehicle-km a year, "
                f"{self.costs['total']:,.0f} yuan a year")


def fleet_and_costs(routes: pd.DataFrame, unserved: pd.DataFrame, rules: BusRules) -> tuple[pd.DataFrame, dict, dict]:
    """Fill each route's vehicle-km and cost, and total them by school and for the county.

    Parameters
    ----------
    routes : DataFrame
        With ``school_id, kind, children, km, vehicles`` (and ``vehicle_km_per_year`` already set for the
        per-link estimate, whose trips a day differ).
    unserved : DataFrame
    rules : BusRules

    Returns
    -------
    by_school : DataFrame
    fleet, costs : dict
    """
    if "vehicle_km_per_year" not in routes or routes["vehicle_km_per_year"].isna().all():
        routes["vehicle_km_per_year"] = routes["km"] * rules.runs_per_day * rules.school_days
    routes["annual_cost"] = (routes["vehicles"] * rules.vehicle_annual_yuan
                             + routes["vehicle_km_per_year"] * rules.yuan_per_vehicle_km)
    by_school = routes.groupby("school_id").agg(
        routes=("kind", "size"), vehicles=("vehicles", "sum"), children=("children", "sum"),
        vehicle_km_per_year=("vehicle_km_per_year", "sum"), annual_cost=("annual_cost", "sum"))
    vehicles = int(routes["vehicles"].sum())
    vkm = float(routes["vehicle_km_per_year"].sum())
    fleet = {"vehicles": vehicles, "routes": len(routes), "shared_routes": int((routes["kind"] == "shared").sum()),
             "shuttles": int((routes["kind"] == "shuttle").sum()), "children_routed": int(routes["children"].sum()),
             "children_unserved": int(unserved["children"].sum()), "vehicle_km_per_year": vkm}
    costs = {"vehicles": vehicles * rules.vehicle_annual_yuan, "vehicle_km": vkm * rules.yuan_per_vehicle_km}
    costs["total"] = costs["vehicles"] + costs["vehicle_km"]
    costs["capital_new_vehicles"] = vehicles * rules.vehicle_capital_yuan
    return by_school, fleet, costs


def unserved_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """Unserved riders from the parts, with their bilingual messages."""
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=np.int64 if c == "children" else object)
                             for c in UNSERVED_COLUMNS})
    u = pd.concat(rows, ignore_index=True)
    u["message_en"] = u["reason"].map(lambda r: UNSERVED_REASONS[r][0])
    u["message_zh"] = u["reason"].map(lambda r: UNSERVED_REASONS[r][1])
    u["children"] = u["children"].astype(np.int64)
    return u[UNSERVED_COLUMNS].sort_values(["school_id", "village_id", "band"], ignore_index=True)
