"""The on-disk travel-matrix cache: hits, misses on any changed input, corrupted files recomputed."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

import layout.network.route as route
from layout.network import RoadNetwork
from layout.standards import load_standards


def setup():
    roads = gpd.GeoDataFrame({"road_class": ["village", "county"]},
                             geometry=[LineString([(0, 0), (2000, 0)]), LineString([(2000, 0), (2000, 3000)])],
                             crs=32648)
    v = gpd.GeoDataFrame(geometry=[Point(0, 10), Point(2000, 2900), Point(9000, 9000)], crs=32648,
                         index=pd.Index(["V1", "V2", "V3"], name="village_id"))
    s = gpd.GeoDataFrame(geometry=[Point(1500, 0)], index=pd.Index(["S1"], name="school_id"), crs=32648)
    return roads, v, s


@pytest.fixture
def counting(monkeypatch):
    calls = []
    original = route.network_matrix

    def wrapped(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(route, "network_matrix", wrapped)
    return calls


def test_hit_returns_the_same_matrix_without_recomputing(tmp_path, counting):
    roads, v, s = setup()
    net = RoadNetwork.from_roads(roads)
    first = net.matrix(v, s, "bus", cache_dir=tmp_path)
    second = net.matrix(v, s, "bus", cache_dir=tmp_path)
    assert len(counting) == 1
    pd.testing.assert_frame_equal(first.minutes, second.minutes)
    pd.testing.assert_frame_equal(first.metres, second.metres)
    pd.testing.assert_frame_equal(first.unreachable, second.unreachable)
    pd.testing.assert_frame_equal(first.snap, second.snap)
    assert second.mode == "bus" and not second.estimated
    assert len(list(tmp_path.glob("*.npz"))) == 1 and not list(tmp_path.glob("*.tmp"))


def test_any_changed_input_is_a_miss(tmp_path, counting):
    roads, v, s = setup()
    net = RoadNetwork.from_roads(roads)
    net.matrix(v, s, "walk", cache_dir=tmp_path)
    net.matrix(v, s, "bus", cache_dir=tmp_path)                                # mode
    net.matrix(v, s, "walk", cache_dir=tmp_path, cutoff=30)                    # cutoff
    moved = v.copy()
    moved.loc["V1", "geometry"] = Point(0, 20)
    net.matrix(moved, s, "walk", cache_dir=tmp_path)                           # points
    slower = RoadNetwork.from_roads(roads, load_standards({"modes": {"walk": {"speed_kmh": 3.5}}}))
    slower.matrix(v, s, "walk", cache_dir=tmp_path)                            # mode definition
    other_roads = roads.copy()
    other_roads.loc[0, "road_class"] = "township"
    RoadNetwork.from_roads(other_roads).matrix(v, s, "walk", cache_dir=tmp_path)   # roads
    assert len(counting) == 6
    net.matrix(v, s, "walk", cache_dir=tmp_path)
    assert len(counting) == 6


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupted_cache_is_recomputed_and_replaced(tmp_path, counting, damage):
    roads, v, s = setup()
    net = RoadNetwork.from_roads(roads)
    good = net.matrix(v, s, "walk", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"\x00" * 100, "empty": b""}[damage])
    again = net.matrix(v, s, "walk", cache_dir=tmp_path)
    assert len(counting) == 2
    np.testing.assert_array_equal(again.minutes.to_numpy(), good.minutes.to_numpy())
    net.matrix(v, s, "walk", cache_dir=tmp_path)                              # repaired: a hit again
    assert len(counting) == 2
