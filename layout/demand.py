"""Demand: children by village and grade band, now and projected some years ahead.

:func:`project_demand` is the one place projections are made. Its default method, in order of the data given:

1. **Cohort progression** when villages carry single grades ``grade_1`` … ``grade_9``: the children now in
   grade *g* are in grade *g + years* then (times ``demand.cohort_survival`` per year for migration). Grades
   entered in the meantime come from births: grade 1 in school year *Y* are the children born in
   *Y − entry_age* (``births_YYYY`` columns; the base school year is the year after the latest births column,
   i.e. births are counted up to last year). Where births for a year are missing, the entering cohort follows
   the township trend from today's grade 1.
2. **Township trend** otherwise: each band × (1 + r) ** years, with r from ``demand.trend`` in the standards
   (``by_township`` or ``default_annual_change``).

Counts are whole children, rounded village by village so each band's county total is the rounded total of
the exact projection (largest remainder). A planner replaces the method by passing any callable
``method(county, years) -> DataFrame`` (index ``village_id``, columns ``g1_3``, ``g4_6``, ``g7_9``).

Example
-------
>>> from layout.datasets import make_county
>>> project_demand(make_county(n_villages=20, n_townships=2, seed=2), years=3).sum().to_dict()
{'g1_3': 944, 'g4_6': 1048, 'g7_9': 1196}
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.schema import BANDS, GRADES

__all__ = ["project_demand", "cohort_projection", "trend_projection", "current_demand"]

_BIRTHS = re.compile(r"^births_(\d{4})$")
Method = Callable[..., pd.DataFrame]


def current_demand(county) -> pd.DataFrame:
    """Children by village and band today, as whole numbers (index ``village_id``, columns g1_3, g4_6, g7_9)."""
    v = county.villages
    out = pd.DataFrame({b: np.rint(pd.to_numeric(v[b], errors="coerce").fillna(0).to_numpy()).astype(np.int64)
                        for b in BANDS}, index=pd.Index(v.index.astype(str), name="village_id"))
    return out


def _round_preserving(values: pd.DataFrame) -> pd.DataFrame:
    """Round each column to whole children so the column total is the rounded exact total."""
    out = {}
    for col in values.columns:
        x = values[col].to_numpy(dtype=float)
        base = np.floor(x)
        rest = int(round(x.sum() - base.sum()))
        order = np.argsort(-(x - base), kind="stable")[: max(rest, 0)]
        base[order] += 1
        out[col] = base.astype(np.int64)
    return pd.DataFrame(out, index=values.index)


def _rates(county) -> pd.Series:
    std = county.standards
    default = float(std.get("demand.trend.default_annual_change", 0.0))
    by_town = dict(std.get("demand.trend.by_township", {}) or {})
    return county.villages["township"].astype(str).map(lambda t: float(by_town.get(t, default))).set_axis(
        county.villages.index.astype(str))


def trend_projection(county, years: int) -> pd.DataFrame:
    """Every band × (1 + r) ** years, r per township from ``demand.trend`` in the standards.

    Parameters
    ----------
    county : County
    years : int

    Returns
    -------
    DataFrame
        Index ``village_id``; columns g1_3, g4_6, g7_9 (int).
    """
    now = current_demand(county)
    factor = (1.0 + _rates(county)) ** years
    return _round_preserving(now.astype(float).mul(factor.to_numpy(), axis=0))


def cohort_projection(county, years: int) -> pd.DataFrame:
    """Cohort progression from single grades (``grade_1`` … ``grade_9``) and births (``births_YYYY``).

    Parameters
    ----------
    county : County
        Villages must carry ``grade_1`` … ``grade_9``.
    years : int

    Returns
    -------
    DataFrame
        Index ``village_id``; columns g1_3, g4_6, g7_9 (int).
    """
    v = county.villages
    std = county.standards
    grades = pd.DataFrame({g: pd.to_numeric(v[f"grade_{g}"], errors="coerce").fillna(0).to_numpy()
                           for g in GRADES}, index=pd.Index(v.index.astype(str), name="village_id"))
    survival = float(std.get("demand.cohort_survival", 1.0))
    entry_age = int(std.get("demand.entry_age", 6))
    births = {int(m.group(1)): c for c in v.columns if (m := _BIRTHS.match(str(c)))}
    base_year = max(births) + 1 if births else None
    rates = _rates(county).to_numpy()
    projected = pd.DataFrame(0.0, index=grades.index, columns=list(GRADES))
    for g in GRADES:
        if g - years >= 1:
            projected[g] = grades[g - years] * survival ** years
            continue
        # Entered grade 1 `k` years from now and has been in school (g - 1) years since.
        k = years - (g - 1)
        born = None if base_year is None else base_year + k - entry_age
        if born is not None and born in births:
            entrants = pd.to_numeric(v[births[born]], errors="coerce").to_numpy(dtype=float)
            entrants = np.where(np.isnan(entrants), grades[1].to_numpy() * (1 + rates) ** k, entrants)
        else:
            entrants = grades[1].to_numpy() * (1 + rates) ** k
        projected[g] = entrants * survival ** (g - 1)
    bands = pd.DataFrame({b: projected[[g for g in GRADES if std.bands[b][0] <= g <= std.bands[b][1]]].sum(axis=1)
                          for b in BANDS})
    return _round_preserving(bands)


def project_demand(county, years: int = 0, method: Method | str | None = None) -> pd.DataFrame:
    """Children by village and grade band ``years`` ahead.

    Parameters
    ----------
    county : County
    years : int
        0 for today (the villages' own counts), else years ahead.
    method : callable, ``"cohort"``, ``"trend"`` or None
        None picks cohort progression when single grades are given, else the township trend. A callable
        ``method(county, years)`` replaces the projection (it must return whole, non-negative counts).

    Returns
    -------
    DataFrame
        Index ``village_id`` (every village of the county), columns ``g1_3``, ``g4_6``, ``g7_9`` (int64).
        ``attrs["method"]`` names the method used.

    Raises
    ------
    LayoutInputError
        When ``years`` is negative or a custom method returns something unusable.

    Example
    -------
    >>> d = project_demand(county, years=5)
    >>> d.attrs["method"]                 # the generated county has births by year: cohorts move up
    'cohort'
    >>> d.sum().to_dict(), county.villages[["g1_3", "g4_6", "g7_9"]].sum().to_dict()
    ({'g1_3': 1427, 'g4_6': 1651, 'g7_9': 1884}, {'g1_3': 1737, 'g4_6': 2015, 'g7_9': 2326})
    """
    if not isinstance(years, (int, np.integer)) or years < 0:
        raise LayoutInputError([Problem("year", "years ahead must be a whole number of 0 or more", value=years,
                                        fix="give e.g. --year 5")])
    if years == 0 and method is None:
        out, name = current_demand(county), "current"
    elif callable(method):
        out, name = method(county, int(years)), getattr(method, "__name__", "custom")
    else:
        has_grades = all(f"grade_{g}" in county.villages for g in GRADES)
        choice = method or ("cohort" if has_grades else "trend")
        if choice == "cohort" and not has_grades:
            raise LayoutInputError([Problem("villages", "cohort projection needs single grades grade_1 … grade_9",
                                            column="grade_1", fix="add single grades, or use method='trend'")])
        if choice not in ("cohort", "trend"):
            raise LayoutInputError([Problem("method", "unknown projection method", value=str(choice),
                                            fix="use 'cohort', 'trend' or a function (county, years) -> DataFrame")])
        out = cohort_projection(county, int(years)) if choice == "cohort" else trend_projection(county, int(years))
        name = choice
    out = _validate(out, county, name)
    out.attrs["method"] = name
    out.attrs["years"] = int(years)
    return out


def _validate(out: pd.DataFrame, county, name: str) -> pd.DataFrame:
    problems = []
    if not isinstance(out, pd.DataFrame) or any(b not in out.columns for b in BANDS):
        raise LayoutInputError([Problem(f"projection {name!r}", "must return a DataFrame with g1_3, g4_6, g7_9",
                                        fix="return one row per village_id")])
    out = out[list(BANDS)].copy()
    out.index = pd.Index(out.index.astype(str), name="village_id")
    ids = pd.Index(county.villages.index.astype(str))
    missing = ids.difference(out.index)
    if len(missing):
        problems.append(Problem(f"projection {name!r}", f"no rows for {len(missing)} village(s)",
                                value=", ".join(missing[:5]), fix="return every village_id of the county"))
    values = out.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (np.abs(values - np.rint(values)) > 1e-9).any():
        problems.append(Problem(f"projection {name!r}", "counts must be whole numbers of 0 or more",
                                fix="round the projection to whole children"))
    if problems:
        raise LayoutInputError(problems)
    return out.reindex(ids).astype(np.int64)
