"""`Solution`: what every location model in :mod:`layout.locate` returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

__all__ = ["Solution", "STATUSES", "infeasible", "no_solution", "with_compile_time"]

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
        path), ``"time_limit"`` (the time limit stopped the search; the best solution found is returned, or,
        when none was found in time, no solution: ``objective`` inf, :attr:`feasible` False and an
        ``explanation`` saying so and asking for more time; that is not a proof that none exists) or
        ``"infeasible"`` (proven: no solution exists; see ``explanation``).
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
    >>> s.is_optimal, s.n_open, s.feasible
    (True, 1, True)
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
        """True when a solution (optimal or not) was found; False when none exists and when the time limit
        stopped the search before one was found (then ``status`` says ``"time_limit"``, not ``"infeasible"``)."""
        return self.status != "infeasible" and math.isfinite(self.objective)

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


def no_solution(n_demand: int, time_limit: float | None, seconds: float, method: str, lower_bound: float = -math.inf,
                what: str = "solution") -> Solution:
    """Build the :class:`Solution` of a search stopped by its time limit before it found any solution.

    Not a proof of infeasibility (that is :func:`infeasible`): ``status`` is ``"time_limit"``, ``objective``
    inf, :attr:`Solution.feasible` False, and the explanation says so and how to fix it (more time).

    Parameters
    ----------
    n_demand : int
        Number of demand points (the assignment is all ``-1``).
    time_limit : float or None
        The limit given (None: the solver's own budget ran out).
    seconds : float
        Time spent.
    method : str
        How the search went (``Solution.method``).
    lower_bound : float
        Any bound proven on the way (default ``-inf``: none).
    what : str
        The word for a solution in the explanation (e.g. ``"plan"``).

    Example
    -------
    >>> s = no_solution(3, 2.0, 2.01, "milp")
    >>> s.status, s.feasible, s.objective
    ('time_limit', False, inf)
    >>> s.explanation
    'no solution found within the time limit of 2 s (stopped after 2.0 s); this does not mean that none exists: give more time, e.g. time_limit=60'
    """
    if time_limit is None:
        limit = f"in {seconds:.1f} s, the solver's own time budget"
        more = max(60.0, 4.0 * seconds)
    else:
        limit = f"within the time limit of {time_limit:g} s (stopped after {seconds:.1f} s)"
        more = max(60.0, 4.0 * time_limit)
    explanation = (f"no {what} found {limit}; this does not mean that none exists: give more time, "
                   f"e.g. time_limit={more:g}")
    lower = lower_bound if lower_bound == lower_bound else -math.inf  # nan: no bound
    return Solution(open=np.zeros(0, dtype=np.int64), assignment=np.full(n_demand, -1, dtype=np.int64),
                    objective=math.inf, lower_bound=float(lower), gap=math.nan, status="time_limit",
                    seconds=seconds, explanation=explanation, method=method)


def with_compile_time(solution: Solution, seconds: float) -> Solution:
    """``solution`` with the compile time paid before its clock started noted (itself when ``seconds`` is 0).

    The note goes to ``extra["compile_seconds"]`` and, in words, to the end of ``explanation``.

    Example
    -------
    >>> s = no_solution(1, 1.0, 1.0, "milp")
    >>> t = with_compile_time(s, 40.0)
    >>> t.extra["compile_seconds"], t.seconds, "40.0 s" in t.explanation
    (40.0, 1.0, True)
    """
    if seconds <= 0.0:
        return solution
    note = (f"compiled kernels loaded first ({seconds:.1f} s, once per process; numba compiles them once per "
            f"installation): not counted in seconds or in the time limit")
    return replace(solution, explanation="; ".join(x for x in (solution.explanation, note) if x),
                   extra={**solution.extra, "compile_seconds": float(seconds)})
