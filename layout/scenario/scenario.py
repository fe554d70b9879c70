"""`Scenario`: an editable plan for what-if planning, evaluated incrementally after every edit.

A scenario starts from a plan — today's layout, a proposal, or a recommendation — and takes edits one at a time
(:meth:`Scenario.close`, :meth:`~Scenario.merge`, :meth:`~Scenario.downgrade`, :meth:`~Scenario.designate_boarding`,
:meth:`~Scenario.add_boarding`, :meth:`~Scenario.expand`, :meth:`~Scenario.open`, :meth:`~Scenario.move`), with
:meth:`~Scenario.undo` and :meth:`~Scenario.redo`. After each edit :attr:`Scenario.evaluation` equals a full
:func:`layout.evaluate.evaluate` of the plan, but only what the edit touches was recomputed
(:mod:`layout.scenario.engine`). :meth:`Scenario.delta` tells what changed against the starting plan, and
:meth:`Scenario.to_proposal` writes the plan as a proposal file ``layout evaluate`` reads back to the same evaluation.

An edit the plan cannot take, or one that would leave children without a school within the rules, is refused with
:class:`~layout.scenario.rules.ActionRefused` naming the rule; the scenario is then unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.plan import (
    AddBoarding,
    Close,
    DesignateBoarding,
    Downgrade,
    Expand,
    Merge,
    MovePupils,
    Open,
    Plan,
    write_proposal,
)
from layout.plan.state import kind_for_grades
from layout.scenario.delta import Delta, compute_delta
from layout.scenario.engine import IncrementalEvaluator, Step
from layout.scenario.rules import REFUSALS, ActionRefused, broken_rule, invalid_action
from layout.schema import BANDS

__all__ = ["Scenario"]


class Scenario:
    """An editable plan with incremental evaluation.

    Parameters
    ----------
    county : County
    start : Plan, Recommendation or str/Path, optional
        Where the scenario starts: a plan, a recommendation (its plan, with its reasons shown), or a proposal file;
        default today's layout (the status quo).
    travel : mapping of mode -> TravelMatrix, optional
        Walking and bus matrices (computed when not given; a new site's are added when it is opened).
    standards : Standards, optional
        Defaults to the county's.
    year : int
        Years ahead (as for :func:`layout.evaluate.evaluate`).
    refuse : iterable of str
        Rules whose breach refuses an edit (:data:`~layout.scenario.rules.REFUSALS`: grades 1–3 stranded,
        children left without a place); ``()`` to allow every edit the plan can take.
    buses : {"routes", "estimate"}
        School buses on shared routes (default) or the quick per-link estimate, as for
        :func:`layout.evaluate.evaluate`.
    cache_dir : path, optional
        On-disk travel cache for the new sites' travel times.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> sc = Scenario(county)
    >>> small = sc.evaluation.schools["enrolment"].idxmin()
    >>> d = sc.close(small).delta()
    >>> d.moved_summary["total"] == int(sc.start_evaluation.schools.at[small, "enrolment"])
    True
    >>> sc.undo().delta().moved_summary["total"]
    0
    """

    def __init__(self, county, start=None, *, travel=None, standards=None, year: int = 0,
                 refuse: Iterable[str] = REFUSALS, buses: str = "routes", cache_dir=None):
        from layout.evaluate import evaluate, travel_for_plan
        from layout.plan import read_proposal

        self.county = county
        self.standards = standards or county.standards
        self.year = int(year)
        self.refuse = tuple(refuse)
        self.cache_dir = cache_dir
        self.recommendation = None
        if isinstance(start, (str, Path)):
            start = read_proposal(start, county)
        elif start is not None and not isinstance(start, Plan) and hasattr(start, "plan"):
            self.recommendation, start = start, start.plan
        status_quo = Plan.status_quo(county)
        plan = status_quo if start is None else start
        self.travel = travel_for_plan(county, plan, travel, cache_dir=cache_dir)
        self.buses = buses
        self.baseline = evaluate(county, status_quo, self.travel, self.standards, self.year, buses=buses)
        self._engine = IncrementalEvaluator(county, self.travel, self.standards, self.year, self.baseline,
                                            buses=buses)
        first = self._engine.step(plan)
        self._history: list[Step] = [first]
        self._future: list[Step] = []
        self._start_actions = len(plan.actions)

    # ---- what it holds -------------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        """The current plan."""
        return self._history[-1].plan

    @property
    def start(self) -> Plan:
        """The plan the scenario started from."""
        return self._history[0].plan

    @property
    def evaluation(self):
        """The current plan's evaluation (equal to a full :func:`layout.evaluate.evaluate`)."""
        return self._history[-1].evaluation

    @property
    def start_evaluation(self):
        """The starting plan's evaluation."""
        return self._history[0].evaluation

    @property
    def last_step(self) -> Step:
        """The last step: its ``seconds`` and what it recomputed (``touched_schools``, ``touched_villages``)."""
        return self._history[-1]

    @property
    def edits(self) -> tuple:
        """The actions applied since the start, in order."""
        return tuple(self.plan.actions[self._start_actions:])

    @property
    def can_undo(self) -> bool:
        return len(self._history) > 1

    @property
    def can_redo(self) -> bool:
        return bool(self._future)

    # ---- edits ---------------------------------------------------------------------------------------------
    def apply(self, action) -> Scenario:
        """Apply one action (any of :mod:`layout.plan.actions`), evaluate incrementally, and keep it unless a rule
        refuses it.

        Returns
        -------
        Scenario
            ``self`` (edits chain).

        Raises
        ------
        ActionRefused
            The action cannot apply, or breaks a rule in :attr:`refuse`; the scenario is unchanged.
        """
        step = self._try(action)
        self._history.append(step)
        self._future.clear()
        return self

    def check(self, action) -> ActionRefused | None:
        """Whether an action would be refused (evaluates it, changes nothing)."""
        try:
            self._try(action)
        except ActionRefused as err:
            return err
        return None

    def _try(self, action) -> Step:
        refused = invalid_action(self.plan, action)
        if refused is not None:
            raise refused
        plan = self.plan.apply(action)
        if len(plan.new_sites) and not plan.new_sites.index.isin(self.travel["walk"].school_ids).all():
            from layout.evaluate import travel_for_plan

            self.travel = travel_for_plan(self.county, plan, self.travel, cache_dir=self.cache_dir)
            self._engine.set_travel(self.travel)
        step = self._engine.step(plan, self._history[-1])
        refused = broken_rule(self.evaluation, step.evaluation, action, self.standards, self.refuse,
                              self.county.villages.get("name"))
        if refused is not None:
            raise refused
        return step

    def close(self, school: str, resources_to: str | None = None) -> Scenario:
        """Close a school: its pupils go to the best schools with room under the travel rule."""
        return self.apply(Close(school, resources_to))

    def merge(self, school: str, into: str) -> Scenario:
        """Merge ``school`` into ``into`` (撤并): it closes and ``into`` takes its pupils and resources."""
        return self.apply(Merge(school, into))

    def downgrade(self, school: str, grades: str) -> Scenario:
        """Keep only some grades at a school, e.g. ``"1-3"`` (a village primary kept as a teaching point)."""
        return self.apply(Downgrade(school, grades))

    def designate_boarding(self, school: str) -> Scenario:
        """Name a school a boarding school (it takes boarders up to its beds)."""
        return self.apply(DesignateBoarding(school))

    def add_boarding(self, school: str, beds: int, canteen: bool = True) -> Scenario:
        """Build dormitory beds (and a canteen) at a school."""
        return self.apply(AddBoarding(school, int(beds), canteen))

    def expand(self, school: str, seats: int, band: str | None = None) -> Scenario:
        """Build classrooms for ``seats`` more pupils (for one band, or spread over the grades taught)."""
        return self.apply(Expand(school, int(seats), band))

    def move(self, villages, to: str, bands=None, from_: str | None = None) -> Scenario:
        """Re-zone (调整划片): the pupils of ``villages`` (some bands, or only those now at ``from_``) go to ``to``."""
        return self.apply(MovePupils(tuple(villages), to, None if bands is None else tuple(bands), from_))

    def open(self, *, at: tuple[float, float] | None = None, candidate: str | None = None, kind: str | None = None,
             seats: int | None = None, beds: int | None = None, name: str | None = None, id: str | None = None,
             grades: str | None = None, capital: float | None = None) -> Scenario:
        """Open a new school at a point (``at=(lon, lat)``, WGS84) or at a candidate site (``candidate=``).

        A candidate gives its name, township, kind, seats (the first option), beds and capital unless given here.
        Defaults at a point: a primary school of 270 seats (six classes of 45), no beds.
        """
        return self.apply(self.open_action(at=at, candidate=candidate, kind=kind, seats=seats, beds=beds, name=name,
                                           id=id, grades=grades, capital=capital))

    def open_action(self, *, at=None, candidate=None, kind=None, seats=None, beds=None, name=None, id=None,
                    grades=None, capital=None) -> Open:
        """The :class:`~layout.plan.Open` action :meth:`open` applies (for checking it first)."""
        township = None
        if candidate is not None:
            cands = self.county.candidates
            if cands is None or candidate not in cands.index:
                known = [] if cands is None else list(cands.index[:8])
                raise LayoutInputError([Problem("scenario", "unknown candidate site", column="candidate",
                                                value=candidate, fix="use one of: " + (", ".join(known) or
                                                                                      "(the county has none)"))])
            row = cands.loc[candidate]
            pt = cands.loc[[candidate]].to_crs(4326).geometry.iloc[0]
            at = (float(pt.x), float(pt.y))
            kind = kind or str(row["kind"])
            options = [int(x) for x in (row["seat_options"] or [])] if "seat_options" in row else []
            seats = seats if seats is not None else (options[0] if options else None)
            beds = beds if beds is not None else int(row["beds"]) if "beds" in row and pd.notna(row["beds"]) else 0
            name = name or str(row["name"])
            township = str(row["township"]) if "township" in row and pd.notna(row["township"]) else None
            cap = row.get("capital_yuan")
            capital = capital if capital is not None else (float(cap) if cap is not None and pd.notna(cap) else None)
            id = id or str(candidate)
        if at is None:
            raise LayoutInputError([Problem("scenario", "a new school needs a site", column="at",
                                            fix="give at=(lon, lat) or candidate='C01'")])
        kind = kind or "primary"
        std = self.standards
        if seats is None:
            size = std.standard_class_size("middle" if kind == "middle" else "teaching_point"
                                           if kind == "teaching_point" else "primary")
            lo, hi = std.kind_grades(kind)
            seats = size * (hi - lo + 1)
        if id is None:
            taken = set(self.plan.schools.index)
            n = 1
            while f"NEW{n}" in taken:
                n += 1
            id = f"NEW{n}"
        if name is None:
            name = f"新建学校{id}"
        return Open(id, name, kind, float(at[0]), float(at[1]), int(seats), int(beds or 0), grades=grades,
                    township=township, capital=capital)

    def undo(self) -> Scenario:
        """Take back the last edit (nothing to take back: unchanged)."""
        if self.can_undo:
            self._future.append(self._history.pop())
        return self

    def redo(self) -> Scenario:
        """Apply again the edit last taken back."""
        if self._future:
            self._history.append(self._future.pop())
        return self

    # ---- what the edits did --------------------------------------------------------------------------------
    def delta(self, lang: str = "zh") -> Delta:
        """What the edits changed against the starting plan (children moved, schools, violations, costs, CVs,
        bus routes, reasons)."""
        return compute_delta(self.start_evaluation, self.evaluation, self.edits,
                             standards=self.standards, recommendation=self.recommendation, lang=lang)

    def to_proposal(self, path: str | Path, name: str | None = None, description: str | None = None) -> Path:
        """Write the current plan (the starting plan's actions and the edits) as a proposal file, atomically;
        ``layout evaluate COUNTY path`` reads it back to the same evaluation."""
        plan = self.plan
        if name is not None or description is not None:
            plan = plan.renamed(name or plan.name, description)
        return write_proposal(plan, path)

    def allowed_actions(self, school: str) -> list[dict]:
        """The actions the plan can take for a school, with their choices (what the widget offers on a click).

        Returns
        -------
        list of dict
            ``action`` (close, merge, downgrade, designate_boarding, add_boarding, expand) and for some
            ``grades`` (downgrade choices), ``into`` (nearest open schools sharing grades), ``beds`` / ``seats``
            (defaults). Empty for a closed school or an unknown id.
        """
        s = self.plan.schools
        if school not in s.index or s.at[school, "status"] != "open":
            return []
        std = self.standards
        lo, hi = int(s.at[school, "grade_lo"]), int(s.at[school, "grade_hi"])
        out: list[dict] = [{"action": "close"}]
        into = _nearest_receivers(s, school)
        if into:
            out.append({"action": "merge", "into": into})
        choices = _downgrade_choices(lo, hi, std)
        if choices:
            out.append({"action": "downgrade", "grades": choices})
        if not bool(s.at[school, "boarding"]):
            out.append({"action": "designate_boarding"})
        out.append({"action": "add_boarding", "beds": 100})
        kind = str(s.at[school, "kind"])
        size = std.standard_class_size("middle" if kind == "middle" else "teaching_point"
                                       if kind == "teaching_point" else "primary")
        out.append({"action": "expand", "seats": int(size * 2)})
        return out

    def _repr_html_(self) -> str:
        return self.delta()._repr_html_()

    def __repr__(self) -> str:
        return (f"Scenario({self.plan.name!r}, {len(self.edits)} edits since the start; "
                f"{self.evaluation.students_moved} children moved from today's schools)")


def _downgrade_choices(lo: int, hi: int, std) -> list[str]:
    """Grade ranges made of whole bands inside lo–hi, fewer than lo–hi (e.g. 1-6 → 1-3)."""
    spans = [std.bands[b] for b in BANDS]
    out = []
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            a, z = spans[i][0], spans[j][1]
            if lo <= a and z <= hi and (a, z) != (lo, hi) and kind_for_grades(a, z):
                out.append(f"{a}-{z}")
    return out


def _nearest_receivers(s, school: str, n: int = 8) -> list[str]:
    """Open schools sharing grades with ``school``, nearest first."""
    lo, hi = int(s.at[school, "grade_lo"]), int(s.at[school, "grade_hi"])
    ok = (s["status"] == "open").to_numpy() & (s["grade_lo"].to_numpy() <= hi) & (s["grade_hi"].to_numpy() >= lo)
    ok &= (s.index != school)
    if not ok.any():
        return []
    here = s.geometry[school]
    d = np.hypot(s.geometry.x.to_numpy() - here.x, s.geometry.y.to_numpy() - here.y)
    d = np.where(ok, d, math.inf)
    order = np.argsort(d, kind="stable")[: min(n, int(ok.sum()))]
    return [str(s.index[i]) for i in order]
