"""Per-school results of a plan: enrolment, utilisation, classes, class-size band, size caps, small schools,
boarding.

Class sizes: a band's pupils sit in the band's classrooms under the plan (``classes_g1_3`` …: today's classes,
plus those an ``expand`` builds; a merge brings pupils, not classrooms), so the average class size is pupils ÷
classrooms. Where a school has no classroom for a band it now teaches (new school, no class data), the classes
needed at the standard size are used. *Classes needed* count each grade of the band separately (pupils spread
evenly over the band's grades) at the standard class size (45 primary, 50 middle, 30 teaching point).
The class size *now* comes from the county data (enrolment ÷ classes) for comparison, so a report can tell a
大班额 the plan creates from one that exists already.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from layout.schema import BANDS

__all__ = ["school_table", "STAGE_OF_BAND"]

STAGE_OF_BAND = {"g1_3": "primary", "g4_6": "primary", "g7_9": "middle"}
_SEVERITY = {"normal": 0, "large": 1, "oversized": 2, "super_oversized": 3}


def _standard_size(kind: str, band: str, std) -> int:
    if band == "g7_9":
        return std.standard_class_size("middle")
    return std.standard_class_size("teaching_point" if kind == "teaching_point" else "primary")


def school_table(county, plan, allocation, standards) -> pd.DataFrame:
    """One row per school of the plan (closed and new ones included).

    Parameters
    ----------
    county : County
    plan : Plan
    allocation : Allocation
    standards : Standards

    Returns
    -------
    DataFrame
        Index ``school_id``; columns ``name, kind, township, status, merged_into, is_new, grades, g1_3, g4_6,
        g7_9, enrolment, enrolment_now, seats, utilisation, walk, bus, board, beds, boarders, bed_use, canteen,
        boarding, classes, classes_needed, class_size_g1_3 … , max_class_size, class_band, class_band_now,
        class_limit, size_cap, over_size_cap, small_school, very_small_school``.
    """
    std = standards
    s = plan.schools
    counts = allocation.by_school()
    out = pd.DataFrame(index=s.index)
    for c in ("name", "kind", "township", "status", "merged_into", "is_new"):
        out[c] = s[c].to_numpy()
    out["grades"] = [f"{int(a)}-{int(b)}" for a, b in zip(s["grade_lo"], s["grade_hi"], strict=True)]
    for b in BANDS:
        out[b] = counts[b].reindex(s.index, fill_value=0).to_numpy()
    out["enrolment"] = out[list(BANDS)].sum(axis=1)
    now = county.schools["enrolment"].reindex(s.index)
    out["enrolment_now"] = now.to_numpy()
    out["seats"] = s["seats"].to_numpy()
    out["utilisation"] = np.where(out["seats"] > 0, out["enrolment"] / out["seats"].where(out["seats"] > 0), np.nan)
    for m in ("walk", "bus", "board"):
        out[m] = counts[m].reindex(s.index, fill_value=0).to_numpy()
    out["beds"] = s["beds"].to_numpy()
    out["boarders"] = out["board"]
    out["bed_use"] = np.where(out["beds"] > 0, out["boarders"] / out["beds"].where(out["beds"] > 0), np.nan)
    out["canteen"] = s["canteen"].astype(bool).to_numpy()
    out["boarding"] = s["boarding"].astype(bool).to_numpy()

    classes_total, needed_total, max_size = [], [], []
    sizes = {b: [] for b in BANDS}
    bands_by_school = []
    for sid in s.index:
        kind = s.at[sid, "kind"]
        have = needed = 0
        worst = 0.0
        for b in BANDS:
            n = int(out.at[sid, b])
            lo, hi = std.bands[b]
            grades = hi - lo + 1
            need = grades * math.ceil(n / grades / _standard_size(kind, b, std)) if n > 0 else 0
            rooms = int(s.at[sid, f"classes_{b}"])
            rooms = rooms if rooms > 0 else need
            size = n / rooms if rooms > 0 else np.nan
            sizes[b].append(size)
            have += rooms if n > 0 else int(s.at[sid, f"classes_{b}"])
            needed += need
            if n > 0:
                worst = max(worst, size)
        classes_total.append(have)
        needed_total.append(needed)
        max_size.append(worst)
        bands_by_school.append(std.class_band(worst))
    out["classes"] = classes_total
    out["classes_needed"] = needed_total
    for b in BANDS:
        out[f"class_size_{b}"] = sizes[b]
    out["max_class_size"] = max_size
    out["class_band"] = bands_by_school
    out["class_band_now"] = _class_band_now(county, s.index, std)
    out["class_limit"] = [std.class_size_limit("middle" if k == "middle" else "primary") for k in s["kind"]]
    out["size_cap"] = [std.max_students(k) for k in s["kind"]]
    out["over_size_cap"] = out["enrolment"] > out["size_cap"]
    is_open = out["status"] == "open"
    rural_small = out["kind"].isin(["teaching_point", "primary"])
    out["small_school"] = is_open & rural_small & (out["enrolment"] < std.small_school)
    out["very_small_school"] = is_open & rural_small & (out["enrolment"] < std.very_small_school)
    out.index.name = "school_id"
    return out


def _class_band_now(county, ids: pd.Index, std) -> list[str | None]:
    """The class-size band each existing school has today (from its enrolment and classes by grade)."""
    s = county.schools
    out: list[str | None] = []
    for sid in ids:
        if sid not in s.index:
            out.append(None)
            continue
        worst = 0.0
        for b in BANDS:
            lo, hi = std.bands[b]
            n = sum(float(s.at[sid, f"enrol_{g}"]) for g in range(lo, hi + 1) if f"enrol_{g}" in s)
            c = sum(float(s.at[sid, f"classes_{g}"]) for g in range(lo, hi + 1) if f"classes_{g}" in s)
            if n > 0 and c > 0:
                worst = max(worst, n / c)
        out.append(std.class_band(worst))
    return out


def band_severity(name: str | None) -> int:
    """0 normal, 1 large (偏大), 2 大班额, 3 超大班额."""
    return _SEVERITY.get(name or "normal", 0)
