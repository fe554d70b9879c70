"""`recommend`: the layout a county should adopt under a goal, verified against the hard rules, with reasons."""

from __future__ import annotations

import time

from layout.evaluate import evaluate
from layout.plan import Plan
from layout.recommend.candidates import closure_moves, keep_set
from layout.recommend.catchments import enrolment_catchments
from layout.recommend.frontier import pick_from_frontier, trade_off_frontier
from layout.recommend.goals import check_goal
from layout.recommend.reasons import _fmt, action_table
from layout.recommend.recommendation import Recommendation
from layout.recommend.robust import robustness
from layout.recommend.verify import build_plan, new_hard_violations

__all__ = ["recommend"]

MODES = ("walk", "bus")


def _new_teaching_points(county, travel, status_quo, std) -> tuple:
    """Open actions for teaching points at the centres of pockets whose grade 1-3 children cannot walk to a school."""
    import math

    from layout.plan import Open

    _, clusters = enrolment_catchments(county, status_quo, travel["walk"].minutes)
    least = int(std.get("recommend.min_pupils_new_teaching_point"))
    margin = float(std.get("recommend.bed_margin"))
    size = std.standard_class_size("teaching_point")
    out = []
    for c in clusters[clusters["g1_3_beyond_walk"] >= least].sort_values("candidate_site").itertuples():
        vid = c.candidate_site
        v = county.villages.loc[[vid]]
        pt = v.to_crs(4326).geometry.iloc[0]
        name = str(v["name"].iloc[0]) if "name" in v else vid
        seats = math.ceil(c.g1_3_beyond_walk * (1 + margin) / size) * size
        out.append(Open(f"NEW_{vid}", f"{name}教学点", "teaching_point", round(float(pt.x), 7),
                        round(float(pt.y), 7), int(seats), 0, grades="1-3",
                        township=str(v["township"].iloc[0]) if "township" in v else None, canteen=False))
    return tuple(out)


def _repair(county, travel, moves, demand, baseline, std, rounds: int, opens: tuple = ()):
    """Build the plan, evaluate it, and withdraw or reinforce moves until no hard rule is newly broken."""
    extra: dict[str, int] = {}
    expansions: dict[str, int] = {}
    for _ in range(rounds):
        plan, sites, exp = build_plan(county, travel, moves, demand, extra, opens=opens)
        ev = evaluate(county, plan, travel, std)
        new, unserved = new_hard_violations(ev, baseline)
        if not new and unserved.empty:
            return plan, sites, exp, ev
        active = [m for m in moves if m.active]
        extra_before = dict(extra)
        for (vid, band), n in unserved.items():
            for m in active:
                if m.active and any(v == vid for v, _ in m.catchment):
                    m.withdraw(f"kept: closing it would leave {int(n)} {band} children of village {vid} without a "
                               "place", f"保留:撤并将使{vid}村{int(n)}名学生({band})无学位")
        t = ev.schools
        for v in new:
            sid = v.school_id
            if sid is None:
                continue
            into = [m for m in active if m.active and m.into == sid]
            own = [m for m in active if m.active and m.school == sid]
            if v.code in ("oversized_class", "super_oversized_class") and into \
                    and expansions.get(sid, 0) < 2:
                need = int(t.at[sid, "classes_needed"]) - int(t.at[sid, "classes"])
                stage = "middle" if t.at[sid, "kind"] == "middle" else "primary"
                extra[sid] = extra.get(sid, 0) + max(1, need) * std.standard_class_size(stage)
                expansions[sid] = expansions.get(sid, 0) + 1
                continue
            for m in sorted(into, key=lambda m: -sum(m.catchment.values()))[:1] + own:
                m.withdraw(f"kept: merging it would break a rule at {sid}: {v.message_en}",
                           f"保留:撤并将在{sid}造成违规:{v.message_zh}")
        still = [m for m in moves if m.active]
        if len(still) == len(active) and extra == extra_before and still:
            # the broken rule names no move: withdraw the move of the largest school and check again
            what = (new[0].message_en, new[0].message_zh) if new else (
                f"{int(unserved.sum())} children newly without a place", f"{int(unserved.sum())}名学生新增无学位")
            m = max(still, key=lambda m: (m.order, m.school))
            m.withdraw(f"kept: with all proposed changes a rule broke elsewhere ({what[0]}); keeping this school, the "
                       "largest of those proposed, is the first repair tried",
                       f"保留:全部调整后其他地方出现违规({what[1]});先保留拟调整学校中规模最大的这一所")
    # could not repair within the rounds: keep every school, add only boarding
    for m in moves:
        if m.active:
            m.withdraw("kept: the recommendation could not verify its closure within the repair rounds",
                       "保留:在修正轮次内无法验证撤并不违反硬性规则")
    plan, sites, exp = build_plan(county, travel, moves, demand, {}, opens=opens)
    ev = evaluate(county, plan, travel, std)
    new, unserved = new_hard_violations(ev, baseline)
    if new or not unserved.empty:
        plan, sites, exp = Plan.status_quo(county).renamed("recommended", "status quo kept (维持现状)"), [], {}
        ev = evaluate(county, plan, travel, std)
    return plan, sites, exp, ev


def recommend(county, travel=None, standards=None, goal: str = "fewest_schools", horizon: int = 10,
              n_schools: int | None = None, *, open_new: bool | None = None, time_limit: float = 20.0,
              frontier: bool = True, cache_dir=None) -> Recommendation:
    """Recommend a layout: closures, mergers, downgrades, boarding and expansions, each with its reasons.

    The school model of :mod:`layout.locate` chooses which small primary schools to keep under ``goal``; the
    others merge into the kept school their children walk to; very small primaries whose older pupils can go
    elsewhere become teaching points for grades 1–3; classrooms are added where receivers would exceed the
    class-size limit; per township one or two schools carry boarding for children beyond walk and bus limits
    (beds and canteen built first). The plan is evaluated with :func:`layout.evaluate.evaluate`; a move that
    breaks a hard rule the status quo keeps is reinforced or withdrawn and the reason says so.

    Parameters
    ----------
    county : County
    travel : mapping of mode -> TravelMatrix, optional
        Walking and bus matrices for the county's schools (computed when None).
    standards : Standards, optional
        Default: the county's.
    goal : {"fewest_schools", "least_travel", "least_cost", "best_balance"}
    horizon : int
        Years ahead for the robustness check (evaluated now, at horizon / 2 and at horizon).
    n_schools : int, optional
        Primary schools to keep for ``least_travel``.
    open_new : bool, optional
        Propose new teaching points at the centres of pockets whose grade 1–3 children cannot walk to any school
        today (at least ``recommend.min_pupils_new_teaching_point`` children). Default: only for ``least_travel``
        (new sites cost capital and add small schools, which the other goals count against).
    time_limit : float
        Seconds for the school model.
    frontier : bool
        Compute the trade-off frontier (a few extra evaluations).
    cache_dir : path, optional
        On-disk travel cache.

    Returns
    -------
    Recommendation

    Example
    -------
    >>> from layout.datasets import make_county                  # doctest: +SKIP
    >>> rec = recommend(make_county(n_villages=60, seed=3))       # doctest: +SKIP
    >>> rec.actions[["school_id", "action", "target"]].head()     # doctest: +SKIP
    """
    from layout.network import travel as network_travel

    check_goal(goal, n_schools, horizon)
    t0 = time.perf_counter()
    std = standards or county.standards
    if standards is not None:
        county = county.with_changes(standards=standards)
    extra_args = {} if cache_dir is None else {"cache_dir": cache_dir}
    travel = dict(travel or {})
    for mode in MODES:
        if mode not in travel:
            travel[mode] = network_travel(county, mode, **extra_args)
    status_quo = Plan.status_quo(county)
    baseline = evaluate(county, status_quo, travel, std)
    demand = baseline.allocation.demand
    kept, _, note = keep_set(county, travel, baseline, goal, n_schools, time_limit=time_limit)
    moves = closure_moves(county, travel, baseline, kept, goal)
    if open_new is None:
        open_new = goal == "least_travel"
    opens = _new_teaching_points(county, travel, status_quo, std) if open_new else ()
    if opens:
        from layout.evaluate import travel_for_plan

        with_new = status_quo
        for o in opens:
            with_new = with_new.apply(o)
        travel = travel_for_plan(county, with_new, travel, cache_dir=cache_dir)
    rounds = int(std.get("recommend.repair_rounds"))
    plan, sites, exp, ev = _repair(county, travel, moves, demand, baseline, std, rounds, opens)
    front = None
    if frontier:
        front, evals = trade_off_frontier(county, travel, moves, demand, baseline, ev, std, opens)
        k = pick_from_frontier(front, goal)
        if k is not None and k < int(front["closures"].max()):
            active = [m for m in moves if m.active]
            row = front[front["closures"] == k].iloc[0]
            for m in active[k:]:
                cv = _fmt(row["primary_mean_cv"], 3)
                m.withdraw(f"kept: with the goal '{goal}' the frontier row with {k} closures is best "
                           f"(annual cost {row['annual_cost']:,.0f} yuan, primary mean CV {cv})",
                           f"保留:按目标“{goal}”,撤并{k}所的方案最优(年度成本{row['annual_cost']:,.0f}元,"
                           f"小学平均差异系数{cv})")
            plan, sites, exp, ev = evals[k]
    if front is not None and len(front):
        chosen = len([m for m in moves if m.active and m.action in ("merge", "downgrade")])
        front = front.assign(chosen=front["closures"] == min(chosen, int(front["closures"].max())))
    robust, robust_evals = robustness(county, travel, plan, moves, sites, std, horizon, ev, baseline)
    actions = action_table(county, plan, moves, sites, exp, baseline, ev, robust, robust_evals, std, horizon)
    village_clusters, clusters = enrolment_catchments(county, plan, travel["walk"].minutes)
    pockets = clusters[clusters["g1_3_beyond_walk"] > 0]
    notes = [note]
    if len(pockets):
        notes.append(f"{int(pockets['g1_3_beyond_walk'].sum())} grade 1-3 children in {len(pockets)} catchment(s) "
                     f"have no school within {std.walk_limit('g1_3'):g} minutes' walk (as today); candidate sites "
                     f"for a teaching point: {', '.join(pockets['candidate_site'])} (see clusters)")

    return Recommendation(plan=plan, actions=actions, frontier=front, robustness=robust, evaluation=ev,
                          baseline=baseline, goal=goal, horizon=horizon, boarding_sites=tuple(sites),
                          notes=tuple(notes), evaluations_by_year=robust_evals, catchments=village_clusters,
                          clusters=clusters, seconds=time.perf_counter() - t0)
