"""`Evaluation`: everything a plan does, as one value with JSON, tables and a readable summary."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layout.display import HtmlDisplay
from layout.evaluate.travel_stats import by_band_frame
from layout.evaluate.violations import SEVERITIES, Violation, violations_frame
from layout.i18n import DEFAULT_LANG
from layout.schema import BANDS

__all__ = ["Evaluation", "json_safe"]

FRAMES = ("schools", "by_band", "violations", "resolved", "balance", "balance_schools", "basic_balance", "costs",
          "costs_by_school", "staffing", "assignments", "moves", "unserved", "splits", "outside", "not_on_roll",
          "worst_villages")


def json_safe(obj: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN/inf to None, frames to records, tuples to lists, objects
    with a ``to_dict`` method (such as :class:`layout.evaluate.buses.PlanBuses`) to what it returns."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return json_safe(obj.reset_index().to_dict(orient="records") if obj.index.name else
                         obj.to_dict(orient="records"))
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if obj is None or isinstance(obj, (str, int)):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    if callable(getattr(obj, "to_dict", None)):
        return json_safe(obj.to_dict())
    return str(obj)


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Evaluation(HtmlDisplay):
    """The evaluation of one plan.

    Attributes
    ----------
    plan_name, description : str
    year : int
    estimated : bool
        Travel times are straight-line estimates.
    allocation : Allocation
    by_band : dict
        Travel statistics per band (see :func:`layout.evaluate.travel_stats.travel_by_band`).
    schools : DataFrame
        Per school (see :func:`layout.evaluate.schools.school_table`).
    balance : dict
        ``quality`` (优质均衡) and ``basic`` (基本均衡) results.
    costs : dict
        ``annual``, ``capital`` and ``by_school``.
    equity : dict
        ``gini`` and ``worst_villages``.
    violations : list of Violation
        Each marked ``existing`` (today has it) or ``new`` (the plan brings it).
    staffing : DataFrame
        Per school teachers today, posts needed today and after, teachers employed, posts freed and to fill
        (:mod:`layout.evaluate.staffing`).
    resolved : list of Violation
        Today's violations the plan no longer has.
    places : Places or None
        Today's villages, schools and roads, for the GIS layers (:meth:`layer`, :meth:`to_file`).
    """

    display_kind = "evaluation"   # its HTML in Jupyter comes from the renderer registered in layout.display

    plan_name: str
    description: str
    year: int
    estimated: bool
    allocation: Any
    by_band: dict
    schools: pd.DataFrame
    balance: dict
    costs: dict
    equity: dict
    violations: list[Violation]
    county_name: str = ""
    notes: tuple[str, ...] = field(default=())
    staffing: pd.DataFrame | None = None
    resolved: list[Violation] = field(default_factory=list)
    places: Any = field(default=None, repr=False)

    # ---- headline numbers -------------------------------------------------------------------------------------
    @property
    def students_total(self) -> int:
        return self.allocation.students_total

    @property
    def students_assigned(self) -> int:
        return self.allocation.students_assigned

    @property
    def students_unserved(self) -> int:
        return self.allocation.students_unserved

    @property
    def students_moved(self) -> int:
        """Children the plan moves from today's school."""
        return self.allocation.students_moved

    def violation_counts(self, status: str | None = None) -> dict[str, int]:
        """Violations by severity; ``status="new"`` or ``"existing"`` counts only those."""
        return {s: sum(1 for v in self.violations if v.severity == s and (status is None or v.status == status))
                for s in SEVERITIES}

    @property
    def new_hard_violations(self) -> int:
        """Hard violations the plan brings (every hard code; today's existing ones are not counted)."""
        return sum(1 for v in self.violations if v.severity == "hard" and v.status == "new")

    @property
    def existing_hard_violations(self) -> int:
        """Hard violations today's layout has too (现状问题)."""
        return sum(1 for v in self.violations if v.severity == "hard" and v.status == "existing")

    # ---- serialisation ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Everything as JSON-safe plain data (the content of ``evaluation.json``)."""
        q = self.balance["quality"]
        balance = {
            "quality": {st: q[st] for st in ("primary", "middle")} | {
                "schools": q["schools"], "resources_moved": q["moves"], "notes": q["notes"]},
            "basic": self.balance["basic"],
        }
        a = self.allocation
        d = {
            "meta": {"plan": self.plan_name, "description": self.description, "county": self.county_name,
                     "year": self.year, "travel_estimated": self.estimated,
                     "actions": [{"line": act.line, **act.to_dict()} for act in a.plan.actions],
                     "demand_method": a.demand.attrs.get("method"),
                     "notes": list(self.notes) + list(a.notes)},
            "students_total": self.students_total,
            "students_assigned": self.students_assigned,
            "students_unserved": self.students_unserved,
            "by_band": self.by_band,
            "schools": self.schools.drop(columns=[], errors="ignore"),
            "balance": balance,
            "costs": {k: v for k, v in self.costs.items() if k != "by_school"},
            "equity": self.equity,
            "violations": [v.to_dict() for v in self.violations],
            "violation_counts": self.violation_counts(),
            "violation_counts_new": self.violation_counts("new"),
            "violation_counts_existing": self.violation_counts("existing"),
            "resolved": [v.to_dict() for v in self.resolved],
            "staffing": self.staffing if self.staffing is not None else [],
            "moves": a.moves,
            "outside": a.outside,
            "not_on_roll": a.not_on_roll,
            "unserved": a.unserved,
            "splits": a.splits,
            "summary": self.summary_metrics(),
        }
        return json_safe(d)

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as UTF-8 JSON, atomically (temporary file, then rename)."""
        from layout.io.write import atomic_write_text

        return atomic_write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2))

    def to_frame(self, name: str = "schools") -> pd.DataFrame:
        """A table for notebooks: one of ``schools``, ``by_band``, ``violations``, ``balance`` (stage ×
        indicator CVs), ``balance_schools`` (6-of-7 per school), ``basic_balance``, ``costs``, ``costs_by_school``,
        ``assignments``, ``unserved``, ``splits``, ``worst_villages``."""
        if name == "schools":
            return self.schools.copy()
        if name == "by_band":
            return by_band_frame(self.by_band)
        if name == "violations":
            return violations_frame(self.violations)
        if name == "resolved":
            return violations_frame(self.resolved)
        if name == "staffing":
            return self.staffing.copy() if self.staffing is not None else pd.DataFrame()
        if name == "balance":
            rows = []
            for stage in ("primary", "middle"):
                for ind, d in self.balance["quality"][stage]["indicators"].items():
                    rows.append({"stage": stage, "indicator": ind, "zh": d["zh"], "standard": d["standard"],
                                 "county_value": d["county_value"], "cv": d["cv"], "cv_unweighted": d["cv_unweighted"],
                                 "limit": d["limit"], "pass": d["pass"], "schools": d["schools"]})
            return pd.DataFrame(rows)
        if name == "balance_schools":
            return self.balance["quality"]["schools"].copy()
        if name == "basic_balance":
            rows = [{"stage": st, "indicator": ind, "zh": d["zh"], "cv": d["cv"]}
                    for st in ("primary", "middle") for ind, d in self.balance["basic"][st]["indicators"].items()]
            return pd.DataFrame(rows)
        if name == "costs":
            rows = [{"kind": "annual", "item": k, "yuan": v} for k, v in self.costs["annual"].items()]
            rows += [{"kind": "capital", "item": k, "yuan": v} for k, v in self.costs["capital"].items()]
            return pd.DataFrame(rows)
        if name == "costs_by_school":
            return self.costs["by_school"].copy()
        if name in ("assignments", "unserved", "splits", "moves", "outside", "not_on_roll"):
            return getattr(self.allocation, name).copy()
        if name == "worst_villages":
            return pd.DataFrame(self.equity["worst_villages"])
        raise KeyError(f"unknown table {name!r}; use one of {', '.join(FRAMES)}")

    # ---- GIS layers (layout.evaluate.frames) ------------------------------------------------------------------
    def layer(self, name: str = "schools"):
        """One GIS layer as a GeoDataFrame (``.explore()``, ``.to_file()``, joins on ids): ``schools`` (action and
        figures after the plan), ``villages`` (trips per band), ``assignments`` (village → school lines per band
        and mode), ``bus_routes``, ``bus_stops``; see :mod:`layout.evaluate.frames`.

        Example
        -------
        >>> from layout.datasets import make_county
        >>> from layout.evaluate import evaluate
        >>> villages = evaluate(make_county(n_villages=30, n_townships=3, seed=2)).layer("villages")
        >>> int(villages["children"].sum()) == int(villages[["g1_3_children", "g4_6_children", "g7_9_children"]]
        ...                                            .to_numpy().sum())
        True
        """
        from layout.evaluate.frames import evaluation_layers

        return evaluation_layers(self, layers=(name,))[name]

    def layers(self) -> dict:
        """Every GIS layer (:data:`layout.evaluate.frames.LAYERS`).

        Returns
        -------
        dict
            name -> GeoDataFrame, in the county's CRS.
        """
        from layout.evaluate.frames import evaluation_layers

        return evaluation_layers(self)

    def to_file(self, path: str | Path) -> Path:
        """Write every GIS layer into one GeoPackage (``.gpkg``) for QGIS / ArcGIS, with Chinese field aliases
        (``docs/guide/gis.md``), atomically; :func:`layout.io.gis.read_layers` reads it back to equal frames.

        Parameters
        ----------
        path : str or Path
            A file name ending ``.gpkg`` (replaced whole if it exists).

        Returns
        -------
        Path

        Example
        -------
        >>> import pathlib, tempfile, pyogrio
        >>> from layout.datasets import make_county
        >>> from layout.evaluate import evaluate
        >>> ev = evaluate(make_county(n_villages=30, n_townships=3, seed=2))
        >>> path = ev.to_file(pathlib.Path(tempfile.mkdtemp()) / "plan.gpkg")
        >>> [name for name, _ in pyogrio.list_layers(path)]
        ['schools', 'villages', 'assignments', 'bus_routes', 'bus_stops']
        """
        from layout.evaluate.frames import write_evaluation

        return write_evaluation(self, path)

    def summary_metrics(self) -> dict:
        """One flat row of headline numbers (for batch tables comparing proposals)."""
        s = self.schools
        is_open = s["status"] == "open"
        row: dict[str, Any] = {
            "plan": self.plan_name, "year": self.year, "travel_estimated": self.estimated,
            "schools_open": int(is_open.sum()), "schools_closed": int((s["status"] == "closed").sum()),
            "schools_new": int(s["is_new"].sum()),
            "students_total": self.students_total, "students_assigned": self.students_assigned,
            "students_unserved": self.students_unserved, "students_moved": self.students_moved,
            "boarders": int(s["boarders"].sum()), "bus_riders": int(s["bus"].sum()),
        }
        for b in BANDS:
            d = self.by_band[b]
            row[f"{b}_mean_minutes"] = d["mean_minutes"]
            row[f"{b}_p90_minutes"] = d["p90_minutes"]
            row[f"{b}_max_minutes"] = d["max_minutes"]
        row["g1_3_within_30min"] = self.by_band["g1_3"].get("within_30")
        row["g1_3_within_walk_limit"] = self.by_band["g1_3"].get("within_walk_limit")
        row["small_schools"] = int(s["small_school"].sum())
        row["oversized_class_schools"] = int((is_open & s["class_band"].isin(["oversized", "super_oversized"])).sum())
        row["annual_cost"] = self.costs["annual"]["total"]
        for line, v in self.costs["annual"].items():
            if line != "total":
                row[f"annual_{line}"] = v
        row["capital_cost"] = self.costs["capital"]["total"]
        row["annualised_cost"] = self.costs.get("annualised")
        st = self.costs.get("staffing") or {}
        row["teachers_now"] = st.get("teachers_now")
        row["teachers_employed"] = st.get("teachers_employed")
        row["posts_freed"] = st.get("posts_freed")
        row["posts_to_fill"] = st.get("posts_to_fill")
        row["bus_vehicles"] = self.costs.get("buses")
        row["gini_travel"] = self.equity["gini"]
        for st in ("primary", "middle"):
            row[f"balance_{st}_pass"] = self.balance["quality"][st]["pass"]
            row[f"balance_{st}_mean_cv"] = self.balance["quality"][st]["mean_cv"]
        row.update({f"violations_{k}": v for k, v in self.violation_counts().items()})
        row.update({f"new_violations_{k}": v for k, v in self.violation_counts("new").items()})
        row["new_hard_violations"] = self.new_hard_violations
        row["existing_hard_violations"] = self.existing_hard_violations
        row["resolved_hard_violations"] = sum(1 for v in self.resolved if v.severity == "hard")
        row["splits"] = int(len(self.allocation.splits))
        return json_safe(row)

    def new_violations(self, baseline: Evaluation | None = None) -> list[Violation]:
        """Violations this plan brings: those marked ``new`` (against the status quo), or, with ``baseline``, those
        ``baseline`` has not (same code, school, village, band and subject)."""
        if baseline is None:
            return [v for v in self.violations if v.status == "new"]
        seen = {v.key for v in baseline.violations}
        return [v for v in self.violations if v.key not in seen]

    def compare(self, baseline: Evaluation) -> dict:
        """Headline figures of this plan minus those of ``baseline`` (numbers only), plus new violation counts.

        Example
        -------
        >>> change = plan_evaluation.compare(today)
        >>> change["schools_open"], change["schools_closed"], change["students_total"]
        (-2, 2, 0)
        >>> change["annual_cost"] < 0       # two schools fewer to run
        True
        """
        mine, base = self.summary_metrics(), baseline.summary_metrics()
        out = {k: (v - base[k]) for k, v in mine.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)
               and isinstance(base.get(k), (int, float)) and not isinstance(base.get(k), bool)}
        new = self.new_violations(baseline)
        out.update({f"new_violations_{s}": sum(1 for v in new if v.severity == s) for s in SEVERITIES})
        return json_safe(out)

    def format_summary(self, lang: str = DEFAULT_LANG, baseline: Evaluation | None = None) -> str:
        """A readable text summary (Chinese or English) for the terminal; with ``baseline`` (the status quo) it
        adds the changes and lists first the violations the plan brings."""
        from layout.evaluate.summary_text import format_evaluation

        return format_evaluation(self, lang, baseline=baseline)

    def __repr__(self) -> str:
        c = self.violation_counts()
        return (f"Evaluation({self.plan_name!r}, year {self.year}: {self.students_assigned}/{self.students_total} "
                f"children placed, {self.students_unserved} unserved; violations hard {c['hard']}, soft {c['soft']}, "
                f"confirm {c['confirm']}{'; travel estimated' if self.estimated else ''})")
