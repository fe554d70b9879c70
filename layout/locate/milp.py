"""A thin wrapper over HiGHS (highspy): pass a sparse MILP, get values, objective and the proven bound."""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

__all__ = ["MilpResult", "solve_milp"]


def _quiet_banner() -> None:
    """HiGHS prints its banner on stdout when the first solver of a process is made: make that one with stdout
    pointed at /dev/null, so no solver output reaches a planner's terminal or a notebook."""
    import os
    import sys

    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):   # no real stdout (e.g. some notebook front ends): nothing to protect
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_quiet_banner()


@dataclass
class MilpResult:
    """Outcome of one HiGHS run."""

    status: str  # "optimal" | "time_limit" | "infeasible" | "error"
    x: np.ndarray | None
    objective: float
    bound: float
    seconds: float


def solve_milp(c: np.ndarray, a: sp.spmatrix | sp.sparray, row_lo: np.ndarray, row_hi: np.ndarray,
               col_lo: np.ndarray, col_hi: np.ndarray, integer: np.ndarray, *, offset: float = 0.0,
               time_limit: float | None = None, start: np.ndarray | None = None, rel_gap: float = 1e-7,
               abs_gap: float = 1e-6, threads: int | None = None,
               heuristic_effort: float | None = None, options: dict | None = None) -> MilpResult:
    """Minimise ``c·x + offset`` s.t. ``row_lo ≤ A x ≤ row_hi``, ``col_lo ≤ x ≤ col_hi``, ``x[integer]`` integral.

    Parameters
    ----------
    c, row_lo, row_hi, col_lo, col_hi : ndarray
        Objective and bounds (``±inf`` for free).
    a : sparse matrix
        Constraint matrix (rows × columns).
    integer : ndarray of bool
        Which columns are integer.
    offset : float
        Constant added to the objective.
    time_limit : float, optional
        Seconds; the best solution found and the proven bound are returned when it is reached.
    start : ndarray, optional
        A feasible solution to start from (warm start).
    rel_gap, abs_gap : float
        HiGHS stops when the relative or absolute gap falls below these.
    heuristic_effort : float, optional
        HiGHS primal heuristic effort (lower when a good start is given).
    options : dict, optional
        Further HiGHS options by name.

    Returns
    -------
    MilpResult

    Example
    -------
    >>> import numpy as np, scipy.sparse as sp
    >>> r = solve_milp(np.array([1.0, 1.0]), sp.csc_array(np.array([[1.0, 1.0]])), np.array([1.5]),
    ...                np.array([np.inf]), np.zeros(2), np.ones(2), np.array([True, True]))
    >>> r.status, r.objective
    ('optimal', 2.0)
    """
    a = sp.csc_array(a)
    a.sort_indices()
    n_col = len(c)
    n_row = a.shape[0]
    h = highspy.Highs()
    h.silent()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.where(np.isfinite(col_lo), col_lo, -inf).astype(float)
    lp.col_upper_ = np.where(np.isfinite(col_hi), col_hi, inf).astype(float)
    lp.row_lower_ = np.where(np.isfinite(row_lo), row_lo, -inf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(row_hi), row_hi, inf).astype(float)
    lp.offset_ = float(offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if np.any(integer):
        lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                           for f in integer]
    h.passModel(lp)
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", float(abs_gap))
    if heuristic_effort is not None:
        h.setOptionValue("mip_heuristic_effort", float(heuristic_effort))
        if heuristic_effort < 0.05:  # a good start is known: spend the time on the bound
            for name in ("mip_heuristic_run_rins", "mip_heuristic_run_rens",
                         "mip_heuristic_run_root_reduced_cost", "mip_heuristic_run_feasibility_jump"):
                h.setOptionValue(name, False)
    if threads:
        h.setOptionValue("threads", int(threads))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    if start is not None and np.any(integer):
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=float)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    seconds = h.getRunTime()
    M = highspy.HighsModelStatus
    if ms in (M.kInfeasible,):
        return MilpResult("infeasible", None, math.inf, math.inf, seconds)
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value) if has_sol else None
    obj = info.objective_function_value if has_sol else math.inf
    bound = info.mip_dual_bound if np.any(integer) else obj if ms == M.kOptimal else -math.inf
    if not math.isfinite(bound):
        bound = -math.inf
    if ms == M.kOptimal:
        status = "optimal"
    elif ms in (M.kTimeLimit, M.kInterrupt, M.kIterationLimit, M.kSolutionLimit):
        status = "time_limit"
    elif ms == M.kUnboundedOrInfeasible and not has_sol:
        return MilpResult("infeasible", None, math.inf, math.inf, seconds)
    else:
        status = "error"
    return MilpResult(status, x, obj, bound, seconds)
