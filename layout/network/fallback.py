"""Straight-line travel estimates, used only when a county has no road layer.

Distance = straight line × detour factor; minutes = distance / speed of the mode (+ wait for the bus).
Every matrix made here has ``estimated=True`` so maps, reports and summaries label it an estimate.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.network.matrix import TravelMatrix
from layout.standards import Standards

__all__ = ["straight_line_matrix"]


def straight_line_matrix(villages: gpd.GeoDataFrame, schools: gpd.GeoDataFrame, mode: str,
                         standards: Standards) -> TravelMatrix:
    """Estimate village × school travel from straight-line distance.

    Parameters
    ----------
    villages, schools : GeoDataFrame
        Points in the same metric CRS, indexed by id.
    mode : str
        ``"walk"`` or ``"bus"``.
    standards : Standards
        Supplies ``modes.straight_line_fallback`` (detour factor and speeds) and the mode's wait.

    Returns
    -------
    TravelMatrix with ``estimated=True``.

    Example
    -------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from layout.standards import load_standards
    >>> v = gpd.GeoDataFrame(geometry=[Point(0, 0)], index=pd.Index(["V1"], name="village_id"), crs=32648)
    >>> s = gpd.GeoDataFrame(geometry=[Point(1000, 0)], index=pd.Index(["S1"], name="school_id"), crs=32648)
    >>> tm = straight_line_matrix(v, s, "walk", load_standards())
    >>> round(float(tm.minutes.iloc[0, 0]), 1)   # 1000 m × 1.4 at 4 km/h
    21.0
    """
    fb = standards.get("modes.straight_line_fallback")
    speed = float(fb["walk_speed_kmh"] if mode == "walk" else fb["bus_speed_kmh"])
    wait = float(standards.mode(mode).get("wait_minutes", 0.0))
    vx, vy = villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy()
    sx, sy = schools.geometry.x.to_numpy(), schools.geometry.y.to_numpy()
    metres = np.hypot(vx[:, None] - sx[None, :], vy[:, None] - sy[None, :]) * float(fb["detour_factor"])
    minutes = metres / (speed * 1000.0 / 60.0) + wait
    vid = pd.Index(villages.index.astype(str), name="village_id")
    sid = pd.Index(schools.index.astype(str), name="school_id")
    return TravelMatrix(pd.DataFrame(minutes, index=vid, columns=sid),
                        pd.DataFrame(metres, index=vid, columns=sid), mode, estimated=True)
