"""Properties of recommendations on generated counties: children conserved, no plan with a new hard violation,
every rule of the travel rule kept by the children the plan moves, merges into open schools, the same plan on a
second run."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.plan import proposal_to_dict
from layout.recommend import recommend
from tests.test_evaluate_fixtures import county_for


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 7), goal=st.sampled_from(["fewest_schools", "least_cost", "least_travel", "best_balance"]))
def test_recommendations_keep_the_rules_and_conserve_children(seed, goal):
    county = county_for(seed)
    rec = recommend(county, goal=goal, horizon=0, time_limit=10)
    ev = rec.evaluation
    assert ev.new_hard_violations == 0, [v.message_en for v in ev.violations if v.status == "new"]
    assert ev.allocation.check_conserved()
    assert ev.students_total == rec.baseline.students_total and ev.students_unserved == 0
    std = county.standards
    moved = ev.allocation.assignments[ev.allocation.assignments["moved"]]
    for r in moved.itertuples():
        rule = std.travel_rule(r.band)
        assert (r.mode == "board" and rule.may_board) or rule.allows(r.mode, r.minutes)
    s = rec.plan.schools
    for sid, into in s["merged_into"].dropna().items():
        assert s.at[into, "status"] == "open", sid
    assert rec.actions["reasons_en"].str.len().gt(0).all() and rec.actions["reasons_zh"].str.len().gt(0).all()
    again = recommend(county, goal=goal, horizon=0, time_limit=10, frontier=rec.frontier is not None)
    assert proposal_to_dict(again.plan) == proposal_to_dict(rec.plan)
