"""Site search for nearly full capacitated p-median instances: compiled moves and the search built on them."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.locate import capacitated_p_median
from layout.locate._capacitated_kernels import (
    best_site_swap,
    improve_assignment,
    penalised_cost,
    site_swap_trial,
)
from layout.locate.capacitated_vns import improve_sites


@st.composite
def solved_instances(draw):
    """A random instance with a feasible start: capacities cover the start's loads, some pairs forbidden."""
    n = draw(st.integers(3, 12))
    m = draw(st.integers(2, 7))
    p = draw(st.integers(1, min(3, m)))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 30, size=(n, m)).astype(float)
    demand = rng.integers(1, 9, size=n).astype(float)
    opn = np.sort(rng.choice(m, size=p, replace=False)).astype(np.int64)
    assign = opn[rng.integers(0, p, size=n)].astype(np.int64)
    load = np.bincount(assign, weights=demand, minlength=m)
    capacity = np.maximum(load, 1.0) + rng.integers(0, 4, size=m)
    blocked = rng.random((n, m)) < 0.2
    blocked[np.arange(n), assign] = False  # the start stays allowed
    cost[blocked] = np.inf
    required = opn[: draw(st.integers(0, p))]
    candidates = np.union1d(opn, np.flatnonzero(rng.random(m) < 0.6))  # the others are forbidden
    return cost, demand, capacity.astype(float), opn, assign, required, candidates


def _check(cost, demand, capacity, opn, assign, required, p):
    n, m = cost.shape
    assert len(opn) == p == len(np.unique(opn))
    assert np.all(np.isin(required, opn)), "a required site was closed"
    assert np.all(np.isin(assign, opn)), "every point goes to an open site"
    assert np.all(np.isfinite(cost[np.arange(n), assign])), "a forbidden pair was used"
    assert np.all(np.bincount(assign, weights=demand, minlength=m) <= capacity + 1e-9)


@settings(max_examples=60, deadline=None)
@given(solved_instances())
def test_search_returns_a_feasible_solution_no_worse_than_the_start(inst):
    cost, demand, capacity, opn, assign, required, candidates = inst
    n, m = cost.shape
    start = float(cost[np.arange(n), assign].sum())
    obj, o, a = improve_sites(cost, demand, capacity, opn, assign, required, candidates, patience=20)
    _check(cost, demand, capacity, o, a, required, len(opn))
    assert np.all(np.isin(o, candidates)), "a forbidden site was opened"
    assert obj <= start + 1e-9
    assert obj == pytest.approx(cost[np.arange(n), a].sum())


@settings(max_examples=60, deadline=None)
@given(solved_instances(), st.sampled_from([0.0, 0.5, 5.0, 1e6]))
def test_point_moves_never_raise_the_penalised_cost_and_keep_loads_exact(inst, alpha):
    cost, demand, capacity, opn, assign, *_ = inst
    m = cost.shape[1]
    load = np.bincount(assign, weights=demand, minlength=m).astype(float)
    before = penalised_cost(cost, capacity, opn, assign, load, alpha)
    improve_assignment(cost, demand, capacity, opn, assign, load, alpha, True, 50)
    assert penalised_cost(cost, capacity, opn, assign, load, alpha) <= before + 1e-9
    assert np.allclose(load, np.bincount(assign, weights=demand, minlength=m))
    assert np.all(np.isin(assign, opn)) and np.all(np.isfinite(cost[np.arange(len(assign)), assign]))


@settings(max_examples=60, deadline=None)
@given(solved_instances())
def test_the_chosen_site_move_lowers_the_penalised_cost(inst):
    cost, demand, capacity, opn, assign, *_ = inst
    n, m = cost.shape
    alpha = 10.0
    load = np.bincount(assign, weights=demand, minlength=m).astype(float)
    near = np.tile(np.arange(m, dtype=np.int64), (len(opn), 1))
    order = np.argsort(-demand, kind="stable").astype(np.int64)
    work = opn.copy(), assign.copy(), load.copy()
    a, b = best_site_swap(cost, demand, capacity, opn, assign, load, alpha, np.ones(len(opn), dtype=bool), near,
                          *work, order)
    current = penalised_cost(cost, capacity, opn, assign, load, alpha)
    if a < 0:
        return
    assert b not in opn
    value = site_swap_trial(cost, demand, capacity, opn, assign, load, alpha, a, b, *work, order)
    t_opn, t_assign, t_load = work
    assert value < current
    assert sorted(t_opn.tolist()) == sorted([*np.delete(opn, a).tolist(), b])
    assert np.all(np.isin(t_assign, t_opn))
    assert np.allclose(t_load[t_opn], np.bincount(t_assign, weights=demand, minlength=m)[t_opn])
    assert value == pytest.approx(penalised_cost(cost, capacity, t_opn, t_assign, t_load, alpha))


def test_a_passed_deadline_returns_the_start():
    cost = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 3.0], [4.0, 3.0, 0.0], [5.0, 4.0, 1.0]])
    start = np.array([0, 1]), np.array([0, 1, 0, 1])  # cost 8; the optimum is 2
    obj, o, a = improve_sites(cost, np.ones(4), np.full(3, 2.0), *start, np.array([], int), np.arange(3),
                              deadline=time.perf_counter() - 1.0)
    assert obj == 8.0 and o.tolist() == [0, 1] and a.tolist() == [0, 1, 0, 1]
    assert improve_sites(cost, np.ones(4), np.full(3, 2.0), *start, np.array([], int), np.arange(3))[0] == 2.0


def test_full_sites_reach_the_optimum_from_a_poor_start():
    """Every site full to the last unit: the search moves both sites and re-places points at each."""
    x = np.array([0.0, 1.0, 10.0, 11.0, 12.0, 20.0, 21.0, 30.0, 31.0])  # points on a line, sites at the points
    cost = np.abs(x[:, None] - x[None, :])
    demand, capacity = np.ones(9), np.full(9, 3.0)
    opn, assign = np.array([0, 4, 8]), np.array([0, 0, 4, 0, 4, 8, 4, 8, 8])
    # brute force: every site triple, every assignment of the 9 points with at most 3 at a site
    choices = np.array(list(itertools.product(range(3), repeat=9)))
    fits = np.all(np.stack([(choices == c).sum(axis=1) for c in range(3)]) <= 3, axis=0)
    choices = choices[fits]
    best = min(cost[np.arange(9), np.array(sites)[choices]].sum(axis=1).min()
               for sites in itertools.combinations(range(9), 3))
    obj, o, a = improve_sites(cost, demand, capacity, opn, assign, np.array([], int), np.arange(9))
    assert obj == best < cost[np.arange(9), assign].sum()
    _check(cost, demand, capacity, o, a, np.array([], int), 3)


def test_solver_runs_the_search_and_keeps_its_answer_checked():
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, size=(40, 2))
    cost = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    demand = rng.integers(1, 20, size=40).astype(float)
    cap = np.full(40, np.ceil(demand.sum() / 4 / 0.95))  # 95 % full
    sol = capacitated_p_median(cost, 4, demand, cap, time_limit=20)
    assert sol.objective <= sol.extra["vns_objective"] <= sol.extra["start_objective"]
    # proving the optimum within the limit depends on the machine's load: either status, a valid bound
    assert sol.status in ("optimal", "time_limit") and sol.lower_bound <= sol.objective + 1e-9
    assert sol.objective == pytest.approx(cost[np.arange(40), sol.assignment].sum())
    _check(cost, demand, cap, sol.open, sol.assignment, np.array([], int), 4)
    with_min_load = capacitated_p_median(cost, 4, demand, cap, min_load=10.0, time_limit=20)
    assert "vns_objective" not in with_min_load.extra  # its moves do not know minimum loads
    assert with_min_load.objective >= sol.objective
