"""The school-bus figures a route plan reads from the standards, checked once up front.

Every number comes from ``national.yaml`` (or a provincial / county override): seats per bus and the dwell at a
stop, the ride-time limit of each grade band, runs a day and school days, and the annual and per-km costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from layout.errors import LayoutInputError, Problem
from layout.schema import BANDS
from layout.standards import Standards

__all__ = ["BusRules", "bus_rules"]


@dataclass(frozen=True)
class BusRules:
    """School-bus operating and cost figures (all from the standards).

    Attributes
    ----------
    seats : int
        Seats per school bus (``costs.bus_seats``): a vehicle never carries more children.
    stop_minutes : float
        Dwell at each stop of a route (``costs.bus_stop_minutes``), counted in the ride of everyone aboard.
    limits : dict
        Longest ride, in minutes, of each grade band (``travel.bus_limit_minutes``).
    may_bus : dict
        Whether each band may ride a school bus at all (``travel.may_bus``).
    runs_per_day : float
        Times a route is driven each school day (``costs.bus_runs_per_day``: morning and afternoon).
    school_days : float
        ``costs.school_days_per_year``.
    vehicle_annual_yuan, yuan_per_vehicle_km, vehicle_capital_yuan : float
        ``costs.bus_vehicle_annual_cost``, ``costs.bus_cost_per_vehicle_km``, ``costs.bus_vehicle_capital``.
    link_trips_per_day : float
        ``costs.bus_trips_per_day``, used only by the per-link estimate.
    ride_minute_yuan : float
        ``costs.bus_ride_minute_value_yuan``: what a minute of a route's longest ride weighs when routes are
        chosen (not a cost line).
    """

    seats: int
    stop_minutes: float
    limits: dict
    may_bus: dict
    runs_per_day: float
    school_days: float
    vehicle_annual_yuan: float
    yuan_per_vehicle_km: float
    vehicle_capital_yuan: float
    link_trips_per_day: float
    ride_minute_yuan: float = 0.0

    @property
    def yuan_per_route_metre(self) -> float:
        """Annual cost of one metre of a route's daily tour: rate per km / 1000 × runs a day × school days."""
        return self.yuan_per_vehicle_km / 1000.0 * self.runs_per_day * self.school_days


def bus_rules(standards: Standards) -> BusRules:
    """Read and check the school-bus figures of the standards.

    Parameters
    ----------
    standards : Standards

    Returns
    -------
    BusRules

    Raises
    ------
    LayoutInputError
        A bus capacity below 1, a ride limit of 0 minutes or less, a negative dwell, runs, days or cost: each
        problem names the standard (its dotted key), the value and the fix.

    Example
    -------
    >>> from layout.standards import load_standards
    >>> r = bus_rules(load_standards())
    >>> r.seats, r.limits["g1_3"], r.stop_minutes
    (35, 30.0, 1.0)
    >>> load_standards({"costs": {"bus_seats": 0}})  # most figures are already refused on loading
    Traceback (most recent call last):
    ...
    layout.errors.LayoutInputError: standards: 1 problem in the override:
      - <override>, column 'costs.bus_seats', value 0: must be above 0 — fix: give a whole number above 0 and at most 200 (seats per school bus)
    """
    src = standards.sources[-1] if len(standards.sources) > 1 else "standards (national.yaml)"
    problems: list[Problem] = []

    def number(key: str, *, positive: bool, what: str, fix: str) -> float:
        value = standards.get(key, None)
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x) or x < 0 or (positive and x <= 0):
            problems.append(Problem(src, what, column=key, value=value, fix=fix))
            return math.nan
        return x

    seats = number("costs.bus_seats", positive=True, what="a school bus needs at least one seat",
                   fix="set costs.bus_seats to the seats of the county's school buses (e.g. 35) in the "
                       "provincial or county standards file")
    if math.isfinite(seats) and seats != int(seats):
        problems.append(Problem(src, "seats per bus must be a whole number", column="costs.bus_seats",
                                value=standards.get("costs.bus_seats"), fix="enter the whole number of seats"))
    stop = number("costs.bus_stop_minutes", positive=False, what="the dwell at a bus stop cannot be negative",
                  fix="set costs.bus_stop_minutes to 0 or more (e.g. 1 minute)")
    limits: dict[str, float] = {}
    for band in BANDS:
        limits[band] = number(f"travel.bus_limit_minutes.{band}", positive=True,
                              what=f"the school-bus ride limit of {band} must be more than 0 minutes",
                              fix=f"set travel.bus_limit_minutes.{band} to the longest ride allowed (e.g. 30), "
                                  f"or travel.may_bus.{band}: false if these grades do not ride")
    if math.isfinite(stop):
        for band, lim in limits.items():
            if math.isfinite(lim) and lim < stop:
                problems.append(Problem(src, f"the ride limit of {band} is shorter than one stop's dwell",
                                        column=f"travel.bus_limit_minutes.{band}", value=lim,
                                        fix="raise the limit or lower costs.bus_stop_minutes"))
    runs = number("costs.bus_runs_per_day", positive=False, what="runs a day cannot be negative",
                  fix="set costs.bus_runs_per_day (2: a morning and an afternoon run)")
    days = number("costs.school_days_per_year", positive=False, what="school days cannot be negative",
                  fix="set costs.school_days_per_year (e.g. 190)")
    annual = number("costs.bus_vehicle_annual_cost", positive=False, what="a vehicle's annual cost cannot be negative",
                    fix="set costs.bus_vehicle_annual_cost in yuan a year")
    per_km = number("costs.bus_cost_per_vehicle_km", positive=False, what="the cost per vehicle-km cannot be negative",
                    fix="set costs.bus_cost_per_vehicle_km in yuan")
    capital = number("costs.bus_vehicle_capital", positive=False, what="a bus's purchase cost cannot be negative",
                     fix="set costs.bus_vehicle_capital in yuan")
    trips = number("costs.bus_trips_per_day", positive=False, what="trips a day cannot be negative",
                   fix="set costs.bus_trips_per_day (4: morning and afternoon, each there and back)")
    minute = number("costs.bus_ride_minute_value_yuan", positive=False,
                    what="the value of a ride minute cannot be negative",
                    fix="set costs.bus_ride_minute_value_yuan to 0 or more (e.g. 60)")
    if problems:
        raise LayoutInputError(problems, summary=f"{len(problems)} problem{'s' if len(problems) > 1 else ''} "
                                                 "in the school-bus standards")
    return BusRules(seats=int(seats), stop_minutes=stop, limits=limits,
                    may_bus={b: standards.may_bus(b) for b in BANDS}, runs_per_day=runs, school_days=days,
                    vehicle_annual_yuan=annual, yuan_per_vehicle_km=per_km, vehicle_capital_yuan=capital,
                    link_trips_per_day=trips, ride_minute_yuan=minute)
