"""Which primary schools a recommendation may close, merge or downgrade, found with :mod:`layout.locate`.

The school model (:func:`layout.locate.school_model`) chooses the primary schools to keep so that every
village's grade 1–3 children can walk to one within the walking limit, under the chosen goal:

* ``fewest_schools`` — a fixed cost larger than any possible travel on every closable school: fewest schools
  first, then least walking;
* ``least_cost`` — each school's annual site cost and small-school funding floor, in pupil-minutes;
* ``best_balance`` — as ``least_cost`` (the frontier then picks the closure count with the lowest CVs);
* ``least_travel`` — exactly ``n_schools`` primary schools, least walking.

Only small schools (under ``school_size.small_school`` pupils) that are not remote and teach no middle
grades are closable; every other school is required. A closable school the model does not keep becomes a
:class:`Move` (merge into the kept school its children walk to); a very small kept primary whose older pupils
can go elsewhere becomes a downgrade to a teaching point for grades 1–3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layout.locate import school_model

__all__ = ["Move", "keep_set", "closure_moves"]


@dataclass
class Move:
    """One change the recommendation considers for a school.

    Parameters
    ----------
    school : str
        The school changed.
    action : str
        ``merge`` (close; pupils and resources go to ``into``) or ``downgrade`` (keep grades 1–3).
    into : str or None
        Receiving school of a merge.
    order : int
        Position in the closure sequence (smallest schools first).
    catchment : dict
        ``(village_id, band) -> children`` the school teaches today.
    active : bool
        False once a repair has withdrawn it.
    notes : list of (en, zh)
        Repairs made, for the reasons.
    """

    school: str
    action: str
    into: str | None
    order: int
    catchment: dict[tuple[str, str], int] = field(default_factory=dict)
    active: bool = True
    notes: list[tuple[str, str]] = field(default_factory=list)

    def withdraw(self, en: str, zh: str) -> None:
        self.active = False
        self.notes.append((en, zh))


def _teaches(schools: pd.DataFrame, lo: int, hi: int) -> pd.Series:
    return (schools["grade_lo"].astype(int) <= lo) & (schools["grade_hi"].astype(int) >= hi)


def closable(county, baseline) -> pd.Index:
    """Small, non-remote teaching points and primaries (no middle grades) — the schools a closure may touch."""
    std = county.standards
    t = baseline.schools
    s = county.schools
    small = t["enrolment"].reindex(s.index).fillna(0) < std.small_school
    remote = s["remote"].astype(bool) if "remote" in s else pd.Series(False, index=s.index)
    kinds = s["kind"].isin(["teaching_point", "primary"]) & (s["grade_hi"].astype(int) <= 6)
    return s.index[small & ~remote & kinds].sort_values()


def keep_set(county, travel, baseline, goal: str, n_schools: int | None = None,
             time_limit: float | None = 20.0) -> tuple[list[str], dict[str, str], str]:
    """Primary schools the school model keeps, the kept school each village's grade 1–3 children walk to,
    and a note on how the model was solved.

    Parameters
    ----------
    county : County
    travel : dict
        ``{"walk": TravelMatrix, ...}`` covering the county's schools.
    baseline : Evaluation
        Status quo evaluation (enrolment per school).
    goal : str
    n_schools : int, optional
        Primary schools to keep for ``least_travel`` (default: halfway between the fewest possible and today).
    time_limit : float, optional
        Seconds for the solver.

    Returns
    -------
    kept : list of str
    village_to_school : dict
    note : str
    """
    std = county.standards
    s = county.schools
    lo, hi = std.bands["g1_3"]
    prim = s.index[_teaches(s, lo, hi)].sort_values()
    walk = travel["walk"].minutes.reindex(index=county.villages.index, columns=prim).to_numpy(float)
    limit = float(std.walk_limit("g1_3"))
    walk = np.where(walk <= limit, walk, np.inf)
    q = baseline.allocation.demand["g1_3"].reindex(county.villages.index).fillna(0).to_numpy(float)
    q = np.where(np.isfinite(walk).any(axis=1), q, 0.0)
    may_close = set(closable(county, baseline))
    required = [j for j, sid in enumerate(prim) if sid not in may_close]
    if not may_close.intersection(prim):
        return list(prim), {}, "no small school may close"
    c = std.get("costs")
    enrol = baseline.schools["enrolment"].reindex(prim).fillna(0).to_numpy(float)
    fixed = np.zeros(len(prim))
    p = None
    if goal == "fewest_schools":
        fixed[:] = q.sum() * limit + 1.0
    elif goal in ("least_cost", "best_balance"):
        value = float(std.get("recommend.child_minute_value_yuan"))
        floor_extra = np.maximum(0.0, float(c["small_school_funding_floor"]) - enrol) * float(
            c["per_student_funds"]["primary"])
        fixed = (float(c["fixed_cost_per_school"]) + floor_extra) / value
    elif goal == "least_travel":
        if n_schools is None:
            fewest, _, _ = keep_set(county, travel, baseline, "fewest_schools", time_limit=time_limit)
            n_schools = math.ceil((len(fewest) + len(prim)) / 2)
        p = int(min(max(n_schools, len(required)), len(prim)))
    sol = school_model(walk, demand=q, capacity=np.inf, required=required, fixed_cost=fixed, p=p,
                       existing=list(range(len(prim))), time_limit=time_limit)
    if sol.status == "infeasible":
        return list(prim), {}, f"school model infeasible, nothing closed: {sol.explanation}"
    kept = [str(prim[j]) for j in sol.open]
    v2s = {str(v): str(prim[j]) for v, j in zip(county.villages.index, sol.assignment, strict=True)
           if j >= 0 and q[county.villages.index.get_loc(v)] > 0}
    note = f"school model {sol.status} (gap {sol.gap:.2%}, {sol.method}), {len(kept)} of {len(prim)} primary schools kept"
    return sorted(kept), v2s, note


def _catchments(baseline) -> dict[str, dict[tuple[str, str], int]]:
    a = baseline.allocation.assignments
    out: dict[str, dict[tuple[str, str], int]] = {}
    for r in a.sort_values(["school_id", "village_id", "band"]).itertuples(index=False):
        out.setdefault(str(r.school_id), {})[(str(r.village_id), str(r.band))] = int(r.children)
    return out


def closure_moves(county, travel, baseline, kept: list[str], goal: str) -> list[Move]:
    """Merges of the closable schools the model does not keep, and downgrades of very small kept primaries.

    Parameters
    ----------
    county, travel, baseline
        As :func:`keep_set`.
    kept : list of str
        Schools kept by the model.
    goal : str

    Returns
    -------
    list of Move
        Ordered smallest school first (ties by id).
    """
    std = county.standards
    s = county.schools
    t = baseline.schools
    walk = travel["walk"].minutes
    bus = travel.get("bus").minutes if travel.get("bus") is not None else None
    catch = _catchments(baseline)
    may_close = set(closable(county, baseline))
    kept_set = set(kept)
    moves: list[Move] = []
    order = sorted(may_close, key=lambda sid: (int(t.at[sid, "enrolment"]), sid))
    downgraded: list[str] = []
    if goal != "least_travel":
        b_lo, b_hi = std.bands["g4_6"]
        for sid in order:
            groups = catch.get(sid, {})
            if sid not in kept_set or int(s.at[sid, "grade_hi"]) <= 3 or \
                    int(t.at[sid, "enrolment"]) >= std.closure_pool_under:
                continue
            # downgrade: older pupils must reach another kept school teaching grades 4-6 by walking or bus
            others = [k for k in kept if k != sid and k not in downgraded and int(s.at[k, "grade_lo"]) <= b_lo
                      and int(s.at[k, "grade_hi"]) >= b_hi]
            older = sorted({v for (v, b) in groups if b == "g4_6"})
            if not others or not older:
                continue
            # only where the youngest cannot walk to another kept school teaching grades 1-3 (else merge later)
            young = sorted({v for (v, b) in groups if b == "g1_3"})
            alt = [k for k in kept if k != sid and int(s.at[k, "grade_lo"]) <= 1]
            if young and alt and bool((walk.reindex(index=young, columns=alt).min(axis=1)
                                       <= std.walk_limit("g1_3")).all()):
                continue
            ok = walk.reindex(index=older, columns=others).min(axis=1) <= std.walk_limit("g4_6")
            if bus is not None and std.may_bus("g4_6"):
                ok |= bus.reindex(index=older, columns=others).min(axis=1) <= std.bus_limit("g4_6")
            if bool(ok.all()):
                downgraded.append(sid)
    receivers = [k for k in kept if k not in downgraded]
    for sid in order:
        groups = catch.get(sid, {})
        lo, hi = int(s.at[sid, "grade_lo"]), int(s.at[sid, "grade_hi"])
        if sid in downgraded:
            moves.append(Move(sid, "downgrade", None, len(moves), dict(groups)))
            continue
        if sid in kept_set:
            continue
        # receivers: kept schools teaching every grade of this one; else any kept school teaching grade 1-3
        full = [k for k in receivers if int(s.at[k, "grade_lo"]) <= lo and int(s.at[k, "grade_hi"]) >= hi]
        pool = full or [k for k in receivers if int(s.at[k, "grade_lo"]) <= 1]
        if not pool:
            continue
        villages = sorted({v for v, _ in groups})
        w = pd.Series({v: sum(n for (vv, _), n in groups.items() if vv == v) for v in villages}, dtype=float)
        if len(villages):
            m = walk.reindex(index=villages, columns=pool).astype(float)
            m = m.where(np.isfinite(m), 1e4)
            score = (m.mul(w, axis=0)).sum(axis=0)
        else:
            score = pd.Series(0.0, index=pool)
        score = score.sort_index().sort_values(kind="stable")
        moves.append(Move(sid, "merge", str(score.index[0]), len(moves), dict(groups)))
    return moves
