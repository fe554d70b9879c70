"""Allocation: the travel rule on hand-built counties (known answers of :func:`place`), today's attendance as the
status quo, plans that move only the children they touch, and conservation as a property over random plans.

Travel here is the straight-line estimate: walking 4 km/h × detour 1.4 → 30 minutes ≈ 1429 m straight;
bus 30 km/h × 1.4 + 5 min wait → 30 minutes ≈ 8.9 km, 45 minutes ≈ 14.3 km, 60 minutes ≈ 19.6 km.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.allocate import ConservationError, allocate, band_seats, place
from layout.errors import LayoutInputError
from layout.network import travel
from layout.plan import Close, Downgrade, Merge, MovePupils, Open, Plan
from tests.test_evaluate_fixtures import county_for, hand_county, random_plan


def both(county, plan=None):
    sites = None if plan is None else plan.new_sites
    return {m: travel(county, m, sites=sites) for m in ("walk", "bus")}


def run(county, plan=None):
    """Every child of the county placed by the travel rule under ``plan`` (as if none had a school yet)."""
    plan = plan or Plan.status_quo(county)
    kids = county.children().stack()
    groups = pd.DataFrame({"village_id": kids.index.get_level_values(0), "band": kids.index.get_level_values(1),
                           "children": kids.to_numpy()})
    return place(county, plan, both(county, plan), groups)


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
    assert un.loc["g1_3", "children"] == 9 and un.loc["g1_3", "reason"] == "beyond_day_limit"
    assert int(a.unserved["children"].sum()) == 9 + (12 + 8 - 15)
    assert set(a.unserved.loc[a.unserved["band"] != "g1_3", "reason"]) == {"capacity"}


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


def test_without_a_bus_matrix_nobody_is_moved_onto_a_bus():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 12}],
                    [{"id": "A", "kind": "primary", "x": 5000, "y": 0, "seats": 100},
                     {"id": "B", "kind": "primary", "x": 5200, "y": 0, "seats": 100}])
    assert rows(allocate(c, Plan.status_quo(c), both(c)), mode="bus")["children"].sum() == 12   # today: bus
    a = allocate(c, Plan.status_quo(c).apply(Close("A")), {"walk": travel(c, "walk")})
    assert a.assignments.empty and a.students_unserved == 12 and a.notes


def test_grades_1_3_ride_a_school_bus_within_30_minutes_unless_the_county_switches_it_off():
    from layout.standards import load_standards

    # 5 km: walk 105 min, bus 19 min — 走读 by school bus keeps the rule
    village = [{"id": "V1", "x": 0, "y": 0, "g1_3": 9}]
    school = [{"id": "A", "kind": "primary", "x": 5000, "y": 0, "seats": 100}]
    a = run(hand_county(village, school))
    assert rows(a)[["mode", "children"]].values.tolist() == [["bus", 9]]
    assert rows(a)["minutes"].iloc[0] <= 30
    off = load_standards({"travel": {"may_bus": {"g1_3": False}}})
    a = run(hand_county(village, school, standards=off))
    assert a.assignments.empty and a.unserved["reason"].tolist() == ["beyond_day_limit"]
    far = [{"id": "A", "kind": "primary", "x": 10000, "y": 0, "seats": 100}]   # bus 33 min: beyond 30
    assert run(hand_county(village, far)).unserved["children"].sum() == 9


def test_check_conserved_catches_a_lost_child():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20}],
                    [{"id": "A", "kind": "primary", "x": 400, "y": 0, "seats": 100}])
    a = allocate(c, Plan.status_quo(c), both(c))
    assert a.check_conserved()
    more = a.demand.copy()
    more.loc["V1", "g1_3"] += 1
    with pytest.raises(ConservationError, match="V1/g1_3"):
        a.check_conserved(more)


# ---- today is the data; a plan moves only the children it touches ----------------------------------------------
def _three_schools():
    villages = [{"id": "V1", "x": 0, "y": 0, "g1_3": 12, "g4_6": 10}, {"id": "V2", "x": 800, "y": 0, "g1_3": 7},
                {"id": "V3", "x": 3000, "y": 0, "g1_3": 20, "g4_6": 15}]
    schools = [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 100},
               {"id": "B", "kind": "primary", "x": 900, "y": 0, "seats": 60},
               {"id": "C", "kind": "primary", "x": 3100, "y": 0, "seats": 300}]
    return hand_county(villages, schools)


def test_status_quo_is_todays_attendance_exactly():
    c = _three_schools()
    a = allocate(c, Plan.status_quo(c), both(c))
    got = a.assignments.groupby(["village_id", "band", "school_id", "mode"])["children"].sum()
    want = c.attendance.groupby(["village_id", "band", "school_id", "mode"])["children"].sum()
    assert got.sort_index().equals(want.sort_index())
    assert a.students_moved == 0 and a.unserved.empty and not a.assignments["moved"].any()
    assert (a.by_school()["total"] == c.schools["enrolment"]).all()


def test_a_closure_moves_only_its_own_pupils():
    c = _three_schools()
    tr = both(c)
    today = allocate(c, Plan.status_quo(c), tr)
    after = allocate(c, Plan.status_quo(c).apply(Close("B")), tr)
    stay = today.assignments[today.assignments["school_id"] != "B"]
    kept = after.assignments[~after.assignments["moved"]]
    cols = ["village_id", "band", "school_id", "mode", "children"]
    assert kept[cols].sort_values(cols).values.tolist() == stay[cols].sort_values(cols).values.tolist()
    moved = after.moves
    assert set(moved["from_school"]) == {"B"}
    assert moved["children"].sum() == today.by_school().at["B", "total"]
    assert set(moved["why"]) == {"closed"} and set(moved["how"]) == {"nearest"}
    after.check_conserved()


def test_a_merge_sends_pupils_to_the_receiving_school_and_overflow_says_why():
    c = _three_schools()
    tr = both(c)
    into_c = allocate(c, Plan.status_quo(c).apply(Merge("B", "C")), tr)
    to_c = into_c.moves
    # grades 1-3 of V2 (by B) are 3 km from C: a bus ride within 30 minutes, so they go there (走读 by bus)
    assert set(to_c["to_school"]) == {"C"} and set(to_c["how"]) == {"target"} and set(to_c["why"]) == {"merged"}
    assert set(to_c["mode"]) == {"bus"}
    # a receiving school beyond every allowed trip: the pupils go to the next best school, and it is recorded
    villages = [{"id": "V1", "x": 0, "y": 0, "g1_3": 8}]
    schools = [{"id": "A", "kind": "teaching_point", "x": 100, "y": 0, "seats": 30},
               {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 100},
               {"id": "F", "kind": "primary", "x": 30000, "y": 0, "seats": 100}]
    far = hand_county(villages, schools)
    m = allocate(far, Plan.status_quo(far).apply(Merge("A", "F")), both(far)).moves
    assert m[["to_school", "how"]].values.tolist() == [["B", "overflow_rules"]]


def test_an_explicit_move_re_zones_villages():
    c = _three_schools()
    a = allocate(c, Plan.status_quo(c).apply(MovePupils(("V1",), "B", ("g1_3",))), both(c))
    moved = a.moves
    assert moved[["village_id", "band", "from_school", "to_school", "why"]].values.tolist() == [
        ["V1", "g1_3", "A", "B", "moved"]]
    assert rows(a, village_id="V1", band="g4_6")["school_id"].tolist() == ["A"]


def test_years_ahead_keep_todays_pattern_scaled():
    c = _three_schools()
    tr = both(c)
    half = c.children() // 2
    a = allocate(c, Plan.status_quo(c), tr, demand=half)
    a.check_conserved()
    assert a.students_moved == 0
    assert a.assignments.groupby("village_id")["children"].sum().to_dict() == half.sum(axis=1)[
        lambda x: x > 0].to_dict()


def test_pupils_from_outside_the_county_stay_and_follow_a_merge():
    c = _three_schools()
    att = pd.concat([c.attendance, pd.DataFrame([{"village_id": "", "school_id": "B", "grade": 0, "band": "g1_3",
                                                  "mode": "walk", "children": 3}])], ignore_index=True)
    s = c.schools.copy()
    s.loc["B", "enrol_1"] += 3
    s.loc["B", "enrolment"] += 3
    c = c.with_changes(schools=s, attendance=att)
    tr = both(c)
    today = allocate(c, Plan.status_quo(c), tr)
    assert today.by_school().at["B", "total"] == s.at["B", "enrolment"] and today.outside["children"].sum() == 3
    merged = allocate(c, Plan.status_quo(c).apply(Merge("B", "C")), tr)
    assert merged.outside[["school_id", "children"]].values.tolist() == [["C", 3]]
    assert merged.students_total == today.students_total


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 7), plan_seed=st.integers(0, 10_000), year=st.sampled_from([0, 0, 3]))
def test_students_are_conserved_and_only_touched_children_move(seed, plan_seed, year):
    county = county_for(seed)
    plan = random_plan(county, np.random.default_rng(plan_seed))
    tr = both(county, plan)
    alloc = allocate(county, plan, tr, year=year)
    assert alloc.check_conserved()
    today = allocate(county, Plan.status_quo(county), tr, year=year)
    assert alloc.students_total == today.students_total
    a, s, std = alloc.assignments, plan.schools, county.standards
    assert (a["children"] > 0).all() and (alloc.unserved["children"] > 0).all()
    # children who stay are exactly today's at schools still teaching their band
    cols = ["village_id", "band", "school_id", "mode"]
    stay = today.assignments[[plan.serves(r.school_id, r.band) for r in today.assignments.itertuples()]]
    moved_by = {(v, b) for a_ in plan.actions if a_.keyword == "move" for v in a_.villages for b in (a_.bands or ("g1_3", "g4_6", "g7_9"))}
    stay = stay[[(v, b) not in moved_by for v, b in zip(stay["village_id"], stay["band"], strict=True)]]
    kept = a[~a["moved"]]
    assert kept.groupby(cols)["children"].sum().sort_index().equals(stay.groupby(cols)["children"].sum().sort_index())
    # moved children: only open schools teaching the band, within the travel rule, within free beds
    moved = a[a["moved"]]
    for r in moved.itertuples():
        assert plan.serves(r.school_id, r.band)
        rule = std.travel_rule(r.band)
        if r.mode == "board":
            assert rule.may_board and s.at[r.school_id, "boarding"]
        else:
            assert rule.allows(r.mode, r.minutes + 0.0)
    boarders = a[a["mode"] == "board"].groupby("school_id")["children"].sum()
    grew = boarders - today.assignments[today.assignments["mode"] == "board"].groupby("school_id")["children"].sum(
    ).reindex(boarders.index, fill_value=0)
    assert (boarders[grew > 0] <= s.loc[boarders[grew > 0].index, "beds"]).all()
