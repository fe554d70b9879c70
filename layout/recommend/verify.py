"""Build a plan from moves and boarding sites, and check it breaks no hard rule the status quo keeps."""

from __future__ import annotations

import math

import pandas as pd

from layout.plan import AddBoarding, DesignateBoarding, Downgrade, Expand, Merge, Plan
from layout.recommend.boarding import beds_for, boarding_need, choose_boarding_sites

__all__ = ["build_plan", "new_hard_violations", "unserved_increase"]


def _expansions(plan: Plan, before: Plan, moves) -> dict[str, int]:
    """Seats to build at each receiver for the pupils it takes in: the classes those extra pupils need at the
    class-size limit (a receiver's existing crowding is reported, not rebuilt, by the evaluation)."""
    std = plan.standards
    out: dict[str, int] = {}
    s = plan.schools
    s0 = before.schools
    for into in sorted({m.into for m in moves if m.active and m.action == "merge"}):
        row = s.loc[into]
        stage = "middle" if row["kind"] == "middle" else "primary"
        limit = std.class_size_limit(stage)
        size = std.standard_class_size(stage)
        extra = 0
        for b in ("g1_3", "g4_6", "g7_9"):
            pupils, classes = int(row[f"pupils_{b}"]), int(row[f"classes_{b}"])
            had = int(s0.at[into, f"pupils_{b}"])
            if classes > 0 and pupils > had:
                extra += max(0, math.ceil(pupils / limit) - max(classes, math.ceil(had / limit)))
        if extra:
            out[into] = extra * size
    return out


def build_plan(county, travel, moves, demand: pd.DataFrame, extra_seats: dict[str, int] | None = None,
               name: str = "recommended", opens: tuple = ()):
    """New teaching points + status quo + active moves (merges, downgrades) + classroom expansions + boarding.

    Returns
    -------
    plan : Plan
    sites : list of BoardingSite
    expansions : dict school -> seats
    """
    base = Plan.status_quo(county)
    plan = base
    for o in opens:
        plan = plan.apply(o)
    active = [m for m in moves if m.active]
    for m in active:
        if m.action == "merge":
            plan = plan.apply(Merge(m.school, m.into))
        elif m.action == "downgrade":
            plan = plan.apply(Downgrade(m.school, "1-3"))
    exp = _expansions(plan, base, active)
    for sid, seats in sorted((extra_seats or {}).items()):
        exp[sid] = exp.get(sid, 0) + seats
    # build first: expansions and boarding come before the closures in the proposal
    pre: list = [*opens, *(Expand(sid, int(n)) for sid, n in sorted(exp.items()) if n > 0)]
    need = boarding_need(county, plan, travel, demand)
    sites = choose_boarding_sites(county, plan, travel, need)
    for site in sites:
        beds = beds_for(site)
        if beds > 0:
            pre.append(AddBoarding(site.school, beds, canteen=True))
        else:
            pre.append(DesignateBoarding(site.school))
    final = Plan.status_quo(county)
    for a in pre:
        final = final.apply(a)
    for m in active:
        final = final.apply(Merge(m.school, m.into) if m.action == "merge" else Downgrade(m.school, "1-3"))
    return final.renamed(name, "layout recommendation (布局调整建议)"), sites, exp


def unserved_increase(ev, base) -> pd.Series:
    """Children unserved under ``ev`` beyond those unserved in ``base``, by (village_id, band)."""
    def table(e) -> pd.Series:
        u = e.allocation.unserved
        if not len(u):
            return pd.Series([], dtype=float, index=pd.MultiIndex.from_tuples([], names=["village_id", "band"]))
        return u.groupby(["village_id", "band"])["children"].sum().astype(float)
    a, b = table(ev), table(base)
    diff = a - b.reindex(a.index, fill_value=0.0)
    return diff[diff > 0].sort_index()


def new_hard_violations(ev, base) -> tuple[list, pd.Series]:
    """Hard violations of ``ev`` that ``base`` (the status quo, same year) does not have, and the children
    newly left unserved by (village, band)."""
    keys = {v.key for v in base.violations}
    new = [v for v in ev.violations if v.severity == "hard" and v.code != "unserved" and v.key not in keys]
    return new, unserved_increase(ev, base)
