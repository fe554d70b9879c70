"""Capacitated p-median: brute-force agreement, capacity and single sourcing, infeasibility in plain words."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.locate import capacitated_p_median


def brute_capacitated(cost, p, demand, capacity, min_load=0.0):
    """Optimal single-source value by enumerating site sets and assignments (inf when infeasible)."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (m,))
    best = math.inf
    for sites in itertools.combinations(range(m), p):
        for choice in itertools.product(sites, repeat=n):
            total = sum(cost[i, j] for i, j in enumerate(choice))
            if total >= best:
                continue
            load = np.zeros(m)
            for i, j in enumerate(choice):
                load[j] += demand[i]
            if np.all(load <= capacity + 1e-9) and all(load[j] >= min_load - 1e-9 for j in sites):
                best = total
    return best


def check_feasible(sol, demand, capacity, p):
    capacity = np.broadcast_to(np.asarray(capacity, dtype=float), (len(capacity) if np.ndim(capacity) else 1,))
    assert len(sol.open) == p
    assert np.all(np.isin(sol.assignment, sol.open)), "single sourcing: every point goes to one open site"
    load = np.bincount(sol.assignment, weights=np.asarray(demand, dtype=float), minlength=len(capacity))
    cap = np.broadcast_to(capacity, load.shape) if capacity.size == 1 else capacity
    assert np.all(load <= cap + 1e-9)
    assert sol.lower_bound <= sol.objective + 1e-9


def test_known_small_answer():
    cost = np.array([[0, 2, 5], [1, 0, 4], [5, 4, 0], [6, 5, 1]])
    sol = capacitated_p_median(cost, 2, demand=[1, 1, 1, 1], capacity=[2, 2, 2])
    assert sol.open.tolist() == [0, 2]
    assert sol.assignment.tolist() == [0, 0, 2, 2]
    assert sol.objective == 2.0 and sol.status == "optimal"


def test_capacity_moves_a_point_to_a_farther_site():
    cost = np.array([[0.0, 9.0], [1.0, 8.0], [2.0, 7.0], [9.0, 0.0]])
    free = capacitated_p_median(cost, 2, demand=[1, 1, 1, 1], capacity=10)
    tight = capacitated_p_median(cost, 2, demand=[1, 1, 1, 1], capacity=2)
    assert free.objective == 3.0
    assert tight.objective == 0 + 1 + 7 + 0
    assert np.bincount(tight.assignment, minlength=2).max() <= 2


def test_total_capacity_short_is_explained():
    cost = np.ones((4, 3))
    sol = capacitated_p_median(cost, 2, demand=[50, 50, 50, 50], capacity=[90, 90, 90])
    assert sol.status == "infeasible"
    assert "total capacity short by 20" in sol.explanation
    assert sol.assignment.tolist() == [-1, -1, -1, -1]


def test_point_larger_than_any_site_is_named():
    cost = np.ones((3, 3))
    sol = capacitated_p_median(cost, 3, demand=[10, 200, 10], capacity=[100, 100, 100])
    assert sol.status == "infeasible"
    assert "demand point 1 is larger than any site it can reach" in sol.explanation
    assert "needs 200" in sol.explanation and "largest reachable capacity is 100" in sol.explanation


def test_unreachable_point_is_named():
    cost = np.array([[1.0, np.inf], [np.inf, np.inf], [2.0, 1.0]])
    sol = capacitated_p_median(cost, 1, demand=[1, 1, 1], capacity=10)
    assert sol.status == "infeasible"
    assert "demand point 1 cannot reach any allowed site" in sol.explanation


def test_required_site_stays_open():
    rng = np.random.default_rng(2)
    pts = rng.uniform(0, 100, size=(20, 2))
    cost = np.floor(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1)))
    demand = rng.integers(1, 10, size=20)
    sol = capacitated_p_median(cost, 3, demand, capacity=60, required=[7], forbidden=[0, 1])
    assert 7 in sol.open and not {0, 1} & set(sol.open.tolist())
    check_feasible(sol, demand, np.full(20, 60.0), 3)


@st.composite
def instances(draw):
    n = draw(st.integers(2, 6))
    m = draw(st.integers(2, 4))
    cost = np.array(draw(st.lists(st.integers(0, 30), min_size=n * m, max_size=n * m)), dtype=float).reshape(n, m)
    p = draw(st.integers(1, min(m, 3)))
    demand = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    capacity = draw(st.lists(st.integers(5, 30), min_size=m, max_size=m))
    return cost, p, demand, capacity


@settings(max_examples=50, deadline=None)
@given(instances())
def test_optimum_equals_brute_force(inst):
    cost, p, demand, capacity = inst
    best = brute_capacitated(cost, p, demand, capacity)
    sol = capacitated_p_median(cost, p, demand, capacity)
    if math.isinf(best):
        assert sol.status == "infeasible" and sol.explanation
        return
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best)
    check_feasible(sol, demand, np.asarray(capacity, dtype=float), p)


@settings(max_examples=25, deadline=None)
@given(instances(), st.integers(1, 12))
def test_min_load_is_respected(inst, min_load):
    cost, p, demand, capacity = inst
    best = brute_capacitated(cost, p, demand, capacity, min_load=min_load)
    sol = capacitated_p_median(cost, p, demand, capacity, min_load=min_load)
    if math.isinf(best):
        assert sol.status == "infeasible"
        return
    assert sol.objective == pytest.approx(best)
    load = np.bincount(sol.assignment, weights=np.asarray(demand, float), minlength=cost.shape[1])
    assert np.all(load[sol.open] >= min_load - 1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-20, 10), st.integers(0, 8)), min_size=1, max_size=7), st.integers(0, 15))
def test_knapsack_tables_bound_the_exact_knapsack(items, capacity):
    """The 0-1 table is the exact knapsack optimum; the continuous one is never above it (bounds stay valid)."""
    from layout.locate.lagrangian import knapsack01_table, knapsack_values

    red = np.array([[float(r)] for r, _ in items])
    q = np.array([float(w) for _, w in items])
    cap = np.array([float(capacity)])
    exact = min(sum(red[i, 0] for i in s) for k in range(len(items) + 1)
                for s in itertools.combinations(range(len(items)), k) if sum(q[i] for i in s) <= capacity)
    table = knapsack01_table(red, q, cap)
    assert table[0, capacity] == pytest.approx(exact)
    assert knapsack_values(red, q, cap)[0][0] <= exact + 1e-9
