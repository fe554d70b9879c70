"""Recommendations: the layout to adopt under a goal — both stages, boarding centres, new sites — with reasons,
the trade-off frontier and robustness over the years.

Entry point :func:`recommend` → :class:`Recommendation`. One module per concern: goals and targets (what a bureau
asks), model (the school model on :mod:`layout.locate.facility`), build (the plan from a decision, build first and
close after), repair (verify by evaluation and repair), frontier, robust (now / +5 / +10 years), money (each action's
share of the cost change), reasons (bilingual texts), recommendation (the value and its files).
"""

from __future__ import annotations

from layout.recommend.engine import recommend
from layout.recommend.frontier import trade_off_frontier
from layout.recommend.goals import GOALS
from layout.recommend.recommendation import Recommendation
from layout.recommend.targets import Targets

__all__ = ["recommend", "Recommendation", "GOALS", "Targets", "trade_off_frontier"]
