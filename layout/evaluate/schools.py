"""Per-school results of a plan: enrolment, utilisation, classes, class-size band, size caps, small schools,
boarding.

Class sizes start from the data. Today a band's class size is its pupils ÷ its classes as the schools file gives
them (``enrol_g`` / ``classes_g``), so the status quo shows each school's real 班额. Under a plan a band whose
pupils and classrooms are unchanged keeps today's classes. A band that gains pupils opens the classes its pupils
need at the standard class size (45 primary, 50 middle, 30 teaching point; each grade of the band separately)
only as far as the school has rooms — today's classes plus those an ``expand`` builds, or as many as its own seats
hold at the standard size (a half-empty rural school has spare rooms; a merge brings pupils but no classrooms) —
and the rest crowd the existing classes. A band that loses pupils keeps its classes. Where a school has no
classroom for a band it now teaches (a new school), the classes needed are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.schema import BANDS

__all__ = ["school_table", "unmet_boarding", "rooms_available", "STAGE_OF_BAND", "band_severity", "standard_size"]

STAGE_OF_BAND = {"g1_3": "primary", "g4_6": "primary", "g7_9": "middle"}
_SEVERITY = {"normal": 0, "large": 1, "oversized": 2, "super_oversized": 3}


def standard_size(kind: str, band: str, std) -> int:
    """The standard class size of a band at a school of this kind (45 primary, 50 middle, 30 teaching point)."""
    if band == "g7_9":
        return std.standard_class_size("middle")
    return std.standard_class_size("teaching_point" if kind == "teaching_point" else "primary")


def rooms_available(kind: str, grade_lo: int, grade_hi: int, seats: float, band: str, classes: int, std) -> int:
    """Classrooms a school can use for a band: today's classes of the band, or as many as its own seats hold at
    the standard class size (its share by grades), whichever is more (0 for a band it does not teach).

    Example
    -------
    >>> from layout.standards import load_standards
    >>> rooms_available("primary", 1, 6, 540, "g1_3", 2, load_standards())    # 270 seats for grades 1-3 / 45
    6
    """
    lo, hi = std.bands[band]
    if not (grade_lo <= lo and grade_hi >= hi):
        return 0
    grades = hi - lo + 1
    size = standard_size(kind, band, std)
    return int(max(classes, np.floor(seats * grades / (grade_hi - grade_lo + 1) / size)))


def _today_by_band(county, ids: pd.Index, std, prefix: str) -> pd.DataFrame:
    """Today's ``enrol`` or ``classes`` of each school summed per band (0 for schools not in the county)."""
    cols = [f"{prefix}_{g}" for b in BANDS for g in range(std.bands[b][0], std.bands[b][1] + 1)]
    s = pd.DataFrame(county.schools[cols]).reindex(ids)     # only the columns summed (not the whole layer)
    out = {}
    for b in BANDS:
        lo, hi = std.bands[b]
        out[b] = sum(s[f"{prefix}_{g}"].fillna(0).to_numpy(float) for g in range(lo, hi + 1))
    return pd.DataFrame(out, index=ids)


def school_table(county, plan, allocation, standards, travel=None, *, ids: pd.Index | None = None,
                 unmet: pd.Series | None = None) -> pd.DataFrame:
    """One row per school of the plan (closed and new ones included).

    Every row depends only on its own school (its plan state, the children placed there and moved from there,
    today's data), so the rows of some schools can be computed alone (``ids``) and put beside the others.

    Parameters
    ----------
    county : County
    plan : Plan
    allocation : Allocation
    standards : Standards
    travel : mapping of mode -> TravelMatrix, optional
        Used to place unmet boarding demand at the nearest school (``boarding_demand``, ``beds_short``).
    ids : Index, optional
        Only these schools' rows, in this order (default: every school of the plan).
    unmet : Series, optional
        :func:`unmet_boarding` already computed for this plan and allocation.

    Returns
    -------
    DataFrame
        Index ``school_id``; columns ``name, kind, township, status, merged_into, is_new, grades, g1_3, g4_6,
        g7_9, enrolment, enrolment_now, moved_in, moved_out, seats, utilisation, walk, bus, board, beds, boarders,
        boarders_now, bus_now, bed_use, boarding_demand (boarders + children of boarding age left without a
        place, counted at the nearest open school teaching their grades), beds_short, canteen, boarding, classes,
        classes_now, classes_needed, class_size, class_size_now, class_size_g1_3 …, max_class_size,
        max_class_size_now, class_band, class_band_now, class_limit, size_cap, over_size_cap, small_school,
        closure_pool``.
    """
    std = standards
    s = plan.schools if ids is None else plan.schools.loc[ids]
    counts = allocation.by_school() if ids is None else allocation.by_school(ids=s.index)
    out = pd.DataFrame(index=s.index)
    for c in ("name", "kind", "township", "status", "merged_into", "is_new"):
        out[c] = s[c].to_numpy()
    out["grades"] = [f"{int(a)}-{int(b)}" for a, b in zip(s["grade_lo"], s["grade_hi"], strict=True)]
    for b in BANDS:
        out[b] = counts[b].reindex(s.index, fill_value=0).to_numpy()
    out["enrolment"] = out[list(BANDS)].sum(axis=1)
    now = pd.DataFrame(county.schools[[c for c in ("enrolment", "boarders", "bus_riders")
                                       if c in county.schools]]).reindex(s.index)
    out["enrolment_now"] = now["enrolment"].to_numpy()
    a = allocation.assignments
    moved = a[a["moved"]] if "moved" in a else a.iloc[:0]
    moves = allocation.moves
    if ids is not None:     # only these schools' rows are summed (the same sums)
        moved = moved[moved["school_id"].isin(s.index).to_numpy()]
        moves = moves[moves["from_school"].isin(s.index).to_numpy()]
    out["moved_in"] = moved.groupby("school_id")["children"].sum().reindex(s.index, fill_value=0).astype(int)
    out["moved_out"] = moves.groupby("from_school")["children"].sum().reindex(s.index, fill_value=0).astype(int)
    out["seats"] = s["seats"].to_numpy()
    out["utilisation"] = np.where(out["seats"] > 0, out["enrolment"] / out["seats"].where(out["seats"] > 0), np.nan)
    for m in ("walk", "bus", "board"):
        out[m] = counts[m].reindex(s.index, fill_value=0).to_numpy()
    out["beds"] = s["beds"].to_numpy()
    out["boarders"] = out["board"]
    out["boarders_now"] = now["boarders"].fillna(0).to_numpy()
    out["bus_now"] = now["bus_riders"].fillna(0).to_numpy() if "bus_riders" in now else 0
    out["bed_use"] = np.where(out["beds"] > 0, out["boarders"] / out["beds"].where(out["beds"] > 0), np.nan)
    if unmet is None:
        unmet = unmet_boarding(plan, allocation, std, travel)
    unmet = unmet.reindex(s.index, fill_value=0)
    out["boarding_demand"] = out["boarders"] + unmet.to_numpy()
    out["beds_short"] = np.maximum(out["boarding_demand"] - out["beds"], 0)
    out["canteen"] = s["canteen"].astype(bool).to_numpy()
    out["boarding"] = s["boarding"].astype(bool).to_numpy()

    kinds = s["kind"].astype(str).to_numpy()
    merged = s["merged_seats"].to_numpy(dtype=float) if "merged_seats" in s else np.zeros(len(s))
    physical_seats = np.maximum(s["seats"].to_numpy(dtype=float) - merged, 0.0)
    pupils_now = _today_by_band(county, s.index, std, "enrol")
    classes_now = _today_by_band(county, s.index, std, "classes")
    have = np.zeros(len(s), dtype=np.int64)
    needed = np.zeros(len(s), dtype=np.int64)
    worst = np.zeros(len(s))
    worst_now = np.zeros(len(s))
    for b in BANDS:
        n = out[b].to_numpy(dtype=float)
        n0 = pupils_now[b].to_numpy()
        c0 = classes_now[b].to_numpy()
        lo, hi = std.bands[b]
        grades = hi - lo + 1
        size_std = np.array([standard_size(k, b, std) for k in kinds], dtype=float)
        need = np.where(n > 0, grades * np.ceil(n / grades / size_std), 0).astype(np.int64)
        rooms_plan = s[f"classes_{b}"].to_numpy(dtype=np.int64)
        served = (s["grade_lo"].to_numpy() <= lo) & (s["grade_hi"].to_numpy() >= hi)
        share = grades / (s["grade_hi"] - s["grade_lo"] + 1).to_numpy(dtype=float)
        seat_rooms = np.where(served, np.floor(physical_seats * share / size_std), 0).astype(np.int64)
        rooms_avail = np.maximum(rooms_plan, seat_rooms)
        grow = np.minimum(np.maximum(rooms_plan, need), rooms_avail)
        rooms = np.where(n > n0, grow, rooms_plan)
        rooms = np.where((rooms == 0) & (n > 0), need, rooms)
        with np.errstate(divide="ignore", invalid="ignore"):
            size = np.where((rooms > 0) & (n > 0), n / np.maximum(rooms, 1), np.nan)
            size_now = np.where((c0 > 0) & (n0 > 0), n0 / np.maximum(c0, 1), np.nan)
        out[f"class_size_{b}"] = size
        have += np.where(n > 0, rooms, 0)
        needed += need
        worst = np.where(n > 0, np.fmax(worst, size), worst)
        worst_now = np.where(n0 > 0, np.fmax(worst_now, size_now), worst_now)
    out["classes"] = have
    out["classes_now"] = classes_now.sum(axis=1).astype(np.int64).to_numpy()
    out["classes_needed"] = needed
    with np.errstate(divide="ignore", invalid="ignore"):
        out["class_size"] = np.where(have > 0, out["enrolment"] / np.maximum(have, 1), np.nan)
        out["class_size_now"] = np.where(out["classes_now"] > 0,
                                         out["enrolment_now"] / np.maximum(out["classes_now"], 1), np.nan)
    out["max_class_size"] = worst
    out["max_class_size_now"] = worst_now
    out["class_band"] = [std.class_band(w) for w in worst]
    known = s.index.isin(county.schools.index)
    out["class_band_now"] = [std.class_band(w) if k else None for w, k in zip(worst_now, known, strict=True)]
    out["class_limit"] = [std.class_size_limit("middle" if k == "middle" else "primary") for k in s["kind"]]
    out["size_cap"] = [std.max_students(k) for k in s["kind"]]
    out["over_size_cap"] = out["enrolment"] > out["size_cap"]
    is_open = out["status"] == "open"
    rural_small = out["kind"].isin(["teaching_point", "primary"])
    out["small_school"] = is_open & rural_small & (out["enrolment"] < std.small_school)
    out["closure_pool"] = is_open & rural_small & (out["enrolment"] < std.closure_pool_under)
    out.index.name = "school_id"
    return out


def unmet_boarding(plan, allocation, std, travel) -> pd.Series:
    """Unserved children of bands that may board, counted at the nearest open school teaching their band (school_id
    -> children; schools without any left out)."""
    un = allocation.unserved
    un = un[(un["village_id"] != "") & un["band"].map(std.may_board) & (un["reason"] != "no_school_for_band")]
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


def band_severity(name: str | None) -> int:
    """0 normal, 1 large (偏大), 2 大班额, 3 超大班额."""
    return _SEVERITY.get(name or "normal", 0)
