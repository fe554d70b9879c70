"""Attach villages and schools to the nearest point on the nearest road a mode can use.

The point is not moved to the nearest junction: the edge is split *virtually* at the foot of the perpendicular,
so a village beside the middle of a long road starts its trip there. Only a foot within the network's
``node_tolerance`` of one of the edge's ends is taken to be that junction (as two road ends that close are one
junction), so a school beside a crossing reaches every road of it, even when the road it snapped to is one-way
the other way. The off-road leg (point → road) is walked at the configured speed with a detour factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layout.network.graph import ModeGraph, RoadNetwork

__all__ = ["Snapped", "snap_points"]


@dataclass(frozen=True)
class Snapped:
    """Where each point joins the network for one mode.

    Attributes
    ----------
    ids : Index
    edge : ndarray of int
        The edge snapped to, ``-1`` when no usable road lies within ``max_snap_metres``.
    offset : ndarray
        Metres along the edge from its ``u`` end to the snap point: exactly 0 or the edge's length when the snap
        point lies within the network's ``node_tolerance`` of that end.
    distance : ndarray
        Straight-line metres from the point to the snap point (``inf`` when not snapped).
    x, y : ndarray
        The snap point.
    off_metres, off_minutes : ndarray
        The walked off-road leg (distance × detour factor, at the off-road speed).
    flagged : ndarray of bool
        Farther than ``flag_snap_metres`` from a usable road.
    """

    ids: pd.Index
    edge: np.ndarray
    offset: np.ndarray
    distance: np.ndarray
    x: np.ndarray
    y: np.ndarray
    off_metres: np.ndarray
    off_minutes: np.ndarray
    flagged: np.ndarray


def snap_points(net: RoadNetwork, mg: ModeGraph, points: gpd.GeoDataFrame) -> Snapped:
    """Snap points to the nearest usable edge of a mode.

    Parameters
    ----------
    net : RoadNetwork
    mg : ModeGraph
        ``net.mode(name)``.
    points : GeoDataFrame
        Points in the network's CRS, indexed by id.

    Returns
    -------
    Snapped
    """
    spec = mg.spec
    n = len(points)
    geoms = np.asarray(points.geometry.values, dtype=object)
    px = shapely.get_x(geoms).astype(float) if n else np.zeros(0)
    py = shapely.get_y(geoms).astype(float) if n else np.zeros(0)
    edge = np.full(n, -1, np.int64)
    offset = np.zeros(n)
    dist = np.full(n, np.inf)
    sx, sy = np.full(n, np.nan), np.full(n, np.nan)
    tree, segs = mg.segment_tree
    if n and len(segs):
        # nearest without max_distance (much faster in GEOS), then drop those beyond reach
        (pi, ti), d = tree.query_nearest(shapely.points(px, py), return_distance=True, all_matches=False)
        near = d <= spec.max_snap_metres
        pi, ti = pi[near], ti[near]
        s = segs[ti]
        x0, y0, x1, y1 = net.seg_xy[s].T
        dx, dy = x1 - x0, y1 - y0
        seg_len = np.hypot(dx, dy)
        t = np.clip(((px[pi] - x0) * dx + (py[pi] - y0) * dy) / (seg_len ** 2), 0.0, 1.0)
        qx, qy = x0 + t * dx, y0 + t * dy
        e = net.seg_edge[s]
        length = net.edge_length[e]
        at = np.clip(net.seg_offset[s] + t * seg_len, 0.0, length)
        # a foot within the junction tolerance of an edge end is at that junction
        tol = net.node_tolerance
        near_u = np.hypot(qx - net.nodes[net.edge_u[e], 0], qy - net.nodes[net.edge_u[e], 1]) <= tol
        near_v = np.hypot(qx - net.nodes[net.edge_v[e], 0], qy - net.nodes[net.edge_v[e], 1]) <= tol
        at = np.where(near_u & (~near_v | (at <= length - at)), 0.0, np.where(near_v, length, at))
        edge[pi] = e
        offset[pi] = at
        dist[pi] = np.hypot(px[pi] - qx, py[pi] - qy)
        sx[pi], sy[pi] = qx, qy
    off_m, off_min = spec.off_road(np.where(np.isfinite(dist), dist, 0.0))
    off_m = np.where(np.isfinite(dist), off_m, np.inf)
    off_min = np.where(np.isfinite(dist), off_min, np.inf)
    flagged = ~np.isfinite(dist) | (dist > spec.flag_snap_metres)
    return Snapped(points.index, edge, offset, dist, sx, sy, off_m, off_min, flagged)
