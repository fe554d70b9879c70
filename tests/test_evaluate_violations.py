"""Policy violations on hand-built counties with known answers (straight-line travel: 30 min walk ≈ 1429 m)."""

from __future__ import annotations

from layout.evaluate import evaluate
from layout.plan import AddBoarding, Close, DesignateBoarding, Merge, MovePupils, Plan
from tests.test_evaluate_fixtures import hand_county


def codes(ev, severity=None):
    return [v.code for v in ev.violations if severity is None or v.severity == severity]


def test_closure_pushing_grades_1_3_past_30_minutes_is_a_hard_violation():
    # B is 10 km away: 33 minutes by bus, beyond the 30 minutes grades 1-3 may travel (walk or bus)
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20, "name": "甲村"}],
                         [{"id": "A", "kind": "primary", "x": 500, "y": 0, "seats": 100, "name": "甲村小学"},
                          {"id": "B", "kind": "primary", "x": 10000, "y": 0, "seats": 100, "name": "乡中心小学"}])
    before = evaluate(county)
    assert not codes(before, "hard")
    ev = evaluate(county, Plan.status_quo(county).apply(Close("A")))
    lost = [v for v in ev.violations if v.code == "unserved"]
    assert len(lost) == 1
    v = lost[0]
    assert v.severity == "hard" and v.status == "new" and v.village_id == "V1" and v.children == 20
    assert "walk or school bus" in v.message_en and "步行或乘校车" in v.message_zh and "甲村" in v.message_zh
    assert "closure_leaves_unserved" in codes(ev, "hard")
    assert ev.students_unserved == 20 and ev.new_hard_violations == 2


def test_bus_keeps_grades_1_3_day_pupils_unless_the_county_switches_buses_off():
    from layout.standards import load_standards

    villages = [{"id": "V1", "x": 0, "y": 0, "g1_3": 20}]
    schools = [{"id": "A", "kind": "primary", "x": 500, "y": 0, "seats": 100},
               {"id": "B", "kind": "primary", "x": 3000, "y": 0, "seats": 100}]
    with_bus = hand_county(villages, schools)
    ev = evaluate(with_bus, Plan.status_quo(with_bus).apply(Close("A")))
    assert ev.new_hard_violations == 0 and ev.schools.at["B", "bus"] == 20     # 13 minutes by school bus
    off = load_standards({"travel": {"may_bus": {"g1_3": False}}})
    no_bus = hand_county(villages, schools, standards=off)
    ev = evaluate(no_bus, Plan.status_quo(no_bus).apply(Close("A")))
    assert ev.students_unserved == 20 and "unserved" in codes(ev, "hard")       # a 63-minute walk


def test_todays_breaches_are_existing_and_a_plan_can_resolve_them():
    # today V1's grades 1-3 walk 40 minutes to A (the roll says walk): an existing breach, not the plan's
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20}],
                         [{"id": "A", "kind": "primary", "x": 1900, "y": 0, "seats": 100, "enrol": {"g1_3": 20}},
                          {"id": "N", "kind": "primary", "x": 200, "y": 0, "seats": 100}])
    today = evaluate(county)
    breach = [v for v in today.violations if v.code == "g1_3_beyond_limit"]
    assert len(breach) == 1 and breach[0].status == "existing" and "步行" in breach[0].message_zh
    assert today.existing_hard_violations == 1 and today.new_hard_violations == 0
    ev = evaluate(county, Plan.status_quo(county).apply(MovePupils(("V1",), "N")))
    assert not [v for v in ev.violations if v.code == "g1_3_beyond_limit"]
    assert [v.code for v in ev.resolved] == ["g1_3_beyond_limit"]


def test_merge_creating_oversized_classes_is_reported():
    # A has 3 grade-1-3 classrooms and 120 such pupils today (40 a class) and 135 seats for grades 1-3.
    # Merging B (60 pupils) into A gives A their 60 seats but no classroom: all 180 children of the village sit
    # in A's 3 rooms, 60 a class = 大班额.
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 180}],
                         [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 270, "enrol": {"g1_3": 120},
                           "classes": {"g1_3": 3, "g4_6": 3}, "name": "中心小学"},
                          {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 90, "enrol": {"g1_3": 60},
                           "classes": {"g1_3": 3, "g4_6": 3}}])
    before = evaluate(county)
    assert before.schools.at["A", "class_band"] == "normal" and "oversized_class" not in codes(before)
    ev = evaluate(county, Plan.status_quo(county).apply(Merge("B", "A")))
    row = ev.schools.loc["A"]
    assert row["g1_3"] == 180 and row["class_size_g1_3"] == 60 and row["class_band"] == "oversized"
    assert row["class_band_now"] == "normal"
    new = [v for v in ev.violations if v.code == "oversized_class"]
    assert len(new) == 1 and new[0].severity == "hard" and new[0].status == "new" and new[0].school_id == "A"
    assert "大班额" in new[0].message_zh


def _crowded(extra_pupils: int):
    """A has 60 a class in grades 1-3 today (180 in 3 rooms, 135 seats for the band); B merges in."""
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 135 + extra_pupils}],
                         [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 270, "enrol": {"g1_3": 180},
                           "classes": {"g1_3": 3, "g4_6": 3}},
                          {"id": "B", "kind": "teaching_point", "x": 600, "y": 0, "seats": 90,
                           "enrol": {"g1_3": extra_pupils}}])
    return evaluate(county, Plan.status_quo(county).apply(Merge("B", "A")))


def test_super_oversized_and_existing_oversized():
    ev = _crowded(75)                # 255 in 3 rooms = 85: 超大班额, worse than today's 大班额
    assert ev.schools.at["A", "class_band"] == "super_oversized"
    assert [v.status for v in ev.violations if v.code == "super_oversized_class"] == ["new"]
    ev2 = _crowded(6)                # 186 in 3 rooms = 62: 大班额 as today
    assert ev2.schools.at["A", "class_band"] == "oversized"
    assert [v.status for v in ev2.violations if v.code == "oversized_class"] == ["existing"]
    assert ev2.new_hard_violations == 0


def test_class_over_limit_is_soft():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 150}],
                         [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 300, "enrol": {"g1_3": 150},
                           "classes": {"g1_3": 3, "g4_6": 3}}])
    ev = evaluate(county)            # 50 a class: over 45, under 56
    assert "class_over_limit" in codes(ev, "soft") and not codes(ev, "hard")


def test_boarders_without_canteen_is_hard_and_a_designated_school_without_beds_soft():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 20}],
                         [{"id": "M", "kind": "middle", "x": 25000, "y": 0, "seats": 300, "beds": 50,
                           "canteen": False},
                          {"id": "P", "kind": "primary", "x": 100, "y": 0, "seats": 300}])
    ev = evaluate(county, Plan.status_quo(county).apply(DesignateBoarding("P")))
    assert "boarders_without_canteen" in codes(ev, "hard")
    assert "boarding_school_without_beds" in codes(ev, "soft")
    fixed = evaluate(county, Plan.status_quo(county).apply(AddBoarding("M", 10)))   # builds a canteen too
    assert "boarders_without_canteen" not in codes(fixed)


def test_closure_with_no_beds_in_reach_says_build_first():
    # Middle-school pupils 22 km from the only other middle school (beyond the 60-min bus limit), no beds.
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 40}],
                         [{"id": "M1", "kind": "middle", "x": 500, "y": 0, "seats": 300},
                          {"id": "M2", "kind": "middle", "x": 22000, "y": 0, "seats": 300}])
    ev = evaluate(county, Plan.status_quo(county).apply(Merge("M1", "M2")))
    assert "closure_leaves_unserved" in codes(ev, "hard") and "unserved" in codes(ev, "hard")
    msg = next(v for v in ev.violations if v.code == "closure_leaves_unserved")
    assert "build first" in msg.message_en and "先建后撤" in msg.message_zh
    with_beds = Plan.status_quo(county).apply(AddBoarding("M2", 40)).apply(Merge("M1", "M2"))
    ev2 = evaluate(county, with_beds)
    assert ev2.students_unserved == 0 and not codes(ev2, "hard")
    assert ev2.schools.at["M2", "boarders"] == 40


def test_oversized_school_created_by_a_merge_is_hard():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 700, "g4_6": 700},
                          {"id": "V2", "x": 400, "y": 0, "g1_3": 400, "g4_6": 400}],
                         [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 1500,
                           "enrol": {"g1_3": 700, "g4_6": 700}, "classes": {"g1_3": 30, "g4_6": 30}},
                          {"id": "B", "kind": "primary", "x": 400, "y": 100, "seats": 900,
                           "enrol": {"g1_3": 400, "g4_6": 400}, "classes": {"g1_3": 18, "g4_6": 18}}])
    ev = evaluate(county, Plan.status_quo(county).apply(Merge("B", "A")))
    assert ev.schools.at["A", "enrolment"] == 2200
    assert [v.status for v in ev.violations if v.code == "school_too_large"] == ["new"]


def test_every_closure_lists_the_manual_checks_to_confirm():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20}],
                         [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 100},
                          {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 100}])
    ev = evaluate(county, Plan.status_quo(county).apply(Close("B")))
    confirm = [v for v in ev.violations if v.severity == "confirm" and v.school_id == "B"]
    ids = {v.code for v in confirm}
    assert {"confirm_hearing", "confirm_parents", "confirm_study", "confirm_notice", "confirm_approval"} <= ids
    assert all(v.message_zh and v.message_en for v in confirm)
    assert "travel_estimated" in codes(ev, "confirm")
    # severities come hard, soft, confirm in that order
    order = [v.severity for v in ev.violations]
    assert order == sorted(order, key=["hard", "soft", "confirm"].index)


def test_capacity_split_is_listed_to_confirm():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 50}],
                         [{"id": "C", "kind": "primary", "x": 100, "y": 0, "seats": 200},
                          {"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 30},
                          {"id": "B", "kind": "primary", "x": 600, "y": 0, "seats": 100}])
    ev = evaluate(county, Plan.status_quo(county).apply(Close("C")))
    split = [v for v in ev.violations if v.code == "split_catchment"]
    assert len(split) == 1 and split[0].village_id == "V1" and "A:15" in split[0].message_en


def test_primary_boarders_need_confirmation():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g4_6": 20}],
                         [{"id": "P", "kind": "primary", "x": 25000, "y": 0, "seats": 300, "beds": 50}])
    ev = evaluate(county)
    assert ev.schools.at["P", "boarders"] == 20
    assert "primary_boarders" in codes(ev, "confirm")


def test_boarding_demand_counts_children_left_without_beds():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 50}],
                         [{"id": "N", "kind": "middle", "x": 200, "y": 0, "seats": 300},
                          {"id": "M", "kind": "middle", "x": 25000, "y": 0, "seats": 300, "beds": 30}])
    ev = evaluate(county, Plan.status_quo(county).apply(Close("N")))
    row = ev.schools.loc["M"]
    assert row["boarders"] == 30 and row["boarding_demand"] == 50 and row["beds_short"] == 20


def test_dropping_grades_needs_the_same_manual_checks():
    from layout.plan import Downgrade

    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 20, "g4_6": 20}],
                         [{"id": "A", "kind": "primary", "x": 300, "y": 0, "seats": 100},
                          {"id": "B", "kind": "primary", "x": 900, "y": 0, "seats": 100}])
    ev = evaluate(county, Plan.status_quo(county).apply(Downgrade("A", "1-3")))
    assert {v.code for v in ev.violations if v.school_id == "A"} >= {"confirm_hearing", "confirm_parents"}
    assert not any(v.school_id == "B" and v.code.startswith("confirm_") for v in ev.violations)
