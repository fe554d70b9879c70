"""Allocation: known answers on hand-built counties, and conservation as a property over random counties/plans.

Travel here is the straight-line estimate: walking 4 km/h × detour 1.4 → 30 minutes ≈ 1429 m straight;
bus 30 km/h × 1.4 + 5 min wait → 45 minutes ≈ 14.3 km, 60 minutes ≈ 19.6 km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.allocate import ConservationError, allocate, band_seats
from layout.errors import LayoutInputError
from layout.network import travel
from layout.plan import Downgrade, Merge, Open, Plan
from tests.test_evaluate_fixtures import county_for, hand_county, random_plan


def both(county, plan=None):
    sites = None if plan is None else plan.new_sites
    return {m: travel(county, m, sites=sites) for m in ("walk", "bus")}


def run(county, plan=None):
    plan = plan or Plan.status_quo(county)
    return allocate(county, plan, both(county, plan))


def rows(alloc, **match):
    a = alloc.assignments
    for k, v in match.items():
        a = a[a[k] == v]
    return a


def test_nearest_school_with_room_and_walking():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20}],
                    [{"id": "A", "kind": "primary", "x": 400, "y": 0, "seats": 100},
                     {"id": "B", "kind": "primary", "x": 900, "y": 0, "seats": 100}])
    a = run(c)
    assert rows(a)[["school_id", "mode", "children"]].values.tolist() == [["A", "walk", 20]]
    assert a.unserved.empty and a.splits.empty
    assert rows(a)["minutes"].iloc[0] == pytest.approx(400 * 1.4 / (4000 / 60))


def test_capacity_forces_a_split_and_it_is_reported():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 50}],
                    [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 30},
                     {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 100}])
    a = run(c)
    got = dict(zip(rows(a)["school_id"], rows(a)["children"], strict=True))
    assert got == {"A": 15, "B": 35}        # a primary's 30 seats: 15 for grades 1-3, 15 for grades 4-6
    assert a.splits[["village_id", "band", "children", "parts"]].values.tolist() == [["V1", "g1_3", 50, 2]]


def test_seats_are_shared_by_band_and_merged_seats_follow_their_pupils():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 5}],
                    [{"id": "P", "kind": "primary", "x": 0, "y": 0, "seats": 101, "enrol": {"g1_3": 30}},
                     {"id": "N", "kind": "nine_year", "x": 0, "y": 0, "seats": 90},
                     {"id": "T", "kind": "teaching_point", "x": 0, "y": 0, "seats": 40, "enrol": {"g1_3": 12}}])
    plan = Plan.status_quo(c)
    assert band_seats(plan, plan.schools.index, c.standards).tolist() == [[51, 50, 0], [30, 30, 30], [40, 0, 0]]
    merged = plan.apply(Merge("T", "P"))
    assert band_seats(merged, pd.Index(["P"]), c.standards).tolist() == [[51 + 12, 50, 0]]


def test_groups_stay_together_when_capacity_allows():
    villages = [{"id": f"V{i}", "x": 100 * i, "y": 0, "g1_3": 10 + i, "g4_6": 5 + i} for i in range(6)]
    c = hand_county(villages, [{"id": "A", "kind": "primary", "x": 0, "y": 200, "seats": 500},
                               {"id": "B", "kind": "primary", "x": 500, "y": 200, "seats": 500}])
    a = run(c)
    assert a.splits.empty
    assert (a.assignments.groupby(["village_id", "band"]).size() == 1).all()


def test_walk_within_limit_beats_a_faster_bus():
    # 1400 m: walk 29.4 min (within 30), bus 8.9 min — the rule says walk.
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 12}],
                    [{"id": "A", "kind": "primary", "x": 1400, "y": 0, "seats": 100}])
    a = run(c)
    assert rows(a)["mode"].tolist() == ["walk"]


def test_bus_when_beyond_walking_and_within_bus_limit():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 12, "g7_9": 8}],
                    [{"id": "A", "kind": "nine_year", "x": 5000, "y": 0, "seats": 100}])
    a = run(c)
    assert set(rows(a)["mode"]) == {"bus"}
    assert rows(a)["minutes"].max() == pytest.approx(5000 * 1.4 / 500 + 5)


def test_board_where_beds_beyond_the_bus_limit_and_never_for_grades_1_3():
    # 20 km: bus 61 min, beyond 45 (g4_6) and 60 (g7_9).
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 9, "g4_6": 12, "g7_9": 8}],
                    [{"id": "A", "kind": "nine_year", "x": 20000, "y": 0, "seats": 200, "beds": 15}])
    a = run(c)
    board = rows(a, mode="board")
    assert board["children"].sum() == 15                      # beds are a capacity
    assert set(board["band"]) <= {"g4_6", "g7_9"}
    un = a.unserved.set_index("band")
    assert un.loc["g1_3", "children"] == 9 and un.loc["g1_3", "reason"] == "beyond_walk_limit"
    assert int(a.unserved["children"].sum()) == 9 + (12 + 8 - 15)
    assert set(a.unserved.loc[a.unserved["band"] != "g1_3", "reason"]) == {"capacity"}
    a.check_conserved()


def test_no_beds_means_unserved_with_the_reason():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 8}],
                    [{"id": "A", "kind": "middle", "x": 25000, "y": 0, "seats": 200, "beds": 0}])
    a = run(c)
    assert a.assignments.empty
    assert a.unserved[["band", "children", "reason"]].values.tolist() == [["g7_9", 8, "no_place_in_reach"]]


def test_no_school_teaching_the_band():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 8}],
                    [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 200}])
    a = run(c)
    assert a.unserved["reason"].tolist() == ["no_school_for_band"]


def test_closed_and_merged_schools_take_no_one_and_bands_follow_the_plan():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 10, "g4_6": 10}],
                    [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 200},
                     {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 200},
                     {"id": "C", "kind": "primary", "x": 900, "y": 0, "seats": 200}])
    plan = Plan.status_quo(c).apply(Merge("A", "C")).apply(Downgrade("B", "1-3"))
    a = run(c, plan)
    assert "A" not in set(a.assignments["school_id"])
    assert rows(a, band="g1_3")["school_id"].tolist() == ["B"]
    assert rows(a, band="g4_6")["school_id"].tolist() == ["C"]


def test_new_site_takes_children():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 30}],
                    [{"id": "A", "kind": "middle", "x": 30000, "y": 0, "seats": 200}])
    p = c.villages.to_crs(4326).geometry["V1"]
    plan = Plan.status_quo(c).apply(Open("NEW", "新中学", "middle", p.x, p.y + 0.005, 300))
    a = run(c, plan)
    assert rows(a)[["school_id", "mode"]].values.tolist() == [["NEW", "walk"]]


def test_walk_first_then_least_minutes_within_capacity():
    # Two villages compete for the one close school; the one with no other walking option gets it.
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 10}, {"id": "V2", "x": 1000, "y": 0, "g4_6": 10}],
                    [{"id": "A", "kind": "primary", "x": 500, "y": 0, "seats": 20},   # 10 for grades 4-6
                     {"id": "B", "kind": "primary", "x": 2200, "y": 0, "seats": 100}])
    a = run(c)
    got = {r.village_id: (r.school_id, r.mode) for r in a.assignments.itertuples()}
    assert got == {"V1": ("A", "walk"), "V2": ("B", "walk")}


def test_travel_must_cover_the_plan():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 30}],
                    [{"id": "A", "kind": "middle", "x": 300, "y": 0, "seats": 200}])
    p = c.villages.to_crs(4326).geometry["V1"]
    plan = Plan.status_quo(c).apply(Open("NEW", "新中学", "middle", p.x, p.y, 300))
    with pytest.raises(LayoutInputError, match="does not cover schools NEW"):
        allocate(c, plan, both(c))
    with pytest.raises(LayoutInputError, match="no walking"):
        allocate(c, Plan.status_quo(c), {"bus": travel(c, "bus")})


def test_without_a_bus_matrix_nobody_rides():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 12}],
                    [{"id": "A", "kind": "primary", "x": 5000, "y": 0, "seats": 100}])
    a = allocate(c, Plan.status_quo(c), {"walk": travel(c, "walk")})
    assert a.assignments.empty and a.students_unserved == 12 and a.notes


def test_check_conserved_catches_a_lost_child():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20}],
                    [{"id": "A", "kind": "primary", "x": 400, "y": 0, "seats": 100}])
    a = run(c)
    assert a.check_conserved()
    more = a.demand.copy()
    more.loc["V1", "g1_3"] += 1
    with pytest.raises(ConservationError, match="V1/g1_3"):
        a.check_conserved(more)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 7), plan_seed=st.integers(0, 10_000), year=st.sampled_from([0, 0, 3]))
def test_students_are_conserved_and_rules_hold(seed, plan_seed, year):
    county = county_for(seed)
    plan = random_plan(county, np.random.default_rng(plan_seed))
    tr = both(county, plan)
    alloc = allocate(county, plan, tr, year=year)
    assert alloc.check_conserved()
    a, s, std = alloc.assignments, plan.schools, county.standards
    assert (a["children"] > 0).all() and (alloc.unserved["children"] > 0).all()
    # capacities
    per_school = a.groupby("school_id")["children"].sum()
    assert (per_school <= s.loc[per_school.index, "seats"]).all()
    boarders = a[a["mode"] == "board"].groupby("school_id")["children"].sum()
    assert (boarders <= s.loc[boarders.index, "beds"]).all()
    assert s.loc[boarders.index, "boarding"].all()
    # only open schools teaching the band
    for r in a.itertuples():
        assert plan.serves(r.school_id, r.band)
    # mode rules
    young = a[a["band"] == "g1_3"]
    assert (young["mode"] == "walk").all()
    for band in ("g1_3", "g4_6", "g7_9"):
        walk = a[(a["band"] == band) & (a["mode"] == "walk")]
        assert (walk["minutes"] <= std.walk_limit(band) + 1e-9).all()
        bus = a[(a["band"] == band) & (a["mode"] == "bus")]
        assert (bus["minutes"] <= std.bus_limit(band) + 1e-9).all()
