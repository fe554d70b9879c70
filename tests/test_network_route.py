"""Known-answer travel matrices on hand-made networks: snapping, off-road legs, modes, one-way, reasons."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import LineString, Point

from layout.county import County
from layout.errors import LayoutInputError
from layout.network import RoadNetwork, travel

WALK = 4000 / 60          # metres per minute at 4 km/h
DETOUR = 1.3


def roads(lines, classes=None, **cols):
    classes = classes or ["village"] * len(lines)
    return gpd.GeoDataFrame({"road_class": classes, **cols}, geometry=lines, crs=32648)


def points(coords, prefix, name):
    return gpd.GeoDataFrame(geometry=[Point(c) for c in coords], crs=32648,
                            index=pd.Index([f"{prefix}{i + 1}" for i in range(len(coords))], name=name))


def villages(*coords):
    return points(coords, "V", "village_id")


def schools(*coords):
    return points(coords, "S", "school_id")


def test_snaps_to_the_middle_of_an_edge_with_an_off_road_leg():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (2000, 0)])]))
    tm = net.matrix(villages((500, 100)), schools((1500, -50)), "walk")
    metres = 1000 + (100 + 50) * DETOUR
    assert tm.metres.iloc[0, 0] == pytest.approx(metres)
    assert tm.minutes.iloc[0, 0] == pytest.approx(metres / WALK)
    assert tm.snap.loc["V1", "snap_metres"] == pytest.approx(100)
    assert tm.snap.loc["S1", "snap_metres"] == pytest.approx(50)
    assert not tm.snap["flagged"].any()
    assert tm.unreachable.empty


def test_route_through_junctions_with_points_on_different_edges():
    # an L: (0,0) → (1000,0) → (1000,1000); village on the first leg, school on the second
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 1000)])]))
    tm = net.matrix(villages((200, 0), (0, -30)), schools((1000, 600), (1040, 300)), "walk")
    expect = np.array([[800 + 600, 800 + 300 + 40 * DETOUR],
                       [1000 + 600 + 30 * DETOUR, 1000 + 300 + 70 * DETOUR]])
    np.testing.assert_allclose(tm.metres.to_numpy(), expect)
    np.testing.assert_allclose(tm.minutes.to_numpy(), expect / WALK)


def test_unreachable_component_no_road_in_reach_and_flagged_points_have_reasons():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (2000, 0)]),
                                        LineString([(50_000, 0), (52_000, 0)])]))   # a separate valley
    v = villages((100, 0), (1000, 1500), (1000, 9000))
    s = schools((1900, 0), (51_000, 10))
    tm = net.matrix(v, s, "walk")
    # V2 is 1,500 m from the road: flagged but routed
    assert bool(tm.snap.loc["V2", "flagged"]) and np.isfinite(tm.minutes.loc["V2", "S1"])
    assert tm.minutes.loc["V2", "S1"] == pytest.approx((900 + 1500 * DETOUR) / WALK)
    # V3 is 9,000 m from any road (> max_snap_metres 5000): unreachable everywhere
    assert bool(tm.snap.loc["V3", "flagged"]) and not bool(tm.snap.loc["V3", "snapped"])
    reasons = tm.unreachable.set_index(["village_id", "school_id"])["reason"]
    assert reasons[("V3", "S1")] == "no usable road for walk within 5000 m of the village"
    assert reasons[("V1", "S2")] == "on a different road component (not connected)"
    assert np.isinf(tm.minutes.loc["V1", "S2"]) and np.isinf(tm.metres.loc["V1", "S2"])
    assert len(tm.unreachable) == int((~np.isfinite(tm.minutes.to_numpy())).sum()) == 4


def test_bus_cannot_use_footpaths_and_pays_the_wait():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (2000, 0)]), LineString([(2000, 0), (2000, 500)])],
                                       classes=["village", "footpath"]))
    v, s = villages((0, 0)), schools((2000, 500))
    walk = net.matrix(v, s, "walk")
    assert walk.metres.iloc[0, 0] == pytest.approx(2500)
    bus = net.matrix(v, s, "bus")
    bus_speed = 20 * 1000 / 60                              # village road, from the standards
    # the school joins the nearest *village* road at (2000, 0): 500 m walked off-road × detour
    assert bus.snap.loc["S1", "snap_metres"] == pytest.approx(500)
    assert bool(bus.snap.loc["S1", "flagged"]) is False
    expect = 2000 / bus_speed + 500 * DETOUR / WALK + 5.0
    assert bus.minutes.iloc[0, 0] == pytest.approx(expect)
    assert bus.metres.iloc[0, 0] == pytest.approx(2000 + 650)


def test_bus_takes_the_faster_longer_road_and_reports_its_length():
    fast = LineString([(0, 0), (1000, 1000), (2000, 0)])     # county road, 2,828 m at 35 km/h
    slow = LineString([(0, 0), (2000, 0)])                   # village road, 2,000 m at 20 km/h
    net = RoadNetwork.from_roads(roads([slow, fast], classes=["village", "county"]))
    tm = net.matrix(villages((0, 0)), schools((2000, 0)), "bus")
    length = 2 * np.hypot(1000, 1000)
    assert tm.minutes.iloc[0, 0] == pytest.approx(length / (35000 / 60) + 5.0)
    assert tm.metres.iloc[0, 0] == pytest.approx(length, abs=0.01)
    # a per-line speed overrides the class speed for the bus (not for walking)
    net2 = RoadNetwork.from_roads(roads([slow, fast], classes=["village", "county"], speed_kmh=[60.0, np.nan]))
    tm2 = net2.matrix(villages((0, 0)), schools((2000, 0)), "bus")
    assert tm2.metres.iloc[0, 0] == pytest.approx(2000, abs=0.01)
    assert tm2.minutes.iloc[0, 0] == pytest.approx(2.0 + 5.0)
    assert net2.matrix(villages((0, 0)), schools((2000, 0)), "walk").metres.iloc[0, 0] == pytest.approx(2000)


@pytest.mark.parametrize("n_other", [1, 3])   # Dijkstra from schools (reversed arcs) or from villages
def test_bus_respects_one_way_roads_and_walking_does_not(n_other):
    short = LineString([(0, 0), (1000, 0)])                  # one-way from A (0,0) to B (1000,0)
    detour = LineString([(0, 0), (500, 2000), (1000, 0)])    # two-way, longer
    net = RoadNetwork.from_roads(roads([short, detour], oneway=["yes", None]))
    a_to_b = net.matrix(villages((0, 0)), schools(*[(1000, 0)] * n_other), "bus")
    b_to_a = net.matrix(villages(*[(1000, 0)] * n_other), schools((0, 0)), "bus")
    bus = 20000 / 60
    assert a_to_b.minutes.iloc[0, 0] == pytest.approx(1000 / bus + 5)
    assert b_to_a.minutes.iloc[0, 0] == pytest.approx(2 * np.hypot(500, 2000) / bus + 5)
    walk = net.matrix(villages((1000, 0)), schools((0, 0)), "walk")
    assert walk.metres.iloc[0, 0] == pytest.approx(1000)


def test_one_way_with_no_way_back_gives_its_reason():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (1000, 0)])], oneway=[1]))
    tm = net.matrix(villages((900, 0)), schools((100, 0)), "bus")
    assert np.isinf(tm.minutes.iloc[0, 0])
    assert tm.unreachable["reason"].iloc[0] == "no route in the allowed direction (one-way roads)"
    ok = net.matrix(villages((100, 0)), schools((900, 0)), "bus")
    assert ok.minutes.iloc[0, 0] == pytest.approx(800 / (20000 / 60) + 5)


def test_cutoff_marks_long_trips_with_their_reason():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (3000, 0)])]))
    tm = net.matrix(villages((0, 0), (2500, 0)), schools((3000, 0)), "walk", cutoff=20)
    assert np.isinf(tm.minutes.loc["V1", "S1"])                # 45 minutes
    assert tm.minutes.loc["V2", "S1"] == pytest.approx(7.5)
    assert tm.unreachable["reason"].tolist() == ["beyond the 20-minute cutoff"]


def test_parallel_threads_do_not_change_the_answer():
    rng = np.random.default_rng(3)
    grid = [LineString([(x, 0), (x, 3000)]) for x in range(0, 3001, 500)]
    grid += [LineString([(0, y), (3000, y)]) for y in range(0, 3001, 500)]
    net = RoadNetwork.from_roads(roads(grid))
    v = villages(*rng.uniform(0, 3000, (30, 2)))
    s = schools(*rng.uniform(0, 3000, (12, 2)))
    whole = net.matrix(v, s, "bus")
    parallel = net.matrix(v, s, "bus", workers=3)           # sources split into blocks searched by 3 threads
    np.testing.assert_array_equal(parallel.minutes.to_numpy(), whole.minutes.to_numpy())
    np.testing.assert_array_equal(parallel.metres.to_numpy(), whole.metres.to_numpy())
    assert np.isfinite(whole.minutes.to_numpy()).sum() > 20   # lines cross without junctions: few pairs connect
    # the other way round (villages as the search side) gives the same numbers
    swapped = net.matrix(v.iloc[:5], s, "bus")
    np.testing.assert_allclose(swapped.minutes.to_numpy(), whole.minutes.to_numpy()[:5])
    np.testing.assert_allclose(swapped.metres.to_numpy(), whole.metres.to_numpy()[:5])


def test_village_by_village_matrix_for_recommendations():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (1000, 0)])]))
    v = villages((0, 0), (1000, 0))
    tm = net.matrix(v, v, "walk")
    assert tm.minutes.loc["V1", "V2"] == pytest.approx(15.0)
    assert tm.minutes.loc["V1", "V1"] == pytest.approx(0.0)


def county_with(roads_gdf, v, s):
    return County(name="test", villages=v, schools=s, roads=roads_gdf, crs=CRS(32648))


def test_travel_uses_the_county_roads_and_appends_new_sites():
    c = county_with(roads([LineString([(0, 0), (2000, 0)])]), villages((0, 0)), schools((1000, 0)))
    new = points([(2000, 0)], "N", "school_id")
    tm = travel(c, "walk", sites=new)
    assert list(tm.school_ids) == ["S1", "N1"]
    assert tm.minutes.loc["V1"].tolist() == pytest.approx([15.0, 30.0])
    assert not tm.estimated
    assert travel(c, "walk") is not tm                       # the network is reused, the matrix recomputed


def test_travel_without_roads_is_a_labelled_estimate():
    c = county_with(None, villages((0, 0)), schools((1000, 0)))
    tm = travel(c, "walk")
    assert tm.estimated
    assert tm.minutes.iloc[0, 0] == pytest.approx(1000 * 1.4 / WALK)


def test_travel_refuses_unknown_modes_and_networks_in_another_crs():
    c = county_with(roads([LineString([(0, 0), (2000, 0)])]), villages((0, 0)), schools((1000, 0)))
    with pytest.raises(LayoutInputError, match="unknown travel mode"):
        travel(c, "bicycle")
    other = RoadNetwork.from_roads(roads([LineString([(0, 0), (1, 0)])]).set_crs(32649, allow_override=True))
    with pytest.raises(LayoutInputError, match="another CRS"):
        travel(c, "walk", network=other)


def test_a_network_without_usable_roads_reports_every_pair():
    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (1000, 0)])], classes=["footpath"]))
    tm = net.matrix(villages((0, 0)), schools((1000, 0)), "bus")
    assert np.isinf(tm.minutes.iloc[0, 0])
    assert tm.unreachable["reason"].iloc[0] == "no usable road for bus within 5000 m of the village"
    empty = RoadNetwork.from_roads(roads([]))
    assert len(empty.edges) == 0
    assert np.isinf(empty.matrix(villages((0, 0)), schools((1, 0)), "walk").minutes.iloc[0, 0])


@pytest.mark.parametrize("mode", ["walk", "bus"])
def test_a_point_on_a_loop_road_leaves_by_the_shorter_way(mode):
    ring = LineString([(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)])   # a 4 km loop, one junction
    spur = LineString([(0, 0), (-500, 0)])
    net = RoadNetwork.from_roads(roads([ring, spur]))
    metres = 1100 + 500                                         # back along the loop, not 2,900 m around it
    speed = WALK if mode == "walk" else 20000 / 60
    for tm in (net.matrix(villages((1000, 100)), schools((-500, 0)), mode),      # search from the spur
               net.matrix(villages((-500, 0)), schools((1000, 100)), mode)):     # search from the loop
        assert tm.metres.iloc[0, 0] == pytest.approx(metres)
        assert tm.minutes.iloc[0, 0] == pytest.approx(metres / speed + (5 if mode == "bus" else 0))


@pytest.mark.parametrize("school", [(1000, 0), (1000.3, 0.2), (1000, -0.4)])
def test_a_school_at_a_junction_is_reached_from_every_road_of_it(school):
    # the school's nearest road is a one-way road running *into* the junction (away from the school's side): the
    # bus still reaches it by the two-way road, as the school stands at the junction (within the 0.5 m tolerance)
    net = RoadNetwork.from_roads(roads([LineString([(1000, -1000), (1000, 0)]), LineString([(0, 0), (1000, 0)])],
                                       classes=["county", "county"], oneway=[True, False]))
    bus = net.matrix(villages((0, 0)), schools(school), "bus")
    assert bus.minutes.iloc[0, 0] == pytest.approx(5.0 + 1000 / (35 * 1000 / 60) + bus.snap["snap_metres"].iloc[1]
                                                   * DETOUR / WALK)
    assert bus.metres.iloc[0, 0] == pytest.approx(1000.0 + bus.snap["snap_metres"].iloc[1] * DETOUR)
    # and trips *from* it leave by any road of the junction too
    back = net.matrix(villages(school), schools((0, 0)), "bus")
    assert np.isfinite(back.minutes.iloc[0, 0])


def test_progress_bar_and_logging(capsys, caplog, monkeypatch):
    import logging

    import layout.network.route as route

    net = RoadNetwork.from_roads(roads([LineString([(0, 0), (3000, 0)]), LineString([(3000, 0), (3000, 900)])]))
    v, s = villages((0, 10), (1000, 10), (2500, -10)), schools((3000, 900), (100, 0))
    quiet = net.matrix(v, s, "walk", progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(route, "PROGRESS_DELAY_SECONDS", 0.0)       # show the bar at once
    with caplog.at_level(logging.INFO, logger="layout.network"):
        shown = net.matrix(v, s, "walk")
    err = capsys.readouterr().err
    assert "walk (schools)" in err and "/2 " in err                  # searched from the 2 schools
    pd.testing.assert_frame_equal(shown.minutes, quiet.minutes)
    text = caplog.text
    assert "walk: 3 villages × 2 schools" in text and "0 of 6 pairs unreachable" in text
