"""Origin × destination travel minutes and metres over a road network (one-to-many Dijkstra per source).

Dijkstra runs from the smaller side. Each source point starts its search from both ends of the edge it snapped
to (by the partial edge), so the network itself is never rebuilt per point. When the destinations are the
sources, the search runs on the reversed arcs, which gives the time *to* each destination even on one-way roads.
A search stops once every node a destination hangs on is settled (:mod:`layout.network.search`), and only the
sources × destinations table is kept, so memory is one table plus a few node-sized arrays per thread.

Metres are the length of the fastest route: exact from minutes when every usable road has the same speed
(walking); otherwise summed along the shortest-path tree of the same search.
"""

from __future__ import annotations

import logging
import time

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.network.graph import ModeGraph, RoadNetwork
from layout.network.matrix import TravelMatrix
from layout.network.modes import ModeSpec
from layout.network.search import search_targets
from layout.network.snap import Snapped, snap_points

__all__ = ["network_matrix", "source_arcs", "PROGRESS_DELAY_SECONDS"]

log = logging.getLogger(__name__)

#: A progress bar appears only once a search has run this long, so quick matrices print nothing.
PROGRESS_DELAY_SECONDS = 1.0


def network_matrix(net: RoadNetwork, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
                   mode: str | ModeSpec = "walk", *, cutoff: float | None = None, workers: int = 1,
                   layers: tuple[str, str] = ("village", "school"), progress: bool = True) -> TravelMatrix:
    """Travel minutes and metres from every origin to every destination by one mode.

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : GeoDataFrame
        Points in the network's CRS, indexed by id (e.g. villages and schools).
    mode : str or ModeSpec
        A mode defined in the standards (``"walk"``, ``"bus"``).
    cutoff : float, optional
        Minutes; longer trips are reported as ``inf`` with reason "beyond the cutoff". Also speeds up the search.
    workers : int
        Threads searching in parallel; 1 searches in the calling thread.
    layers : (str, str)
        Names of the two point layers in the snap report and reasons.
    progress : bool
        Show a progress bar (tqdm: text on stderr, a widget in Jupyter) over the searches once they take more than
        :data:`PROGRESS_DELAY_SECONDS`; ``False`` keeps quiet.

    Returns
    -------
    TravelMatrix
        ``minutes`` and ``metres`` (origins × destinations, ``inf`` where unreachable, with reasons in
        ``unreachable``) and the per-point ``snap`` report. Minutes include both off-road legs and the mode's
        wait.

    Example
    -------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import LineString, Point
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (2000, 0)])], crs=32648)
    >>> net = RoadNetwork.from_roads(roads)
    >>> v = gpd.GeoDataFrame(geometry=[Point(500, 0)], index=pd.Index(["V1"], name="village_id"), crs=32648)
    >>> s = gpd.GeoDataFrame(geometry=[Point(1500, 0)], index=pd.Index(["S1"], name="school_id"), crs=32648)
    >>> round(float(network_matrix(net, v, s, "walk").minutes.iloc[0, 0]), 2)   # 1000 m at 4 km/h
    15.0
    """
    t0 = time.perf_counter()
    mg = net.mode(mode)
    spec = mg.spec
    so = snap_points(net, mg, origins)
    sd = snap_points(net, mg, destinations)
    reverse = len(destinations) <= len(origins)
    src, tgt = (sd, so) if reverse else (so, sd)
    limit = np.inf if cutoff is None else max(float(cutoff) - spec.wait_minutes, 0.0)
    source_layer = layers[1] if reverse else layers[0]
    log.info("%s: %d %ss × %d %ss on %r; searching from the %d %ss%s, %d thread(s)", spec.name, len(origins),
             layers[0], len(destinations), layers[1], net, len(src.edge), source_layer,
             " on reversed arcs" if reverse else "", workers)
    road_min, road_m = _road_matrix(net, mg, src, tgt, reverse, limit, workers, progress,
                                    f"{spec.name} ({source_layer}s)")
    minutes = road_min + src.off_minutes[:, None] + tgt.off_minutes[None, :] + spec.wait_minutes
    metres = road_m + src.off_metres[:, None] + tgt.off_metres[None, :]
    if reverse:
        minutes, metres = minutes.T, metres.T
    if cutoff is not None:
        beyond = minutes > float(cutoff)
        minutes[beyond] = np.inf
    metres[~np.isfinite(minutes)] = np.inf
    oid = pd.Index(origins.index.astype(str), name=origins.index.name or f"{layers[0]}_id")
    did = pd.Index(destinations.index.astype(str), name=destinations.index.name or f"{layers[1]}_id")
    unreachable = _reasons(mg, so, sd, minutes, oid, did, cutoff, layers)
    snap = pd.DataFrame({"layer": np.repeat(np.array(layers, dtype=object), [len(so.edge), len(sd.edge)]),
                         "snap_metres": np.concatenate([so.distance, sd.distance]),
                         "flagged": np.concatenate([so.flagged, sd.flagged]),
                         "snapped": np.concatenate([so.edge, sd.edge]) >= 0},
                        index=pd.Index(np.concatenate([oid.to_numpy(object), did.to_numpy(object)]), name="id"))
    log.info("%s: done in %.2f s; %d of %d pairs unreachable, %d points farther than %g m from a usable road",
             spec.name, time.perf_counter() - t0, len(unreachable), minutes.size, int(snap["flagged"].sum()),
             spec.flag_snap_metres)
    return TravelMatrix(pd.DataFrame(minutes, index=oid, columns=did), pd.DataFrame(metres, index=oid, columns=did),
                        spec.name, estimated=False, unreachable=unreachable, snap=snap)


def source_arcs(net: RoadNetwork, mg: ModeGraph, src: Snapped, reverse: bool):
    """Arcs of the mode graph plus one virtual node per snapped source point, joined to its edge's ends.

    Parameters
    ----------
    net : RoadNetwork
    mg : ModeGraph
    src : Snapped
        The points searches start from.
    reverse : bool
        Search on reversed arcs (times *to* the source points).

    Returns
    -------
    rows, cols, minutes, metres : ndarray
        Arcs over ``net.n_nodes + k`` nodes.
    vnode : ndarray
        Node number of each snapped source (``k`` of them).
    s_ok : ndarray
        Which source points snapped (positions in ``src``), aligned with ``vnode``.
    """
    fwd, bwd = mg.forward, mg.backward
    s_e, s_mu, s_mv, s_du, s_dv = _legs(net, mg, src, *((fwd, bwd) if reverse else (bwd, fwd)))
    s_ok = np.flatnonzero(src.edge >= 0)
    vnode = net.n_nodes + np.arange(len(s_ok))
    au, av = (mg.arc_v, mg.arc_u) if reverse else (mg.arc_u, mg.arc_v)
    eu, ev = net.edge_u[s_e[s_ok]], net.edge_v[s_e[s_ok]]
    rows = np.concatenate([au, vnode, vnode])
    cols = np.concatenate([av, eu, ev])
    loop = eu == ev                      # a loop road: keep only the quicker way to its single junction
    s_mu, s_mv = s_mu.copy(), s_mv.copy()
    drop_v = loop & (s_mv[s_ok] >= s_mu[s_ok])
    drop_u = loop & ~drop_v
    s_mv[s_ok[drop_v]] = np.inf
    s_mu[s_ok[drop_u]] = np.inf
    leg_min = np.concatenate([s_mu[s_ok], s_mv[s_ok]])
    leg_m = np.concatenate([s_du[s_ok], s_dv[s_ok]])
    keep = np.concatenate([np.ones(len(au), bool), np.isfinite(leg_min)])
    w_min = np.concatenate([mg.arc_minutes, leg_min])[keep]
    w_m = np.concatenate([mg.arc_metres, leg_m])[keep]
    return rows[keep], cols[keep], w_min, w_m, vnode, s_ok


def _legs(net: RoadNetwork, mg: ModeGraph, p: Snapped, toward_u_ok: np.ndarray, toward_v_ok: np.ndarray):
    """Minutes and metres along the snapped edge from each point to its edge's u and v ends (inf if not allowed)."""
    ok = p.edge >= 0
    if not len(net.edge_length):          # no roads at all: nothing snaps
        inf = np.full(len(p.edge), np.inf)
        return np.zeros(len(p.edge), np.int64), inf, inf, inf, inf
    e = np.maximum(p.edge, 0)
    tpm = mg.edge_minutes_per_metre[e]
    du, dv = p.offset, net.edge_length[e] - p.offset
    # a point at an end (snapped within the junction tolerance) is at that junction: no direction to obey
    mu = np.where(ok & (toward_u_ok[e] | (du == 0)), du * tpm, np.inf)
    mv = np.where(ok & (toward_v_ok[e] | (dv == 0)), dv * tpm, np.inf)
    return e, mu, mv, du, dv


def _road_matrix(net: RoadNetwork, mg: ModeGraph, src: Snapped, tgt: Snapped, reverse: bool, limit: float,
                 workers: int, progress: bool = False, desc: str = "") -> tuple[np.ndarray, np.ndarray]:
    """On-road minutes and metres between snap points (sources × targets)."""
    if not len(net.edge_length):          # no roads: every pair unreachable (reasons say why)
        empty = np.full((len(src.edge), len(tgt.edge)), np.inf)
        return empty, empty.copy()
    fwd, bwd = mg.forward, mg.backward
    # from each source point to its edge's ends, and from a target's edge ends to the target point
    s_e, s_mu, s_mv, s_du, s_dv = _legs(net, mg, src, *((fwd, bwd) if reverse else (bwd, fwd)))
    t_e, t_mu, t_mv, t_du, t_dv = _legs(net, mg, tgt, *((bwd, fwd) if reverse else (fwd, bwd)))
    s_ok = np.flatnonzero(src.edge >= 0)
    exact_metres = mg.uniform_speed and np.isfinite(mg.speed_m_per_min)
    out_min = np.full((len(src.edge), len(tgt.edge)), np.inf)
    out_m = np.full_like(out_min, np.inf)
    if len(s_ok) == 0 or len(tgt.edge) == 0:
        return out_min, out_m
    rank = net.node_rank                  # node numbers in the search graph
    seed_node = rank[np.column_stack([net.edge_u[s_e[s_ok]], net.edge_v[s_e[s_ok]]])]
    seed_min = np.column_stack([s_mu[s_ok], s_mv[s_ok]])
    seed_m = np.column_stack([s_du[s_ok], s_dv[s_ok]])
    from layout.progress import progress_bar

    with progress_bar(total=len(s_ok), desc=desc, unit="search", disable=not progress, delay=PROGRESS_DELAY_SECONDS,
              leave=False) as bar:
        best, metres = search_targets(mg.csr(reverse), seed_node, seed_min, seed_m, rank[net.edge_u[t_e]],
                                      rank[net.edge_v[t_e]], t_mu, t_mv, t_du, t_dv, limit=limit,
                                      metres=not exact_metres, workers=workers,
                                      on_progress=bar.update if progress else None)
    out_min[s_ok] = best
    if not exact_metres:
        out_m[s_ok] = metres
    # two points on one edge: straight along it when that is faster (each pair appears once)
    i, j, dmin, dm = _same_edge(net, mg, src, tgt, s_ok, reverse)
    cur_min, cur_m = out_min[i, j], out_m[i, j]
    out_min[i, j] = np.minimum(cur_min, dmin)
    out_m[i, j] = np.where(dmin < cur_min, dm, np.where(dmin == cur_min, np.minimum(cur_m, dm), cur_m))
    if exact_metres:
        out_m = out_min * mg.speed_m_per_min
    else:
        out_m[~np.isfinite(out_min)] = np.inf
    return out_min, out_m


def _same_edge(net: RoadNetwork, mg: ModeGraph, src: Snapped, tgt: Snapped, s_ok: np.ndarray,
               reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Source rows, target columns, minutes and metres for points on the same edge, travelled along it."""
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if not len(s_ok):
        return none
    t_ok = np.flatnonzero(tgt.edge >= 0)
    t_ok = t_ok[np.argsort(tgt.edge[t_ok], kind="stable")]
    t_edges = tgt.edge[t_ok]
    lo = np.searchsorted(t_edges, src.edge[s_ok], side="left")
    hi = np.searchsorted(t_edges, src.edge[s_ok], side="right")
    count = hi - lo
    if not count.any():
        return none
    i = np.repeat(s_ok, count)
    j = t_ok[np.concatenate([np.arange(a, b) for a, b in zip(lo[count > 0], hi[count > 0], strict=True)])]
    e = src.edge[i]
    si, sj = src.offset[i], tgt.offset[j]
    so, sd = (sj, si) if reverse else (si, sj)
    metres = np.abs(sd - so)
    allowed = np.where(sd >= so, mg.forward[e], mg.backward[e]) | (metres == 0)
    minutes = metres * mg.edge_minutes_per_metre[e]
    return i[allowed], j[allowed], minutes[allowed], metres[allowed]


def _reasons(mg: ModeGraph, so: Snapped, sd: Snapped, minutes: np.ndarray, oid: pd.Index, did: pd.Index,
             cutoff: float | None, layers: tuple[str, str]) -> pd.DataFrame:
    """Why each unreachable pair is unreachable."""
    oi, di = np.nonzero(~np.isfinite(minutes))
    cols = [oid.name or "village_id", did.name or "school_id"]
    if oid.name == did.name:
        cols = [f"origin_{cols[0]}", f"destination_{cols[1]}"]
    if not len(oi):
        return pd.DataFrame({cols[0]: pd.Series([], dtype=object), cols[1]: pd.Series([], dtype=object),
                             "reason": pd.Series([], dtype=object)})
    spec = mg.spec
    far = f"no usable road for {spec.name} within {spec.max_snap_metres:g} m of the"
    net_u = mg.network.edge_u
    def comp(p: Snapped, missing: int) -> np.ndarray:
        if not len(net_u):
            return np.full(len(p.edge), missing)
        return np.where(p.edge >= 0, mg.component[net_u[np.maximum(p.edge, 0)]], missing)

    co, cd = comp(so, -1), comp(sd, -2)
    o_bad, d_bad = so.edge[oi] < 0, sd.edge[di] < 0
    other = (f"beyond the {cutoff:g}-minute cutoff" if cutoff is not None
             else "no route in the allowed direction (one-way roads)")
    reason = np.select(
        [o_bad, d_bad, co[oi] != cd[di]],
        [f"{far} {layers[0]}", f"{far} {layers[1]}", "on a different road component (not connected)"],
        default=other)
    return pd.DataFrame({cols[0]: oid.to_numpy()[oi], cols[1]: did.to_numpy()[di], "reason": reason.astype(object)})
