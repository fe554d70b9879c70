"""The school model: travel cap, capacity, minimum size with remote exemptions, closure limit, fixed costs."""

from __future__ import annotations

import numpy as np
import pytest

from layout.errors import LayoutInputError
from layout.locate import school_model

MINUTES = np.array([[5, 30, 60], [10, 25, 50], [40, 8, 20], [55, 30, 3]], dtype=float)
PUPILS = [40, 30, 20, 10]


def test_documented_example():
    sol = school_model(MINUTES, demand=PUPILS, capacity=[100, 100, 40], min_size=25, remote=[2], max_cost=45,
                       existing=[0, 1, 2], max_closures=1)
    assert sol.open.tolist() == [0, 2]
    assert sol.assignment.tolist() == [0, 0, 2, 2]
    assert sol.objective == 40 * 5 + 30 * 10 + 20 * 20 + 10 * 3
    assert sol.extra["load"] == {0: 70.0, 2: 30.0}
    assert sol.status == "optimal"


def test_minimum_size_closes_small_school_unless_remote():
    # without the remote mark, site 2 (30 pupils) is below 35 and must close or take more
    sol = school_model(MINUTES, demand=PUPILS, capacity=[100, 100, 100], min_size=35, max_cost=60)
    load = np.bincount(sol.assignment, weights=PUPILS, minlength=3)
    assert np.all(load[sol.open] >= 35)
    remote = school_model(MINUTES, demand=PUPILS, capacity=[100, 100, 100], min_size=35, remote=[2],
                          max_cost=60)
    assert remote.objective <= sol.objective


def test_closure_limit_keeps_schools_open():
    free = school_model(MINUTES, demand=PUPILS, capacity=100, fixed_cost=1000, existing=[0, 1, 2])
    assert len(free.open) < 3
    kept = school_model(MINUTES, demand=PUPILS, capacity=100, fixed_cost=1000, existing=[0, 1, 2],
                        max_closures=0)
    assert kept.open.tolist() == [0, 1, 2]


def test_travel_cap_is_explained():
    sol = school_model(MINUTES, demand=PUPILS, capacity=100, max_cost=6)
    assert sol.status == "infeasible"
    assert sol.explanation == "villages 1, 2 cannot reach any allowed school within 6 minutes"


def test_capacity_shortfall_is_explained():
    sol = school_model(MINUTES, demand=PUPILS, capacity=[30, 30, 30], max_cost=60)
    assert sol.status == "infeasible"
    assert sol.explanation.startswith("total capacity short by 10")


def test_rule_that_blocks_is_named():
    # within 25 minutes village 3 reaches only site 2, which can gather at most 30 pupils (< 60)
    sol = school_model(MINUTES, demand=PUPILS, capacity=100, min_size=60, max_cost=25)
    assert sol.status == "infeasible"
    assert "minimum school size" in sol.explanation
    assert school_model(MINUTES, demand=PUPILS, capacity=100, min_size=60, remote=[2], max_cost=25).feasible


def test_split_villages_when_allowed():
    minutes = np.array([[1.0, 2.0]])
    whole = school_model(minutes, demand=[10], capacity=[6, 6])
    assert whole.status == "infeasible"
    split = school_model(minutes, demand=[10], capacity=[6, 6], single_source=False)
    assert split.status == "optimal"
    assert split.objective == pytest.approx(6 * 1 + 4 * 2)


def test_villages_without_pupils_go_to_nearest_open_school():
    sol = school_model(MINUTES, demand=[40, 0, 0, 0], capacity=100, fixed_cost=1)
    assert sol.open.tolist() == [0]
    assert sol.assignment.tolist() == [0, 0, 0, 0]


def test_bad_parameters_are_reported_together():
    with pytest.raises(LayoutInputError) as err:
        school_model(MINUTES, demand=[1, 2], capacity=-5, max_closures=2)
    text = str(err.value)
    assert "demand has 2 values but 4 are needed" in text
    assert "capacity must be finite and non-negative" in text or "capacity" in text
    assert "max_closures needs the list of existing schools" in text
