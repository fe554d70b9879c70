"""The facility model the recommender builds on: brute-force agreement on small random problems (options, two
commodities, capacities, home arcs, a budget, count limits, forbidden and required choices), expansions and the
designated resource, and the three-phase solve never worse than its start."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.locate.facility import FacilityProblem, _assemble, _solve_once, solve_facility

UNSERVED = 1e4


@st.composite
def problems(draw):
    """2-3 sites with 1-2 options each, 2 commodities, 2-4 groups with arcs to some sites."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_s = int(draw(st.integers(2, 3)))
    per_site = [int(draw(st.integers(1, 2))) for _ in range(n_s)]
    option_site = np.repeat(np.arange(n_s), per_site)
    n_o = len(option_site)
    cap = rng.integers(0, 4, size=(n_o, 2)).astype(float) * 10.0
    n_g = int(draw(st.integers(2, 4)))
    demand = rng.integers(1, 3, size=n_g).astype(float) * 10.0
    commodity = rng.integers(0, 2, size=n_g)
    ag, asite, home = [], [], []
    for g in range(n_g):
        sites = np.flatnonzero(rng.random(n_s) < 0.7)
        if len(sites) == 0:
            sites = np.array([int(rng.integers(n_s))])
        h = int(rng.choice(sites)) if rng.random() < 0.5 else -1
        for s in sites:
            ag.append(g)
            asite.append(int(s))
            home.append(int(s) == h)
    n_a = len(ag)
    limits = []
    if draw(st.booleans()):
        mask = rng.random(n_o) < 0.6
        limits.append((mask, None, int(rng.integers(1, 3))))
    return FacilityProblem(
        option_site=option_site, option_fixed=rng.integers(0, 50, n_o).astype(float), option_capacity=cap,
        group_demand=demand, group_commodity=commodity, arc_group=np.array(ag), arc_site=np.array(asite),
        arc_cost=rng.integers(0, 30, n_a).astype(float), unserved_cost=UNSERVED,
        option_capital=rng.integers(0, 3, n_o).astype(float) * 100.0,
        option_forbidden=rng.random(n_o) < 0.15, site_required=rng.random(n_s) < 0.2,
        arc_home=np.array(home), count_limits=limits,
        budget=float(rng.integers(1, 5) * 100) if draw(st.booleans()) else None)


def brute_force(p: FacilityProblem) -> float:
    """The optimum by enumerating every choice of options and every assignment of groups (inf: infeasible)."""
    n_s, n_g = p.n_sites, len(p.group_demand)
    forbidden = np.zeros(len(p.option_site), bool) if p.option_forbidden is None else p.option_forbidden
    required = np.zeros(n_s, bool) if p.site_required is None else p.site_required
    home = np.zeros(len(p.arc_group), bool) if p.arc_home is None else p.arc_home
    choices = [[-1] * (not required[s]) + [o for o in np.flatnonzero(p.option_site == s) if not forbidden[o]]
               for s in range(n_s)]
    arcs_of = [[-1] + list(np.flatnonzero(p.arc_group == g)) for g in range(n_g)]
    best = math.inf
    for pick in itertools.product(*choices):
        chosen = [o for o in pick if o >= 0]
        if p.budget is not None and sum(p.option_capital[o] for o in chosen) > p.budget + 1e-9:
            continue
        if any(not (lo is None or sum(mask[o] for o in chosen) >= lo)
               or not (hi is None or sum(mask[o] for o in chosen) <= hi) for mask, lo, hi in p.count_limits):
            continue
        fixed = sum(p.option_fixed[o] for o in chosen)
        for assign in itertools.product(*arcs_of):
            load = np.zeros((n_s, 2))
            cost = fixed
            ok = True
            for g, a in enumerate(assign):
                k = p.group_commodity[g]
                home_arc = [b for b in arcs_of[g][1:] if home[b]]
                if home_arc and pick[p.arc_site[home_arc[0]]] >= 0 \
                        and p.option_capacity[pick[p.arc_site[home_arc[0]]], k] > 0 and a != home_arc[0]:
                    ok = False        # the home site serves the group: it stays
                    break
                if a < 0:
                    cost += UNSERVED * p.group_demand[g]
                    continue
                o = pick[p.arc_site[a]]
                if o < 0 or p.option_capacity[o, k] <= 0:
                    ok = False
                    break
                load[p.arc_site[a], k] += p.group_demand[g]
                cost += p.arc_cost[a]
            if not ok:
                continue
            caps = np.array([p.option_capacity[o] if o >= 0 else np.zeros(2) for o in pick])
            if np.all(load <= caps + 1e-9):
                best = min(best, cost)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_solve_facility_matches_brute_force(p):
    expected = brute_force(p)
    sol = solve_facility(p, time_limit=30)
    if math.isinf(expected):
        assert sol.status == "infeasible" or not math.isfinite(sol.objective)
        return
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(expected, abs=1e-6)
    assert sol.lower_bound <= sol.objective + 1e-6
    # the answer is what it says: chosen options allowed, capacities kept, the budget kept
    chosen = sol.site_option[sol.site_option >= 0]
    assert not p.option_forbidden[chosen].any()
    assert (sol.site_option[p.site_required] >= 0).all()
    if p.budget is not None:
        assert p.option_capital[chosen].sum() <= p.budget + 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_bound_overrides_equal_a_changed_problem(p, data):
    """The phases of solve_facility reuse one assembled model with other bounds: the same as assembling the
    problem with those forbidden options and required sites."""
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    forbid = rng.random(len(p.option_site)) < 0.3
    req = rng.random(p.n_sites) < 0.3
    a = _solve_once(p, matrix=_assemble(p), forbidden=forbid, required=req)
    b = _solve_once(replace(p, option_forbidden=forbid, site_required=req))
    assert a.status == b.status
    if math.isfinite(b.objective):
        assert a.objective == pytest.approx(b.objective, abs=1e-6)


def test_expansion_and_designated_resource():
    """One school, room for 30, two groups of 20: an expansion module (cost 5) takes the second group; the second
    group's arc needs beds, the site has 10 and buys 10 more (2 each) after designation (cost 7)."""
    p = FacilityProblem(
        option_site=np.array([0]), option_fixed=np.array([0.0]), option_capacity=np.array([[30.0]]),
        group_demand=np.array([20.0, 20.0]), group_commodity=np.array([0, 0]),
        arc_group=np.array([0, 1]), arc_site=np.array([0, 0]), arc_cost=np.array([1.0, 1.0]), unserved_cost=1e3,
        arc_uses_resource=np.array([False, True]),
        expansion_site=np.array([0]), expansion_commodity=np.array([0]), expansion_size=np.array([15.0]),
        expansion_cost=np.array([5.0]), expansion_capital=np.array([0.0]), expansion_max=np.array([2.0]),
        resource_have=np.array([10.0]), resource_unit_cost=np.array([2.0]), resource_unit_capital=np.array([0.0]),
        resource_max_extra=np.array([50.0]), designate_cost=np.array([7.0]))
    s = solve_facility(p)
    assert s.status == "optimal"
    assert s.group_arc.tolist() == [0, 1]
    assert s.expansions.tolist() == [1.0]
    assert bool(s.designated[0]) and s.resource_extra[0] == pytest.approx(10.0)
    assert s.objective == pytest.approx(1 + 1 + 5 + 7 + 2 * 10)
    # without designation allowed the second group cannot use its arc: unserved at 1,000 per unit
    no = solve_facility(replace(p, designate_allowed=np.array([False])))
    assert no.group_arc.tolist() == [0, -1]
    assert no.objective == pytest.approx(1 + 1e3 * 20)


def test_start_is_never_worsened():
    """A feasible start (e.g. today's layout) bounds the answer from above even with a tiny time limit."""
    rng = np.random.default_rng(5)
    n_s, n_g = 12, 60
    site = rng.random((n_s, 2)) * 10
    pts = rng.random((n_g, 2)) * 10
    d = np.hypot(*(pts[:, None, :] - site[None, :, :]).transpose(2, 0, 1))
    ag, asite = np.nonzero(d < 4)
    p = FacilityProblem(
        option_site=np.arange(n_s), option_fixed=np.full(n_s, 50.0), option_capacity=np.full((n_s, 1), 80.0),
        group_demand=rng.integers(5, 20, n_g).astype(float), group_commodity=np.zeros(n_g, int),
        arc_group=ag, arc_site=asite, arc_cost=d[ag, asite] * 10, unserved_cost=100.0)
    nearest = np.full(n_g, -1)
    for g in range(n_g):
        arcs = np.flatnonzero(ag == g)
        if len(arcs):
            nearest[g] = arcs[np.argmin(p.arc_cost[arcs])]
    start = {"site_option": np.arange(n_s), "group_arc": nearest}
    load = np.bincount(asite[nearest[nearest >= 0]], weights=p.group_demand[nearest >= 0], minlength=n_s)
    if (load > 80).any():   # make the start feasible: room for everyone at their nearest site
        p = replace(p, option_capacity=np.full((n_s, 1), float(load.max())))
    start_cost = 50.0 * n_s + p.arc_cost[nearest[nearest >= 0]].sum() + 100.0 * p.group_demand[nearest < 0].sum()
    s = solve_facility(p, time_limit=0.5, start=start)
    assert math.isfinite(s.objective) and s.objective <= start_cost + 1e-6


def test_a_start_stands_when_the_clock_stops_highs_before_it_takes_it_up(monkeypatch):
    """On a large model HiGHS can spend its whole limit in presolve and return nothing. The start given (today's
    layout) then stands, with its true cost — never an empty answer that closes every site — and without a start
    the answer says plainly that there is none (infinite objective, not 'infeasible')."""
    import layout.locate.facility as facility
    from layout.locate.milp import MilpResult

    p = _one_site_each()
    start = {"site_option": np.arange(3), "group_arc": np.arange(3)}
    monkeypatch.setattr(facility, "solve_milp", lambda *a, **k: MilpResult("time_limit", None, math.inf, -math.inf, 1.0))
    s = solve_facility(p, time_limit=1.0, start=start)
    assert s.status == "time_limit" and list(s.site_option) == [0, 1, 2] and list(s.group_arc) == [0, 1, 2]
    assert s.objective == pytest.approx(3 * 50.0 + 10.0 + 20.0 + 30.0)
    none = solve_facility(p, time_limit=1.0)
    assert none.status == "time_limit" and math.isinf(none.objective) and (none.site_option == -1).all()


def _one_site_each() -> FacilityProblem:
    """Three sites, three groups, each group with one arc to its own site."""
    return FacilityProblem(
        option_site=np.arange(3), option_fixed=np.full(3, 50.0), option_capacity=np.full((3, 1), 100.0),
        group_demand=np.array([10.0, 10.0, 10.0]), group_commodity=np.zeros(3, int), arc_group=np.arange(3),
        arc_site=np.arange(3), arc_cost=np.array([10.0, 20.0, 30.0]), unserved_cost=1000.0)


def test_arcs_outside_capacity_hold_only_the_newcomers():
    """A site already beyond its capacity keeps the 30 who stay (outside the capacity) and takes only as many
    newcomers as the capacity holds: 5 fit, 15 do not (they go to the dearer site 1)."""
    def problem(newcomers: float, outside: bool) -> FacilityProblem:
        return FacilityProblem(
            option_site=np.array([0, 1]), option_fixed=np.array([0.0, 50.0]),
            option_capacity=np.array([[10.0], [100.0]]),
            group_demand=np.array([30.0, newcomers]), group_commodity=np.array([0, 0]),
            arc_group=np.array([0, 1, 1]), arc_site=np.array([0, 0, 1]), arc_cost=np.array([0.0, 1.0, 20.0]),
            arc_home=np.array([True, False, False]), site_required=np.array([True, False]),
            arc_outside_capacity=np.array([outside, False, False]), unserved_cost=UNSERVED)

    fits = solve_facility(problem(5.0, True))
    assert fits.status == "optimal" and fits.group_arc.tolist() == [0, 1] and fits.site_option.tolist() == [0, -1]
    spills = solve_facility(problem(15.0, True))
    assert spills.group_arc.tolist() == [0, 2] and spills.site_option.tolist() == [0, 1]
    # counted against the capacity, the 30 who stay do not fit at all: they are left unserved
    counted = solve_facility(problem(5.0, False))
    assert counted.group_arc[0] == -1
