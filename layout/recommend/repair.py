"""Verify what the school model claims: evaluate the plan it makes and, where the evaluation finds a rule the plan
newly breaks, repair the model and solve again. The evaluation always wins."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from layout.evaluate import evaluate, travel_for_plan
from layout.i18n import Note
from layout.plan import Plan
from layout.recommend.build import plan_from_decision
from layout.recommend.model import decide

__all__ = ["Verified", "solve_and_verify", "new_breaches"]


@dataclass
class Verified:
    """A decision whose plan the evaluation accepts (or the last try, with what still fails)."""

    decision: object
    plan: object
    info: dict
    evaluation: object
    travel: dict
    rounds: int
    repairs: list[tuple[str, str]] = field(default_factory=list)   # (en, zh) what each repair did
    failed: list = field(default_factory=list)                      # violations still new after the last round


def new_breaches(ev) -> list:
    """Hard violations the plan brings (unserved children included)."""
    return [v for v in ev.violations if v.severity == "hard" and v.status == "new"]


def solve_and_verify(county, model, travel, baseline, standards, *, time_limit: float, rounds: int,
                     extra_limits: list | None = None, forced: set | None = None, name: str = "recommended",
                     rel_gap: float = 5e-3, per_school: float = 0.0, start: dict | None = None,
                     extend: bool = True, bound: bool = True) -> Verified:
    """Solve, build the plan, evaluate it; repair and re-solve while it newly breaks a hard rule.

    Repairs: a school whose closure leaves children without a place, or whose pupils end up beyond the travel rule,
    stays; a school the evaluation finds crowded (大班额, over its size cap, boarders beyond its beds or without a
    canteen) takes no more pupils of that band than today. ``extend`` and ``bound`` are passed to
    :func:`layout.recommend.model.decide`.

    Returns
    -------
    Verified
    """
    forced = set(forced or ())
    forbid = np.zeros(len(model.arcs), bool)
    repairs: list[tuple[str, str]] = []
    last = None
    for k in range(max(1, rounds)):
        decision = decide(model, time_limit=time_limit, extra_limits=extra_limits, force_sites=forced,
                          forbid_arcs=forbid, rel_gap=rel_gap, per_school=per_school, start=start, extend=extend,
                          bound=bound)
        if not math.isfinite(decision.solution.objective):   # no plan at all: nothing to verify or repair
            why = Note("note.no_solution", seconds=f"{decision.solution.seconds:.0f}")
            stop = SimpleNamespace(message_en=why.render("en"), message_zh=why.render("zh"))
            return Verified(decision, Plan.status_quo(county), {"new_ids": {}, "receiver": {}, "moves": None},
                            baseline, travel, k + 1, list(repairs), [stop])
        plan, info = plan_from_decision(county, model, decision, name=name)
        tr = travel_for_plan(county, plan, travel)
        ev = evaluate(county, plan, tr, standards, baseline=baseline)
        bad = new_breaches(ev)
        last = Verified(decision, plan, info, ev, tr, k + 1, list(repairs), bad)
        if not bad:
            return last
        changed = False
        new_ids = {v: k_ for k_, v in info["new_ids"].items()}
        for v in bad:
            sid = v.school_id
            site = new_ids.get(sid, sid)
            if v.code in ("unserved", "closure_leaves_unserved", "g1_3_beyond_limit", "trip_beyond_limit"):
                home = v.school_id if v.code == "closure_leaves_unserved" else None
                if home is None and v.village_id is not None:
                    moved = info["moves"]
                    hit = moved[(moved["village_id"] == v.village_id) & (moved["band"] == v.band)]
                    home = str(hit["home"].iloc[0]) if len(hit) else None
                if home is not None and home in model.sites.index and home not in forced:
                    forced.add(home)
                    repairs.append(Note("note.repair_keep", school=home, why={"en": v.message_en, "zh": v.message_zh}))
                    changed = True
            elif site in model.sites.index:
                hit = (model.arcs["site_id"] == site) & ~model.arcs["home"]
                if v.band is not None:
                    hit &= model.groups.loc[model.arcs["group"], "band"].to_numpy() == v.band
                if (hit & ~forbid).any():
                    forbid |= hit.to_numpy()
                    repairs.append(Note("note.repair_no_more", school=site,
                                        why={"en": v.message_en, "zh": v.message_zh}))
                    changed = True
        if not changed:
            break
    return last
