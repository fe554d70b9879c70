"""Evaluation figures with known values: travel statistics, costs, equity; JSON and tables."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.evaluate import evaluate, travel_for_plan, weighted_gini
from layout.evaluate.travel_stats import weighted_quantile
from layout.network import travel
from layout.plan import AddBoarding, Expand, MovePupils, Open, Plan
from tests.test_evaluate_fixtures import county_for, hand_county, random_county, random_plan

WALK_MIN_PER_M = 1.4 / (4000 / 60)   # straight-line estimate: detour 1.4 at 4 km/h


def test_weighted_quantile_and_gini():
    v, w = np.array([10.0, 20.0, 40.0]), np.array([5, 4, 1])
    assert weighted_quantile(v, w, 0.5) == 10.0
    assert weighted_quantile(v, w, 0.9) == 20.0
    assert weighted_quantile(v, w, 0.95) == 40.0
    assert weighted_gini([5, 5], [3, 7]) == 0.0
    assert weighted_gini([0, 10], [1, 1]) == pytest.approx(0.5)
    # weights are repetitions: [1, 1, 3] weighted equals the unweighted list [1, 1, 3]
    assert weighted_gini([1, 3], [2, 1]) == pytest.approx(weighted_gini([1, 1, 3], [1, 1, 1]))


def test_travel_statistics_per_band():
    # V3 is 4 km away: its grades 1-3 ride the school bus (16.2 min, within 30: 走读 by bus)
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 10}, {"id": "V2", "x": 1000, "y": 0, "g1_3": 30},
                          {"id": "V3", "x": 4000, "y": 0, "g1_3": 5}],
                         [{"id": "A", "kind": "primary", "x": 0, "y": 200, "seats": 500}])
    ev = evaluate(county)
    d = ev.by_band["g1_3"]
    m1, m2 = 200 * WALK_MIN_PER_M, np.hypot(1000, 200) * WALK_MIN_PER_M
    m3 = np.hypot(4000, 200) * 1.4 / 500 + 5
    assert d["children"] == 45 and d["assigned"] == 45 and d["unserved"] == 0
    assert d["mean_minutes"] == pytest.approx((10 * m1 + 30 * m2 + 5 * m3) / 45)
    assert d["median_minutes"] == pytest.approx(m2) and d["max_minutes"] == pytest.approx(m2)
    assert d["within_15"] == pytest.approx(10 / 45)      # m1 = 4.2 min, m2 = 21.4 min, m3 = 16.2 min
    assert d["within_30"] == pytest.approx(1.0)
    assert d["share_walk"] == pytest.approx(40 / 45) and d["share_bus"] == pytest.approx(5 / 45)
    assert [w["village_id"] for w in ev.equity["worst_villages"][:2]] == ["V2", "V3"]


def test_costs_known_values():
    std_county = hand_county(
        [{"id": "V1", "x": 0, "y": 0, "g1_3": 50}, {"id": "V2", "x": 5000, "y": 0, "g4_6": 10},
         {"id": "V3", "x": 30000, "y": 0, "g4_6": 20}],
        [{"id": "A", "kind": "primary", "x": 0, "y": 100, "seats": 500, "beds": 40, "canteen": True}])
    plan = Plan.status_quo(std_county).apply(Expand("A", 90)).apply(AddBoarding("A", 10))
    ev = evaluate(std_county, plan)
    c = ev.costs
    # 80 pupils at a village primary under 100: funded as for 100 × 1300
    assert c["annual"]["per_student_funds"] == pytest.approx(100 * 1300)
    assert c["annual"]["fixed_sites"] == pytest.approx(150000)
    # V2 rides (per-link estimate): one bus a year (120,000) + 5000 m × 1.4 one way, 4 legs a day, 190 days, 3/km
    dist_km = np.hypot(5000, 100) * 1.4 / 1000
    assert c["bus_method"] == "per-link estimate"
    assert c["annual"]["bus"] == pytest.approx(120000 + dist_km * 4 * 190 * 3)
    assert c["buses"] == 1
    # V3 boards (20 grade 4-6 pupils): 200 allowance each + 15 % × 1000 living allowance
    assert ev.schools.at["A", "boarders"] == 20
    assert c["annual"]["boarding"] == pytest.approx(20 * 200 + 20 * 0.15 * 1000)
    # staffing: a small school (80 pupils) by classes: 4 + 4 rooms (3 + 3 today, expand adds one per band)
    # × 1.7 = 13.6 → 14 posts, plus one boarding life post for 20 boarders; no teacher data: staffed to the norm
    assert ev.staffing.at["A", "posts_needed"] == 15 and ev.staffing.at["A", "teachers_employed"] == 15
    assert c["annual"]["staffing"] == pytest.approx(15 * 90000)
    assert c["capital"]["seats"] == 90 * 25000 and c["capital"]["beds"] == 10 * 30000
    assert c["capital"]["total"] == 90 * 25000 + 10 * 30000
    assert c["annual"]["total"] == pytest.approx(sum(v for k, v in c["annual"].items() if k != "total"))
    by = c["by_school"]
    assert by["annual_total"].sum() == pytest.approx(c["annual"]["total"])


def test_new_school_capital_and_travel_for_new_sites():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g7_9": 30}],
                         [{"id": "A", "kind": "middle", "x": 30000, "y": 0, "seats": 200}])
    p = county.villages.to_crs(4326).geometry["V1"]
    plan = (Plan.status_quo(county).apply(Open("NEW", "新中学", "middle", p.x, p.y + 0.003, 300, 50))
            .apply(MovePupils(("V1",), "NEW")))                       # on no roll today: the plan names them
    cached = {m: travel(county, m) for m in ("walk", "bus")}          # existing schools only
    full = travel_for_plan(county, plan, cached)
    assert list(full["walk"].school_ids) == ["A", "NEW"]
    ref = travel(county, "walk", sites=plan.new_sites)
    assert np.allclose(full["walk"].minutes.to_numpy(), ref.minutes.to_numpy())
    ev = evaluate(county, plan, travel=cached)
    assert ev.schools.at["NEW", "enrolment"] == 30
    assert ev.costs["capital"]["new_schools"] == 8_000_000
    assert ev.costs["capital"]["seats"] == 300 * 25000 and ev.costs["capital"]["beds"] == 50 * 30000


def test_school_table_columns():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 40, "g4_6": 20}],
                         [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 80,
                           "enrol": {"g1_3": 40, "g4_6": 20}, "classes": {"g1_3": 3, "g4_6": 3}}])
    t = evaluate(county).to_frame("schools")
    r = t.loc["A"]
    assert r["enrolment"] == 60 and r["utilisation"] == pytest.approx(60 / 80)
    assert r["classes_needed"] == 6                   # one class per grade for 13 and 7 pupils a grade
    assert bool(r["small_school"]) and not bool(r["closure_pool"])
    assert r["class_band"] == "normal" and r["size_cap"] == 2000


def test_year_ahead_uses_projected_demand():
    county = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 100}],
                         [{"id": "A", "kind": "primary", "x": 100, "y": 0, "seats": 500}])
    assert evaluate(county, year=5).students_total == round(100 * 0.97 ** 5)
    assert evaluate(county, year=5).to_dict()["meta"]["year"] == 5


def test_to_dict_is_json_safe_and_complete(tmp_path):
    county = random_county(7, n_villages=20, n_schools=6)
    ev = evaluate(county)
    d = ev.to_dict()
    for key in ("students_total", "students_assigned", "students_unserved", "by_band", "schools", "balance",
                "costs", "equity", "violations", "meta"):
        assert key in d
    assert d["students_total"] == d["students_assigned"] + d["students_unserved"]
    json.dumps(d, allow_nan=False)
    assert d["meta"]["travel_estimated"] is True
    path = ev.write_json(tmp_path / "e" / "evaluation.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["students_total"] == ev.students_total and len(back["schools"]) == len(county.schools)
    # the buses are data, not the text of an object: vehicles as costed, one record per school with buses
    bus = back["costs"]["bus_routes"]
    assert isinstance(bus, dict) and bus["vehicles"] == ev.costs["bus_routes"].vehicles
    assert bus["method"] == ev.costs["bus_routes"].method and isinstance(bus["routes"], list)
    assert len(bus["by_school"]) == len(ev.costs["bus_routes"].by_school)
    assert not list((tmp_path / "e").glob(".*tmp"))
    for name in ("schools", "by_band", "violations", "balance", "costs", "balance_schools", "basic_balance",
                 "assignments", "unserved", "splits", "worst_villages", "costs_by_school"):
        assert len(ev.to_frame(name).columns)
    with pytest.raises(KeyError, match="unknown table"):
        ev.to_frame("nope")
    m = ev.summary_metrics()
    assert m["students_total"] == ev.students_total and "g1_3_within_30min" in m
    assert m["violations_hard"] == sum(v.severity == "hard" for v in ev.violations)
    text_zh, text_en = ev.format_summary("zh"), ev.format_summary("en")
    assert "直线" in text_zh and "estimate" in text_en


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 7), plan_seed=st.integers(0, 10_000))
def test_evaluation_of_random_plans_is_consistent(seed, plan_seed):
    county = county_for(seed)
    plan = random_plan(county, np.random.default_rng(plan_seed))
    ev = evaluate(county, plan)
    d = ev.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["students_total"] == d["students_assigned"] + d["students_unserved"]
    t = ev.schools
    assert int(t["enrolment"].sum()) == ev.students_assigned
    assert (t.loc[t["status"] == "closed", "enrolment"] == 0).all()
    outside = ev.allocation.outside_total      # pupils on rolls with no home village: counted, no trip
    assert sum(ev.by_band[b]["children"] for b in ("g1_3", "g4_6", "g7_9")) == ev.students_total - outside
    for b in ("g1_3", "g4_6", "g7_9"):
        r = ev.by_band[b]
        assert r["walk"] + r["bus"] + r["board"] + r["unserved"] == r["children"]
    hard_unserved = sum(v.children for v in ev.violations if v.code == "unserved")
    assert hard_unserved == ev.students_unserved
