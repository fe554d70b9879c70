"""The same evaluation written twice is byte-identical, and new-site capital follows the kind of school."""

from __future__ import annotations

import json

from layout.datasets import make_county
from layout.evaluate import evaluate
from layout.plan import Plan, proposal_from_dict


def test_evaluation_json_is_identical_on_a_second_run(tmp_path):
    county = make_county(n_villages=30, n_townships=8, seed=11)
    plan = Plan.status_quo(county)
    first = json.dumps(evaluate(county, plan).to_dict(), sort_keys=True, ensure_ascii=False)
    second = json.dumps(evaluate(county, plan).to_dict(), sort_keys=True, ensure_ascii=False)
    assert first == second


def test_new_teaching_point_costs_less_than_a_new_school():
    county = make_county(n_villages=30, n_townships=8, seed=11)
    lon, lat = county.to_lonlat("villages").geometry.iloc[0].coords[0]
    costs = {}
    for kind in ("teaching_point", "primary"):
        plan = proposal_from_dict({"name": kind, "actions": [{"open": {
            "id": "N1", "name": "新校", "kind": kind, "lon": lon, "lat": lat, "seats": 60, "beds": 0}}]}, county)
        costs[kind] = evaluate(county, plan).to_dict()["costs"]["capital"]["total"]
    std = county.standards
    assert costs["teaching_point"] < costs["primary"]
    assert costs["primary"] - costs["teaching_point"] == (std.cost("new_school_capital")
                                                        - std.cost("new_teaching_point_capital"))
