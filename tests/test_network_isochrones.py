"""Isochrones: the reached stretch of every road, including partial edges and the school's own edge."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from layout.network import RoadNetwork, isochrones


def net_and_school(oneway=None):
    roads = gpd.GeoDataFrame({"road_class": ["village", "village", "footpath"],
                              "oneway": oneway or [0, 0, 0]},
                             geometry=[LineString([(0, 0), (3000, 0)]), LineString([(3000, 0), (3000, 3000)]),
                                       LineString([(0, 0), (0, 3000)])], crs=32648)
    s = gpd.GeoDataFrame(geometry=[Point(2000, 0), Point(50_000, 0)], crs=32648,
                         index=pd.Index(["S1", "S2"], name="school_id"))
    return RoadNetwork.from_roads(roads), s


def test_walk_isochrone_reaches_partial_edges_both_ways():
    net, s = net_and_school()
    iso = isochrones(net, s, 30, "walk", buffer_metres=50)     # 2 km at 4 km/h
    # from (2000, 0): 2000 m west to (0, 0), 1000 m east to the corner then 1000 m north: 4 km of road
    assert iso.loc["S1", "road_km"] == pytest.approx(4.0)
    g = iso.loc["S1", "geometry"]
    assert g.contains(Point(100, 0)) and g.contains(Point(3000, 900))
    assert not g.contains(Point(3000, 1200)) and not g.contains(Point(0, 200))
    assert iso.crs == net.crs and list(iso.index) == ["S1", "S2"]
    assert iso.loc["S2", "geometry"].is_empty and iso.loc["S2", "road_km"] == 0   # no road within reach


def test_bus_isochrone_pays_the_wait_and_skips_footpaths():
    net, s = net_and_school()
    iso = isochrones(net, s.iloc[:1], 8, "bus", buffer_metres=50)   # 3 minutes of driving at 20 km/h = 1 km
    assert iso.loc["S1", "road_km"] == pytest.approx(2.0)
    assert not iso.loc["S1", "geometry"].contains(Point(0, 100))


def test_one_way_edge_counts_only_where_the_school_can_be_reached():
    net, s = net_and_school(oneway=[1, 0, 0])                  # the x-axis road only eastward
    iso = isochrones(net, s.iloc[:1], 8, "bus", buffer_metres=50)
    # the school at x=2000 is reached from the west (up to 1 km) but not from the east
    assert iso.loc["S1", "road_km"] == pytest.approx(1.0)
    assert iso.loc["S1", "geometry"].contains(Point(1100, 0))
    assert not iso.loc["S1", "geometry"].contains(Point(2500, 0))
