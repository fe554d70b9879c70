"""Random valid proposals, for benchmarks, tests and trying the batch tools on a new county.

Each proposal closes a few of the smallest village schools (some outright, some merged into the nearest school
that stays open and teaches their grades) and sometimes adds boarding beds at a larger school, the typical
shape of a consolidation plan. They are valid by construction but not recommendations.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from layout.errors import LayoutInputError

__all__ = ["random_proposals", "write_random_proposals"]

_CLOSABLE = ("teaching_point", "primary")
_BOARDING = ("middle", "nine_year", "primary")


def random_proposals(county, n: int, seed: int = 0) -> list:
    """``n`` random valid proposals (Plans) for a county.

    Parameters
    ----------
    county : County
    n : int
        Number of proposals.
    seed : int
        Same seed, same proposals.

    Returns
    -------
    list of Plan
        Named ``random 01``, ``random 02``, ...; each has at least one action when the county has a school
        that can be closed.

    Example
    -------
    >>> plans = random_proposals(county, 5, seed=1)
    >>> [len(p.actions) > 0 for p in plans]
    [True, True, True, True, True]
    >>> plans[1].name, [a.describe("en") for a in plans[1].actions]
    ('random 02', ['close S026', 'merge S008 into S001'])
    """
    from layout.plan import AddBoarding, Close, Merge, Plan

    rng = np.random.default_rng(seed)
    base = Plan.status_quo(county)
    s = base.schools
    small = county.standards.small_school
    closable = s[s["kind"].isin(_CLOSABLE)].sort_values(["enrolment"], kind="stable")
    pool = list(closable.index[closable["enrolment"] < small]) or list(closable.index[: max(1, len(closable) // 2)])
    hosts = list(s[s["kind"].isin(_BOARDING)].sort_values("enrolment", ascending=False, kind="stable").index[:3])
    xy = np.column_stack([s.geometry.x.to_numpy(), s.geometry.y.to_numpy()])
    pos = {sid: k for k, sid in enumerate(s.index)}
    plans = []
    for k in range(n):
        plan = base
        m = int(rng.integers(1, min(4, len(pool)) + 1)) if pool else 0
        chosen = [str(x) for x in rng.choice(pool, size=m, replace=False)] if m else []
        for sid in chosen:
            action = Close(sid)
            if rng.random() < 0.5:
                d = np.hypot(*(xy - xy[pos[sid]]).T)
                for j in np.argsort(d, kind="stable"):
                    target = str(s.index[j])
                    if target != sid and target not in chosen and plan.schools.loc[target, "status"] == "open" \
                            and plan.schools.loc[target, "grade_lo"] <= plan.schools.loc[sid, "grade_lo"]:
                        action = Merge(sid, target)
                        break
            try:
                plan = plan.apply(action)
            except LayoutInputError:
                try:
                    plan = plan.apply(Close(sid))
                except LayoutInputError:
                    continue
        if hosts and rng.random() < 0.5:
            host = str(hosts[int(rng.integers(0, len(hosts)))])
            if plan.schools.loc[host, "status"] == "open":
                with contextlib.suppress(LayoutInputError):
                    plan = plan.apply(AddBoarding(host, int(rng.choice([50, 100, 200]))))
        plans.append(plan.renamed(f"random {k + 1:02d}", f"random proposal {k + 1} (seed {seed}): "
                                  + ", ".join(a.describe("en") for a in plan.actions)))
    return plans


def write_random_proposals(county, folder: str | Path, n: int, seed: int = 0) -> list[Path]:
    """Write :func:`random_proposals` as YAML files ``random_01.yaml`` … into ``folder`` (created).

    Returns
    -------
    list of Path
    """
    from layout.plan import write_proposal

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_proposal(p, folder / f"random_{k + 1:02d}.yaml")
            for k, p in enumerate(random_proposals(county, n, seed))]
