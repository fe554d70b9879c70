"""The goals a planner can ask a recommendation to pursue, with their labels in Chinese and English."""

from __future__ import annotations

from layout.errors import LayoutInputError, Problem
from layout.i18n import pair

__all__ = ["GOALS", "check_goal"]

#: goal -> (English, Chinese) description
GOALS: dict[str, tuple[str, str]] = {
    g: pair(f"goal_description.{g}") for g in ("fewest_schools", "least_travel", "least_cost", "best_balance")}


def check_goal(goal: str, n_schools: int | None = None, horizon: int = 10) -> None:
    """Raise :class:`LayoutInputError` with a plain fix when the goal or its parameters are not usable."""
    problems = []
    if goal not in GOALS:
        problems.append(Problem("recommend", f"unknown goal {goal!r}", column="goal", value=goal,
                                fix=f"use one of {', '.join(GOALS)}"))
    if n_schools is not None and (isinstance(n_schools, bool) or not isinstance(n_schools, int) or n_schools < 1):
        problems.append(Problem("recommend", "n_schools must be a whole number ≥ 1", column="n_schools",
                                value=n_schools, fix="give the number of primary schools to keep, e.g. 20"))
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
        problems.append(Problem("recommend", "horizon must be a whole number of years ≥ 0", column="horizon",
                                value=horizon, fix="e.g. 10"))
    if problems:
        raise LayoutInputError(problems, "recommendation: invalid parameters")
