"""Coverage models: maximal coverage and set cover against brute force; unreachable points named."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.locate import max_coverage, set_cover


def brute_coverage(cost, p, radius, weights):
    within = np.isfinite(cost) & (cost <= radius)
    return max(float(np.asarray(weights)[within[:, list(s)].any(axis=1)].sum())
               for s in itertools.combinations(range(cost.shape[1]), p))


def brute_cover(cost, radius):
    within = np.isfinite(cost) & (cost <= radius)
    for k in range(1, cost.shape[1] + 1):
        for s in itertools.combinations(range(cost.shape[1]), k):
            if within[:, list(s)].any(axis=1).all():
                return k
    return None


matrices = st.integers(1, 7).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda m: st.lists(st.integers(0, 60), min_size=n * m, max_size=n * m).map(
        lambda v: np.array(v, dtype=float).reshape(n, m))))


def test_max_coverage_known_answer():
    cost = np.array([[5, 40], [10, 35], [50, 8]])
    sol = max_coverage(cost, 1, radius=30, weights=[1, 1, 5])
    assert sol.open.tolist() == [1]
    assert sol.extra["covered"] == 5.0 and sol.objective == 2.0
    assert sol.assignment.tolist() == [-1, -1, 1]
    assert sol.status == "optimal"


def test_set_cover_names_points_out_of_reach():
    cost = np.array([[5.0, 40.0], [100.0, 90.0], [50.0, 8.0]])
    sol = set_cover(cost, radius=30)
    assert sol.status == "infeasible"
    assert "demand point 1 cannot reach any allowed site within 30" in sol.explanation


def test_set_cover_with_site_costs_and_required():
    cost = np.array([[1.0, 1.0, 50.0], [1.0, 50.0, 1.0], [50.0, 1.0, 1.0]])
    cheap = set_cover(cost, radius=5, site_cost=[1, 1, 1])
    assert cheap.objective == 2
    forced = set_cover(cost, radius=5, required=[2], forbidden=[1])
    assert 2 in forced.open and 1 not in forced.open
    assert np.all(forced.assignment >= 0)


@settings(max_examples=40, deadline=None)
@given(matrices, st.integers(0, 60), st.data())
def test_max_coverage_equals_brute_force(cost, radius, data):
    p = data.draw(st.integers(1, cost.shape[1]))
    weights = data.draw(st.lists(st.integers(0, 9), min_size=cost.shape[0], max_size=cost.shape[0]))
    sol = max_coverage(cost, p, radius, weights=weights)
    assert sol.extra["covered"] == pytest.approx(brute_coverage(cost, p, radius, weights))
    assert sol.lower_bound <= sol.objective + 1e-9
    covered = sol.assignment >= 0
    assert np.all(cost[np.flatnonzero(covered), sol.assignment[covered]] <= radius)


@settings(max_examples=40, deadline=None)
@given(matrices, st.integers(0, 60))
def test_set_cover_equals_brute_force(cost, radius):
    best = brute_cover(cost, radius)
    sol = set_cover(cost, radius)
    if best is None:
        assert sol.status == "infeasible"
    else:
        assert sol.objective == best and sol.status == "optimal"
        assert np.all(sol.assignment >= 0)
