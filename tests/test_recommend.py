"""Recommendations on hand-built counties with a known best layout, hard rules, determinism, reasons, boarding."""

from __future__ import annotations

import numpy as np
import pytest

from layout.errors import LayoutInputError
from layout.evaluate import evaluate
from layout.plan import Plan, proposal_from_dict, proposal_to_dict
from layout.recommend import boarding_need, choose_boarding_sites, recommend
from layout.recommend.verify import new_hard_violations
from tests.test_evaluate_fixtures import hand_county, random_county

# Travel without roads is a straight-line estimate: walk 4 km/h × detour 1.4 → 30 minutes ≈ 1430 m.


def _big_and_two_tiny(remote_school: bool = False):
    villages = [{"id": "V0", "x": 0, "y": 50, "g1_3": 110, "g4_6": 110},
                {"id": "V1", "x": 300, "y": 50, "g1_3": 10},
                {"id": "V2", "x": 600, "y": 50, "g1_3": 10}]
    schools = [{"id": "B", "kind": "primary", "x": 0, "y": 0, "enrol": {"g1_3": 110, "g4_6": 110},
                "classes": {"g1_3": 6, "g4_6": 6}, "seats": 540},
               {"id": "T1", "kind": "teaching_point", "x": 300, "y": 0, "enrol": {"g1_3": 10}, "classes": {"g1_3": 3},
                "seats": 60},
               {"id": "T2", "kind": "teaching_point", "x": 600, "y": 0, "enrol": {"g1_3": 10}, "classes": {"g1_3": 3},
                "seats": 60}]
    if remote_school:
        villages.append({"id": "VR", "x": 5000, "y": 0, "g1_3": 8, "g4_6": 6})
        schools.append({"id": "R", "kind": "primary", "x": 5000, "y": 30, "enrol": {"g1_3": 8, "g4_6": 6},
                        "classes": {"g1_3": 3, "g4_6": 3}, "seats": 120})
    return hand_county(villages, schools)


def _action(rec, sid):
    rows = rec.actions[rec.actions["school_id"] == sid]
    return sorted(rows["action"].tolist())


def test_two_tiny_schools_next_to_a_big_one_merge_into_it():
    county = _big_and_two_tiny()
    rec = recommend(county, goal="fewest_schools", horizon=0, frontier=False)
    a = rec.actions.set_index(["school_id", "action"])
    assert a.loc[("T1", "merge"), "target"] == "B"
    assert a.loc[("T2", "merge"), "target"] == "B"
    assert set(rec.plan.open_schools) == {"B"}
    assert rec.evaluation.students_unserved == 0
    assert rec.evaluation.by_band["g1_3"]["max_minutes"] <= 30


def test_remote_village_school_is_kept_or_downgraded_never_closed():
    county = _big_and_two_tiny(remote_school=True)
    recs = {goal: recommend(county, goal=goal, horizon=0, frontier=False)
            for goal in ("fewest_schools", "least_cost", "best_balance")}
    for rec in recs.values():
        assert "merge" not in _action(rec, "R")
        assert rec.plan.schools.at["R", "status"] == "open"
        assert int(rec.plan.schools.at["R", "grade_lo"]) == 1
    rec = recs["fewest_schools"]
    # its 6 older pupils can ride the bus to B (7 km, well within 45 minutes): a teaching point for grades 1-3
    assert _action(rec, "R") == ["downgrade"]
    assert (rec.plan.schools.at["R", "grade_lo"], rec.plan.schools.at["R", "grade_hi"]) == (1, 3)


def test_least_travel_keeps_the_number_of_schools_asked_for():
    county = _big_and_two_tiny()
    rec = recommend(county, goal="least_travel", n_schools=2, horizon=0, frontier=False)
    assert len(rec.plan.open_schools) == 2
    assert "B" in rec.plan.open_schools


@pytest.mark.parametrize("seed", [1, 2, 3, 5])
@pytest.mark.parametrize("goal", ["fewest_schools", "least_cost"])
def test_hard_rules_never_broken_and_students_conserved(seed, goal):
    county = random_county(seed, n_villages=14, n_schools=7, size_m=4000)
    rec = recommend(county, goal=goal, horizon=0)
    new, unserved = new_hard_violations(rec.evaluation, rec.baseline)
    assert new == [] and unserved.empty
    ev = rec.evaluation
    assert ev.students_total == rec.baseline.students_total
    assert ev.students_assigned + ev.students_unserved == ev.students_total
    # the plan as written re-reads to the same evaluation
    again = evaluate(county, proposal_from_dict(proposal_to_dict(rec.plan), county))
    assert again.students_unserved == ev.students_unserved
    assert again.summary_metrics()["schools_open"] == ev.summary_metrics()["schools_open"]
    # build first: every merge receiver that boards has a canteen
    s = rec.plan.schools
    assert not ((s["status"] == "open") & (s["beds"] > 0) & ~s["canteen"].astype(bool)
                & s.index.isin(ev.schools.index[ev.schools["boarders"] > 0])).any() or \
        rec.baseline.violation_counts()["hard"] > 0


def test_every_action_has_reasons_in_both_languages_and_numbers_from_the_evaluation():
    county = _big_and_two_tiny(remote_school=True)
    rec = recommend(county, horizon=4, frontier=False)
    assert set(rec.actions["school_id"]) == set(county.schools.index)
    for r in rec.actions.itertuples(index=False):
        assert r.reasons_en.strip() and r.reasons_zh.strip()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.reasons_zh)
    t1 = rec.actions[rec.actions["school_id"] == "T1"].iloc[0]
    enrol = int(rec.baseline.schools.at["T1", "enrolment"])
    assert f"{enrol} pupils now" in t1.reasons_en and f"现有学生{enrol}人" in t1.reasons_zh
    assert f"{rec.baseline.costs['annual']['total']:,.0f}" in t1.reasons_en


def test_same_output_on_a_second_run(tmp_path):
    county = random_county(11, n_villages=14, n_schools=7, size_m=4000)
    a = recommend(county, horizon=2)
    b = recommend(county, horizon=2)
    assert a.actions.equals(b.actions)
    assert a.frontier.equals(b.frontier)
    pa, pb = a.write(tmp_path / "a", lang="en"), b.write(tmp_path / "b", lang="en")
    for name in ("plan", "actions", "frontier", "robustness", "catchments", "recommendation"):
        assert pa[name].read_text(encoding="utf-8") == pb[name].read_text(encoding="utf-8")


def test_frontier_and_robustness_are_consistent():
    county = _big_and_two_tiny()
    rec = recommend(county, horizon=4)
    f = rec.frontier
    assert f["closures"].tolist() == sorted(f["closures"])
    assert f.iloc[0]["closures"] == 0 and f.iloc[-1]["closures"] == 2
    assert f["schools_open"].tolist() == [3, 2, 1]
    assert (f["new_hard_violations"] == 0).all()
    assert f["chosen"].sum() == 1 and bool(f.iloc[-1]["chosen"])      # fewest schools: every verified closure
    r = rec.robustness
    assert {"holds_y0", "holds_y2", "holds_y4", "holds_all"} <= set(r.columns)
    assert r["holds_all"].tolist() == (r["holds_y0"] & r["holds_y2"] & r["holds_y4"]).tolist()


def test_boarding_site_prefers_existing_premises_in_the_township():
    villages = [{"id": "VF", "x": 40_000, "y": 0, "g1_3": 0, "g4_6": 0, "g7_9": 40, "township": "T2"},
                {"id": "VN", "x": 0, "y": 100, "g1_3": 0, "g4_6": 0, "g7_9": 100, "township": "T2"}]
    schools = [{"id": "M1", "kind": "middle", "x": 0, "y": 0, "township": "T2", "enrol": {"g7_9": 100},
                "beds": 60, "canteen": True},
               {"id": "M2", "kind": "middle", "x": 1500, "y": 0, "township": "T2", "enrol": {"g7_9": 10},
                "beds": 0, "canteen": False}]
    county = hand_county(villages, schools)
    travel = {m: __import__("layout.network", fromlist=["travel"]).travel(county, m) for m in ("walk", "bus")}
    plan = Plan.status_quo(county)
    need = boarding_need(county, plan, travel, county.children())
    assert need[["village_id", "band", "children"]].values.tolist() == [["VF", "g7_9", 40]]
    sites = choose_boarding_sites(county, plan, travel, need)
    assert [(b.school, b.children, b.beds_to_build, b.canteen_needed) for b in sites] == [("M1", 40, 0, False)]


def test_invalid_goal_is_a_planner_error():
    county = _big_and_two_tiny()
    with pytest.raises(LayoutInputError, match="goal"):
        recommend(county, goal="cheapest")
    with pytest.raises(LayoutInputError, match="n_schools"):
        recommend(county, goal="least_travel", n_schools=0)


def test_recommendation_to_dict_is_json_safe():
    import json

    rec = recommend(_big_and_two_tiny(), horizon=0, frontier=False)
    d = json.loads(json.dumps(rec.to_dict()))
    assert d["goal"] == "fewest_schools"
    assert len(d["actions"]) == len(rec.actions)
    assert np.isfinite(d["recommended"]["annual_cost"])


def test_catchments_name_the_pocket_without_a_school_and_its_centre():
    villages = [{"id": "V0", "x": 0, "y": 50, "g1_3": 110, "g4_6": 110, "township": "A"},
                {"id": "V1", "x": 300, "y": 50, "g1_3": 10, "township": "A"},
                {"id": "VX", "x": 9000, "y": 0, "g1_3": 12, "township": "B"},
                {"id": "VY", "x": 9300, "y": 0, "g1_3": 3, "township": "B"}]
    schools = [{"id": "B", "kind": "primary", "x": 0, "y": 0, "enrol": {"g1_3": 110, "g4_6": 110},
                "classes": {"g1_3": 6, "g4_6": 6}, "seats": 540, "township": "A"}]
    rec = recommend(hand_county(villages, schools), horizon=0, frontier=False)
    c = rec.clusters
    assert len(c) == 2                                    # one cluster per township by default
    pocket = c[c["g1_3_beyond_walk"] > 0]
    assert pocket["g1_3_beyond_walk"].tolist() == [15]
    assert pocket["candidate_site"].tolist() == ["VX"]    # the heavier of the two villages
    assert any("VX" in n for n in rec.notes)
    assert rec.catchments.loc["VY", "centre"] == rec.catchments.loc["VX", "centre"]


def test_least_travel_opens_a_teaching_point_where_the_youngest_cannot_walk_to_any_school():
    villages = [{"id": "V0", "x": 0, "y": 50, "g1_3": 110, "g4_6": 110, "township": "A"},
                {"id": "VX", "x": 9000, "y": 0, "g1_3": 12, "g4_6": 8, "township": "B"},
                {"id": "VY", "x": 9300, "y": 0, "g1_3": 3, "township": "B"}]
    schools = [{"id": "B", "kind": "primary", "x": 0, "y": 0, "enrol": {"g1_3": 110, "g4_6": 110},
                "classes": {"g1_3": 6, "g4_6": 6}, "seats": 540, "township": "A"}]
    county = hand_county(villages, schools)
    rec = recommend(county, goal="least_travel", horizon=0, frontier=False)
    opened = rec.changes()[rec.changes()["action"] == "open"]
    assert opened["school_id"].tolist() == ["NEW_VX"]
    assert rec.baseline.students_unserved == 15 and rec.evaluation.students_unserved == 0
    assert "NEW_VX" in rec.plan.open_schools
    assert not recommend(county, goal="fewest_schools", horizon=0, frontier=False).plan.schools["is_new"].any()
