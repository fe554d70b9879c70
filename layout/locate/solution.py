"""`Solution`: what every location model in :mod:`layout.locate` returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Solution", "STATUSES"]

#: The four outcomes a solve can have.
STATUSES = ("optimal", "feasible", "time_limit", "infeasible")


def relative_gap(objective: float, lower_bound: float) -> float:
    """Return ``(objective - lower_bound) / |objective|`` (0 when both are 0, nan when undefined)."""
    if not (math.isfinite(objective) and math.isfinite(lower_bound)):
        return math.nan
    diff = max(0.0, objective - lower_bound)
    if diff == 0.0:
        return 0.0
    return diff / max(abs(objective), 1e-12)


@dataclass(frozen=True)
class Solution:
    """The answer of a location model.

    Parameters
    ----------
    open : ndarray of int
        Sorted indices (columns of ``cost``) of the open sites.
    assignment : ndarray of int
        For every demand point (row of ``cost``) the site serving it; ``-1`` where unserved (only models that
        allow unserved demand, such as :func:`~layout.locate.max_coverage`, or an infeasible result).
    objective : float
        The value minimised (``inf`` when infeasible).
    lower_bound : float
        A proven lower bound on the best possible objective; ``lower_bound <= objective`` always holds.
    gap : float
        ``(objective - lower_bound) / |objective|``; 0 means proven optimal, nan when infeasible.
    status : str
        ``"optimal"`` (gap within tolerance), ``"feasible"`` (a solution with a gap, e.g. from the heuristic
        path), ``"time_limit"`` (the time limit stopped the search; the best solution found is returned) or
        ``"infeasible"`` (no solution exists; see ``explanation``).
    seconds : float
        Wall-clock time spent.
    explanation : str
        Plain words for why a problem is infeasible (or notes on how it was solved).
    method : str
        How the answer was reached, e.g. ``"milp"``, ``"heuristic+lagrangian"``.

    Example
    -------
    >>> import numpy as np
    >>> s = Solution(open=np.array([1]), assignment=np.array([1, 1]), objective=3.0, lower_bound=3.0,
    ...              gap=0.0, status="optimal", seconds=0.01)
    >>> s.is_optimal, s.n_open
    (True, 1)
    """

    open: np.ndarray
    assignment: np.ndarray
    objective: float
    lower_bound: float
    gap: float
    status: str
    seconds: float
    explanation: str = ""
    method: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def is_optimal(self) -> bool:
        """True when the objective is proven optimal."""
        return self.status == "optimal"

    @property
    def feasible(self) -> bool:
        """True when a solution (optimal or not) was found."""
        return self.status != "infeasible"

    @property
    def n_open(self) -> int:
        """Number of open sites."""
        return int(len(self.open))

    def __repr__(self) -> str:  # short: arrays can be long
        return (f"Solution(status={self.status!r}, objective={self.objective:.6g}, "
                f"lower_bound={self.lower_bound:.6g}, gap={self.gap:.3%}, open={self.n_open} sites, "
                f"seconds={self.seconds:.2f}, method={self.method!r})")


def infeasible(n_demand: int, explanation: str, seconds: float, method: str = "checks") -> Solution:
    """Build the :class:`Solution` of an infeasible problem."""
    return Solution(open=np.zeros(0, dtype=np.int64), assignment=np.full(n_demand, -1, dtype=np.int64),
                    objective=math.inf, lower_bound=math.inf, gap=math.nan, status="infeasible",
                    seconds=seconds, explanation=explanation, method=method)
