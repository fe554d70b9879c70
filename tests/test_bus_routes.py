"""School buses on shared routes (layout.transport): known answers, invariants, bad input, the fallback."""

from __future__ import annotations

import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import CRS
from shapely.geometry import LineString, Point

from layout.county import County
from layout.errors import LayoutInputError
from layout.network import travel
from layout.standards import load_standards
from layout.transport import (
    PER_LINK,
    BusRouteError,
    RoutingFallbackWarning,
    bus_routes,
    check_bus_routes,
    per_link_estimate,
)
from layout.transport.legs import county_legs, school_legs

CRS_M = CRS(32648)


def _points(xy, prefix, name):
    return gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=CRS_M,
                            index=pd.Index([f"{prefix}{i + 1}" for i in range(len(xy))], name=name))


def line_county(standards=None, villages=((0, 0), (2000, 0), (4000, 0)), school=(6000, 0), extra_roads=()):
    """Villages along one 6 km village road (20 km/h: 6 minutes per 2 km) and a school at its end."""
    roads = gpd.GeoDataFrame({"road_class": ["village"] * (1 + len(extra_roads))},
                             geometry=[LineString([(0, 0), (6000, 0)]), *[LineString(r) for r in extra_roads]],
                             crs=CRS_M)
    return County(name="line", villages=_points(villages, "V", "village_id"), schools=_points([school], "S", "school_id"),
                  roads=roads, crs=CRS_M, standards=standards or load_standards())


def riders_df(rows):
    return pd.DataFrame(rows, columns=["village_id", "school_id", "band", "children"])


# ---- known answers -----------------------------------------------------------------------------------------

def test_three_villages_on_one_road_make_one_route_in_order():
    county = line_county()
    riders = riders_df([("V1", "S1", "g1_3", 10), ("V2", "S1", "g4_6", 10), ("V3", "S1", "g1_3", 10)])
    r = bus_routes(riders, county)
    assert r.method.startswith("pyvroom") and not r.estimated
    assert len(r.routes) == 1
    route = r.routes.iloc[0]
    assert route["stops"] == "V1 → V2 → V3" and route["children"] == 30 and route["vehicles"] == 1
    assert route["bands"] == "g1_3,g4_6"
    # ride: a 1-minute dwell at each stop and 6 minutes between stops
    assert r.stops["ride_minutes"].tolist() == pytest.approx([21.0, 14.0, 7.0])
    assert route["minutes"] == pytest.approx(21.0)
    assert route["km"] == pytest.approx(12.0) and route["empty_km"] == pytest.approx(6.0)
    # 12 km × 2 runs × 190 days; 120,000 yuan a vehicle + 3 yuan a vehicle-km
    assert r.vehicle_km_per_year == pytest.approx(12.0 * 2 * 190)
    assert r.annual_cost == pytest.approx(120_000 + 12.0 * 2 * 190 * 3.0)
    assert r.costs["capital_new_vehicles"] == pytest.approx(500_000)
    line = r.lines.geometry.iloc[0]
    assert line.length == pytest.approx(6000.0) and line.coords[0] == (0.0, 0.0) and line.coords[-1] == (6000.0, 0.0)
    assert r.stop_points["order"].tolist() == [1, 2, 3]
    check_bus_routes(r, county, riders)


def test_a_strict_limit_leaves_the_far_village_unserved_and_pools_the_rest():
    std = load_standards({"travel": {"bus_limit_minutes": {"g1_3": 15}}})
    county = line_county(std)
    riders = riders_df([("V1", "S1", "g1_3", 10), ("V2", "S1", "g1_3", 10), ("V3", "S1", "g1_3", 10)])
    r = bus_routes(riders, county)
    # V1 rides 19 minutes even straight to school: over 15, unserved; V2 → V3 rides 14 ≤ 15
    assert r.routes["stops"].tolist() == ["V2 → V3"]
    u = r.unserved
    assert u[["village_id", "band", "children", "reason"]].values.tolist() == [["V1", "g1_3", 10, "direct_ride_over_limit"]]
    assert "19.0 min > g1_3 limit 15" in u["detail"].iloc[0] and u["message_zh"].iloc[0]
    check_bus_routes(r, county, riders, standards=std)


def test_mixed_bands_each_keep_their_own_limit():
    # first-graders at V2 (30 min) and middle-school pupils at V1 (60 min): V1 may be picked up first although the
    # route takes longer than 30 minutes, as long as V2's own ride is within 30
    std = load_standards({"travel": {"bus_limit_minutes": {"g1_3": 10, "g7_9": 60}}})
    county = line_county(std)
    riders = riders_df([("V1", "S1", "g7_9", 10), ("V3", "S1", "g1_3", 10)])
    r = bus_routes(riders, county)
    assert r.routes["stops"].tolist() == ["V1 → V3"]
    rides = check_bus_routes(r, county, riders, standards=std).set_index("village_id")
    assert rides.loc["V1", "checked_minutes"] == pytest.approx(20.0) and rides.loc["V1", "band_limit"] == 60
    assert rides.loc["V3", "checked_minutes"] == pytest.approx(7.0) and rides.loc["V3", "band_limit"] == 10


def test_seats_split_villages_that_together_overfill_a_bus():
    county = line_county()
    riders = riders_df([("V1", "S1", "g4_6", 30), ("V2", "S1", "g4_6", 30), ("V3", "S1", "g4_6", 30)])
    r = bus_routes(riders, county)
    assert len(r.routes) == 3 and (r.routes["children"] == 30).all() and r.vehicles == 3


def test_a_big_village_gets_full_shuttles_and_pools_the_rest_strictest_bands_first():
    county = line_county()
    riders = riders_df([("V1", "S1", "g1_3", 10), ("V1", "S1", "g7_9", 70), ("V2", "S1", "g4_6", 5)])
    r = bus_routes(riders, county)
    shuttles = r.routes[r.routes["kind"] == "shuttle"]
    assert len(shuttles) == 2 and (shuttles["children"] == 35).all() and (shuttles["n_stops"] == 1).all()
    # the first-graders ride a direct shuttle, the rest of the middle-school pupils share a route with V2
    first = r.riders[(r.riders["band"] == "g1_3")]
    assert first["route_id"].isin(shuttles.index).all()
    shared = r.routes[r.routes["kind"] == "shared"]
    assert shared["stops"].tolist() == ["V1 → V2"] and shared["children"].tolist() == [15]
    check_bus_routes(r, county, riders)


def test_direct_ride_relates_to_the_allocation_matrix_minute():
    # villages 300 m off the road: the matrix walks that leg and waits 5 minutes; the ride does neither
    county = line_county(villages=((0, 300), (2000, -150), (4000, 40)), school=(6000, 200))
    bus = travel(county, "bus")
    legs = school_legs(bus_net(county), "S1", county.schools.geometry["S1"], county.villages, county.standards)
    spec_wait = county.standards.get("modes.bus.wait_minutes")
    dwell = county.standards.get("costs.bus_stop_minutes")
    for i, v in enumerate(county.villages.index):
        direct = dwell + legs.minutes[i + 1, 0] + legs.school_walk_minutes
        assert direct == pytest.approx(bus.minutes.loc[v, "S1"] - spec_wait - legs.village_walk_minutes[i] + dwell)
        metres = legs.metres[i + 1, 0] + legs.village_walk_metres[i] + legs.school_walk_metres
        assert metres == pytest.approx(bus.metres.loc[v, "S1"])


def bus_net(county):
    from layout.network import county_network

    return county_network(county)


def test_batched_legs_equal_one_school_at_a_time():
    from layout.datasets import make_county

    county = make_county(n_villages=60, seed=3)
    rng = np.random.default_rng(0)
    groups = {s: sorted(rng.choice(county.villages.index, size=8, replace=False)) for s in county.schools.index[:6]}
    net = bus_net(county)
    villages = county.villages[["geometry"]]
    many = county_legs(net, groups, county.schools.geometry, villages, county.standards, batch_points=20)
    for sid, vids in groups.items():
        one = school_legs(net, sid, county.schools.geometry[sid], villages.loc[vids], county.standards)
        assert np.array_equal(one.minutes, many[sid].minutes) and np.array_equal(one.metres, many[sid].metres)
        assert one.school_walk_minutes == many[sid].school_walk_minutes


# ---- invariants ----------------------------------------------------------------------------------------------

def grid_county(seed: int):
    """A road grid with one-way streets, a detached road and villages beyond any road (unreachable)."""
    rng = np.random.default_rng(seed)
    lines, classes, oneway = [], [], []
    for k in range(0, 12001, 3000):
        lines += [LineString([(0, k), (12000, k)]), LineString([(k, 0), (k, 12000)])]
        classes += ["township", "village"]
        oneway += [bool(rng.random() < 0.15), False]
    lines.append(LineString([(30000, 0), (34000, 0)]))      # not connected to the grid
    classes.append("county")
    oneway.append(False)
    roads = gpd.GeoDataFrame({"road_class": classes, "oneway": oneway}, geometry=lines, crs=CRS_M)
    n = int(rng.integers(5, 25))
    xy = [tuple(rng.uniform(-500, 12500, 2)) for _ in range(n)] + [(31000, 200), (60000, 60000)]
    schools = [tuple(rng.uniform(0, 12000, 2)) for _ in range(int(rng.integers(1, 4)))]
    return County(name="grid", villages=_points(xy, "V", "village_id"), schools=_points(schools, "S", "school_id"),
                  roads=roads, crs=CRS_M, standards=load_standards())


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), data=st.data())
def test_riders_are_conserved_and_every_ride_is_within_its_limit(seed, data):
    county = grid_county(seed)
    vids, sids = list(county.villages.index), list(county.schools.index)
    rows = data.draw(st.lists(st.tuples(st.sampled_from(vids), st.sampled_from(sids),
                                        st.sampled_from(["g1_3", "g4_6", "g7_9"]), st.integers(0, 90)),
                              min_size=1, max_size=30))
    riders = riders_df(rows)
    r = bus_routes(riders, county, seed=seed % 3)
    assert not r.estimated
    # routed + unserved = input, for every village, school and band (check_bus_routes raises otherwise)
    rides = check_bus_routes(r, county, riders)
    assert rides["within_limit"].all()
    assert r.children_routed + r.children_unserved == riders["children"].sum()
    seats = county.standards.get("costs.bus_seats")
    assert (r.routes["children"] <= seats).all() and (r.routes["vehicles"] == 1).all()
    assert r.riders.groupby("route_id")["children"].sum().reindex(r.routes.index).tolist() == r.routes["children"].tolist()
    # the unreachable villages are listed with a reason, never routed
    far = r.unserved[r.unserved["village_id"].isin([vids[-1], vids[-2]])]
    assert set(far["reason"]) <= {"no_road"}
    assert not r.riders["village_id"].isin([vids[-1], vids[-2]]).any()
    assert (r.stops.groupby("route_id")["ride_minutes"].apply(lambda m: m.is_monotonic_decreasing)).all()


def test_unreachable_villages_are_unserved_with_the_reason():
    county = line_county(villages=((0, 0), (2000, 0), (30000, 0), (60000, 9000)),
                         extra_roads=[[(28000, 0), (33000, 0)]])
    riders = riders_df([("V1", "S1", "g4_6", 5), ("V3", "S1", "g4_6", 4), ("V4", "S1", "g7_9", 3)])
    r = bus_routes(riders, county)
    u = r.unserved.set_index("village_id")
    assert u.loc["V3", "reason"] == "no_road" and "different road component" in u.loc["V3", "detail"]
    assert u.loc["V4", "reason"] == "no_road" and "within 5000 m of the village" in u.loc["V4", "detail"]
    assert r.children_routed == 5 and r.children_unserved == 7
    check_bus_routes(r, county, riders)


def test_the_check_catches_a_ride_over_its_limit_and_lost_riders():
    county = line_county()
    riders = riders_df([("V1", "S1", "g1_3", 10), ("V2", "S1", "g1_3", 10), ("V3", "S1", "g1_3", 10)])
    r = bus_routes(riders, county)
    strict = load_standards({"travel": {"bus_limit_minutes": {"g1_3": 20}}})
    with pytest.raises(BusRouteError, match="ride 21.00 min > limit 20"):
        check_bus_routes(r, county, standards=strict)
    more = riders_df([("V1", "S1", "g1_3", 11), ("V2", "S1", "g1_3", 10), ("V3", "S1", "g1_3", 10)])
    with pytest.raises(BusRouteError, match="11 riders in, 10 routed or unserved"):
        check_bus_routes(r, county, more)


def test_same_seed_same_routes():
    county = grid_county(7)
    rng = np.random.default_rng(1)
    riders = riders_df([(v, "S1", "g7_9", int(rng.integers(1, 20))) for v in county.villages.index])
    a, b = bus_routes(riders, county, seed=4), bus_routes(riders, county, seed=4)
    assert a.routes.equals(b.routes) and a.stops.equals(b.stops)


@pytest.mark.slow
def test_sample_county_routes_keep_every_limit_and_beat_the_per_link_estimate():
    from layout.allocate import allocate
    from layout.datasets import sample_county
    from layout.plan import Plan

    county = sample_county()
    alloc = allocate(county, Plan.status_quo(county), {"walk": travel(county, "walk"), "bus": travel(county, "bus")})
    riders = alloc.assignments[alloc.assignments["mode"] == "bus"]
    r = bus_routes(riders, county)
    rides = check_bus_routes(r, county, riders)
    assert rides["within_limit"].all() and r.children_unserved == 0
    est = per_link_estimate(riders, county.standards)
    assert r.vehicles < est.vehicles and r.vehicle_km_per_year < est.vehicle_km_per_year
    lengths = r.lines.geometry.length / 1000.0
    assert np.allclose(lengths, r.routes.loc[r.lines.index, "loaded_km"], rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("library", ["pyvrp", "ortools"])
def test_other_libraries_give_the_known_answer(library):
    pytest.importorskip(library)
    county = line_county()
    riders = riders_df([("V1", "S1", "g4_6", 10), ("V2", "S1", "g4_6", 10), ("V3", "S1", "g4_6", 10)])
    r = bus_routes(riders, county, solver=library)
    assert r.routes["stops"].tolist() == ["V1 → V2 → V3"] and r.method.split()[0] == library


# ---- the per-link estimate and the fallback ----------------------------------------------------------------

def test_per_link_estimate_is_the_old_rule():
    std = load_standards()
    riders = pd.DataFrame({"village_id": ["V1", "V2", "V3"], "school_id": ["S1", "S1", "S2"],
                           "band": ["g7_9", "g4_6", "g1_3"], "children": [71, 5, 0], "metres": [5000.0, 2000.0, 10.0],
                           "mode": ["bus", "bus", "bus"]})
    est = per_link_estimate(riders, std)
    # ⌈71 / 35⌉ = 3 buses over 5 km and 1 over 2 km, 4 trips a day, 190 days
    assert est.vehicles == 4 and est.vehicle_km_per_year == pytest.approx((3 * 5 + 2) * 4 * 190)
    assert est.annual_cost == pytest.approx(4 * 120_000 + (3 * 5 + 2) * 4 * 190 * 3.0)
    assert est.method == PER_LINK and est.estimated and "upper bound" in est.notes[-1]


def _riders_with_metres(county):
    bus = travel(county, "bus")
    rows = [("V1", "S1", "g4_6", 10), ("V2", "S1", "g4_6", 10), ("V3", "S1", "g4_6", 40)]
    r = riders_df(rows)
    r["metres"] = [bus.metres.loc[v, "S1"] for v in r["village_id"]]
    return r


def test_an_absent_library_degrades_to_the_labelled_estimate(monkeypatch):
    county = line_county()
    riders = _riders_with_metres(county)
    monkeypatch.setitem(sys.modules, "vroom", None)          # import vroom now raises ImportError
    with pytest.warns(RoutingFallbackWarning, match="could not be loaded"):
        r = bus_routes(riders, county)
    assert r.method == PER_LINK and r.estimated
    assert any("could not be loaded" in n for n in r.notes)
    expected = per_link_estimate(riders, county.standards)
    assert r.vehicles == expected.vehicles == 4
    assert r.annual_cost == pytest.approx(expected.annual_cost)
    assert r.children_routed + r.children_unserved == 60


def test_a_failing_library_degrades_too_and_metres_are_computed_when_missing(monkeypatch):
    from layout.transport import solvers

    def broken(problem, **kw):
        raise RuntimeError("solver crashed")

    monkeypatch.setitem(solvers.SOLVERS, "vroom", broken)
    county = line_county()
    riders = _riders_with_metres(county)
    with pytest.warns(RoutingFallbackWarning, match="failed on school S1.*solver crashed"):
        r = bus_routes(riders.drop(columns="metres"), county)
    assert r.method == PER_LINK
    assert r.vehicle_km_per_year == pytest.approx(per_link_estimate(riders, county.standards).vehicle_km_per_year)


def test_no_road_network_gives_the_estimate_with_a_note():
    county = line_county().with_changes(roads=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = bus_routes(riders_df([("V1", "S1", "g4_6", 10)]), county)
    assert r.method == PER_LINK and any("no road network" in n for n in r.notes)


# ---- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("override, key", [
    ({"costs": {"bus_seats": 0}}, "costs.bus_seats"),
    ({"costs": {"bus_seats": -5}}, "costs.bus_seats"),
    ({"travel": {"bus_limit_minutes": {"g1_3": 0}}}, "travel.bus_limit_minutes.g1_3"),
    ({"travel": {"bus_limit_minutes": {"g7_9": -10}}}, "travel.bus_limit_minutes.g7_9"),
    ({"costs": {"bus_stop_minutes": -1}}, "costs.bus_stop_minutes"),
])
def test_bad_bus_standards_name_the_standard_and_the_fix(override, key):
    with pytest.raises(LayoutInputError) as err:   # refused when the standards are loaded, or when buses are routed
        bus_routes(riders_df([("V1", "S1", "g4_6", 10)]), line_county(load_standards(override)))
    p = err.value.problems[0]
    assert p.column == key and p.fix and key.split(".")[-1] in str(err.value)


def test_bad_rider_rows_are_reported_with_their_rows():
    county = line_county()
    riders = riders_df([("V1", "S1", "g4_6", 10), ("V9", "S1", "g4_6", 1), ("V2", "S7", "g4_6", 1),
                        ("V2", "S1", "g10", 1), ("V3", "S1", "g1_3", -2)])
    with pytest.raises(LayoutInputError) as err:
        bus_routes(riders, county)
    got = {(p.row, p.column) for p in err.value.problems}
    assert got == {(1, "village_id"), (2, "school_id"), (3, "band"), (4, "children")}


def test_new_school_sites_of_a_proposal_can_be_routed_to():
    county = line_county(school=(6000, 0))
    sites = gpd.GeoDataFrame(geometry=[Point(3000, 10)], crs=CRS_M, index=pd.Index(["N1"], name="school_id"))
    riders = riders_df([("V1", "N1", "g4_6", 10), ("V3", "N1", "g4_6", 10)])
    r = bus_routes(riders, county, sites=sites)
    assert r.routes["school_id"].tolist() == ["N1"] and r.routes["n_stops"].tolist() == [2]
    check_bus_routes(r, county, riders, sites=sites)
    with pytest.raises(LayoutInputError, match="unknown school"):
        bus_routes(riders, county)
