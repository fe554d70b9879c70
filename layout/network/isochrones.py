"""Catchments for maps: the area from which each school is reached within N minutes by a mode.

The reached part of every road is found exactly (including the partial stretch of an edge before the time runs
out, and the school's own edge both ways from its snap point), then drawn as a band of
``modes.snapping.isochrone_buffer_metres`` either side of those roads.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from layout.network.graph import RoadNetwork
from layout.network.modes import ModeSpec
from layout.network.snap import snap_points

__all__ = ["isochrones"]


def isochrones(network: RoadNetwork, schools: gpd.GeoDataFrame, minutes: float, mode: str | ModeSpec = "walk", *,
               buffer_metres: float | None = None) -> gpd.GeoDataFrame:
    """Polygon of the roads from which each school is reached within ``minutes`` (time *to* the school).

    Parameters
    ----------
    network : RoadNetwork
    schools : GeoDataFrame
        Points in the network's CRS, indexed by ``school_id``.
    minutes : float
        Travel-time budget, including the mode's wait and the school's own off-road leg.
    mode : str or ModeSpec
    buffer_metres : float, optional
        Half-width of the band drawn along reached roads; default ``modes.snapping.isochrone_buffer_metres``.

    Returns
    -------
    GeoDataFrame
        Indexed by ``school_id``; columns ``mode``, ``minutes``, ``road_km`` (length of reached roads) and the
        polygon ``geometry`` (empty when the school has no usable road in reach).

    Example
    -------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import LineString, Point
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (4000, 0)])], crs=32648)
    >>> s = gpd.GeoDataFrame(geometry=[Point(2000, 0)], index=pd.Index(["S1"], name="school_id"), crs=32648)
    >>> iso = isochrones(RoadNetwork.from_roads(roads), s, 15, "walk")
    >>> round(float(iso.loc["S1", "road_km"]), 2)    # 1 km either way at 4 km/h
    2.0
    """
    from layout.network.route import source_arcs

    mg = network.mode(mode)
    spec = mg.spec
    r = float(buffer_metres if buffer_metres is not None
              else network.standards.get("modes.snapping.isochrone_buffer_metres", 100.0))
    sd = snap_points(network, mg, schools)
    budget = float(minutes) - spec.wait_minutes - sd.off_minutes     # minutes left on the road, per school
    rows, cols, w, _, vnode, s_ok = source_arcs(network, mg, sd, reverse=True)
    n = network.n_nodes + len(s_ok)
    ids = pd.Index(schools.index.astype(str), name="school_id")
    geoms = [shapely.Polygon()] * len(schools)
    road_km = np.zeros(len(schools))
    if len(s_ok) and np.isfinite(budget[s_ok]).any():
        g = sp.csr_array((np.maximum(w, 1e-300), (rows, cols)), shape=(n, n))
        lim = float(np.nanmax(np.where(np.isfinite(budget[s_ok]), budget[s_ok], -1.0)))
        dist = dijkstra(g, directed=True, indices=vnode, limit=max(lim, 0.0))
        for row, i in enumerate(s_ok):
            if budget[i] < 0:
                continue
            pieces = _reached_pieces(network, mg, dist[row], budget[i], sd.edge[i], sd.offset[i])
            if len(pieces):
                road_km[i] = float(shapely.length(pieces).sum()) / 1000.0
                # buffering pieces one by one and merging is far faster in GEOS than buffering one multi-line
                geoms[i] = shapely.union_all(shapely.buffer(pieces, r, quad_segs=4))
    return gpd.GeoDataFrame({"mode": spec.name, "minutes": float(minutes), "road_km": road_km},
                            geometry=geoms, index=ids, crs=network.crs)


def _reached_pieces(net: RoadNetwork, mg, d: np.ndarray, budget: float, s_edge: int, s_off: float) -> np.ndarray:
    """LineStrings of the reached stretches of every segment, for one school."""
    tpm_e = mg.edge_minutes_per_metre
    L = net.edge_length
    du, dv = d[net.edge_u], d[net.edge_v]
    # a point at distance x from u reaches the school via u (moving v→u) or via v (moving u→v)
    with np.errstate(invalid="ignore"):
        a = np.where(mg.backward & np.isfinite(du), (budget - du) / tpm_e, -np.inf)        # reached: x <= a
        b = np.where(mg.forward & np.isfinite(dv), L - (budget - dv) / tpm_e, np.inf)      # reached: x >= b
    lo_own = np.full(len(L), np.inf)
    hi_own = np.full(len(L), -np.inf)
    reach = budget / tpm_e[s_edge]
    if mg.forward[s_edge]:      # from behind the school, along the edge's direction
        lo_own[s_edge], hi_own[s_edge] = s_off - reach, s_off
    if mg.backward[s_edge]:
        lo_own[s_edge] = min(lo_own[s_edge], s_off) if np.isfinite(lo_own[s_edge]) else s_off
        hi_own[s_edge] = s_off + reach
    edges = np.flatnonzero((a >= 0) | (b <= L) | np.isfinite(lo_own))
    if not len(edges):
        return np.array([])
    seg = np.flatnonzero(np.isin(net.seg_edge, edges))
    e = net.seg_edge[seg]
    xy = net.seg_xy[seg]
    s0 = net.seg_offset[seg]
    slen = np.hypot(xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1])
    s1 = s0 + slen
    # three reached stretches per edge made disjoint: [0, a], [b', L] with b' = max(b, a), and the school's own
    # edge [lo, hi] clipped to the gap between them
    b_ = np.maximum(b, a)
    lo_c = np.maximum(lo_own, a)
    hi_c = np.minimum(hi_own, b_)
    intervals = [(np.full(len(seg), -np.inf), a[e]), (b_[e], np.full(len(seg), np.inf)), (lo_c[e], hi_c[e])]
    out = []
    for lo, hi in intervals:
        p0, p1 = np.maximum(lo, s0), np.minimum(hi, s1)
        ok = p1 > p0
        if not ok.any():
            continue
        t0 = (p0[ok] - s0[ok]) / slen[ok]
        t1 = (p1[ok] - s0[ok]) / slen[ok]
        x0, y0, x1, y1 = xy[ok].T
        start = np.column_stack([x0 + t0 * (x1 - x0), y0 + t0 * (y1 - y0)])
        end = np.column_stack([x0 + t1 * (x1 - x0), y0 + t1 * (y1 - y0)])
        out.append(shapely.linestrings(np.stack([start, end], axis=1)))
    return np.concatenate(out) if out else np.array([])
