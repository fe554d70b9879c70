"""Invariants on random networks: csgraph equals networkx, walk symmetry, triangle inequality."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from layout.network import RoadNetwork
from layout.network.reference import reference_metres, reference_minutes, split_graph


@st.composite
def random_network(draw):
    """A random road network on up to 12 junctions plus random villages and schools."""
    n = draw(st.integers(3, 12))
    seed = draw(st.integers(0, 2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 5000, (n, 2))
    m = draw(st.integers(n - 1, 2 * n))
    pairs = {(int(a), int(b)) for a, b in rng.integers(0, n, (m, 2)) if a != b} | {(0, 1)}
    classes = rng.choice(["village", "county", "footpath", "national"], len(pairs))
    oneway = rng.random(len(pairs)) < 0.25
    lines = []
    for a, b in pairs:   # some roads bend through a middle vertex
        mid = (xy[a] + xy[b]) / 2 + rng.uniform(-300, 300, 2)
        lines.append(LineString([xy[a], mid, xy[b]]) if rng.random() < 0.5 else LineString([xy[a], xy[b]]))
    roads = gpd.GeoDataFrame({"road_class": classes, "oneway": oneway}, geometry=lines, crs=32648)
    pts = rng.uniform(-200, 5200, (draw(st.integers(1, 6)) + draw(st.integers(1, 4)), 2))
    k = len(pts) - draw(st.integers(1, min(4, len(pts) - 1))) if len(pts) > 1 else 1
    v = gpd.GeoDataFrame(geometry=[Point(p) for p in pts[:k]], crs=32648,
                         index=pd.Index([f"V{i}" for i in range(k)], name="village_id"))
    s = gpd.GeoDataFrame(geometry=[Point(p) for p in pts[k:]] or [Point(pts[0])], crs=32648,
                         index=pd.Index([f"S{i}" for i in range(max(len(pts) - k, 1))], name="school_id"))
    return RoadNetwork.from_roads(roads), v, s


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_network(), st.sampled_from(["walk", "bus"]))
def test_matrix_equals_networkx_on_the_split_graph(case, mode):
    net, v, s = case
    tm = net.matrix(v, s, mode)
    graph = split_graph(net, v, s, mode)
    ours, ref = tm.minutes.to_numpy(), reference_minutes(net, v, s, mode, graph=graph).to_numpy()
    assert (np.isfinite(ours) == np.isfinite(ref)).all()
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ours[fin], ref[fin], rtol=1e-9, atol=1e-9)
    # metres are those of the fastest route (random coordinates: no equally fast routes of other lengths)
    metres = reference_metres(net, v, s, mode, graph=graph).to_numpy()
    np.testing.assert_allclose(tm.metres.to_numpy()[fin], metres[fin], rtol=1e-9, atol=1e-6)


def node_distances(net: RoadNetwork, mode: str) -> np.ndarray:
    """All-pairs node minutes from the mode graph with scipy (the same arcs travel() searches)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    mg = net.mode(mode)
    g = sp.csr_array((np.maximum(mg.arc_minutes, 1e-300), (mg.arc_u, mg.arc_v)), shape=(net.n_nodes,) * 2)
    return dijkstra(g, directed=True), mg


@settings(max_examples=25, deadline=None)
@given(random_network())
def test_walk_node_distances_are_symmetric_and_obey_the_triangle_inequality(case):
    net, _, _ = case
    d, _ = node_distances(net, "walk")
    fin = np.isfinite(d)
    assert (fin == fin.T).all()
    np.testing.assert_allclose(d[fin], d.T[fin], rtol=1e-12)
    # d[i, k] <= d[i, j] + d[j, k] for every j
    via = np.min(d[:, :, None] + d[None, :, :], axis=1)
    assert (d <= via + 1e-9).all()


@settings(max_examples=20, deadline=None)
@given(random_network(), st.sampled_from(["walk", "bus"]))
def test_node_distances_equal_networkx_dijkstra(case, mode):
    net, _, _ = case
    d, _ = node_distances(net, mode)
    g = net.to_networkx(mode, geometry=False)     # networkx takes the quickest of parallel arcs
    for src in range(net.n_nodes):
        ref = nx.single_source_dijkstra_path_length(g, src, weight="minutes")
        row = np.full(net.n_nodes, np.inf)
        row[list(ref)] = list(ref.values())
        np.testing.assert_allclose(d[src], row, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(random_network())
def test_walk_matrix_is_symmetric(case):
    net, v, s = case
    pts = pd.concat([v, s.set_axis(s.index.rename("village_id"))])
    tm = net.matrix(pts, pts, "walk").minutes.to_numpy()
    fin = np.isfinite(tm)
    assert (fin == fin.T).all()
    np.testing.assert_allclose(tm[fin], tm.T[fin], rtol=1e-9, atol=1e-9)
