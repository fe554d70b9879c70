"""The school model: which schools to keep or open, and where each village's pupils go.

Used by the recommendation engine. It combines the p-median, capacity and coverage ideas with the rules a
county applies. With villages i (pupils ``q_i``), candidate schools j (existing or new sites), travel
``t_ij`` and decisions ``y_j`` (school j open) and ``x_ij`` (village i goes to school j)::

    minimise   Σ_ij q_i t_ij x_ij  +  Σ_j f_j y_j                      pupil-minutes + fixed costs
    subject to Σ_j x_ij = 1                      for every village with pupils
               Σ_i q_i x_ij ≤ Q_j y_j            capacity (seats)
               Σ_i q_i x_ij ≥ S_j y_j            minimum school size S_j, except at sites marked remote
               x_ij ≤ y_j                        only open schools take pupils
               x_ij = 0  where t_ij > cap         travel cap (pairs beyond it are not in the model)
               y_j = 1 (required), y_j = 0 (forbidden)
               Σ_{j existing} (1 − y_j) ≤ K       at most K existing schools close (optional)
               Σ_j y_j = p                       number of schools (optional)
               x_ij ∈ {0, 1}                     a village goes to one school (``single_source=True``),
                                                 or x_ij ∈ [0, 1] to let a village's pupils split

Fixed costs ``f_j`` must be in the units of the travel term (e.g. yuan converted with a value of a
pupil-minute); leave them out to minimise travel only. Villages without pupils are not in the model; they are
assigned to their nearest open school within the cap (or -1).

When no plan satisfies the rules the answer is ``status="infeasible"`` with the reason in plain words: villages
that cannot reach any allowed school within the cap, total seats short by N, a village larger than any school
it can reach, or which rule (minimum size, closure limit, single sourcing) makes it impossible.
"""

from __future__ import annotations

import math
import time

import numpy as np

from layout.locate._assignment import AssignmentModel
from layout.locate._inputs import _sites, _vector, check_p, list_ids, prepare
from layout.locate.capacitated import capacity_explanation
from layout.locate.solution import Solution, infeasible, no_solution, relative_gap

__all__ = ["school_model"]

_WHERE = "school model parameters"


def school_model(cost, demand, capacity, *, min_size=None, remote=None, max_cost=None, existing=None,
                 required=None, forbidden=None, max_closures=None, fixed_cost=None, p=None,
                 single_source: bool = True, time_limit=None) -> Solution:
    """Choose open schools and assign villages, minimising pupil-minutes (plus fixed costs) under the rules.

    Parameters
    ----------
    cost : array (n_villages, n_sites) or scipy.sparse
        Travel minutes; ``inf`` / absent where a village cannot reach a site.
    demand : array (n_villages,)
        Pupils per village.
    capacity : float or array (n_sites,)
        Seats per site (``inf`` for no limit).
    min_size : float or array (n_sites,), optional
        Least pupils an open school must have (from the standards), unless the site is remote.
    remote : sequence of int or bool mask, optional
        Sites exempt from the minimum size (e.g. teaching points kept for remote villages).
    max_cost : float, optional
        Travel cap in minutes.
    existing : sequence of int or bool mask, optional
        Sites that are schools today (used by ``max_closures``).
    required, forbidden : sequence of int or bool mask, optional
        Sites that must stay/open, and sites that may not open.
    max_closures : int, optional
        At most this many existing schools may close.
    fixed_cost : float or array (n_sites,), optional
        Cost of keeping/opening each site, in the units of pupil-minutes.
    p : int, optional
        Exact number of schools.
    single_source : bool
        True: each village goes to one school. False: a village's pupils may split (the assignment then
        gives the school taking most of them).
    time_limit : float, optional
        Seconds.

    Returns
    -------
    Solution
        ``objective`` = pupil-minutes + fixed costs; ``extra["travel"]`` = pupil-minutes and
        ``extra["load"]`` = pupils per open site.

    Example
    -------
    >>> import numpy as np
    >>> minutes = np.array([[5, 30, 60], [10, 25, 50], [40, 8, 20], [55, 30, 3]])
    >>> s = school_model(minutes, demand=[40, 30, 20, 10], capacity=[100, 100, 40], min_size=25,
    ...                  remote=[2], max_cost=45, existing=[0, 1, 2], max_closures=1)
    >>> s.open.tolist(), s.assignment.tolist()
    ([0, 2], [0, 0, 2, 2])
    """
    t0 = time.perf_counter()
    prep, problems = prepare(cost, required=required, forbidden=forbidden, max_cost=max_cost)
    if prep is not None:
        q = _vector(demand, prep.n, "demand", None, problems)
        if demand is None:
            problems.add(_WHERE, "demand (pupils per village) is required", column="demand",
                         fix="give one value per village")
        cap = _vector(capacity, prep.m, "capacity", None, problems, allow_inf=True)
        if capacity is None:
            problems.add(_WHERE, "capacity (seats per site) is required", column="capacity",
                         fix="give one value per site, or one for all")
        smin = _vector(min_size, prep.m, "min_size", 0.0, problems)
        f = _vector(fixed_cost, prep.m, "fixed_cost", 0.0, problems)
        far = _sites(remote, prep.m, "remote", problems)
        exist = _sites(existing, prep.m, "existing", problems)
        p = check_p(p, prep, problems)
        if max_closures is not None and (isinstance(max_closures, bool) or not float(max_closures).is_integer()
                                         or max_closures < 0):
            problems.add(_WHERE, "max_closures must be a whole number ≥ 0", column="max_closures",
                         value=max_closures, fix="pass e.g. 3, or None for no limit")
        if max_closures is not None and existing is None:
            problems.add(_WHERE, "max_closures needs the list of existing schools", column="existing",
                         fix="pass existing=[…] with the sites that are schools today")
    if time_limit is not None and not (isinstance(time_limit, int | float) and time_limit > 0):
        problems.add(_WHERE, "time_limit must be a positive number of seconds", column="time_limit",
                     value=time_limit, fix="pass e.g. 60")
    problems.raise_if_any("school model: invalid input")
    n = prep.n
    smin = smin.copy()
    smin[far] = 0.0
    pupils = q > 0
    reach = np.isfinite(prep.cost).any(axis=1)
    lonely = np.flatnonzero(pupils & ~reach)
    if len(lonely):
        within = f" within {max_cost:g} minutes" if max_cost is not None else ""
        what = "villages" if len(lonely) > 1 else "village"
        return infeasible(n, f"{what} {list_ids(lonely)} cannot reach any allowed school{within}",
                          time.perf_counter() - t0)
    why = capacity_explanation(prep, q, cap, p)
    if why and single_source:
        return infeasible(n, why, time.perf_counter() - t0)
    if why.startswith("total capacity"):
        return infeasible(n, why, time.perf_counter() - t0)

    def build(with_min=True, with_closures=True, single=single_source) -> AssignmentModel:
        allowed = np.isfinite(prep.cost) & pupils[:, None]
        if single:
            allowed &= q[:, None] <= cap[None, :] + 1e-9
        ii, jj = np.nonzero(allowed)
        sites = prep.candidates
        extra_rows = []
        if with_closures and max_closures is not None:
            # closed = |existing| − Σ_{existing ∩ allowed} y_j ≤ K (forbidden existing schools count as closed)
            coef = np.isin(sites, exist).astype(float)
            extra_rows.append((coef, float(len(exist) - max_closures), np.inf))
        rows_i = np.flatnonzero(pupils)
        pos_i = np.full(n, -1)
        pos_i[rows_i] = np.arange(len(rows_i))
        return AssignmentModel(n=len(rows_i), sites=sites, pair_i=pos_i[ii], pair_j=jj,
                               pair_cost=q[ii] * prep.cost[ii, jj], demand=q[rows_i], capacity=cap[sites],
                               min_load=smin[sites] if with_min and smin.any() else None,
                               fixed_cost=f[sites], open_lo=np.isin(sites, prep.required).astype(float),
                               p_lo=p, p_hi=p, single_source=single, extra_rows=extra_rows)

    res, open_, assign_sub = build().solve(time_limit=time_limit, rel_gap=1e-7, abs_gap=1e-6)
    if res.status == "infeasible" or open_ is None:
        if res.status != "infeasible":
            # stopped by the clock before any plan: not a proof that none exists
            return no_solution(n, time_limit, time.perf_counter() - t0, "milp", what="plan")
        return infeasible(n, _diagnose(build, max_closures, smin, single_source, why), time.perf_counter() - t0,
                          method="milp")
    rows_i = np.flatnonzero(pupils)
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[rows_i] = assign_sub
    idle = np.flatnonzero(~pupils)
    if len(idle) and len(open_):
        sub = prep.cost[np.ix_(idle, open_)]
        k = np.argmin(sub, axis=1)
        ok = np.isfinite(sub[np.arange(len(idle)), k])
        assignment[idle[ok]] = open_[k[ok]]
    travel = float(res.objective - f[open_].sum())
    load = {int(j): float(q[assignment == j].sum()) for j in open_} if single_source else {}
    gap = relative_gap(res.objective, min(res.bound, res.objective))
    status = "optimal" if res.status == "optimal" and gap <= 1e-6 else (
        "time_limit" if res.status != "optimal" else "feasible")
    return Solution(open=open_, assignment=assignment, objective=float(res.objective),
                    lower_bound=float(min(res.bound, res.objective)), gap=gap, status=status,
                    seconds=time.perf_counter() - t0, method="milp", extra=dict(travel=travel, load=load))


def _diagnose(build, max_closures, smin, single_source, why: str) -> str:
    """Find which rule makes the model infeasible by relaxing one at a time."""
    checks = []
    if smin.any():
        checks.append(("the minimum school size cannot be met by every open school that is not remote",
                       dict(with_min=False)))
    if max_closures is not None:
        checks.append((f"closing at most {int(max_closures)} existing schools is impossible together with the "
                       "capacity, minimum size and travel cap rules", dict(with_closures=False)))
    if single_source:
        checks.append(("villages cannot each go to a single school within the seats available "
                       f"{'(' + why + ')' if why else ''}".strip(), dict(single=False)))
    for text, relax in checks:
        res, _, _ = build(**relax).solve(time_limit=10.0, rel_gap=0.5, abs_gap=math.inf)
        if res.status != "infeasible":
            return text
    return "no plan satisfies capacity, minimum size, travel cap and closure limits together"
