"""Large capacitated p-median: the matheuristic route, its min-cost-flow assignment and the knapsack bound.

Every answer is checked from its assignment alone: p open sites, single sourcing, capacities, the objective
recomputed, and a lower bound at or below the optimum (the exact path's answer on instances small enough).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.locate import capacitated_p_median
from layout.locate._knapsack_kernels import site_knapsacks
from layout.locate.capacitated_bound import knapsack_bound, site_lists
from layout.locate.capacitated_start import alternate, flow_assignment
from layout.locate.instances import generate_cpmp


def check_answer(sol, cost, demand, capacity, p, required=(), forbidden=()):
    """Feasibility and objective of a solution, recomputed from its assignment."""
    n, m = cost.shape
    assert sol.status in ("optimal", "feasible", "time_limit")
    assert len(sol.open) == p == len(np.unique(sol.open))
    assert np.all(np.isin(sol.assignment, sol.open)), "every point goes to one open site"
    assert np.all(np.isfinite(cost[np.arange(n), sol.assignment])), "only allowed pairs"
    assert set(required) <= set(sol.open.tolist()) and not set(forbidden) & set(sol.open.tolist())
    load = np.bincount(sol.assignment, weights=demand, minlength=m)
    assert np.all(load <= capacity + 1e-9), "capacity"
    assert sol.objective == pytest.approx(float(cost[np.arange(n), sol.assignment].sum()), rel=1e-9)
    assert sol.lower_bound <= sol.objective + 1e-9


@pytest.fixture
def large_route(monkeypatch):
    """Send every instance (without minimum loads) to the matheuristic."""
    import layout.locate.capacitated as capacitated

    monkeypatch.setattr(capacitated, "LARGE_ENTRIES", 0)
    monkeypatch.setattr(capacitated, "LARGE_P", 1)
    monkeypatch.setattr(capacitated, "TINY_PAIRS", -1)


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("tightness", [0.8, 0.95])
def test_generated_instances_are_feasible_and_repeatable(clustered, tightness):
    a = generate_cpmp(80, 8, tightness, clustered=clustered, seed=3)
    b = generate_cpmp(80, 8, tightness, clustered=clustered, seed=3)
    assert np.array_equal(a.cost, b.cost) and np.array_equal(a.demand, b.demand)
    assert a.demand.min() >= 1 and a.demand.max() <= 100
    assert a.demand.sum() <= tightness * a.p * a.capacity[0] + 1e-9
    assert a.demand.sum() > tightness * a.p * (a.capacity[0] - 1)  # the capacity is the smallest that fits
    assert not np.array_equal(a.cost, generate_cpmp(80, 8, tightness, clustered=clustered, seed=4).cost)


@pytest.mark.parametrize("clustered", [False, True])
def test_matheuristic_answers_are_feasible_with_a_valid_bound(large_route, clustered):
    # 30 points and p = 4: the exact reference below is proven in seconds (40 points and p = 5, clustered, took
    # the exact path 2-4 min on a loaded machine)
    inst = generate_cpmp(30, 4, 0.9, clustered=clustered, seed=2)
    sol = capacitated_p_median(inst.cost, inst.p, inst.demand, inst.capacity, time_limit=3.0)
    assert sol.method == "matheuristic+lagrangian"
    check_answer(sol, inst.cost, inst.demand, inst.capacity, inst.p)
    import layout.locate.capacitated as capacitated

    capacitated.LARGE_ENTRIES, capacitated.LARGE_P, capacitated.TINY_PAIRS = 10**12, 10**9, -1
    exact = capacitated_p_median(inst.cost, inst.p, inst.demand, inst.capacity)
    assert exact.status == "optimal"
    assert sol.lower_bound <= exact.objective + 1e-6 <= sol.objective + 1e-6


@st.composite
def small_instances(draw):
    n = draw(st.integers(6, 24))
    m = draw(st.integers(3, 10))
    p = draw(st.integers(1, min(4, m - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    cost = rng.integers(0, 50, size=(n, m)).astype(float)
    cost[rng.random((n, m)) < 0.1] = np.inf
    demand = rng.integers(1, 10, size=n).astype(float)
    capacity = np.full(m, float(np.ceil(demand.sum() / (p * draw(st.sampled_from([0.6, 0.8, 0.95]))))))
    forbidden = [int(j) for j in rng.choice(m, size=draw(st.integers(0, m - p)), replace=False)]
    free = [j for j in range(m) if j not in forbidden]
    required = free[: draw(st.integers(0, min(1, p)))]
    return cost, p, demand, capacity, required, forbidden


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inst=small_instances())
def test_matheuristic_property(large_route, inst):
    """Any instance through the matheuristic: feasible, objective recomputed, bound below the exact optimum."""
    cost, p, demand, capacity, required, forbidden = inst
    sol = capacitated_p_median(cost, p, demand, capacity, required=required, forbidden=forbidden, time_limit=2.0)
    import layout.locate.capacitated as capacitated

    saved = capacitated.LARGE_ENTRIES, capacitated.LARGE_P
    capacitated.LARGE_ENTRIES, capacitated.LARGE_P = 10**12, 10**9
    exact = capacitated_p_median(cost, p, demand, capacity, required=required, forbidden=forbidden)
    capacitated.LARGE_ENTRIES, capacitated.LARGE_P = saved
    if exact.status == "infeasible":
        # unless a simple check proves it, the heuristic finds nothing and says so, without claiming a proof
        assert not sol.feasible and sol.status in ("infeasible", "time_limit")
        return
    assert sol.status != "infeasible"  # a feasible instance is never called infeasible
    if not sol.feasible:  # the heuristic may miss a tight feasible answer, never invent one
        assert sol.status == "time_limit" and "no solution found" in sol.explanation
        return
    check_answer(sol, cost, demand, capacity, p, required, forbidden)
    assert sol.lower_bound <= exact.objective + 1e-6 <= sol.objective + 1e-6


@settings(max_examples=60, deadline=None)
@given(inst=small_instances(), exact=st.booleans(), k=st.integers(1, 4))
def test_knapsack_bound_never_exceeds_the_optimum(inst, exact, k):
    cost, p, demand, capacity, required, forbidden = inst
    sol = capacitated_p_median(cost, p, demand, capacity, required=required, forbidden=forbidden)
    if sol.status != "optimal":
        return
    cand = np.setdiff1d(np.arange(cost.shape[1]), forbidden)
    c = cost.copy()
    c[:, forbidden] = np.inf
    lam0 = np.where(np.isfinite(c), c, np.nan)
    lam0 = np.nan_to_num(np.nanmax(lam0, axis=1), nan=0.0)
    bound, lam, info = knapsack_bound(c, demand, capacity, p, cand, np.asarray(required, dtype=int),
                                      sol.objective, lam=lam0, exact=exact, k=k, max_iter=200)
    assert info["exact"] == exact
    assert bound <= sol.objective + 1e-6


@settings(max_examples=60, deadline=None)
@given(inst=small_instances(), k=st.integers(1, 5), seed=st.integers(0, 1000))
def test_site_lists_and_knapsack_values(inst, k, seed):
    """Unlisted pairs cost at least the multiplier ceiling; 0-1 knapsacks are never below continuous ones and
    agree with enumeration."""
    cost, p, demand, capacity, *_ = inst
    n, m = cost.shape
    reach = np.random.default_rng(seed).uniform(0, 40, size=n)
    ptr, idx, cst, lam_cap = site_lists(cost, np.arange(m), k, reach)
    listed = np.zeros((n, m), dtype=bool)
    for j in range(m):
        listed[idx[ptr[j]:ptr[j + 1]], j] = True
        assert np.all(cst[ptr[j]:ptr[j + 1]] == cost[idx[ptr[j]:ptr[j + 1]], j])
    unlisted = ~listed & np.isfinite(cost)
    assert np.all(cost[unlisted] >= np.broadcast_to(lam_cap[:, None], cost.shape)[unlisted])
    lam = np.minimum(np.random.default_rng(seed + 1).uniform(0, 60, size=n), lam_cap)
    exact, cont = np.empty(m), np.empty(m)
    xe = np.empty(len(idx))
    site_knapsacks(ptr, idx, cst, demand, capacity, lam, False, cont, xe)
    site_knapsacks(ptr, idx, cst, demand, capacity, lam, True, exact, xe)
    assert np.all(exact >= cont - 1e-9)
    for j in range(m):  # 0-1 value by enumeration over the items with negative reduced cost (few here)
        red = cost[:, j] - lam
        items = np.flatnonzero(np.isfinite(red) & (red < 0))
        if len(items) > 12:
            continue
        best = 0.0
        for mask in range(1 << len(items)):
            pick = items[[(mask >> b) & 1 == 1 for b in range(len(items))]]
            if demand[pick].sum() <= capacity[j] + 1e-9:
                best = min(best, float(red[pick].sum()))
        assert exact[j] == pytest.approx(best)


@settings(max_examples=40, deadline=None)
@given(inst=small_instances(), seed=st.integers(0, 1000))
def test_flow_assignment_is_feasible(inst, seed):
    cost, p, demand, capacity, *_ = inst
    m = cost.shape[1]
    opn = np.sort(np.random.default_rng(seed).choice(m, size=min(m, p + 1), replace=False))
    assign, obj = flow_assignment(cost, demand, capacity, opn)
    if assign is None:
        return
    assert np.all(np.isin(assign, opn))
    assert np.all(np.bincount(assign, weights=demand, minlength=m) <= capacity + 1e-9)
    assert obj == pytest.approx(float(cost[np.arange(len(assign)), assign].sum()))


def test_alternation_moves_medians_to_the_middle_of_their_clusters():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 20.0, 21.0, 22.0, 23.0, 24.0])
    cost = np.abs(x[:, None] - x[None, :])
    obj, o, a = alternate(cost, np.ones(10), np.full(10, 5.0), np.array([0, 9]), np.arange(10), np.array([], int),
                          deadline=time.perf_counter() + 10)
    assert o.tolist() == [2, 7] and obj == 12.0


def test_an_overload_only_a_swap_can_repair_is_repaired_on_a_large_instance(monkeypatch):
    """Rounded from the transportation LP, site 0 holds the points of demand 6 and 5 (11 of its 10) and site 1
    those of 4 and 5: no single point fits anywhere else, only a swap (the 5 of site 0 with the 4) repairs it.
    Above ``POLISH_SWAPS_MAX`` points the repair once tried shifts alone and gave up (no start at all on a
    3,038-point instance with p = 1,000)."""
    import layout.locate.capacitated_start as start

    demand, cap = np.array([6.0, 4.0, 5.0, 5.0]), np.array([10.0, 10.0])
    cost = np.array([[0.0, 3.0], [2.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    rounded = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])  # what the LP gave, no split point
    monkeypatch.setattr(start, "_transport", lambda *args: rounded.copy())
    monkeypatch.setattr(start, "POLISH_SWAPS_MAX", 0)  # "a large instance": swaps only when shifts fail
    assign, obj = flow_assignment(cost, demand, cap, np.array([0, 1]))
    assert assign is not None, "the overload was left unrepaired"
    assert np.all(np.bincount(assign, weights=demand, minlength=2) <= cap)
    assert obj == pytest.approx(float(cost[np.arange(4), assign].sum()))


def test_the_matheuristic_retries_when_no_start_can_be_assigned(large_route, monkeypatch):
    """Its starts all failed once (the repair above 2,000 points): it then returned "no solution" after 11 s of
    a 60 s limit. Now it tries moved sites while its search has time."""
    import layout.locate.capacitated_matheuristic as mh

    calls = []

    def first_starts_fail(*args, **kwargs):
        calls.append(1)
        return (math.inf, None, None) if len(calls) <= 3 else alternate(*args, **kwargs)

    monkeypatch.setattr(mh, "alternate", first_starts_fail)
    inst = generate_cpmp(30, 4, 0.9, clustered=True, seed=2)
    sol = capacitated_p_median(inst.cost, inst.p, inst.demand, inst.capacity, time_limit=3.0)
    assert sol.feasible and sol.extra["start_retries"] >= 2
    check_answer(sol, inst.cost, inst.demand, inst.capacity, inst.p)
