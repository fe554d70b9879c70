"""p-median: known answers, brute-force agreement, required/forbidden/max_cost, sparse input, bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.locate import p_median


def brute_pmedian(cost, p, weights=None, required=(), forbidden=()):
    """Optimal value by enumerating every set of p sites (inf when none serves everyone)."""
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    pos = w > 0
    best = math.inf
    for sites in itertools.combinations([j for j in range(m) if j not in forbidden], p):
        if not set(required) <= set(sites):
            continue
        d = cost[:, list(sites)].min(axis=1)
        if np.isinf(d[pos]).any():
            continue
        best = min(best, float(w[pos] @ d[pos]))
    return best


def check_solution(sol, cost, weights=None):
    """The reported objective is the cost of the reported assignment, which uses open sites only."""
    cost = np.asarray(cost, dtype=float)
    w = np.ones(cost.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    assert np.all(np.isin(sol.assignment, sol.open))
    d = cost[np.arange(len(w)), sol.assignment]
    assert sol.objective == pytest.approx(float(w[w > 0] @ d[w > 0]))
    # nearest open site
    assert np.allclose(d[w > 0], cost[:, sol.open].min(axis=1)[w > 0])
    assert sol.lower_bound <= sol.objective + 1e-9


def test_known_small_answer():
    cost = np.array([[0, 4, 9], [6, 0, 5], [9, 5, 0], [8, 6, 1]])
    sol = p_median(cost, 2)
    assert sol.open.tolist() == [1, 2]
    assert sol.assignment.tolist() == [1, 1, 2, 2]
    assert sol.objective == 5.0 and sol.lower_bound == 5.0
    assert sol.status == "optimal" and sol.gap == 0.0


def test_weights_move_the_median():
    cost = np.array([[0.0, 10.0], [10.0, 0.0]])
    assert p_median(cost, 1, weights=[5, 1]).open.tolist() == [0]
    assert p_median(cost, 1, weights=[1, 5]).open.tolist() == [1]


def test_required_and_forbidden_respected():
    rng = np.random.default_rng(3)
    cost = rng.integers(0, 50, size=(12, 8)).astype(float)
    sol = p_median(cost, 3, required=[5], forbidden=[0, 1])
    assert 5 in sol.open and not {0, 1} & set(sol.open.tolist())
    assert sol.objective == brute_pmedian(cost, 3, required=[5], forbidden=[0, 1])


def test_max_cost_excludes_far_pairs_and_explains_unreachable():
    cost = np.array([[1.0, 50.0], [40.0, 2.0], [45.0, 41.0]])
    sol = p_median(cost, 2, max_cost=30)
    assert sol.status == "infeasible"
    assert "demand point 2 cannot reach any allowed site within 30" in sol.explanation
    assert sol.assignment.tolist() == [-1, -1, -1]
    ok = p_median(cost, 2, max_cost=42)
    assert ok.status == "optimal" and ok.objective == 1 + 2 + 41


def test_too_few_sites_within_cap_says_how_many_are_needed():
    cost = np.array([[1.0, 99.0, 99.0], [99.0, 1.0, 99.0], [99.0, 99.0, 1.0]])
    sol = p_median(cost, 2, max_cost=10)
    assert sol.status == "infeasible"
    assert "at least 3 sites are needed" in sol.explanation


def test_sparse_input_equals_dense_with_inf():
    rng = np.random.default_rng(7)
    dense = rng.uniform(1, 100, size=(30, 12))
    dense[dense > 70] = np.inf
    rows, cols = np.nonzero(np.isfinite(dense))
    sparse = sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)
    a, b = p_median(dense, 4), p_median(sparse, 4)
    assert a.objective == pytest.approx(b.objective)
    assert a.status == b.status


def euclid(n, m, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 100, size=(n, 2)), rng.uniform(0, 100, size=(m, 2))
    return np.round(np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1)))


def test_heuristic_path_reports_valid_bound():
    cost = euclid(150, 80, 11)
    exact = p_median(cost, 6, method="exact")
    heur = p_median(cost, 6, method="heuristic")
    assert exact.status == "optimal"
    assert heur.lower_bound <= exact.objective + 1e-9 <= heur.objective + 1e-9
    assert heur.status in ("optimal", "feasible")
    assert heur.gap == pytest.approx((heur.objective - heur.lower_bound) / heur.objective)


def test_time_limit_is_honoured():
    rng = np.random.default_rng(5)
    cost = rng.uniform(0, 100, size=(400, 400))
    sol = p_median(cost, 8, time_limit=2.0, method="exact")
    assert sol.seconds < 15.0  # generous for a loaded CI machine; a runaway solve takes minutes
    assert sol.status in ("optimal", "time_limit", "feasible")
    assert sol.lower_bound <= sol.objective
    check_solution(sol, cost)


def test_zero_weights_are_assigned_but_cost_nothing():
    cost = np.array([[0.0, 3.0], [3.0, 0.0], [100.0, 100.0]])
    sol = p_median(cost, 1, weights=[1, 2, 0])
    assert sol.open.tolist() == [1]
    assert sol.objective == 3.0
    assert sol.assignment[2] == 1


@st.composite
def instances(draw, max_n=8, max_m=6):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    cells = draw(st.lists(st.one_of(st.integers(0, 40), st.just(-1)), min_size=n * m, max_size=n * m))
    cost = np.array(cells, dtype=float).reshape(n, m)
    cost[cost < 0] = np.inf
    p = draw(st.integers(1, m))
    weights = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    sites = list(range(m))
    required = draw(st.lists(st.sampled_from(sites), max_size=max(0, p - 1), unique=True))
    forbidden = draw(st.lists(st.sampled_from([s for s in sites if s not in required] or [0]),
                              max_size=max(0, m - p), unique=True))
    forbidden = [f for f in forbidden if f not in required]
    return cost, p, weights, required, forbidden


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimum_equals_brute_force(inst):
    cost, p, weights, required, forbidden = inst
    sol = p_median(cost, p, weights=weights, required=required, forbidden=forbidden)
    best = brute_pmedian(cost, p, weights, required, forbidden)
    if math.isinf(best):
        assert sol.status == "infeasible" and sol.explanation
        return
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best)
    assert set(required) <= set(sol.open.tolist())
    assert not set(forbidden) & set(sol.open.tolist())
    assert len(sol.open) == p
    check_solution(sol, cost, weights)


@settings(max_examples=40, deadline=None)
@given(instances(max_n=10, max_m=7))
def test_heuristic_is_feasible_with_valid_bound(inst):
    cost, p, weights, required, forbidden = inst
    best = brute_pmedian(cost, p, weights, required, forbidden)
    if math.isinf(best):
        return
    sol = p_median(cost, p, weights=weights, required=required, forbidden=forbidden, method="heuristic")
    assert sol.lower_bound <= best + 1e-6
    assert sol.objective >= best - 1e-6
    if math.isfinite(sol.objective):
        assert set(required) <= set(sol.open.tolist())
        assert not set(forbidden) & set(sol.open.tolist())


@pytest.mark.parametrize("seed", range(6))
def test_branch_and_bound_finds_the_brute_force_optimum_from_a_poor_start(seed):
    from layout.locate.pmedian_bnb import pmedian_branch_and_bound

    rng = np.random.default_rng(seed)
    n, m, p = 25, 12, 3 + seed % 2
    cost = euclid(n, m, seed) if seed % 3 else rng.uniform(0, 50, size=(n, m))  # integral and real costs
    weights = rng.integers(1, 4, size=n).astype(float)
    required = np.array([seed % m]) if seed >= 4 else np.zeros(0, dtype=np.int64)
    wc = weights[:, None] * cost
    worst = np.setdiff1d(np.argsort(-(weights @ cost)), required)[: p - len(required)]
    start = np.sort(np.concatenate([required, worst]))
    start_obj = float(wc[:, start].min(axis=1).sum())
    res = pmedian_branch_and_bound(wc, p, np.arange(m), required, start, start_obj, wc.min(axis=1),
                                   integral=bool(seed % 3))
    best = brute_pmedian(cost, p, weights, required=list(required))
    assert res.complete and res.objective == pytest.approx(best) and res.lower_bound == res.objective
    assert float(wc[:, res.open].min(axis=1).sum()) == pytest.approx(res.objective)
    assert set(required.tolist()) <= set(res.open.tolist()) and len(res.open) == p


def test_branch_and_bound_stopped_early_reports_a_valid_bound():
    from layout.locate.pmedian_bnb import pmedian_branch_and_bound

    cost = np.random.default_rng(2).integers(0, 100, size=(60, 30)).astype(float)  # needs a few dozen nodes
    best = p_median(cost, 4, method="exact")
    start = np.arange(4)
    start_obj = float(cost[:, start].min(axis=1).sum())
    res = pmedian_branch_and_bound(cost, 4, np.arange(30), np.zeros(0, dtype=np.int64), start, start_obj,
                                   cost.min(axis=1), integral=True, max_nodes=3)
    assert not res.complete and res.nodes == 3
    assert res.lower_bound <= best.objective <= res.objective


@pytest.mark.parametrize("seed", [0, 3])
def test_small_p_is_proven_by_branch_and_bound(seed):
    cost = np.random.default_rng(seed).integers(0, 100, size=(60, 30)).astype(float)  # LP bound not tight
    sol = p_median(cost, 4)
    assert sol.method == "lagrangian-bnb"
    assert sol.status == "optimal" and sol.lower_bound == sol.objective
    assert sol.objective == brute_pmedian(cost, 4)
    check_solution(sol, cost)


@pytest.mark.slow
def test_large_heuristic_path_stops_near_the_time_limit():
    # 6 million pairs take the heuristic path; a full greedy start for p = 300 alone used to take ~30 s
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0, 100, size=(3000, 2)), rng.uniform(0, 100, size=(2000, 2))
    cost = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    sol = p_median(cost, 300, time_limit=2.0)
    assert sol.method == "heuristic+lagrangian"
    assert sol.seconds < 15.0  # generous for a loaded CI machine; the runaway this guards against took ~30 s
    assert sol.status in ("time_limit", "feasible", "optimal")
    assert len(sol.open) == 300 and math.isfinite(sol.objective)
    assert math.isfinite(sol.lower_bound) and 0 < sol.lower_bound <= sol.objective
    check_solution(sol, cost)


def test_greedy_completes_the_sites_once_its_deadline_has_passed():
    from layout.locate.heuristics import greedy

    cost = euclid(200, 150, 3)
    w = np.ones(200)
    full = greedy(cost, w, 12, np.arange(150), np.array([7]))
    rushed = greedy(cost, w, 12, np.arange(150), np.array([7]), deadline=0.0)  # already passed
    for sites in (full, rushed):
        assert len(np.unique(sites)) == 12 and 7 in sites
    # the rushed fill is spread out: far better than the 12 sites worst on their own
    worst = np.argsort(-(w @ cost))[:12]
    assert cost[:, rushed].min(axis=1).sum() < cost[:, worst].min(axis=1).sum()
