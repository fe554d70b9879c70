"""RoadNetwork construction: junctions at shared vertices, edges, segments, one-way, networkx view."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from layout.errors import LayoutInputError
from layout.network import RoadNetwork


def roads(lines, classes=None, **cols):
    classes = classes or ["village"] * len(lines)
    return gpd.GeoDataFrame({"road_class": classes, **cols}, geometry=lines, crs=32648)


def test_lines_split_at_shared_vertex_but_not_at_a_bare_crossing():
    # A T-junction through a shared interior vertex, and a bridge crossing without a shared vertex
    net = RoadNetwork.from_roads(roads([
        LineString([(0, 0), (500, 0), (1000, 0)]),
        LineString([(500, 0), (500, 400)]),
        LineString([(750, -300), (750, 300)]),      # crosses the first line at (750, 0): a bridge
    ]))
    assert len(net.edges) == 4                          # first line split in two at (500, 0)
    assert net.n_nodes == 6
    assert sorted(net.edge_length) == [400.0, 500.0, 500.0, 600.0]
    g = net.graph
    assert g.number_of_nodes() == 6
    assert g.number_of_edges() == 8                     # every road two-way
    mg = net.mode("walk")
    bridge = net.edges.index[net.edges["length_m"] == 600.0][0]
    assert mg.component[net.edge_u[bridge]] != mg.component[net.edge_u[0]]


def test_vertices_within_tolerance_join_and_intermediate_vertices_are_not_nodes():
    net = RoadNetwork.from_roads(roads([
        LineString([(0, 0), (300, 100), (600, 0)]),
        LineString([(600.2, 0.1), (900, 0)]),           # 0.22 m away: same junction at 0.5 m tolerance
    ]))
    assert net.n_nodes == 3 and len(net.edges) == 2
    assert net.edge_length[0] == pytest.approx(2 * np.hypot(300, 100))
    # segments keep the polyline: two segments on the first edge, offsets along it
    first = np.flatnonzero(net.seg_edge == 0)
    assert net.seg_offset[first].tolist() == pytest.approx([0.0, np.hypot(300, 100)])


def test_oneway_against_drawing_direction_is_stored_reversed():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (100, 0), (1000, 0)])], oneway=[-1]))
    e = net.edges.iloc[0]
    assert bool(e["oneway"])
    assert tuple(net.nodes[e["u"]]) == (1000.0, 0.0)   # travel allowed from u (x=1000) to v (x=0)
    # the segment near x=0 is now at the far end of the edge
    near_origin = np.flatnonzero(net.seg_xy[:, 2] == 0.0)[0]
    assert net.seg_offset[near_origin] == pytest.approx(900.0)
    bus = net.mode("bus")
    assert bus.forward[0] and not bus.backward[0]
    walk = net.mode("walk")                             # pedestrians ignore one-way signs
    assert walk.forward[0] and walk.backward[0]


def test_multilinestrings_and_empty_geometry():
    net = RoadNetwork.from_roads(roads([MultiLineString([[(0, 0), (10, 0)], [(10, 0), (20, 0)]]),
                                        LineString()]))
    assert len(net.edges) == 2


def test_lonlat_roads_are_refused_with_a_fix():
    gdf = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(105, 30), (105.1, 30)])], crs=4326)
    with pytest.raises(LayoutInputError, match="project them"):
        RoadNetwork.from_roads(gdf)


def test_edge_geometries_round_trip():
    line = LineString([(0, 0), (300, 100), (600, 0)])
    net = RoadNetwork.from_roads(roads([line]))
    geoms = net.edge_geometries()
    assert geoms.geometry.iloc[0].equals(line)
    assert geoms.crs == net.crs


def test_parallel_roads_keep_the_fastest_arc_for_the_bus():
    # two roads between the same junctions: a slow village road (straight) and a fast county road (longer)
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (1000, 0)]),
                                        LineString([(0, 0), (500, 300), (1000, 0)])],
                                       classes=["village", "county"]))
    bus = net.mode("bus")
    assert len(bus.arc_u) == 2                          # one arc each way, not four
    fast = 2 * np.hypot(500, 300) / (35 * 1000 / 60)
    assert bus.arc_minutes.tolist() == pytest.approx([fast, fast])
    assert not bus.uniform_speed
