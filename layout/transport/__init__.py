"""School buses on shared routes: each school's bus riders pooled into morning routes on the road network.

Public entry points:

* :func:`bus_routes` — routes, fleet and annual cost of a county's bus riders (one vehicle per route), solved
  with VROOM; degrades to the per-link estimate, labelled, when no routing library can run;
* :func:`per_link_estimate` — the quick upper bound: every village–school link runs its own buses;
* :func:`check_bus_routes` — every rider's ride recomputed from the routes on the roads, seats, conservation;
* :func:`bus_rules` — the school-bus figures of the standards, checked.

See ``docs/buses.md`` for the model, the choice of library and the measurements.

Example
-------
>>> from layout.transport import bus_routes, check_bus_routes
>>> riders = allocation.assignments.query("mode == 'bus'")
>>> buses = bus_routes(riders, county)
>>> buses.fleet["children_routed"] == int(riders["children"].sum()), buses.fleet["children_unserved"]
(True, 0)
>>> buses.fleet["vehicles"] == buses.fleet["routes"], buses.costs["total"] > 0
(True, True)
>>> checked = check_bus_routes(buses, county, riders)   # every ride recomputed on the roads (raises if wrong)
>>> len(checked) == len(riders), bool(checked["within_limit"].all())
(True, True)
"""

from layout.transport.check import BusRouteError, check_bus_routes
from layout.transport.estimate import PER_LINK, per_link_estimate
from layout.transport.parameters import BusRules, bus_rules
from layout.transport.result import BusRoutes
from layout.transport.routes import RoutingFallbackWarning, bus_routes, read_riders

__all__ = ["bus_routes", "per_link_estimate", "check_bus_routes", "bus_rules", "BusRoutes", "BusRules",
           "BusRouteError", "RoutingFallbackWarning", "read_riders", "PER_LINK"]
