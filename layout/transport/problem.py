"""One school's pooled stops as a capacitated vehicle-routing problem with ride limits, in whole numbers.

The morning run ends at the school and each stop's children must reach it within their limit, so the problem is
posed **backwards in time**: a vehicle leaves the school at time 0 and "visits" the stops in the reverse of the
morning order over the reversed legs (``duration[a, b]`` is the morning drive from ``b`` to ``a``). The reversed
arrival at a stop plus its dwell is then exactly that stop's morning ride, so each ride limit is a plain latest
service time, which every routing library supports. The reversed return to the school is the morning's empty
drive from the school to the first pickup: it costs distance but has no deadline.

Times are in tenths of a second, rounded **up** (a solver that meets a limit in whole numbers meets it in the
exact minutes); distances in whole metres. The objective is in units of 1/10,000 of a vehicle's annual cost (a
search that penalises broken limits, as PyVRP's does, needs costs on the scale of its penalties): a vehicle costs
``bus_vehicle_annual_cost``, a metre of the daily tour costs ``bus_cost_per_vehicle_km / 1000 × bus_runs_per_day
× school_days_per_year``, and each minute of a route's longest ride (first pickup to school) weighs
``bus_ride_minute_value_yuan``, so that of two tours of the same length the one with the shorter ride wins. The
ride minutes sit on every arc except the reversed return to the school (the morning's empty drive), so the arc
costs of :attr:`RoutingProblem.cost` carry the whole objective but the vehicles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from layout.transport.legs import SchoolLegs
from layout.transport.parameters import BusRules

__all__ = ["RoutingProblem", "routing_problem", "TIME_UNITS_PER_MINUTE", "ride_minutes", "UNREACHABLE"]

TIME_UNITS_PER_MINUTE = 600          # tenths of a second
VEHICLE_COST_UNITS = 10_000         # a vehicle's annual cost in objective units
UNREACHABLE = 10**9                  # stands for "no road" in the integer matrices (never on a route)


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """One school's pooled stops for a routing library (node 0 is the school, node ``j`` is stop ``j - 1``).

    Attributes
    ----------
    school_id : str
    demand : ndarray (n,)
        Children boarding at each stop.
    capacity : int
        Seats per vehicle.
    service : int
        Dwell at a stop (time units).
    latest : ndarray (n,)
        Latest reversed arrival at each stop: its ride limit minus one dwell (time units).
    duration, distance : ndarray (n + 1, n + 1) of int64
        Reversed legs: time units and metres; ``UNREACHABLE`` where there is no road.
    vehicle_cost : int
        Annual cost of one vehicle (objective units).
    cost : ndarray (n + 1, n + 1) of int64
        Objective of each reversed arc: its metres × the annual cost of a tour metre, plus its time × the value of
        a ride minute on every arc but those back to the school (node 0).
    units_per_yuan : float
        Objective units in one yuan a year.
    """

    school_id: str
    demand: np.ndarray
    capacity: int
    service: int
    latest: np.ndarray
    duration: np.ndarray
    distance: np.ndarray
    vehicle_cost: int
    cost: np.ndarray
    units_per_yuan: float

    @property
    def n_stops(self) -> int:
        return len(self.demand)

    def fits_alone(self) -> np.ndarray:
        """Which stops a vehicle can serve on its own within the whole-number limits."""
        return (self.duration[0, 1:] <= self.latest) & (self.demand <= self.capacity)

    def objective(self, routes: list[list[int]]) -> int:
        """Objective of routes given as stop positions in *reversed* order (fen a year)."""
        total = 0
        for r in routes:
            if r:
                path = [0, *[j + 1 for j in r], 0]
                total += self.vehicle_cost + int(sum(self.cost[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))
        return total

    def feasible(self, route: list[int]) -> bool:
        """Whether a reversed-order route keeps capacity and every stop's latest time (whole numbers)."""
        if int(self.demand[list(route)].sum()) > self.capacity:
            return False
        t, prev = 0, 0
        for j in route:
            t += int(self.duration[prev, j + 1])
            if t > self.latest[j]:
                return False
            t += self.service
            prev = j + 1
        return True


def routing_problem(legs: SchoolLegs, stops: list, rules: BusRules) -> RoutingProblem:
    """Build the whole-number routing problem of one school's pooled stops.

    Parameters
    ----------
    legs : SchoolLegs
    stops : list of Stop
        The stops to pool (:attr:`SchoolStops.pooled`).
    rules : BusRules

    Returns
    -------
    RoutingProblem

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from layout.standards import load_standards
    >>> from layout.transport.parameters import bus_rules
    >>> from layout.transport.stops import Stop
    >>> legs = SchoolLegs("S1", pd.Index(["V1"]), np.array([[0, 5.0], [5.0, 0]]), np.array([[0, 1e3], [1e3, 0]]),
    ...                   0.5, 30.0, np.zeros(1), np.zeros(1), {})
    >>> p = routing_problem(legs, [Stop(0, "V1", {"g1_3": 3}, 30.0, 6.5)], bus_rules(load_standards()))
    >>> int(p.duration[0, 1]), int(p.latest[0]), int(p.distance[0, 1]), p.vehicle_cost, int(p.cost[0, 1])
    (3300, 17400, 1000, 10000, 128)
    """
    rows = np.array([0, *[s.village + 1 for s in stops]])
    fwd_min = legs.minutes[np.ix_(rows, rows)].copy()
    fwd_min[1:, 0] += legs.school_walk_minutes          # arrival at school is at the gate
    fwd_m = legs.metres[np.ix_(rows, rows)]
    dur = _ints(np.ceil(np.ascontiguousarray(fwd_min.T) * TIME_UNITS_PER_MINUTE))   # C order: libraries read
    dist = _ints(np.round(np.ascontiguousarray(fwd_m.T)))                            # the raw buffer
    service = int(math.ceil(rules.stop_minutes * TIME_UNITS_PER_MINUTE))
    latest = np.array([int(math.floor(s.limit * TIME_UNITS_PER_MINUTE)) - service for s in stops], dtype=np.int64)
    units = _units_per_yuan(rules)
    metre_cost = rules.yuan_per_route_metre * units
    unit_cost = rules.ride_minute_yuan * units / TIME_UNITS_PER_MINUTE
    arc = dist * metre_cost + np.where(np.arange(len(rows))[None, :] > 0, (dur + service) * unit_cost, 0.0)
    cost = np.ascontiguousarray(np.where((dist >= UNREACHABLE) | (dur >= UNREACHABLE), UNREACHABLE,
                                         np.round(arc)).astype(np.int64))
    np.fill_diagonal(cost, 0)
    return RoutingProblem(
        school_id=legs.school_id, demand=np.array([s.children for s in stops], dtype=np.int64),
        capacity=int(rules.seats), service=service, latest=latest, duration=dur, distance=dist,
        vehicle_cost=int(round(rules.vehicle_annual_yuan * units)), cost=cost, units_per_yuan=units)


def ride_minutes(minutes: np.ndarray, order: list[int], stop_minutes: float, school_walk_minutes: float) -> np.ndarray:
    """Each stop's morning ride in exact minutes, for stops visited in ``order`` (matrix rows, school row 0).

    The ride of the stop at position ``p`` is its dwell and every later one, the drives between them and to the
    school, and the school's off-road leg.

    Parameters
    ----------
    minutes : ndarray
        Forward in-vehicle minutes between matrix rows (:attr:`SchoolLegs.minutes`).
    order : list of int
        Matrix rows of the stops in pickup order.
    stop_minutes, school_walk_minutes : float

    Returns
    -------
    ndarray
        Ride minutes per stop, in pickup order (non-increasing).

    Example
    -------
    >>> m = np.array([[0, 9, 6], [9, 0, 3], [6, 3, 0]], dtype=float)   # school, V1, V2 on one road
    >>> ride_minutes(m, [1, 2], 1.0, 0.0).tolist()
    [11.0, 7.0]
    """
    path = [*order, 0]
    legs = np.array([minutes[a, b] for a, b in zip(path[:-1], path[1:], strict=True)], dtype=float)
    after = np.cumsum((legs + stop_minutes)[::-1])[::-1]
    return after + school_walk_minutes


def _units_per_yuan(rules: BusRules) -> float:
    """A vehicle's annual cost is VEHICLE_COST_UNITS; without one, a kilometre of tour is 100 units."""
    if rules.vehicle_annual_yuan > 0:
        return VEHICLE_COST_UNITS / rules.vehicle_annual_yuan
    if rules.yuan_per_route_metre > 0:
        return 100.0 / (rules.yuan_per_route_metre * 1000.0)
    return 1.0


def _ints(a: np.ndarray) -> np.ndarray:
    out = np.where(np.isfinite(a), np.minimum(a, UNREACHABLE), UNREACHABLE)
    return out.astype(np.int64)
