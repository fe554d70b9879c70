"""`recommend`: the layout a county should adopt under a goal — both stages, boarding centres, new sites — solved as
one school model, verified against the hard rules by the evaluation, with reasons for every school."""

from __future__ import annotations

import time

import numpy as np

from layout.evaluate import evaluate
from layout.i18n import LANGS, Note, pair, t, term
from layout.plan import Plan
from layout.recommend.frontier import pick_from_frontier, trade_off_frontier
from layout.recommend.goals import check_goal
from layout.recommend.model import build_model, decide
from layout.recommend.money import cost_shares
from layout.recommend.reasons import action_table, why_kept
from layout.recommend.recommendation import Recommendation
from layout.recommend.repair import solve_and_verify
from layout.recommend.robust import robustness
from layout.recommend.targets import Targets

__all__ = ["recommend"]

MODES = ("walk", "bus")


def _targets(county, targets) -> Targets:
    base = Targets.from_mapping(getattr(county, "targets", None) or {}, "county.yaml")
    if targets is None:
        return base
    if isinstance(targets, Targets):
        return base.merged(**{k: getattr(targets, k) for k in targets.__dataclass_fields__
                              if getattr(targets, k) not in (None, (), {})})
    return base.merged(**{k: getattr(t, k) for t in [Targets.from_mapping(targets)] for k in t.__dataclass_fields__
                          if getattr(t, k) not in (None, (), {})})


def _relaxed(model, decision, verified, targets: Targets, baseline) -> list[dict]:
    """Targets the plan does not meet, each with the schools or villages that block it."""
    out = []
    for name, units in decision.relaxed:
        out.append({"target": name, "missed_by": round(units, 2),
                    "why_en": t("reason.target_not_allowed", "en"), "why_zh": t("reason.target_not_allowed", "zh")})
    plan = verified.plan
    open_ = set(plan.open_schools)
    table = baseline.schools
    checks = []
    if targets.close_under is not None:
        small = table[(table["enrolment"] < targets.close_under) & table["kind"].isin(["teaching_point", "primary"])]
        checks += [("close_under", sid) for sid in small.index if sid in open_]
    checks += [("must_close", sid) for sid in targets.must_close if sid in open_]
    for target, sid in checks:
        why = why_kept(model, sid) or pair("reason.kept")
        out.append({"target": target, "school_id": sid, "name": str(table.at[sid, "name"]),
                    "why_en": why[0], "why_zh": why[1]})
    return out


def _stage_summary(baseline, ev, std) -> dict:
    """Schools per stage before and after, closures under 50 / 100 pupils, new sites, boarding centres."""
    def stage_counts(e):
        s = e.schools[e.schools["status"] == "open"]
        lo, hi = s["grades"].str.split("-", expand=True).astype(int).T.to_numpy() if len(s) else ([], [])
        return {"primary": int(((np.asarray(lo) <= 6)).sum()), "middle": int(((np.asarray(hi) >= 7)).sum())}

    t0, t1 = baseline.schools, ev.schools
    closed = t1.index[(t1["status"] == "closed") & t1.index.isin(t0.index)]
    dropped = [sid for sid in t1.index[t1["status"] == "open"] if sid in t0.index and t1.at[sid, "grades"] !=
               t0.at[sid, "grades"]]
    n0 = t0["enrolment"]
    boarding = t1[(t1["status"] == "open") & (t1["boarders"] > 0) & t1["grades"].str.startswith("1")]
    return {
        "schools_before": stage_counts(baseline), "schools_after": stage_counts(ev),
        "closed": len(closed), "closed_under_50": int((n0.reindex(closed) < std.closure_pool_under).sum()),
        "closed_under_100": int((n0.reindex(closed) < std.small_school).sum()),
        "pool_under_50": int(((n0 < std.closure_pool_under) & t0["kind"].isin(["teaching_point", "primary"])).sum()),
        "downgraded": len(dropped), "new_sites": int(t1["is_new"].sum()),
        "boarding_primaries_by_township": boarding.groupby("township").size().astype(int).to_dict(),
    }


def recommend(county, travel=None, standards=None, goal: str = "fewest_schools", horizon: int = 10,
              n_schools: int | None = None, *, targets=None, open_new: bool = True, time_limit: float | None = None,
              frontier: bool = True, cache_dir=None) -> Recommendation:
    """Recommend a layout for both stages: closures, mergers, downgrades, boarding centres, classrooms, new sites.

    The school model (:mod:`layout.recommend.model`) decides every school's option and where each village's pupils
    of each band go, under the travel rule, capacities (no new 大班额), size caps, beds, the targets and the goal's
    weights; it is solved as a MILP on HiGHS with a bound and a gap. The plan it gives is evaluated
    (:func:`layout.evaluate.evaluate`); where the evaluation finds a hard rule newly broken, the model is repaired
    and solved again, so no plan with a new hard violation is returned (today's layout is, with the reason, when no
    repair works). The frontier re-solves the model for several numbers of schools.

    Parameters
    ----------
    county : County
    travel : mapping of mode -> TravelMatrix, optional
        Walking and bus matrices for the county's schools (computed when None).
    standards : Standards, optional
        Default: the county's.
    goal : {"fewest_schools", "least_travel", "least_cost", "best_balance"}
        How cost and children's travel are weighed (``recommend.goal_weights``); ``best_balance`` takes the
        frontier point with the lowest primary mean CV.
    horizon : int
        Years ahead for the robustness check (evaluated now, at horizon / 2 and at horizon).
    n_schools : int, optional
        Exactly this many schools open in all (e.g. with ``least_travel``).
    targets : Targets or mapping, optional
        Over the ``targets:`` of county.yaml (:class:`layout.recommend.targets.Targets`).
    open_new : bool
        Offer candidate sites (``candidates.csv``) and new teaching points where grades 1–3 are beyond the rule.
    time_limit : float, optional
        Seconds per solve (default ``recommend.time_limit_seconds``, more for a large county:
        ``recommend.time_limit_seconds_per_10000_arcs`` of the model).
    frontier : bool
        Compute the trade-off frontier.
    cache_dir : path, optional
        On-disk travel cache.

    Returns
    -------
    Recommendation

    Raises
    ------
    LayoutInputError
        For an unknown goal, bad parameters, or targets naming unknown or contradictory schools.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> rec = recommend(make_county(n_villages=40, n_townships=4, seed=3), goal="least_cost", frontier=False)
    >>> rec.evaluation.new_hard_violations
    0
    """
    from layout.network import travel as network_travel

    check_goal(goal, n_schools, horizon)
    t0 = time.perf_counter()
    std = standards or county.standards
    if standards is not None:
        county = county.with_changes(standards=standards)
    tg = _targets(county, targets)
    tg.check_ids(county.schools.index)
    extra_args = {} if cache_dir is None else {"cache_dir": cache_dir}
    travel = dict(travel or {})
    for mode in MODES:
        if mode not in travel:
            travel[mode] = network_travel(county, mode, **extra_args)
    baseline = evaluate(county, Plan.status_quo(county), travel, std)
    rec = std.get("recommend")
    rounds = int(rec["repair_rounds"])
    weights_goal = "least_cost" if goal == "best_balance" else goal
    model = build_model(county, travel, baseline, weights_goal, tg, std, allow_new=open_new)
    limit = float(time_limit) if time_limit is not None else model.seconds_needed
    extra = []
    if n_schools is not None:
        extra.append((np.ones(len(model.options), bool), n_schools, n_schools))
    start = None
    if goal == "fewest_schools" and not model.split:
        # a hard objective for the whole MILP: start it from the least-cost plan (same sites and arcs); a model
        # improved township by township starts from today, each township's MILP solved from there
        cheap = build_model(county, travel, baseline, "least_cost", tg, std, allow_new=open_new)
        start = decide(cheap, time_limit=limit / 2, extra_limits=extra, extend=False).start_values()   # a start only
    main = solve_and_verify(county, model, travel, baseline, std, time_limit=limit, rounds=rounds, extra_limits=extra,
                            start=start)
    notes = []
    front, built = None, {}
    chosen = main
    if frontier:
        known = {int(main.evaluation.summary_metrics()["schools_open"]): main} if not main.failed else {}
        front, built = trade_off_frontier(county, model, travel, baseline, std, time_limit=max(2.0, limit / 3),
                                          rounds=2, extra_limits=extra, known=known,
                                          start=main.decision.start_values())
        if front.attrs.get("points_skipped"):
            notes.append(Note("note.frontier_skipped", n=front.attrs["points_skipped"]))
        pick = pick_from_frontier(front, goal)
        if pick is not None and pick in built and not built[pick].failed:
            chosen = built[pick]
            notes.append(Note("note.frontier_pick", goal={"en": goal, "zh": term("goal", goal, "zh")}, n=pick))
        front["chosen"] = front["schools_open"] == int(chosen.evaluation.summary_metrics()["schools_open"])
    if chosen.failed:   # no repair removed every new hard violation: today's layout, with the reason
        notes.append(Note("note.kept_today", why={"en": "; ".join(v.message_en for v in chosen.failed[:3]),
                                                  "zh": ";".join(v.message_zh for v in chosen.failed[:3])}))
        plan = Plan.status_quo(county).renamed("recommended", t("plan.status_quo_kept", "en"))
        ev = baseline
    else:
        plan, ev = chosen.plan, chosen.evaluation
    sol = chosen.decision.solution
    notes.insert(0, Note("note.model_solved", status={lang: term("solver_status", sol.status, lang) for lang in LANGS},
                         seconds=f"{sol.seconds:.1f}", gap=f"{sol.gap:.2%}", objective=f"{sol.objective:,.0f}",
                         bound=f"{sol.lower_bound:,.0f}", rounds=chosen.rounds))
    notes += list(chosen.repairs)
    robust, futures = robustness(county, chosen.travel, plan, std, horizon, ev, baseline)
    shares, other = cost_shares(baseline, ev)
    actions = action_table(county, plan, model, chosen, baseline, futures, robust, shares, std)
    return Recommendation(
        plan=plan, actions=actions, frontier=front, robustness=robust, evaluation=ev, baseline=baseline, goal=goal,
        horizon=horizon, notes=tuple(notes), evaluations_by_year=futures, seconds=time.perf_counter() - t0,
        targets=tg, relaxed=tuple(_relaxed(model, chosen.decision, chosen, tg, baseline)),
        model_status={"status": sol.status, "gap": sol.gap, "objective": sol.objective,
                      "lower_bound": sol.lower_bound, "seconds": sol.seconds, "rounds": chosen.rounds,
                      "groups": len(model.groups), "arcs": len(model.arcs), "options": len(model.options)},
        stages=_stage_summary(baseline, ev, std), cost_shares=shares, cost_other=other)
