"""What-if planning: an editable plan with incremental evaluation.

* :class:`Scenario` — start from today, a proposal or a recommendation; ``close``, ``merge``, ``downgrade``,
  ``designate_boarding``, ``add_boarding``, ``expand``, ``open``, ``move``, ``undo``/``redo``; ``delta()`` and
  ``to_proposal(path)``.
* :class:`Delta` — what the edits changed against the starting plan.
* :class:`ActionRefused` — an edit refused, with the rule that forbids it.
* :class:`IncrementalEvaluator` — the engine: one edit's evaluation from the previous one
  (:mod:`layout.scenario.engine`), equal to a full :func:`layout.evaluate.evaluate`.
* :func:`route_table` — the bus routes an evaluation runs (shared routes per school, :mod:`layout.transport`).

Example
-------
>>> from layout.datasets import make_county
>>> sc = Scenario(make_county(n_villages=30, n_townships=3, seed=2))
>>> sid = sc.evaluation.schools["enrolment"].idxmin()
>>> sc.close(sid).delta().moved_summary["total"] > 0
True
"""

from __future__ import annotations

from layout.scenario.buses import route_table
from layout.scenario.compare import evaluation_differences
from layout.scenario.delta import Delta
from layout.scenario.engine import IncrementalEvaluator, Step
from layout.scenario.rules import REFUSALS, ActionRefused
from layout.scenario.scenario import Scenario

__all__ = ["Scenario", "Delta", "ActionRefused", "REFUSALS", "IncrementalEvaluator", "Step", "route_table",
           "evaluation_differences"]
