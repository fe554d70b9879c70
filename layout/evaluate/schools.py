"""Per-school results of a plan: enrolment, utilisation, classes, class-size band, size caps, small schools,
boarding.

Class sizes: a band's pupils sit in the band's classrooms under the plan, so the average class size is pupils ÷
classrooms. A band's classrooms are today's classes (plus those an ``expand`` builds), or, when more, as many as
the school's own seats hold at the standard class size (its share by grades): a school with spare rooms fills
them first. A merge brings pupils and seats but no classrooms, so its pupils crowd the existing rooms. Where a school has no classroom for a band it now teaches (new school, no class data), the classes
needed at the standard size are used. *Classes needed* count each grade of the band separately (pupils spread
evenly over the band's grades) at the standard class size (45 primary, 50 middle, 30 teaching point).
The class size *now* comes from the county data (enrolment ÷ classes) for comparison, so a report can tell a
大班额 the plan creates from one that exists already.
"""

from __future__ import annotations

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


def school_table(county, plan, allocation, standards, travel=None) -> pd.DataFrame:
    """One row per school of the plan (closed and new ones included).

    Parameters
    ----------
    county : County
    plan : Plan
    allocation : Allocation
    standards : Standards
    travel : mapping of mode -> TravelMatrix, optional
        Used to place unmet boarding demand at the nearest school (``boarding_demand``, ``beds_short``).

    Returns
    -------
    DataFrame
        Index ``school_id``; columns ``name, kind, township, status, merged_into, is_new, grades, g1_3, g4_6,
        g7_9, enrolment, enrolment_now, seats, utilisation, walk, bus, board, beds, boarders, bed_use,
        boarding_demand (boarders + children of boarding age left without a place, counted at the nearest open
        school teaching their grades), beds_short, canteen,
        boarding, classes, classes_needed, class_size_g1_3 … , max_class_size, class_band, class_band_now,
        class_limit, size_cap, over_size_cap, small_school, closure_pool``.
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
    unmet = _unmet_boarding(plan, allocation, std, travel).reindex(s.index, fill_value=0)
    out["boarding_demand"] = out["boarders"] + unmet.to_numpy()
    out["beds_short"] = np.maximum(out["boarding_demand"] - out["beds"], 0)
    out["canteen"] = s["canteen"].astype(bool).to_numpy()
    out["boarding"] = s["boarding"].astype(bool).to_numpy()

    kinds = s["kind"].astype(str).to_numpy()
    merged = s["merged_seats"].to_numpy(dtype=float) if "merged_seats" in s else np.zeros(len(s))
    physical_seats = np.maximum(s["seats"].to_numpy(dtype=float) - merged, 0.0)
    have = np.zeros(len(s), dtype=np.int64)
    needed = np.zeros(len(s), dtype=np.int64)
    worst = np.zeros(len(s))
    for b in BANDS:
        n = out[b].to_numpy(dtype=float)
        lo, hi = std.bands[b]
        grades = hi - lo + 1
        size_std = np.array([_standard_size(k, b, std) for k in kinds], dtype=float)
        need = np.where(n > 0, grades * np.ceil(n / grades / size_std), 0).astype(np.int64)
        rooms_now = s[f"classes_{b}"].to_numpy(dtype=np.int64)
        # Classrooms the building's own seats allow (merged-in pupils bring none), shared by grade.
        served = (s["grade_lo"].to_numpy() <= lo) & (s["grade_hi"].to_numpy() >= hi)
        share = grades / (s["grade_hi"] - s["grade_lo"] + 1).to_numpy(dtype=float)
        seat_rooms = np.where(served, np.floor(physical_seats * share / size_std), 0).astype(np.int64)
        rooms = np.maximum(rooms_now, seat_rooms)
        rooms = np.where(rooms > 0, rooms, need)
        with np.errstate(divide="ignore", invalid="ignore"):
            size = np.where(rooms > 0, n / np.maximum(rooms, 1), np.nan)
        out[f"class_size_{b}"] = size
        have += np.where(n > 0, rooms, rooms_now)
        needed += need
        worst = np.where(n > 0, np.fmax(worst, size), worst)
    out["classes"] = have
    out["classes_needed"] = needed
    out["max_class_size"] = worst
    out["class_band"] = [std.class_band(w) for w in worst]
    out["class_band_now"] = _class_band_now(county, s.index, std)
    out["class_limit"] = [std.class_size_limit("middle" if k == "middle" else "primary") for k in s["kind"]]
    out["size_cap"] = [std.max_students(k) for k in s["kind"]]
    out["over_size_cap"] = out["enrolment"] > out["size_cap"]
    is_open = out["status"] == "open"
    rural_small = out["kind"].isin(["teaching_point", "primary"])
    out["small_school"] = is_open & rural_small & (out["enrolment"] < std.small_school)
    out["closure_pool"] = is_open & rural_small & (out["enrolment"] < std.closure_pool_under)
    out.index.name = "school_id"
    return out


def _unmet_boarding(plan, allocation, std, travel) -> pd.Series:
    """Unserved children of bands that may board, counted at the nearest open school teaching their band."""
    un = allocation.unserved
    un = un[un["band"].map(std.may_board) & (un["reason"] != "no_school_for_band")]
    if un.empty or not travel:
        return pd.Series(dtype=np.int64)
    tm = travel.get("bus") or travel.get("walk")
    counts: dict[str, int] = {}
    for band, grp in un.groupby("band"):
        ids = [i for i in plan.serving(band) if i in tm.school_ids]
        if not ids:
            continue
        nearest = tm.minutes.loc[grp["village_id"].to_numpy(), ids].idxmin(axis=1).to_numpy()
        for sid, n in zip(nearest, grp["children"].to_numpy(), strict=True):
            counts[sid] = counts.get(sid, 0) + int(n)
    return pd.Series(counts, dtype=np.int64)


def _class_band_now(county, ids: pd.Index, std) -> list[str | None]:
    """The class-size band each existing school has today (from its enrolment and classes by grade)."""
    s = county.schools.reindex(ids)
    known = ids.isin(county.schools.index)
    worst = np.zeros(len(ids))
    for b in BANDS:
        lo, hi = std.bands[b]
        n = sum(s[f"enrol_{g}"].fillna(0).to_numpy(float) for g in range(lo, hi + 1) if f"enrol_{g}" in s)
        c = sum(s[f"classes_{g}"].fillna(0).to_numpy(float) for g in range(lo, hi + 1) if f"classes_{g}" in s)
        n, c = np.asarray(n, float) * np.ones(len(ids)), np.asarray(c, float) * np.ones(len(ids))
        with np.errstate(divide="ignore", invalid="ignore"):
            worst = np.where((n > 0) & (c > 0), np.fmax(worst, n / np.where(c > 0, c, 1)), worst)
    return [std.class_band(w) if k else None for w, k in zip(worst, known, strict=True)]


def band_severity(name: str | None) -> int:
    """0 normal, 1 large (偏大), 2 大班额, 3 超大班额."""
    return _SEVERITY.get(name or "normal", 0)
