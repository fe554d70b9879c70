"""Recommendations on hand-built counties with a known best layout: both stages, downgrades, targets, reasons that
agree with the tables, money that adds up, determinism.

Travel without roads is a straight-line estimate: walk 4 km/h × detour 1.4 → 30 minutes ≈ 1430 m; school bus
30 km/h × 1.4 + 5 minutes' wait → 30 minutes ≈ 8.9 km, 45 minutes ≈ 14.3 km, 60 minutes ≈ 19.6 km.
"""

from __future__ import annotations

import json
import math

import pytest

from layout.errors import LayoutInputError
from layout.plan import read_proposal, write_proposal
from layout.recommend import Targets, recommend
from tests.test_evaluate_fixtures import hand_county


def _big_and_two_tiny(remote_school: bool = False):
    villages = [{"id": "V0", "x": 0, "y": 50, "g1_3": 110, "g4_6": 110},
                {"id": "V1", "x": 300, "y": 50, "g1_3": 10},
                {"id": "V2", "x": 600, "y": 50, "g1_3": 10}]
    schools = [{"id": "B", "kind": "primary", "x": 0, "y": 0, "classes": {"g1_3": 6, "g4_6": 6}, "seats": 540,
                "teachers": 14},
               {"id": "T1", "kind": "teaching_point", "x": 300, "y": 0, "classes": {"g1_3": 3}, "seats": 60,
                "teachers": 3},
               {"id": "T2", "kind": "teaching_point", "x": 600, "y": 0, "classes": {"g1_3": 3}, "seats": 60,
                "teachers": 3}]
    if remote_school:   # 20 km away: beyond every bus limit of grades 1-3
        villages.append({"id": "VR", "x": 20000, "y": 0, "g1_3": 8, "g4_6": 6})
        schools.append({"id": "R", "kind": "primary", "x": 20000, "y": 30, "classes": {"g1_3": 3, "g4_6": 3},
                        "seats": 120, "teachers": 6})
    return hand_county(villages, schools)


def _action(rec, sid):
    return sorted(rec.actions.loc[rec.actions["school_id"] == sid, "action"].tolist())


@pytest.mark.parametrize("goal", ["fewest_schools", "least_cost"])
def test_two_tiny_schools_next_to_a_big_one_merge_into_it(goal):
    rec = recommend(_big_and_two_tiny(), goal=goal, horizon=0, frontier=False)
    a = rec.actions.set_index(["school_id", "action"])
    assert a.loc[("T1", "merge"), "target"] == "B" and a.loc[("T2", "merge"), "target"] == "B"
    assert set(rec.plan.open_schools) == {"B"}
    assert rec.evaluation.students_unserved == 0 and rec.evaluation.new_hard_violations == 0
    assert rec.evaluation.by_band["g1_3"]["max_minutes"] <= 30
    # the two teaching points' teachers (6) against 20 more pupils at B: posts are freed and the cost falls
    assert rec.evaluation.costs["annual"]["total"] < rec.baseline.costs["annual"]["total"]
    assert rec.evaluation.costs["staffing"]["posts_freed"] > 0


def test_a_school_beyond_every_allowed_trip_is_kept_and_the_reason_names_the_rule():
    rec = recommend(_big_and_two_tiny(remote_school=True), goal="fewest_schools", horizon=0, frontier=False)
    # R's grades 1-3 cannot reach B within 30 minutes by any mode and may not board: R keeps at least grades 1-3
    assert rec.plan.schools.at["R", "status"] == "open" and rec.plan.schools.at["R", "grade_lo"] == 1
    why = rec.actions.set_index("school_id").at["R", "reasons_en"]
    assert "no other school within the travel rule" in why and "VR" in why
    assert "按通行规则保留" in rec.actions.set_index("school_id").at["R", "reasons_zh"]


def _village_primary_far_from_the_centre():
    """P is 12 km from the central school C: its grades 1-3 cannot ride there within 30 minutes (38.6 min), its
    grades 4-6 can (within 45): P becomes a teaching point for grades 1-3."""
    villages = [{"id": "VC", "x": 0, "y": 0, "g1_3": 90, "g4_6": 90},
                {"id": "VP", "x": 12000, "y": 0, "g1_3": 12, "g4_6": 12}]
    schools = [{"id": "C", "kind": "primary", "x": 0, "y": 50, "seats": 540, "classes": {"g1_3": 6, "g4_6": 6},
                "teachers": 12},
               {"id": "P", "kind": "primary", "x": 12000, "y": 50, "seats": 270, "classes": {"g1_3": 3, "g4_6": 3},
                "teachers": 7}]
    return hand_county(villages, schools)


def test_a_small_primary_whose_older_pupils_can_ride_becomes_a_teaching_point():
    rec = recommend(_village_primary_far_from_the_centre(), goal="least_cost", horizon=0, frontier=False)
    assert _action(rec, "P") == ["downgrade"]
    assert rec.plan.schools.at["P", "grade_hi"] == 3
    mv = rec.evaluation.allocation.moves
    assert set(mv["band"]) == {"g4_6"} and set(mv["to_school"]) == {"C"} and set(mv["mode"]) == {"bus"}
    assert rec.evaluation.new_hard_violations == 0


def _two_middle_schools():
    """A small rural middle school 15 km from the town's (a 47-minute bus ride, within the hour grades 7-9 may
    travel) with room for its pupils: merging it saves its site and its teachers beyond the staffing norm."""
    villages = [{"id": "VT", "x": 0, "y": 0, "g7_9": 400}, {"id": "VR", "x": 15000, "y": 0, "g7_9": 60}]
    schools = [{"id": "T", "kind": "middle", "x": 0, "y": 50, "seats": 900, "classes": {"g7_9": 9}, "teachers": 32},
               {"id": "M", "kind": "middle", "x": 15000, "y": 50, "seats": 450, "classes": {"g7_9": 3},
                "teachers": 12, "township": "T2"}]
    return hand_county(villages, schools)


def test_a_rural_middle_school_merges_into_the_town_school_by_bus():
    rec = recommend(_two_middle_schools(), goal="least_cost", horizon=0, frontier=False)
    assert rec.actions.set_index("school_id").at["M", "action"] == "merge"
    assert rec.actions.set_index("school_id").at["M", "target"] == "T"
    mv = rec.evaluation.allocation.moves
    assert set(mv["mode"]) == {"bus"} and mv["minutes"].max() <= 60
    reason = rec.actions.set_index("school_id").at["M", "reasons_en"]
    assert "by school bus" in reason and "saves" in reason


def test_targets_keep_protect_and_must_close_are_honoured_and_checked():
    county = _big_and_two_tiny()
    rec = recommend(county, goal="fewest_schools", horizon=0, frontier=False, targets={"keep": ["T1"]})
    assert rec.plan.schools.at["T1", "status"] == "open"
    rec = recommend(county, goal="least_travel", horizon=0, frontier=False, targets=Targets(must_close=("T2",)))
    assert rec.plan.schools.at["T2", "status"] == "closed"
    with pytest.raises(LayoutInputError, match="unknown school id"):
        recommend(county, frontier=False, targets={"keep": ["S999"]})
    with pytest.raises(LayoutInputError, match="both in must_close and in protected"):
        recommend(county, frontier=False, targets={"must_close": ["T1"], "protected": ["T1"]})


def test_close_under_lists_the_schools_the_rule_keeps():
    rec = recommend(_big_and_two_tiny(remote_school=True), goal="least_travel", horizon=0, frontier=False,
                    targets={"close_under": 50})
    assert rec.plan.schools.at["T1", "status"] == "closed" and rec.plan.schools.at["T2", "status"] == "closed"
    kept = [r for r in rec.relaxed if r["target"] == "close_under"]
    assert [r["school_id"] for r in kept] == ["R"] and "no other school" in kept[0]["why_en"]


def test_the_number_of_schools_asked_for():
    rec = recommend(_big_and_two_tiny(), goal="least_travel", horizon=0, frontier=False, n_schools=2)
    assert len(rec.plan.open_schools) == 2


def test_money_shares_add_up_to_the_county_change():
    rec = recommend(_big_and_two_tiny(remote_school=True), goal="fewest_schools", horizon=0, frontier=False)
    change = rec.evaluation.costs["annual"]["total"] - rec.baseline.costs["annual"]["total"]
    total = rec.cost_shares["annual_total"].sum() + rec.cost_other["annual_total"]
    assert total == pytest.approx(change, abs=1e-6)
    per_action = rec.actions.groupby("school_id")["saving_yuan"].first()
    assert -per_action.sum() + rec.cost_other["annual_total"] == pytest.approx(change, abs=1e-6)


def test_every_reason_is_in_both_languages_and_quotes_the_evaluation():
    rec = recommend(_big_and_two_tiny(), goal="fewest_schools", horizon=5, frontier=False)
    assert rec.actions["reasons_zh"].str.len().min() > 10 and rec.actions["reasons_en"].str.len().min() > 10
    b = rec.evaluation.schools.loc["B"]
    merged = rec.actions[rec.actions["action"] == "merge"].iloc[0]
    assert f"{int(b['enrolment'])} pupils" in merged["reasons_en"] and f"在校生{int(b['enrolment'])}人" in merged["reasons_zh"]
    future = int(rec.evaluations_by_year[5][1].schools.at[merged["school_id"], "enrolment"])
    assert f"{future} in 5 years" in merged["reasons_en"]


def test_same_plan_file_on_a_second_run(tmp_path):
    county = _big_and_two_tiny(remote_school=True)
    paths = [write_proposal(recommend(county, goal="least_cost", horizon=0).plan, tmp_path / f"p{k}.yaml")
             for k in range(2)]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    back = read_proposal(paths[0], county)
    assert [a.to_dict() for a in back.actions] == [a.to_dict() for a in
                                                   read_proposal(paths[1], county).actions]


def test_frontier_has_the_plan_and_todays_layout():
    rec = recommend(_big_and_two_tiny(remote_school=True), goal="least_cost", horizon=0)
    f = rec.frontier
    assert f["chosen"].sum() == 1
    assert int(f.loc[f["chosen"], "schools_open"].iloc[0]) == len(rec.plan.open_schools)
    assert (f["new_hard_violations"] == 0).all()
    assert f["schools_open"].is_monotonic_increasing


def test_invalid_goal_and_recommendation_to_json():
    with pytest.raises(LayoutInputError, match="unknown goal"):
        recommend(_big_and_two_tiny(), goal="cheapest")
    rec = recommend(_big_and_two_tiny(), goal="least_cost", horizon=0, frontier=False)
    d = rec.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["model"]["status"] in ("optimal", "time_limit") and d["stages"]["closed"] == 2


def test_no_plan_within_the_time_limit_keeps_today_and_says_so(monkeypatch):
    """When HiGHS returns nothing (its time spent before it took up a plan) and no start can stand, the
    recommendation keeps today's layout with the reason and the fix (more time) — it never decodes 'no answer' as
    'close every school' and then 'repairs' hundreds of schools back open."""
    import layout.locate.facility as facility
    from layout.locate.milp import MilpResult

    monkeypatch.setattr(facility, "solve_milp", lambda *a, **k: MilpResult("time_limit", None, math.inf, -math.inf, 1.0))
    monkeypatch.setattr(facility, "_fits", lambda *a, **k: False)   # the start cannot stand either
    county = _big_and_two_tiny()
    rec = recommend(county, goal="least_cost", horizon=0, frontier=False)
    assert set(rec.plan.open_schools) == set(county.schools.index)
    notes = " ".join(rec.note_lines("en"))
    assert "no plan within" in notes and "more time" in notes and "kept " not in notes.replace("is kept", "")


def test_a_county_solved_township_by_township_keeps_the_rules_and_comes_close_to_the_whole_model():
    """Above ``recommend.split_model_above_arcs`` the model is improved township by township from today
    (``layout.locate.facility_split``) and bounded by its relaxation: the plan is verified like any other (no new
    hard violation, every child placed), costs less than today, and lands near the whole model's optimum."""
    from layout.datasets import make_county
    from layout.standards import load_standards

    county = make_county(n_villages=80, n_townships=4, seed=2)
    whole = recommend(county, goal="least_cost", horizon=0, frontier=False)
    split = recommend(county.with_changes(standards=load_standards({"recommend": {"split_model_above_arcs": 0}})),
                      goal="least_cost", horizon=0, frontier=False)
    assert split.model_status["status"] in ("optimal", "feasible")
    assert math.isfinite(split.model_status["gap"]) and split.model_status["gap"] < 0.05
    ev = split.evaluation
    assert ev.new_hard_violations == 0 and ev.students_unserved == 0 and ev.allocation.check_conserved()
    assert ev.costs["annual"]["total"] < split.baseline.costs["annual"]["total"]
    assert split.stages["closed"] > 0
    assert split.model_status["objective"] <= whole.model_status["objective"] * 1.02
