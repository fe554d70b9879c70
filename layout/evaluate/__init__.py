"""Evaluation: what a plan does to children's trips, schools, balance, costs and equity, and which rules it breaks.

Public entry point: :func:`evaluate` → :class:`Evaluation` (``.to_dict()``, ``.to_frame(name)``,
``.write_json(path)``, ``.summary_metrics()``, ``.violations``).

One module per concern: :mod:`~layout.evaluate.travel_stats`, :mod:`~layout.evaluate.schools`,
:mod:`~layout.evaluate.balance`, :mod:`~layout.evaluate.staffing`, :mod:`~layout.evaluate.costs`,
:mod:`~layout.evaluate.equity`,
:mod:`~layout.evaluate.violations`, :mod:`~layout.evaluate.evaluation`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

from layout.allocate import allocate
from layout.evaluate.balance import (
    balance_parts,
    basic_balance,
    quality_balance,
    resources_after_closures,
    unweighted_cv,
    weighted_cv,
)
from layout.evaluate.buses import plan_buses
from layout.evaluate.costs import plan_costs
from layout.evaluate.equity import travel_equity, weighted_gini
from layout.evaluate.evaluation import Evaluation, json_safe
from layout.evaluate.frames import places_of
from layout.evaluate.schools import school_table
from layout.evaluate.staffing import staffing_table
from layout.evaluate.travel_stats import travel_by_band
from layout.evaluate.violations import Violation, find_violations, mark_status, resolved_violations
from layout.network.matrix import TravelMatrix

__all__ = ["evaluate", "Evaluation", "Violation", "travel_for_plan", "weighted_cv", "unweighted_cv",
           "weighted_gini", "json_safe"]

MODES = ("walk", "bus")


def travel_for_plan(county, plan, travel: Mapping[str, TravelMatrix] | None = None, *,
                    cache_dir=None) -> dict[str, TravelMatrix]:
    """Walking and bus matrices covering every school of the plan, new sites included.

    Given matrices are reused; only what they miss (the plan's new sites, or a whole mode) is computed with
    :func:`layout.network.travel`.

    Parameters
    ----------
    county : County
    plan : Plan
    travel : mapping of mode -> TravelMatrix, optional
        Cached matrices (e.g. for the county's existing schools).
    cache_dir : path, optional
        Folder of the on-disk travel cache of :func:`layout.network.travel` (reused across runs).

    Returns
    -------
    dict
        ``{"walk": TravelMatrix, "bus": TravelMatrix}``.
    """
    from layout.network import travel as network_travel

    out = dict(travel or {})
    sites = plan.new_sites
    extra_args = {} if cache_dir is None else {"cache_dir": cache_dir}
    for mode in MODES:
        tm = out.get(mode)
        if tm is None:
            out[mode] = network_travel(county, mode, sites=sites, **extra_args)
            continue
        missing = sites.index.difference(tm.school_ids)
        if len(missing):
            try:
                extra = network_travel(county.with_changes(schools=county.schools.iloc[:0]), mode,
                                       sites=sites.loc[missing], **extra_args)
                out[mode] = tm.concat(extra.select(list(missing)))
            except Exception:   # a network back end that cannot route to new sites alone: recompute in full
                out[mode] = network_travel(county, mode, sites=sites, **extra_args)
    return out


_BASELINES: dict[tuple, tuple] = {}


def _status_quo_evaluation(county, travel, std, year: int, buses: str = "routes"):
    """The status quo's evaluation for the same county, standards and year (cached per county)."""
    from layout.plan import Plan

    hit = _BASELINES.get((id(county), std, int(year), buses))
    if hit is not None and hit[0]() is county:
        return hit[1]
    return evaluate(county, Plan.status_quo(county), travel, std, year, buses=buses)


def _remember(county, std, year: int, buses: str, ev) -> None:
    import weakref

    for k in [k for k, (ref, _) in _BASELINES.items() if ref() is None]:
        del _BASELINES[k]
    _BASELINES[(id(county), std, int(year), buses)] = (weakref.ref(county), ev)


def _check_arguments(county, plan, travel, standards, year) -> None:
    """Wrong argument types raise TypeError with the fix, before any work (not a traceback deep inside)."""
    from layout.county import County
    from layout.plan import Plan
    from layout.standards import Standards

    if not isinstance(county, County):
        raise TypeError(f"evaluate needs a County as first argument, not {type(county).__name__}: "
                        "county = layout.read_county('folder')")
    if plan is not None and not isinstance(plan, Plan):
        hint = " (a proposal file? use layout.plan.read_proposal(path, county))" if isinstance(plan, str) else ""
        raise TypeError(f"plan must be a Plan or None, not {type(plan).__name__}{hint}")
    if travel is not None and not isinstance(travel, Mapping):
        raise TypeError(f"travel must be a mapping {{'walk': TravelMatrix, 'bus': TravelMatrix}}, not {type(travel).__name__}")
    if standards is not None and not isinstance(standards, Standards):
        raise TypeError(f"standards must be a Standards value (layout.standards.load_standards(...)), "
                        f"not {type(standards).__name__}")
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise TypeError(f"year must be a whole number of years ahead, not {type(year).__name__}")
    if not 0 <= year <= 100:
        from layout.errors import LayoutInputError, Problem

        raise LayoutInputError([Problem("evaluate", "years ahead must be from 0 to 100", column="year", value=year,
                                        fix="give the number of years ahead, e.g. 10")])


def evaluate(county, plan=None, travel: Mapping[str, TravelMatrix] | None = None, standards=None,
             year: int = 0, *, cache_dir=None, baseline=None, buses: str = "routes") -> Evaluation:
    """Evaluate a plan: allocate every child, then measure travel, schools, staffing, balance, costs, equity and
    violations — each violation marked *existing* (today has it) or *new* (the plan brings it).

    Parameters
    ----------
    county : County
    plan : Plan, optional
        Defaults to the status quo.
    travel : mapping of mode -> TravelMatrix, optional
        ``{"walk": ..., "bus": ...}``; computed with :func:`layout.network.travel` (including the plan's new
        sites) when None or when they miss the new sites.
    standards : Standards, optional
        Defaults to the county's.
    year : int
        Years ahead (demand from :func:`layout.demand.project_demand`).
    cache_dir : path, optional
        On-disk travel cache used when travel has to be computed.
    baseline : Evaluation, optional
        The status quo's evaluation for the same year, to tell new violations from existing ones (computed and
        cached when not given).
    buses : {"routes", "estimate"}
        School buses on shared routes (:mod:`layout.transport`, default) or the per-link estimate (an upper bound,
        quick).

    Returns
    -------
    Evaluation

    Example
    -------
    >>> from layout.datasets import make_county
    >>> from layout.plan import Plan, Close
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> today = evaluate(county)
    >>> today.students_unserved, today.new_hard_violations
    (0, 0)
    >>> small = today.schools["enrolment"].idxmin()
    >>> ev = evaluate(county, Plan.status_quo(county).apply(Close(small)))
    >>> ev.students_moved == int(today.schools.at[small, "enrolment"])
    True
    """
    from layout.plan import Plan

    _check_arguments(county, plan, travel, standards, year)
    std = standards or county.standards
    plan = Plan.status_quo(county) if plan is None else plan
    is_today = not plan.actions
    if is_today and (hit := _BASELINES.get((id(county), std, int(year), buses))) is not None and hit[0]() is county:
        return hit[1]
    travel = travel_for_plan(county, plan, travel, cache_dir=cache_dir)
    alloc = allocate(county, plan, travel, std, year)
    schools = school_table(county, plan, alloc, std, travel)
    resources = resources_after_closures(plan, std)
    staffing, staffing_totals = staffing_table(county, plan, schools, resources[0]["teachers"], std)
    parts = balance_parts(plan, schools, std, staffing, resources)
    balance = {"quality": quality_balance(plan, schools, std, parts), "basic": basic_balance(plan, schools, std, parts)}
    if baseline is False or is_today:
        base = None
    else:
        base = baseline if baseline is not None else _status_quo_evaluation(county, travel, std, year, buses)
    bus = plan_buses(county, plan, alloc, std, method="estimate" if buses == "estimate" else "routes")
    costs = plan_costs(plan, schools, alloc, std, staffing=staffing, buses=bus.by_school, bus_method=bus.method,
                       vehicles_today=None if base is None else float(base.costs["buses"]))
    costs["staffing"] = staffing_totals
    costs["bus_routes"] = bus
    equity = travel_equity(county, alloc)
    found = find_violations(county, plan, alloc, schools, balance, std, bus_unserved=bus.unserved)
    violations = mark_status(found, None if base is None else base.violations)
    resolved = [] if base is None else resolved_violations(found, base.violations)
    ev = Evaluation(plan_name=plan.name, description=plan.description, year=int(year), estimated=alloc.estimated,
                    allocation=alloc, by_band=travel_by_band(alloc, std), schools=schools, balance=balance,
                    costs=costs, equity=equity, violations=violations, county_name=county.name,
                    staffing=staffing, resolved=resolved, notes=tuple(bus.notes), places=places_of(county))
    if is_today:
        _remember(county, std, year, buses, ev)
    return ev
