"""A plain networkx reference for checking travel matrices (slow; for tests and benchmarks, not for production).

Unlike :mod:`layout.network.route`, which joins points to the network through virtual nodes, this takes the
networkx view of the network (:meth:`RoadNetwork.to_networkx`), *actually splits* every arc carrying snapped points
at them, attaches each village and school by its off-road leg, and runs one networkx Dijkstra per destination.
Agreement between the two is a strong check.
"""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from layout.network.graph import RoadNetwork
from layout.network.modes import ModeSpec
from layout.network.snap import snap_points

__all__ = ["split_graph", "reference_minutes", "reference_metres"]


def split_graph(net: RoadNetwork, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
                mode: str | ModeSpec = "walk") -> nx.DiGraph:
    """:meth:`RoadNetwork.to_networkx` with arcs split at the snap points and nodes ``("o", i)`` / ``("d", j)``.

    Arc attributes: ``w`` minutes, ``m`` metres (parallel arcs reduced to the quickest). Origins have only outgoing
    arcs and destinations only incoming ones. A piece of no length (a point at a junction, two points at one place)
    is passable both ways, as in :mod:`layout.network.route`.

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : GeoDataFrame
    mode : str or ModeSpec

    Returns
    -------
    networkx.DiGraph
    """
    mg = net.mode(mode)
    so, sd = snap_points(net, mg, origins), snap_points(net, mg, destinations)
    on_edge: dict[int, list] = defaultdict(list)
    for tag, sn in (("o", so), ("d", sd)):
        for i, (e, off) in enumerate(zip(sn.edge, sn.offset, strict=True)):
            if e >= 0:
                on_edge[int(e)].append((float(off), ("p", tag, i)))
    g = nx.DiGraph()

    def add(a, b, w, m):
        if a != b and (not g.has_edge(a, b) or g[a][b]["w"] > w):
            g.add_edge(a, b, w=w, m=m)

    for a, b, arc in net.to_networkx(mode, geometry=False).edges(data=True):
        e = arc["edge"]
        if e not in on_edge:
            add(a, b, arc["minutes"], arc["metres"])
            continue
        length, tpm = float(net.edge_length[e]), float(mg.edge_minutes_per_metre[e])
        chain = [(0.0, int(net.edge_u[e])), *sorted(on_edge[e], key=lambda t: t[0]), (length, int(net.edge_v[e]))]
        if arc["reversed"]:
            chain = [(length - o, x) for o, x in reversed(chain)]
        for (oa, x), (ob, y) in zip(chain[:-1], chain[1:], strict=True):
            add(x, y, (ob - oa) * tpm, ob - oa)
            if ob == oa:
                add(y, x, 0.0, 0.0)
    for tag, sn in (("o", so), ("d", sd)):
        for i in np.flatnonzero(sn.edge >= 0):
            p, x = ("p", tag, int(i)), (tag, int(i))
            if tag == "o":
                g.add_edge(x, p, w=float(sn.off_minutes[i]), m=float(sn.off_metres[i]))
            else:
                g.add_edge(p, x, w=float(sn.off_minutes[i]), m=float(sn.off_metres[i]))
    return g


def reference_minutes(net: RoadNetwork, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
                      mode: str | ModeSpec = "walk", graph: nx.DiGraph | None = None) -> pd.DataFrame:
    """Origin × destination minutes by a per-destination networkx ``single_source_dijkstra_path_length`` loop.

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : GeoDataFrame
    mode : str or ModeSpec
    graph : networkx.DiGraph, optional
        From :func:`split_graph` (built here when omitted).

    Returns
    -------
    DataFrame
        Minutes including off-road legs and the wait; ``inf`` where unreachable.
    """
    mg = net.mode(mode)
    g = graph if graph is not None else split_graph(net, origins, destinations, mode)
    rev = g.reverse(copy=False)
    out = np.full((len(origins), len(destinations)), np.inf)
    for j in range(len(destinations)):
        if ("d", j) not in rev:
            continue
        dist = nx.single_source_dijkstra_path_length(rev, ("d", j), weight="w")
        for i in range(len(origins)):
            t = dist.get(("o", i))
            if t is not None:
                out[i, j] = t + mg.spec.wait_minutes
    return pd.DataFrame(out, index=origins.index.astype(str), columns=destinations.index.astype(str))


def reference_metres(net: RoadNetwork, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame,
                     mode: str | ModeSpec = "walk", graph: nx.DiGraph | None = None) -> pd.DataFrame:
    """Origin × destination metres along networkx's fastest path (per destination, on reversed arcs).

    Parameters
    ----------
    net : RoadNetwork
    origins, destinations : GeoDataFrame
    mode : str or ModeSpec
    graph : networkx.DiGraph, optional
        From :func:`split_graph`.

    Returns
    -------
    DataFrame
        Metres including off-road legs; ``inf`` where unreachable.
    """
    g = graph if graph is not None else split_graph(net, origins, destinations, mode)
    rev = g.reverse(copy=False)
    out = np.full((len(origins), len(destinations)), np.inf)
    for j in range(len(destinations)):
        if ("d", j) not in rev:
            continue
        _, paths = nx.single_source_dijkstra(rev, ("d", j), weight="w")
        for i in range(len(origins)):
            path = paths.get(("o", i))
            if path is not None:
                out[i, j] = sum(rev[a][b]["m"] for a, b in zip(path[:-1], path[1:], strict=True))
    return pd.DataFrame(out, index=origins.index.astype(str), columns=destinations.index.astype(str))
