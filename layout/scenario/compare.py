"""Whether two evaluations are the same: every table (values, types, order), number and violation, exactly.

Used by the tests and the benchmark to check that the incremental path of a :class:`~layout.scenario.Scenario`
gives what a full :func:`layout.evaluate.evaluate` gives. Only the wall time of the allocation is left out.
"""

from __future__ import annotations

import json

import pandas as pd

__all__ = ["evaluation_differences"]

_ALLOCATION_TABLES = ("assignments", "unserved", "moves", "splits", "outside", "not_on_roll", "demand", "census")
_ALLOCATION_VALUES = ("year", "estimated", "status", "objective", "notes", "attendance_inferred")


def _frame_difference(name: str, a, b) -> str | None:
    if a is None or b is None:
        return None if a is None and b is None else f"{name}: one is missing"
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as err:
        return f"{name}: {str(err).strip().splitlines()[0]} ({' '.join(str(err).split())[:300]})"
    return None


def _without_lines(d: dict) -> dict:
    meta = dict(d.get("meta", {}))
    meta["actions"] = [{k: v for k, v in act.items() if k != "line"} for act in meta.get("actions", [])]
    return {**d, "meta": meta}


def evaluation_differences(a, b, *, ignore_lines: bool = False) -> list[str]:
    """What differs between two evaluations (empty when they are the same).

    Parameters
    ----------
    a, b : Evaluation
    ignore_lines : bool
        Leave out the proposal-file line of each action (a plan read back from a file has them).

    Returns
    -------
    list of str
        One line per difference.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> from layout.evaluate import evaluate
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> evaluation_differences(evaluate(county), evaluate(county, baseline=False))
    []
    """
    out: list[str] = []
    da, db = a.to_dict(), b.to_dict()
    if ignore_lines:
        da, db = _without_lines(da), _without_lines(db)
    for key in sorted(set(da) | set(db)):
        ja = json.dumps(da.get(key), sort_keys=True, ensure_ascii=False)
        jb = json.dumps(db.get(key), sort_keys=True, ensure_ascii=False)
        if ja != jb:
            out.append(f"to_dict()[{key!r}] differs")
    frames = {"schools": (a.schools, b.schools), "staffing": (a.staffing, b.staffing),
              "costs.by_school": (a.costs["by_school"], b.costs["by_school"]),
              "balance.quality.schools": (a.balance["quality"]["schools"], b.balance["quality"]["schools"])}
    ba, bb = a.costs.get("bus_routes"), b.costs.get("bus_routes")
    for name in ("by_school", "routes", "stops", "riders", "unserved"):
        frames[f"costs.bus_routes.{name}"] = (getattr(ba, name, None), getattr(bb, name, None))
    if getattr(ba, "method", None) != getattr(bb, "method", None):
        out.append("costs.bus_routes.method differs")
    for name in _ALLOCATION_TABLES:
        frames[f"allocation.{name}"] = (getattr(a.allocation, name), getattr(b.allocation, name))
    for name, (fa, fb) in frames.items():
        d = _frame_difference(name, fa, fb)
        if d:
            out.append(d)
    for name in _ALLOCATION_VALUES:
        if getattr(a.allocation, name) != getattr(b.allocation, name):
            out.append(f"allocation.{name}: {getattr(a.allocation, name)!r} != {getattr(b.allocation, name)!r}")
    for name in ("violations", "resolved"):
        if list(getattr(a, name)) != list(getattr(b, name)):
            out.append(f"{name} differ")
    for name in ("plan_name", "description", "year", "estimated", "county_name", "notes"):
        if getattr(a, name) != getattr(b, name):
            out.append(f"{name}: {getattr(a, name)!r} != {getattr(b, name)!r}")
    return out
