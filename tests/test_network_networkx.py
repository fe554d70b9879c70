"""RoadNetwork.to_networkx(mode): arcs a mode may use with minutes, metres and geometry; its shortest paths are the
on-road part of layout.network.travel; RoadNetwork.graph: the roads as drawn."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, Point

from layout.county import County
from layout.network import RoadNetwork, travel
from tests.test_network_properties import random_network


def roads(lines, classes, **cols):
    return gpd.GeoDataFrame({"road_class": classes, **cols}, geometry=lines, crs=32648)


def at(net: RoadNetwork, nodes, name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(net.nodes[k]) for k in nodes], crs=net.crs,
                            index=pd.Index([f"{name[0].upper()}{k}" for k in nodes], name=name))


def test_modes_see_their_own_roads_directions_and_speeds():
    # a one-way county road drawn east, a two-way village road, a footpath
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (600, 0), (1000, 0)]), LineString([(1000, 0), (1000, 800)]),
                                        LineString([(1000, 800), (0, 0)])],
                                       ["county", "village", "footpath"], oneway=[True, False, False],
                                       name=["东大街", "", ""]))
    walk, bus = net.to_networkx("walk"), net.to_networkx("bus")
    assert walk.graph["mode"] == "walk" and bus.graph["wait_minutes"] == 5.0 and bus.graph["crs"] == net.crs
    assert walk.number_of_edges() == 6                     # pedestrians: every road both ways
    assert sorted((u, v) for u, v in bus.edges()) == [(0, 1), (1, 2), (2, 1)]   # one way east, no footpath
    east = bus[0][1][0]
    assert east["edge"] == 0 and not east["reversed"] and east["oneway"] and east["name"] == "东大街"
    assert east["metres"] == 1000.0 and east["minutes"] == pytest.approx(1000 / (35 * 1000 / 60))
    assert east["speed_kmh"] == 35.0 and east["geometry"].equals(LineString([(0, 0), (600, 0), (1000, 0)]))
    back = walk[1][0][0]                                    # walking it back: geometry drawn westwards
    assert back["reversed"] and back["geometry"].coords[0] == (1000.0, 0.0) and back["speed_kmh"] == 4.0
    assert "geometry" not in net.to_networkx("bus", geometry=False)[0][1][0]
    # the roads as drawn: no travel times, every road
    assert net.graph.number_of_edges() == 5 and "minutes" not in net.graph[0][1][0]


def test_a_two_way_loop_road_has_both_arcs():
    ring = LineString([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)])
    net = RoadNetwork.from_roads(roads([ring, LineString([(0, 0), (-50, 0)])], ["village", "village"]))
    g = net.to_networkx("walk")
    loop = g[0][0]
    assert sorted(loop) == [-1, 0] and loop[-1]["reversed"] and loop[0]["geometry"].equals(ring)


def test_shortest_paths_equal_travel_minutes_on_a_county():
    lines = [LineString([(0, 0), (2000, 0)]), LineString([(2000, 0), (2000, 1500)]), LineString([(0, 0), (2000, 1500)])]
    r = roads(lines, ["village", "county", "footpath"], oneway=[False, True, False])
    net = RoadNetwork.from_roads(r)
    county = County(name="demo", villages=at(net, [0], "village_id"), schools=at(net, [1, 2], "school_id"),
                    roads=r, crs=CRS(32648))
    for mode in ("walk", "bus"):
        g = net.to_networkx(mode)
        tm = travel(county, mode)
        for s in (1, 2):
            expected = nx.shortest_path_length(g, 0, s, weight="minutes") + g.graph["wait_minutes"]
            assert tm.minutes.loc["V0", f"S{s}"] == pytest.approx(expected, rel=1e-12)
    # walking takes the footpath diagonal (2500 m); the bus goes round by the roads (3500 m)
    assert travel(county, "walk").metres.loc["V0", "S2"] == pytest.approx(2500.0)
    assert travel(county, "bus").metres.loc["V0", "S2"] == pytest.approx(3500.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_network(), st.sampled_from(["walk", "bus"]), st.integers(0, 2 ** 31 - 1))
def test_shortest_paths_equal_matrix_minutes_and_metres_between_junctions(case, mode, seed):
    net, _, _ = case
    g = net.to_networkx(mode)
    on_road = sorted({n for a, b in g.edges() for n in (a, b)})
    if not on_road:
        return
    rng = np.random.default_rng(seed)
    o = rng.choice(on_road, size=min(4, len(on_road)), replace=False)
    d = rng.choice(on_road, size=min(3, len(on_road)), replace=False)
    tm = net.matrix(at(net, o, "village_id"), at(net, d, "school_id"), mode)
    for i, a in enumerate(o):
        dist, paths = nx.single_source_dijkstra(g, int(a), weight="minutes")
        for j, b in enumerate(d):
            if int(b) not in dist:
                assert not np.isfinite(tm.minutes.iloc[i, j])
                continue
            assert tm.minutes.iloc[i, j] == pytest.approx(dist[int(b)] + g.graph["wait_minutes"], rel=1e-9, abs=1e-9)
            path = paths[int(b)]
            metres = sum(min(k["metres"] for k in g[x][y].values() if k["minutes"] == min(
                q["minutes"] for q in g[x][y].values())) for x, y in zip(path[:-1], path[1:], strict=True))
            assert tm.metres.iloc[i, j] == pytest.approx(metres, rel=1e-9, abs=1e-6)
