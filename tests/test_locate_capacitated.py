"""Capacitated p-median: brute-force agreement, capacity and single sourcing, infeasibility in plain words."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
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


@pytest.fixture(params=["fast path", "full method"])
def path(request, monkeypatch):
    """Run a test through the direct MILP of tiny instances and, with that path switched off, the full method."""
    import layout.locate.capacitated as capacitated

    if request.param == "full method":
        monkeypatch.setattr(capacitated, "TINY_PAIRS", -1)
    return request.param


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inst=instances())
def test_optimum_equals_brute_force(path, inst):
    cost, p, demand, capacity = inst
    best = brute_capacitated(cost, p, demand, capacity)
    sol = capacitated_p_median(cost, p, demand, capacity)
    if math.isinf(best):
        assert sol.status == "infeasible" and sol.explanation
        return
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best)
    check_feasible(sol, demand, np.asarray(capacity, dtype=float), p)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inst=instances(), min_load=st.integers(1, 12))
def test_min_load_is_respected(path, inst, min_load):
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
def test_continuous_knapsack_never_exceeds_the_exact_one(items, capacity):
    """The continuous knapsack value used by the fast bound stays at or below the 0-1 optimum (bounds stay valid)."""
    from layout.locate.lagrangian import knapsack_values

    red = np.array([[float(r)] for r, _ in items])
    q = np.array([float(w) for _, w in items])
    cap = np.array([float(capacity)])
    assert knapsack_values(red, q, cap)[0][0] <= _brute_knapsack(red[:, 0], q, capacity) + 1e-9


def _brute_knapsack(red, q, cap):
    """Least Σ red over item subsets of weight ≤ cap (by enumeration)."""
    n = len(q)
    return min(sum(red[i] for i in s) for k in range(n + 1) for s in itertools.combinations(range(n), k)
               if sum(q[i] for i in s) <= cap)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-20, 10), st.integers(0, 8), st.integers(-15, 5)), min_size=1, max_size=7),
       st.integers(0, 15), st.integers(0, 15))
def test_ranked_knapsack_is_exact(items, cap0, cap1):
    """Every site's 0-1 knapsack: value, chosen items and the whole table agree with enumeration."""
    from layout.locate.capacitated_bound import knapsack01_ranked

    red = np.array([[float(a), float(c)] for a, _, c in items])
    q = np.array([float(w) for _, w, _ in items])
    cap = np.array([float(cap0), float(cap1)])
    rho, table, x = knapsack01_ranked(red, q, cap, decisions=True)
    for j in range(2):
        assert rho[j] == pytest.approx(_brute_knapsack(red[:, j], q, cap[j]))
        assert q @ x[:, j] <= cap[j] and red[x[:, j], j].sum() == pytest.approx(rho[j])
        for c in range(int(cap[j]) + 1):
            assert table[j, c] == pytest.approx(_brute_knapsack(red[:, j], q, c))


def _random_instance(seed, n, tight=0.7):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, size=(n, 2))
    cost = np.floor(np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1)))
    demand = rng.integers(1, 20, size=n).astype(float)
    return cost, demand


def test_cluster_search_improves_a_poor_start_and_stays_feasible(monkeypatch):
    import layout.locate.capacitated_search as search
    from layout.locate.capacitated_search import improve_clusters

    monkeypatch.setattr(search, "PART_POINTS", 12)  # parts of 2–3 clusters: quick MILPs
    monkeypatch.setattr(search, "MAX_PART_POINTS", 18)

    cost, demand = _random_instance(5, 60)
    p = 10
    # a poor but feasible start: the first p points as sites, points dealt out round-robin
    open0 = np.arange(p)
    assign0 = open0[np.arange(60) % p]
    cap = np.full(60, np.bincount(assign0, weights=demand).max())
    assert np.all(np.bincount(assign0, weights=demand, minlength=60) <= cap)
    start = float(cost[np.arange(60), assign0].sum())
    obj, o, a, _ = improve_clusters(cost, demand, cap, np.ones_like(cost, dtype=bool), open0, assign0,
                                    np.array([3]), np.arange(60), abs_gap=0.999)
    assert obj < 0.8 * start
    assert obj == pytest.approx(cost[np.arange(60), a].sum())
    assert len(o) == p and 3 in o and np.all(np.isin(a, o))
    assert np.all(np.bincount(a, weights=demand, minlength=60) <= cap + 1e-9)


def test_start_outside_the_model_is_ignored():
    from layout.locate._assignment import AssignmentModel

    ii, jj = np.array([0, 1]), np.array([0, 1])
    model = AssignmentModel(n=2, sites=np.array([0, 1]), pair_i=ii, pair_j=jj, pair_cost=np.array([1.0, 2.0]),
                            demand=np.ones(2), capacity=np.full(2, 5.0), p_lo=2, p_hi=2)
    res, o, a = model.solve(start_open=np.array([0, 5]), start_assign=np.array([0, 5]))
    assert res.status == "optimal" and o.tolist() == [0, 1] and a.tolist() == [0, 1]


#: Optimum of the uncapacitated p-median (p = 60) of the instance below: ``p_median(cost, 60)`` without a time
#: limit, status "optimal", lower bound equal to the objective (a proven optimum, so the value does not depend on
#: the machine; it took 20 min on a loaded 2-core machine, so it is kept here rather than recomputed).
UNCAPACITATED_OPTIMUM_1200_600 = 5454.991669489065


def _large_uniform_instance():
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0, 100, size=(1200, 2)), rng.uniform(0, 100, size=(600, 2))
    cost = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    demand = rng.integers(1, 20, size=1200).astype(float)
    cap = np.full(600, np.ceil(demand.sum() / 60 * 1.2))
    return cost, demand, cap


@pytest.mark.slow
def test_a_short_time_limit_is_honoured_on_a_large_instance_with_a_valid_bound():
    """A 1,200 × 600 instance with p = 60 (the matheuristic) under a 4 s limit: a feasible answer, the solver's own
    time within a generous tolerance of the limit (a 10 s limit once took 85 s: the knapsack kernels compiled
    inside the solve), and a bound that is valid and the best of those the solver proved.

    How close the bound gets within the time is load-dependent and measured in ``benchmarks/locate.py``
    (``time-limited-bound``), not asserted here."""
    cost, demand, cap = _large_uniform_instance()
    limit = 4.0
    sol = capacitated_p_median(cost, 60, demand, cap, time_limit=limit)
    assert sol.method == "matheuristic+lagrangian"
    assert sol.status in ("time_limit", "optimal")
    assert sol.seconds <= 1.5 * limit + 5.0
    check_feasible(sol, demand, cap, 60)
    assert sol.objective == pytest.approx(cost[np.arange(1200), sol.assignment].sum())
    # capacities only add cost to the proven uncapacitated optimum
    assert sol.objective >= UNCAPACITATED_OPTIMUM_1200_600 - 1e-6
    # the stated bound is the best one proven: each point at its nearest site, and both relaxations
    assert sol.lower_bound >= cost.min(axis=1).sum() - 1e-6
    assert sol.lower_bound >= sol.extra["knapsack_bound"] - 1e-6
    assert sol.lower_bound >= sol.extra["uncapacitated_bound"] - 1e-6
    assert sol.lower_bound >= sol.extra["start_knapsack_bound"] - 1e-6
    assert sol.lower_bound <= sol.objective + 1e-6


def test_restricted_milp_runs_on_a_large_reduced_problem_and_keeps_the_answer_feasible(monkeypatch):
    """With a time limit and many pairs left, the nearest-sites MILP runs; its answer is checked, never trusted."""
    import layout.locate.capacitated as capacitated

    monkeypatch.setattr(capacitated, "NEAREST_MIN", 4)
    monkeypatch.setattr(capacitated, "NEAREST_PER_CLUSTER", 0.5)
    monkeypatch.setattr(capacitated, "RESTRICTED_RATIO", 0.0)  # whatever is left counts as large here
    # past the fast path for tiny instances (which, on an idle machine, proves this one within its 1 s)
    monkeypatch.setattr(capacitated, "TINY_PAIRS", 0)
    n, p = 40, 4
    cost, demand = _random_instance(11, n)
    cap = np.full(n, np.ceil(demand.sum() / p * 1.1))
    sol = capacitated_p_median(cost, p, demand, cap, time_limit=10.0)
    assert sol.extra["restricted_pairs"] < sol.extra["pairs_allowed"]
    assert sol.objective <= sol.extra["start_objective"]
    assert sol.objective == pytest.approx(cost[np.arange(n), sol.assignment].sum())
    assert len(sol.open) == p and np.all(np.isin(sol.assignment, sol.open))
    assert np.all(np.bincount(sol.assignment, weights=demand, minlength=n) <= cap + 1e-9)
    exact = capacitated_p_median(cost, p, demand, cap)  # no time limit: the exact path alone
    assert exact.status == "optimal" and "restricted_pairs" not in exact.extra
    # the restricted model is no proof: its bound is never reported as one
    assert sol.lower_bound <= exact.objective + 1e-9 <= sol.objective + 1e-9


def test_a_start_is_found_when_highs_finds_none_in_its_time(monkeypatch):
    """Under a short limit on a loaded machine the starting MILPs may end without a solution (SJC4b with 5 s came
    back "no solution found"): the min-cost-flow assignment then gives the start."""
    import layout.locate.capacitated as capacitated
    from layout.locate._assignment import AssignmentModel

    class NoStart(AssignmentModel):
        def solve(self, *args, **kwargs):
            res, o, a = super().solve(*args, **kwargs)
            return (res, None, None) if kwargs.get("rel_gap") == capacitated.START_GAP else (res, o, a)

    monkeypatch.setattr(capacitated, "AssignmentModel", NoStart)
    monkeypatch.setattr(capacitated, "TINY_PAIRS", -1)
    n, p = 60, 6
    cost, demand = _random_instance(7, n)
    cap = np.full(n, np.ceil(demand.sum() / p / 0.9))
    sol = capacitated_p_median(cost, p, demand, cap, time_limit=10.0)
    assert sol.status in ("optimal", "time_limit")
    assert math.isfinite(sol.extra["start_objective"])
    check_feasible(sol, demand, cap, p)
    assert sol.objective == pytest.approx(cost[np.arange(n), sol.assignment].sum())
