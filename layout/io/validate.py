"""Cell-level conversion and checks: every bad cell becomes a Problem naming file, row, column and value.

Functions here never raise for bad data; they record problems in a :class:`ProblemCollector` and return
the best-effort converted column so that *all* problems of a file are found in one pass.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from layout.errors import ProblemCollector
from layout.io.bounds import amount_max, count_max
from layout.schema import BOOL_FALSE, BOOL_TRUE, KIND_ALIASES, KINDS, SCHEMA, resolve_alias

__all__ = ["canonical_columns", "to_count", "to_amount", "to_bool", "to_kind", "to_grades", "to_text",
           "to_float"]

_GRADE_RANGE = re.compile(r"^\s*([1-9])\s*(?:[-–—~～至到]\s*([1-9]))?\s*(?:年级)?\s*$")


def canonical_columns(frame: pd.DataFrame, layer: str, file: str, problems: ProblemCollector,
                      mapping: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename headers to canonical names (aliases and the manifest's mapping); unknown headers are kept.

    Two headers standing for the same canonical column are a problem (which one is meant is unclear).
    """
    mapping = {str(k).strip(): v for k, v in (mapping or {}).items()}
    for their, ours in mapping.items():
        if ours not in SCHEMA[layer]:
            problems.add(file, f"county.yaml maps {their!r} to unknown column {ours!r}", column=their,
                         fix=f"map it to one of: {', '.join(SCHEMA[layer])}")
    renames: dict[str, str] = {}
    # a header that is exactly the canonical name wins; an alias of it is then kept as an ordinary column
    # (e.g. OSM roads carry both road_class and highway)
    seen: dict[str, str] = {c: c for c in frame.columns if c in SCHEMA[layer] and c not in mapping}
    for col in frame.columns:
        target = mapping.get(col) or resolve_alias(layer, col)
        if target is None or target not in SCHEMA[layer] or seen.get(target) == col:
            continue
        if target in seen and seen[target] == target and col not in mapping:
            continue
        if target in seen:
            problems.add(file, f"columns {seen[target]!r} and {col!r} both mean {target!r}", column=col,
                         fix="delete one of them or map them explicitly in county.yaml")
            continue
        seen[target] = col
        renames[col] = target
    return frame.rename(columns=renames)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() in ("", "nan", "NaN", "None", "-", "—")


def _number(value: object) -> float | None:
    text = str(value).strip().replace(",", "").replace("，", "").replace("\u3000", "")
    try:
        return float(text)
    except ValueError:
        return None


def to_text(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector,
            required: bool) -> pd.Series:
    """Strip text; a blank required cell is a problem."""
    out = series.map(lambda v: "" if _blank(v) else str(v).strip())
    if required:
        for row, v in zip(rows, out, strict=True):
            if v == "":
                problems.add(file, "missing value", row=row, column=column, fix="fill in the cell")
    return out.astype(object)


def to_count(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector,
             default: float | None = 0) -> pd.Series:
    """Whole numbers ≥ 0. Blank cells take ``default`` (``None`` = blank is a problem; NaN keeps unknown)."""
    out = []
    for row, v in zip(rows, series, strict=True):
        if _blank(v):
            if default is None:
                problems.add(file, "missing count", row=row, column=column, fix="enter a whole number (0 if none)")
                out.append(0.0)
            else:
                out.append(float(default))
            continue
        x = _number(v)
        if x is None or not np.isfinite(x):
            problems.add(file, "not a number", row=row, column=column, value=v, fix="enter a whole number")
            out.append(0.0)
        elif x < 0:
            problems.add(file, "negative count", row=row, column=column, value=v, fix="enter 0 or more")
            out.append(0.0)
        elif x > count_max(column):
            problems.add(file, f"more than {count_max(column):,} — not a credible {column}", row=row, column=column,
                         value=v, fix="check the value (an extra zero? the wrong column?)")
            out.append(0.0)
        elif x != int(x):
            problems.add(file, "fractional count", row=row, column=column, value=v,
                         fix="counts of people, classes and things are whole numbers")
            out.append(float(round(x)))
        else:
            out.append(x)
    return pd.Series(out, index=series.index, dtype=float)


def to_amount(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector) -> pd.Series:
    """Non-negative numbers; blank = unknown (NaN)."""
    out = []
    for row, v in zip(rows, series, strict=True):
        if _blank(v):
            out.append(np.nan)
            continue
        x = _number(v)
        if x is None or not np.isfinite(x):
            problems.add(file, "not a number", row=row, column=column, value=v, fix="enter a number")
            out.append(np.nan)
        elif x < 0:
            problems.add(file, "negative value", row=row, column=column, value=v, fix="enter 0 or more")
            out.append(np.nan)
        elif x > amount_max(column):
            problems.add(file, f"more than {amount_max(column):,g} — not a credible {column}", row=row,
                         column=column, value=v, fix="check the value and its unit")
            out.append(np.nan)
        else:
            out.append(x)
    return pd.Series(out, index=series.index, dtype=float)


def to_float(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector) -> pd.Series:
    """Any finite number (coordinates); blank or text is a problem."""
    out = []
    for row, v in zip(rows, series, strict=True):
        x = None if _blank(v) else _number(v)
        if x is None or not np.isfinite(x):
            problems.add(file, "missing value" if _blank(v) else "not a number", row=row, column=column,
                         value=None if _blank(v) else v, fix="enter the coordinate in decimal degrees")
            out.append(np.nan)
        else:
            out.append(x)
    return pd.Series(out, index=series.index, dtype=float)


def to_bool(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector) -> pd.Series:
    """yes/no cells (1/0, true/false, 有/无, 是/否); blank = no."""
    out = []
    for row, v in zip(rows, series, strict=True):
        key = "" if _blank(v) else str(v).strip().lower()
        if key in BOOL_TRUE:
            out.append(True)
        elif key in BOOL_FALSE:
            out.append(False)
        else:
            problems.add(file, "not a yes/no value", row=row, column=column, value=v,
                         fix="use 1/0, yes/no or 是/否 (有/无)")
            out.append(False)
    return pd.Series(out, index=series.index, dtype=bool)


def to_kind(series: pd.Series, column: str, rows: list[int], file: str, problems: ProblemCollector) -> pd.Series:
    """School kinds, Chinese names accepted."""
    out = []
    for row, v in zip(rows, series, strict=True):
        key = "" if _blank(v) else str(v).strip().lower()
        kind = KIND_ALIASES.get(key)
        if kind is None:
            problems.add(file, "unknown school kind" if key else "missing school kind", row=row, column=column,
                         value=v if key else None,
                         fix=f"use one of {', '.join(KINDS)} (or 教学点, 小学, 初中, 九年一贯制)")
            out.append("primary")
        else:
            out.append(kind)
    return pd.Series(out, index=series.index, dtype=object)


def to_grades(series: pd.Series, column: str, rows: list[int], file: str,
              problems: ProblemCollector) -> tuple[pd.Series, pd.Series]:
    """Grade ranges such as ``1-6``, ``1～3``, ``7至9`` or a single grade; blank = from the kind (NaN)."""
    lo, hi = [], []
    for row, v in zip(rows, series, strict=True):
        if _blank(v):
            lo.append(np.nan)
            hi.append(np.nan)
            continue
        m = _GRADE_RANGE.match(str(v))
        if not m:
            problems.add(file, "cannot read the grade range", row=row, column=column, value=v,
                         fix="write it like 1-6 (grades 1 to 6) or 7-9")
            lo.append(np.nan)
            hi.append(np.nan)
            continue
        a = int(m.group(1))
        b = int(m.group(2) or a)
        if b < a:
            problems.add(file, "grade range runs backwards", row=row, column=column, value=v,
                         fix=f"write it as {b}-{a}")
            a, b = b, a
        lo.append(float(a))
        hi.append(float(b))
    return pd.Series(lo, index=series.index), pd.Series(hi, index=series.index)
