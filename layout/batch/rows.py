"""One proposal → one row of the batch table (the work each worker does)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from layout.errors import LayoutInputError
from layout.schema import BANDS

__all__ = ["ProposalItem", "BatchContext", "evaluate_item", "METRIC_COLUMNS", "ID_COLUMNS"]

ID_COLUMNS = ("county", "proposal", "file", "status", "error")
METRIC_COLUMNS: tuple[str, ...] = (
    "schools_open", "schools_closed", "schools_new", "students_total", "students_assigned", "students_unserved",
    "students_conserved", "boarders", "bus_riders", "mean_minutes",
    *(f"{b}_{s}_minutes" for b in BANDS for s in ("mean", "p90", "max")),
    "g1_3_within_30min", "annual_cost", "capital_cost", "balance_primary_pass", "balance_middle_pass",
    "balance_pass", "balance_primary_mean_cv", "balance_middle_mean_cv", "violations_hard", "violations_soft",
    "violations_confirm", "small_schools", "oversized_class_schools", "gini_travel", "travel_estimated",
)


@dataclass(frozen=True)
class ProposalItem:
    """A proposal to evaluate: a file (read where it is evaluated) or a ready :class:`~layout.plan.Plan`."""

    label: str
    path: str | None = None
    plan: Any = None
    key: str = ""


@dataclass(frozen=True, eq=False)
class BatchContext:
    """What every proposal of one county shares; sent to each worker once."""

    county: Any
    travel: dict
    standards: Any
    year: int = 0
    demand: pd.DataFrame | None = None
    evaluate_fn: Callable | None = None
    county_label: str = ""
    extras: dict = field(default_factory=dict)


def _evaluate(ctx: BatchContext, plan):
    if ctx.evaluate_fn is not None:
        return ctx.evaluate_fn(ctx.county, plan, travel=ctx.travel, standards=ctx.standards, year=ctx.year)
    from layout.evaluate import evaluate

    return evaluate(ctx.county, plan, travel=ctx.travel, standards=ctx.standards, year=ctx.year)


def _conserved(ev, demand: pd.DataFrame | None) -> bool:
    """Assigned + unserved equals the county's demand for every village and band."""
    alloc = getattr(ev, "allocation", None)
    if alloc is None:
        return bool(ev.students_assigned + ev.students_unserved == ev.students_total)
    try:
        return bool(alloc.check_conserved(demand))
    except Exception:   # ConservationError (or a demand frame of another shape): not conserved
        return False


def metrics_row(ev, demand: pd.DataFrame | None = None) -> dict[str, Any]:
    """The batch columns of one evaluation (see :data:`METRIC_COLUMNS`)."""
    m = dict(ev.summary_metrics())
    m["mean_minutes"] = ev.by_band.get("all", {}).get("mean_minutes") if isinstance(ev.by_band, dict) else None
    m["balance_pass"] = bool(m.get("balance_primary_pass")) and bool(m.get("balance_middle_pass"))
    m["students_conserved"] = _conserved(ev, demand)
    return {c: m.get(c) for c in METRIC_COLUMNS}


def evaluate_item(ctx: BatchContext, item: ProposalItem) -> tuple[dict[str, Any], float]:
    """Read (if a file), evaluate and summarise one proposal; a bad proposal becomes a row with its error.

    Returns
    -------
    (row, seconds)
        ``status`` is ``ok``, ``invalid`` (the proposal does not fit the county: the
        :class:`~layout.errors.LayoutInputError` text) or ``failed`` (evaluation raised).
    """
    t0 = time.perf_counter()
    row: dict[str, Any] = {"county": ctx.county_label, "proposal": item.label, "file": item.path or "",
                           "status": "ok", "error": ""}
    try:
        if item.plan is not None:
            plan = item.plan
        else:
            from layout.plan import read_proposal

            plan = read_proposal(item.path, ctx.county)
        row["proposal"] = str(plan.name) if plan.name else item.label
        ev = _evaluate(ctx, plan)
        row.update(metrics_row(ev, ctx.demand))
    except LayoutInputError as err:
        row.update(status="invalid", error=err.format())
    except Exception as err:   # one broken proposal must not stop the batch: record it, go on
        row.update(status="failed", error=f"{type(err).__name__}: {err}")
    return row, time.perf_counter() - t0
