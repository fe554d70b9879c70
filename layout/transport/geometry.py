"""Each route drawn along the roads: the morning run from the first stop to the school, as a LineString.

The travel search (:mod:`layout.network.search`) keeps minutes and metres only, so the paths are found again here
for drawing: every edge carrying a stop is split at the stop's point on the road, and a Dijkstra with
predecessors (SciPy) runs from each stop over the same minutes the search used. The drawn path therefore has the
route's in-vehicle minutes; its length is the route's loaded metres (a tie between two equally fast paths may
draw the other one).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from layout.network.graph import ModeGraph, RoadNetwork
from layout.network.snap import Snapped, snap_points
from layout.transport.legs import in_vehicle_spec

__all__ = ["route_lines"]

_EPS = 1e-9      # added to every arc so a zero-length piece is still an arc for the sparse search


def route_lines(net: RoadNetwork, result, villages: gpd.GeoDataFrame, schools: gpd.GeoDataFrame,
                standards) -> gpd.GeoDataFrame:
    """The morning run of every route along the roads.

    Parameters
    ----------
    net : RoadNetwork
    result : BusRoutes
        Routes and stops (pickup order) to draw.
    villages, schools : GeoDataFrame
        Points indexed by str id, in the network CRS.
    standards : Standards

    Returns
    -------
    GeoDataFrame
        Index ``route_id``; ``school_id, children, minutes, km`` and the LineString from the first stop's point
        on the road to the school's point on the road.
    """
    _, ride = in_vehicle_spec(standards)
    mg = net.mode(ride)
    stops = result.stops.sort_values(["route_id", "order"])
    vids = pd.Index(stops["village_id"].unique())
    sids = pd.Index(stops["school_id"].unique())
    pts = gpd.GeoDataFrame(geometry=list(villages.geometry.reindex(vids)) + list(schools.geometry.reindex(sids)),
                           crs=villages.crs, index=pd.Index([f"v{i}" for i in range(len(vids))]
                                                            + [f"s{i}" for i in range(len(sids))]))
    sn = snap_points(net, mg, pts)
    graph, arcs = _split_graph(net, mg, sn)
    node_of_v = dict(zip(vids, net.n_nodes + np.arange(len(vids)), strict=True))
    node_of_s = dict(zip(sids, net.n_nodes + len(vids) + np.arange(len(sids)), strict=True))
    edge_xy, edge_cum = _edge_vertices(net)
    lines: dict[str, object] = {}
    rid_arr = stops["route_id"].to_numpy(object)
    vil_arr = stops["village_id"].to_numpy(object)
    sch_arr = stops["school_id"].to_numpy(object)
    minutes = result.routes["minutes"]
    by_school: dict[str, dict[str, list[int]]] = {}
    for rid, v, sid in zip(rid_arr, vil_arr, sch_arr, strict=True):
        by_school.setdefault(sid, {}).setdefault(rid, []).append(node_of_v[v])
    for sid, paths in by_school.items():
        for p in paths.values():
            p.append(node_of_s[sid])
        sources = sorted({a for p in paths.values() for a in p[:-1]})
        longest = float(minutes.loc[list(paths)].max()) + 1.0        # no leg of these routes is longer
        _, pred = dijkstra(graph, directed=True, indices=sources, return_predecessors=True, limit=longest)
        row = {s: i for i, s in enumerate(sources)}
        for rid, p in paths.items():
            coords: list[np.ndarray] = []
            for a, b in zip(p[:-1], p[1:], strict=True):
                coords += _leg_coords(pred[row[a]], a, b, arcs, edge_xy, edge_cum)
            lines[rid] = _line(coords)
    routes = result.routes
    ids = pd.Index(list(lines), name="route_id")
    return gpd.GeoDataFrame(routes.loc[ids, ["school_id", "children", "minutes", "km"]],
                            geometry=[lines[r] for r in ids], crs=net.crs)


def _edge_vertices(net: RoadNetwork) -> tuple[list, list]:
    """Each edge's vertices from its ``u`` end, and their distances along it (from the network's segments)."""
    order = np.lexsort((net.seg_offset, net.seg_edge))
    se, xy, off = net.seg_edge[order], net.seg_xy[order], net.seg_offset[order]
    bounds = np.searchsorted(se, np.arange(len(net.edges) + 1))
    edge_xy, edge_cum = [], []
    for e in range(len(net.edges)):
        a, b = bounds[e], bounds[e + 1]
        if a == b:
            u, v = net.nodes[net.edge_u[e]], net.nodes[net.edge_v[e]]
            edge_xy.append(np.vstack([u, v]))
            edge_cum.append(np.array([0.0, net.edge_length[e]]))
            continue
        seg = xy[a:b]
        edge_xy.append(np.vstack([seg[:, :2], seg[-1:, 2:]]))
        edge_cum.append(np.concatenate([off[a:b], [off[b - 1] + np.hypot(*(seg[-1, 2:] - seg[-1, :2]))]]))
    return edge_xy, edge_cum


def _split_graph(net: RoadNetwork, mg: ModeGraph, sn: Snapped):
    """Arcs of the mode graph with every edge that carries points split at them; one extra node per point.

    Returns the graph as a sparse matrix (parallel arcs reduced to the fastest) and, per kept arc, the edge it
    runs along and the offsets it runs from and to, sorted by ``tail * n + head`` for lookups.
    """
    n = net.n_nodes + len(sn.edge)
    on = np.flatnonzero(sn.edge >= 0)
    order = on[np.lexsort((sn.offset[on], sn.edge[on]))]
    split_edges = np.unique(sn.edge[order])
    tail, head, edge, off_a, off_b = [], [], [], [], []
    plain = np.flatnonzero(mg.usable & ~np.isin(np.arange(len(net.edges)), split_edges))
    length = net.edge_length
    for fwd in (True, False):
        ok = plain[(mg.forward if fwd else mg.backward)[plain]]
        u, v = (net.edge_u[ok], net.edge_v[ok]) if fwd else (net.edge_v[ok], net.edge_u[ok])
        tail.append(u)
        head.append(v)
        edge.append(ok)
        off_a.append(np.zeros(len(ok)) if fwd else length[ok])
        off_b.append(length[ok] if fwd else np.zeros(len(ok)))
    point_node = net.n_nodes + np.arange(len(sn.edge))
    for e in split_edges:
        if not mg.usable[e]:
            continue
        here = order[sn.edge[order] == e]
        chain = np.concatenate([[net.edge_u[e]], point_node[here], [net.edge_v[e]]])
        offs = np.concatenate([[0.0], sn.offset[here], [length[e]]])
        for fwd in (True, False):
            if not (mg.forward if fwd else mg.backward)[e]:
                continue
            a, b = (chain[:-1], chain[1:]) if fwd else (chain[1:], chain[:-1])
            oa, ob = (offs[:-1], offs[1:]) if fwd else (offs[1:], offs[:-1])
            tail.append(a)
            head.append(b)
            edge.append(np.full(len(a), e))
            off_a.append(oa)
            off_b.append(ob)
    tail, head, edge = np.concatenate(tail), np.concatenate(head), np.concatenate(edge).astype(np.int64)
    off_a, off_b = np.concatenate(off_a), np.concatenate(off_b)
    w = np.abs(off_b - off_a) * mg.edge_minutes_per_metre[edge] + _EPS
    keep = tail != head
    tail, head, edge, off_a, off_b, w = (x[keep] for x in (tail, head, edge, off_a, off_b, w))
    key = tail.astype(np.int64) * n + head
    o = np.lexsort((w, key))
    key, tail, head, edge, off_a, off_b, w = (x[o] for x in (key, tail, head, edge, off_a, off_b, w))
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    key, tail, head, edge, off_a, off_b, w = (x[first] for x in (key, tail, head, edge, off_a, off_b, w))
    graph = csr_array((w, (tail, head)), shape=(n, n))
    return graph, (key, n, edge, off_a, off_b)


def _leg_coords(pred: np.ndarray, a: int, b: int, arcs, edge_xy: list, edge_cum: list) -> list[np.ndarray]:
    """Coordinates of the fastest path from node ``a`` to node ``b`` along the edges' own lines."""
    key, n, edge, off_a, off_b = arcs
    nodes = [b]
    while nodes[-1] != a:
        p = pred[nodes[-1]]
        if p < 0:
            return []
        nodes.append(int(p))
    nodes = np.array(nodes[::-1], dtype=np.int64)
    i = np.searchsorted(key, nodes[:-1] * n + nodes[1:])
    return [_piece(edge_xy[e], edge_cum[e], s, t) for e, s, t in zip(edge[i], off_a[i], off_b[i], strict=True)]


def _piece(xy: np.ndarray, cum: np.ndarray, s: float, t: float) -> np.ndarray:
    """The part of a polyline (vertices ``xy``, distances ``cum`` from its start) from offset ``s`` to ``t``."""
    lo, hi = (s, t) if s <= t else (t, s)
    if lo <= 1e-9 and hi >= cum[-1] - 1e-6:
        out = xy
    else:
        inner = xy[(cum > lo) & (cum < hi)]
        ends = np.column_stack([np.interp([lo, hi], cum, xy[:, 0]), np.interp([lo, hi], cum, xy[:, 1])])
        out = np.vstack([ends[:1], inner, ends[1:]])
    return out if s <= t else out[::-1]


def _line(coords: list[np.ndarray]):
    if not coords:
        return None
    xy = np.concatenate(coords)
    keep = np.ones(len(xy), bool)
    keep[1:] = np.any(np.abs(np.diff(xy, axis=0)) > 1e-9, axis=1)
    xy = xy[keep]
    if len(xy) < 2:
        xy = np.vstack([xy, xy])
    return shapely.linestrings(xy)
