"""A large facility model improved one neighbourhood at a time (layout.locate.facility_split): the answer is what it
says (options, capacities, costs recomputed from the assignment), never worse than the start, bounded honestly,
the same on a second run, and the optimum where the neighbourhoods do not interact."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.locate.facility import FacilityProblem, solve_facility
from layout.locate.facility_split import neighbourhood_pairs

UNSERVED = 1e4


def districts(seed: int, n_districts: int, apart: bool) -> tuple[FacilityProblem, dict]:
    """Sites and groups in ``n_districts`` side-by-side squares; groups reach sites within 4 units (``apart``: the
    squares are far apart, so no arc crosses a border). Start: every site open, each group at its nearest site,
    capacities wide enough for that."""
    rng = np.random.default_rng(seed)
    step = 30.0 if apart else 8.0
    n_s, n_g = 5 * n_districts, 20 * n_districts
    sd = np.repeat(np.arange(n_districts), 5)
    gd = np.repeat(np.arange(n_districts), 20)
    site = rng.random((n_s, 2)) * 8 + np.column_stack([sd * step, np.zeros(n_s)])
    pts = rng.random((n_g, 2)) * 8 + np.column_stack([gd * step, np.zeros(n_g)])
    d = np.hypot(*(pts[:, None, :] - site[None, :, :]).transpose(2, 0, 1))
    d[np.arange(n_g), np.argmin(d, axis=1)] = np.minimum(d.min(axis=1), 3.9)   # every group reaches one site
    ag, asite = np.nonzero(d < 4)
    q = rng.integers(5, 20, n_g).astype(float)
    nearest = np.array([np.flatnonzero(ag == g)[np.argmin(d[g, asite[ag == g]])] for g in range(n_g)])
    load = np.bincount(asite[nearest], weights=q, minlength=n_s)
    cap = max(80.0, float(load.max()))
    p = FacilityProblem(
        option_site=np.arange(n_s), option_fixed=rng.integers(30, 90, n_s).astype(float),
        option_capacity=np.full((n_s, 1), cap), group_demand=q, group_commodity=np.zeros(n_g, int),
        arc_group=ag, arc_site=asite, arc_cost=d[ag, asite] * 10, unserved_cost=UNSERVED, site_neighbourhood=sd)
    return p, {"site_option": np.arange(n_s), "group_arc": nearest}


def cost_of(p: FacilityProblem, s) -> float:
    """The objective recomputed from the answer's choices (options, arcs, unserved), checking capacities."""
    chosen = s.site_option[s.site_option >= 0]
    served = s.group_arc >= 0
    arcs = s.group_arc[served]
    assert (s.site_option[p.arc_site[arcs]] >= 0).all(), "a group goes to a closed site"
    load = np.bincount(p.arc_site[arcs], weights=p.group_demand[served], minlength=p.n_sites)
    cap = np.zeros(p.n_sites)
    cap[p.option_site[chosen]] = p.option_capacity[chosen, 0]
    assert (load <= cap + 1e-6).all(), "a site holds more than its capacity"
    return float(p.option_fixed[chosen].sum() + p.arc_cost[arcs].sum() + UNSERVED * p.group_demand[~served].sum())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 4), apart=st.booleans())
def test_split_answer_is_feasible_never_worse_and_repeatable(seed, n, apart):
    p, start = districts(seed, n, apart)
    start_cost = cost_of(p, type("S", (), {"site_option": start["site_option"], "group_arc": start["group_arc"]}))
    a = solve_facility(p, start=start, split_above=0, rel_gap=1e-9)
    assert a.objective == pytest.approx(cost_of(p, a), abs=1e-6)
    assert a.objective <= start_cost + 1e-6
    assert a.lower_bound <= a.objective + 1e-6 and a.status in ("optimal", "feasible")
    b = solve_facility(p, start=start, split_above=0, rel_gap=1e-9, bound=False)   # the search alone: no gap
    assert math.isnan(b.gap)
    assert a.site_option.tolist() == b.site_option.tolist() and a.group_arc.tolist() == b.group_arc.tolist()
    if apart:   # neighbourhoods that share no group: improving each alone is the optimum of the whole
        whole = solve_facility(p, rel_gap=1e-9)
        assert a.objective == pytest.approx(whole.objective, rel=1e-7)


def test_split_is_taken_only_above_the_threshold_and_with_a_fitting_start():
    """Below ``split_above``, or without a start that meets every constraint, the whole MILP is solved as before
    (same optimum); a start closing a required site does not fit."""
    p, start = districts(3, 3, apart=False)
    whole = solve_facility(p, rel_gap=1e-9)
    assert solve_facility(p, start=start, split_above=10**9, rel_gap=1e-9).objective == pytest.approx(whole.objective)
    closed = dict(start, site_option=np.where(np.arange(p.n_sites) == 0, -1, start["site_option"]))
    req = replace(p, site_required=np.arange(p.n_sites) == 0)
    s = solve_facility(req, start=closed, split_above=0, rel_gap=1e-9)
    assert s.site_option[0] >= 0 and s.objective == pytest.approx(solve_facility(req, rel_gap=1e-9).objective)


def test_without_a_bound_the_gap_is_not_claimed():
    p, start = districts(5, 3, apart=False)
    s = solve_facility(p, start=start, split_above=0, bound=False)
    assert math.isnan(s.gap) and s.lower_bound == -math.inf and s.status in ("feasible", "time_limit")


def test_a_tiny_time_limit_keeps_the_start_at_least():
    p, start = districts(7, 4, apart=False)
    start_cost = cost_of(p, type("S", (), {"site_option": start["site_option"], "group_arc": start["group_arc"]}))
    s = solve_facility(p, start=start, split_above=0, time_limit=0.01)
    assert s.objective <= start_cost + 1e-6 and s.objective == pytest.approx(cost_of(p, s), abs=1e-6)


def test_pairs_join_the_neighbourhoods_that_share_most_groups():
    labels = np.array([0, 0, 1, 2])
    # group 0 reaches sites of 0 and 1; groups 1, 2 reach 1 and 2 (twice as many): 1 pairs with 2, 0 with 1
    ag = np.array([0, 0, 1, 1, 2, 2])
    asite = np.array([0, 2, 2, 3, 2, 3])
    assert neighbourhood_pairs(labels, ag, asite) == [(0, 1), (1, 2)]
