"""The junction rule of RoadNetwork.from_roads: vertices within the tolerance join by distance, chains included.

Before issue 18 vertices were rounded to a grid of the tolerance, so two road ends 2 mm apart on either side of a
grid-cell edge stayed apart. The rule (:func:`layout.network.graph._vertex_ids`): equal coordinates are one
junction; vertices at most the tolerance apart are linked, unless they lie on one line within the tolerance of
each other along it; a junction is every chain of links.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from layout.network import RoadNetwork
from layout.network.graph import _vertex_ids

TOL = 0.5   # modes.snapping.node_tolerance_metres in the national standards


def roads(lines, classes=None):
    return gpd.GeoDataFrame({"road_class": classes or ["village"] * len(lines)}, geometry=lines, crs=32648)


def points(xy, name):
    return gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=32648,
                            index=pd.Index([f"{name[0].upper()}{i}" for i in range(len(xy))], name=name))


def test_default_tolerance_is_the_standard():
    from layout.standards import load_standards

    assert load_standards().get("modes.snapping.node_tolerance_metres") == TOL


@pytest.mark.parametrize("axis", [0, 1])
def test_ends_two_millimetres_apart_across_a_cell_edge_join(axis):
    # rounding x / 0.5 sends 100.249 to cell 200 and 100.251 to cell 201: the old grid rule split this junction
    a, b = np.zeros(2), np.zeros(2)
    a[axis], b[axis] = 100.249, 100.251
    far_a, far_b = np.zeros(2), np.zeros(2)
    far_b[axis] = 200.0
    net = RoadNetwork.from_roads(roads([LineString([far_a, a]), LineString([b, far_b])]))
    assert net.n_nodes == 3 and len(net.edges) == 2
    walk = net.matrix(points([far_a], "village_id"), points([far_b], "school_id"), "walk")
    assert walk.minutes.iloc[0, 0] == pytest.approx(200.0 / (4000 / 60), rel=1e-4)   # 200 m at 4 km/h
    assert walk.unreachable.empty


def test_ends_farther_than_the_tolerance_stay_apart_with_a_reason():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (100, 0)]), LineString([(100.6, 0), (200, 0)])]))
    assert net.n_nodes == 4
    walk = net.matrix(points([(0, 0)], "village_id"), points([(200, 0)], "school_id"), "walk")
    assert not np.isfinite(walk.minutes.iloc[0, 0])
    assert walk.unreachable["reason"].tolist() == ["on a different road component (not connected)"]


def test_a_chain_of_close_ends_is_one_junction():
    # three ends 0.4 m apart in a row: the outer two are 0.8 m apart, joined through the middle one
    net = RoadNetwork.from_roads(roads([LineString([(-100, 0), (0, 0)]), LineString([(0.4, 0), (0.4, 100)]),
                                        LineString([(0.8, 0), (100, 0)])]))
    assert net.n_nodes == 4
    ends = {tuple(net.nodes[u]) for u in net.edge_u} | {tuple(net.nodes[v]) for v in net.edge_v}
    assert (0.0, 0.0) in ends and (0.4, 0.0) not in ends   # the junction sits at the first vertex seen


def test_an_end_joins_an_interior_vertex_of_another_line():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (50, 0), (100, 0)]), LineString([(50.3, 0.2), (50, 80)])]))
    assert net.n_nodes == 4 and len(net.edges) == 3      # the first line is split at (50, 0)


def test_a_densely_digitised_line_keeps_its_length():
    # vertices every 0.1 m along 20 m (a GPS trace): stretches of one line are never joined by distance
    x = np.linspace(0, 20, 201)
    trace = LineString(np.column_stack([x, np.zeros_like(x)]))
    alone = RoadNetwork.from_roads(roads([trace]))
    assert alone.n_nodes == 2 and alone.edge_length.tolist() == pytest.approx([20.0])
    # another road joining its end: the trace's last 0.5 m lies inside that junction (vertices of different lines
    # within the tolerance), the rest of it stays one edge; all 60 m of road are kept
    net = RoadNetwork.from_roads(roads([trace, LineString([(20, 0), (60, 0)])]))
    assert net.n_nodes == 3
    assert net.edge_length.sum() == pytest.approx(60.0)
    walk = net.matrix(points([(0, 0)], "village_id"), points([(60, 0)], "school_id"), "walk")
    assert 59.5 / (4000 / 60) - 1e-9 <= walk.minutes.iloc[0, 0] <= 60.0 / (4000 / 60) + 1e-9


def test_a_loop_whose_end_misses_its_start_closes():
    ring = LineString([(0, 0), (100, 0), (100, 100), (0, 100), (0.2, 0.3)])
    net = RoadNetwork.from_roads(roads([ring, LineString([(100, 0), (300, 0)])]))
    assert net.n_nodes == 3
    # the ring is closed at its start: from (0, 0) both ways round reach (100, 0)
    walk = net.matrix(points([(0, 50)], "village_id"), points([(100, 0)], "school_id"), "walk")
    assert walk.minutes.iloc[0, 0] == pytest.approx(150.0 / (4000 / 60), rel=1e-2)


def test_tolerance_zero_joins_only_equal_coordinates():
    lines = [LineString([(0, 0), (10, 0)]), LineString([(10, 0), (20, 0)]), LineString([(20.001, 0), (30, 0)])]
    assert RoadNetwork.from_roads(roads(lines), tolerance=0).n_nodes == 5
    assert RoadNetwork.from_roads(roads(lines)).n_nodes == 4


# ---- the rule, against a brute-force reference ----------------------------------------------------------------
def along_lines(xy: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Metres along its line to each vertex."""
    step = np.zeros(len(xy))
    step[1:] = np.where(line[1:] == line[:-1], np.hypot(*(xy[1:] - xy[:-1]).T), 0.0)
    out = np.cumsum(step)
    starts = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    return out - np.repeat(out[starts], np.diff(np.r_[starts, len(xy)]))


def linked(xy: np.ndarray, line: np.ndarray, tol: float) -> np.ndarray:
    """Which vertex pairs the rule links directly (before chains)."""
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    at = along_lines(xy, line)
    own_stretch = (line[:, None] == line[None, :]) & (np.abs(at[:, None] - at[None, :]) <= tol)
    return (d == 0) | ((d <= tol) & ~own_stretch)


@st.composite
def vertex_sets(draw):
    """Lines of 2–5 vertices in a 3 m square (so many lie within 0.5 m), some vertices on shared exact points."""
    n_lines = draw(st.integers(1, 8))
    pool = draw(st.lists(st.tuples(st.floats(0, 3), st.floats(0, 3)), min_size=1, max_size=4))
    xy, line = [], []
    for k in range(n_lines):
        for _ in range(draw(st.integers(2, 5))):
            if draw(st.booleans()):
                xy.append(draw(st.sampled_from(pool)))
            else:
                xy.append((draw(st.floats(0, 3)), draw(st.floats(0, 3))))
            line.append(k)
    return np.array(xy, float), np.array(line)


@settings(max_examples=200, deadline=None)
@given(vertex_sets(), st.sampled_from([0.5, 0.2, 1.0]))
def test_vertices_within_the_tolerance_join_and_farther_ones_only_through_chains(case, tol):
    xy, line = case
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    at = along_lines(xy, line)
    # exactly at the tolerance (in space or along a line) rounding decides: leave those out
    assume(not (np.abs(d - tol) < 1e-9).any())
    assume(not (np.abs(np.abs(at[:, None] - at[None, :]) - tol) < 1e-9).any())
    vid, n = _vertex_ids(xy, line, at + 1000.0 * line, tol)     # `along` may run on across lines
    link = linked(xy, line, tol)
    # brute force: every pair's distance, chains as connected components in networkx
    g = nx.Graph()
    g.add_nodes_from(range(len(xy)))
    g.add_edges_from((int(i), int(j)) for i, j in zip(*np.nonzero(link), strict=True) if i < j)
    expected = sorted((set(c) for c in nx.connected_components(g)), key=min)
    assert sorted((set(np.flatnonzero(vid == k).tolist()) for k in range(n)), key=min) == expected
    assert sorted(set(vid.tolist())) == list(range(n))
    # the two halves of the rule, stated directly
    same = vid[:, None] == vid[None, :]
    assert same[link].all()                              # linked (within the tolerance): always one junction
    for i, j in zip(*np.nonzero(same & (d > tol)), strict=True):   # farther apart: only through a chain
        path = nx.shortest_path(g, int(i), int(j))
        assert len(path) >= 3 and all(d[a, b] <= tol for a, b in zip(path[:-1], path[1:], strict=True))


def test_two_coordinates_sharing_a_hash_key_stay_two_points():
    from layout.network.graph import _equal_points

    mult = np.uint64(0x9E3779B97F4A7C15)
    a = np.array([[500000.25, 3300000.75]])
    bits = a.view(np.uint64)[0]
    for x2 in np.linspace(400000.0, 600000.0, 50):
        xb = np.array([x2]).view(np.uint64)
        yb = (bits[:1] * mult) ^ bits[1:] ^ (xb * mult)             # the same key as a, by construction
        y2 = float(yb.view(np.float64)[0])
        if np.isfinite(y2) and x2 != a[0, 0]:
            break
    coords = np.vstack([a, [[x2, y2]], a])
    point, xy = _equal_points(coords)
    assert point.tolist() == [0, 1, 0] and xy.tolist() == coords[:2].tolist()
