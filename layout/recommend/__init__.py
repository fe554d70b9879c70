"""Recommendations: the layout to adopt under a goal, with reasons, trade-off frontier and robustness.

Entry point :func:`recommend` → :class:`Recommendation`. One module per concern: goals, candidates (school
model of :mod:`layout.locate`), boarding (sites per township), verify (build + rule check), frontier,
robust (now / +5 / +10 years), reasons (bilingual texts), recommendation (the value and its files).
"""

from __future__ import annotations

from layout.recommend.boarding import BoardingSite, boarding_need, choose_boarding_sites
from layout.recommend.engine import recommend
from layout.recommend.frontier import plot_frontier, trade_off_frontier
from layout.recommend.goals import GOALS
from layout.recommend.recommendation import Recommendation

__all__ = ["recommend", "Recommendation", "GOALS", "BoardingSite", "boarding_need", "choose_boarding_sites",
           "trade_off_frontier", "plot_frontier"]
