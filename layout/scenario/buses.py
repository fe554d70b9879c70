"""How a scenario prices its school buses, and which bus routes an edit touches.

A :class:`BusPricing` turns the bus riders of an allocation into per-school ``vehicles``, ``vehicle_km`` and
``cost`` (the ``buses`` argument of :func:`layout.evaluate.costs.plan_costs`), asked again only for the schools
whose riders changed, and lists its routes (:meth:`BusPricing.routes`) so that a delta can say which ones changed.

Today every village–school link is its own route (:class:`PerLinkBuses`, the per-link estimate
:func:`layout.evaluate.evaluate` uses). Shared routes (``layout.transport``) will come in as another
:class:`BusPricing` whose routes join several links; the scenario and its delta need no other change.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from layout.evaluate.costs import per_link_buses

__all__ = ["BusPricing", "PerLinkBuses", "ROUTE_COLUMNS"]

#: The columns of :meth:`BusPricing.routes`.
ROUTE_COLUMNS = ["route", "school_id", "villages", "riders", "vehicles", "km_per_trip"]


class BusPricing(Protocol):
    """What a scenario asks of a bus-pricing method."""

    #: shown with the bus cost line (``costs["bus_method"]``)
    method: str

    def update(self, previous: pd.DataFrame | None, assignments: pd.DataFrame, touched: pd.Index | None,
               standards) -> pd.DataFrame:
        """Per school ``vehicles``, ``vehicle_km`` (per year) and ``cost`` (yuan per year), index ``school_id``.

        ``previous`` is the frame of the step before; only the schools in ``touched`` (those whose bus riders may
        have changed) need pricing again. ``previous=None`` or ``touched=None``: price every school.
        """
        ...

    def routes(self, assignments: pd.DataFrame, standards) -> pd.DataFrame:
        """The routes run: :data:`ROUTE_COLUMNS`, one row per route."""
        ...


class PerLinkBuses:
    """Every village–school bus link runs ⌈riders / seats⌉ buses of its own (:func:`per_link_buses`).

    Example
    -------
    >>> from layout.standards import load_standards
    >>> rows = pd.DataFrame({"village_id": ["V1", "V2"], "school_id": ["S1", "S2"], "mode": ["bus", "bus"],
    ...                      "children": [40, 10], "metres": [5000.0, 3000.0]})
    >>> pricing = PerLinkBuses()
    >>> full = pricing.update(None, rows, None, load_standards())
    >>> again = pricing.update(full, rows.assign(children=[40, 50]), pd.Index(["S2"]), load_standards())
    >>> float(full.loc["S1", "vehicles"]), float(again.loc["S2", "vehicles"])
    (2.0, 2.0)
    >>> list(pricing.routes(rows, load_standards())["route"])
    ['V1→S1', 'V2→S2']
    """

    method = "per-link estimate"

    def update(self, previous, assignments, touched, standards) -> pd.DataFrame:
        # Priced for every school each time: a few vectorised operations, and only the full grouping sums each
        # school's vehicle-km exactly as layout.evaluate does (pandas sums a group with compensation when it
        # groups many, and plainly when it groups few: the last digit differs).
        return per_link_buses(assignments[assignments["mode"].to_numpy() == "bus"], standards)

    def routes(self, assignments, standards) -> pd.DataFrame:
        bus = assignments[assignments["mode"].to_numpy() == "bus"]
        if bus.empty:
            return pd.DataFrame({c: pd.Series(dtype=object if c in ("route", "school_id", "villages") else float)
                                 for c in ROUTE_COLUMNS})
        g = bus.groupby(["village_id", "school_id"], sort=True).agg(riders=("children", "sum"),
                                                                   metres=("metres", "max")).reset_index()
        seats = float(standards.get("costs")["bus_seats"])
        return pd.DataFrame({"route": g["village_id"] + "→" + g["school_id"], "school_id": g["school_id"],
                             "villages": g["village_id"], "riders": g["riders"].astype(float),
                             "vehicles": np.ceil(g["riders"].to_numpy(float) / seats),
                             "km_per_trip": g["metres"].to_numpy(float) / 1000.0})
