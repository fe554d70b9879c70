"""Teacher posts (教职工编制): what each school needs under the staffing norms, what it has, and what a plan changes.

Posts a school needs (``staffing`` in the standards):

* the unified urban–rural norm of 中央编办发〔2014〕72号 — one post per ``pupils_per_post`` pupils (19 primary,
  13.5 middle), a nine-year school's two parts each by their own ratio;
* for village small schools and teaching points (under ``school_size.small_school`` pupils) the combined rule of
  国办发〔2018〕27号 — the larger of the pupil-based posts and ``posts_per_class_small_school`` posts per class, and
  at least ``min_posts`` (a floor per teaching point / small primary);
* plus boarding life staff, one post per ``boarders_per_life_post`` boarders.

Posts are whole: each school's need is rounded up.

A plan keeps every school's staffing as it is today except what it changes. Closed schools' teachers are
redeployed to the receiving school (``resources_on_closure``; the same moves as the balance indicators). A school
open under the plan then employs ``teachers today + (posts needed after − posts needed today)``: its own surplus
or shortage against the norm stays as it is, and only the posts the plan adds or removes change. A new school is
staffed to the norm. Where a school has more teachers after redeployment than it will employ, the difference is
**posts freed** — by not refilling posts as teachers retire or transfer (``attrition_share_per_year``), never by
dismissal; where it has fewer, **posts to fill**. The annual staffing cost is the teachers employed × the salary
of a post (``salary_per_post_yuan``, a county figure).

Schools without teacher data are taken as staffed exactly to the norm today (and said so in ``notes``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from layout.i18n import Note

__all__ = ["posts_needed", "posts_needed_now", "posts_needed_after", "staffing_table", "STAFFING_COLUMNS"]

STAFFING_COLUMNS = ["teachers_now", "posts_needed_now", "surplus_now", "teachers_after_moves", "posts_needed",
                    "teachers_employed", "posts_freed", "posts_to_fill", "staffing_cost"]


def posts_needed(kind: str, primary_pupils: float, middle_pupils: float, classes: float, boarders: float,
                 standards) -> int:
    """Teacher posts a school needs under the norms (whole posts).

    Parameters
    ----------
    kind : str
        School kind (``teaching_point``, ``primary``, ``middle``, ``nine_year``).
    primary_pupils, middle_pupils : float
        Pupils of grades 1–6 and 7–9.
    classes : float
        Classes (teaching groups) the school runs.
    boarders : float
        Boarders (life-staff posts).
    standards : Standards

    Returns
    -------
    int

    Example
    -------
    >>> from layout.standards import load_standards
    >>> s = load_standards()
    >>> posts_needed("primary", 950, 0, 22, 0, s)           # 950 / 19 = 50
    50
    >>> posts_needed("primary", 40, 0, 6, 0, s)             # small school: 6 classes × 1.7 = 10.2 → 11
    11
    >>> posts_needed("teaching_point", 8, 0, 1, 0, s)       # the floor of a teaching point
    2
    """
    st = standards.get("staffing")
    ratio = st["pupils_per_post"]
    pupils = float(primary_pupils) + float(middle_pupils)
    if pupils <= 0:
        return 0
    base = float(primary_pupils) / float(ratio["primary"]) + float(middle_pupils) / float(ratio["middle"])
    posts = base
    if kind in ("teaching_point", "primary") and pupils < standards.small_school:
        per_class = float(st["posts_per_class_small_school"][kind])
        posts = max(base, float(classes) * per_class, float(st["min_posts"][kind]))
    life = float(boarders) / float(st["boarders_per_life_post"]) if boarders > 0 else 0.0
    return int(math.ceil(posts - 1e-9) + math.ceil(life - 1e-9))


def _needs(table: pd.DataFrame, pupils: tuple[str, str, str], classes: str, boarders: str, standards) -> np.ndarray:
    prim = (table[pupils[0]] + table[pupils[1]]).to_numpy(float)
    mid = table[pupils[2]].to_numpy(float)
    return np.array([posts_needed(k, p, m, c, b, standards) for k, p, m, c, b in zip(
        table["kind"], prim, mid, table[classes].to_numpy(float), table[boarders].to_numpy(float), strict=True)],
        dtype=float)


def posts_needed_now(county, schools_table: pd.DataFrame, standards) -> np.ndarray:
    """Posts each school of the table needs today, by the norms (0 for a new school), one per row.

    Each row depends only on its own school, so the rows of some schools can be computed alone.
    """
    t = schools_table
    s0 = county.schools.reindex(t.index)
    today = pd.DataFrame({"kind": s0["kind"].fillna(t["kind"]), "classes_now": s0["classes"].fillna(0)}, index=t.index)
    for b in ("g1_3", "g4_6", "g7_9"):
        lo, hi = standards.bands[b]
        today[b] = sum(s0[f"enrol_{g}"].fillna(0) for g in range(lo, hi + 1))
    today["boarders_now"] = s0["boarders"].fillna(0)
    return _needs(today, ("g1_3", "g4_6", "g7_9"), "classes_now", "boarders_now", standards)


def posts_needed_after(schools_table: pd.DataFrame, standards) -> np.ndarray:
    """Posts each school of the table needs under the plan (its pupils, classes and boarders), one per row
    (closed schools included: :func:`staffing_table` sets theirs to 0)."""
    return _needs(schools_table, ("g1_3", "g4_6", "g7_9"), "classes", "boarders", standards)


def staffing_table(county, plan, schools_table: pd.DataFrame, teachers_after_moves: pd.Series,
                   standards, *, needs: tuple | None = None) -> tuple[pd.DataFrame, dict]:
    """Per school: teachers today, posts needed today and after the plan, teachers employed, freed and to fill.

    Parameters
    ----------
    county : County
        Today's teachers, pupils, classes and boarders (the data).
    plan : Plan
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table` (pupils, classes and boarders under the plan).
    teachers_after_moves : Series
        Teachers of every school of the plan after closed schools' teachers moved (0 at closed schools), from
        :func:`layout.evaluate.balance.resources_after_closures`.
    standards : Standards
    needs : tuple of arrays, optional
        ``(posts_needed_now, posts_needed_after)`` per row of ``schools_table``, already computed
        (:func:`posts_needed_now`, :func:`posts_needed_after`).

    Returns
    -------
    table : DataFrame
        Index ``school_id``; columns :data:`STAFFING_COLUMNS`.
    totals : dict
        County totals of every column, ``salary_per_post``, ``attrition_share_per_year``,
        ``years_to_free`` (years of attrition the freed posts take), ``notes``.
    """
    st = standards.get("staffing")
    salary = float(st["salary_per_post_yuan"])
    t = schools_table
    s0 = county.schools.reindex(t.index)
    if needs is None:
        need_now, need_after = posts_needed_now(county, t, standards), posts_needed_after(t, standards)
    else:
        need_now, need_after = (np.asarray(n, dtype=float) for n in needs)
    is_open = (t["status"] == "open").to_numpy()
    is_new = t["is_new"].astype(bool).to_numpy()
    need_after = np.where(is_open, need_after, 0.0)
    teachers = s0["teachers"].to_numpy(float)
    unknown = ~np.isfinite(teachers) & ~is_new
    teachers_now = np.where(is_new, 0.0, np.where(unknown, need_now, teachers))
    after_moves = teachers_after_moves.reindex(t.index).to_numpy(float)
    after_moves = np.where(np.isfinite(after_moves), after_moves, np.where(is_open, teachers_now, 0.0))
    if unknown.any():   # a school without data moved nothing it was not known to have; count it at the norm
        after_moves = np.where(unknown & is_open, np.maximum(after_moves, need_now), after_moves)
    employed = np.where(is_new, need_after, np.where(is_open, np.maximum(teachers_now + need_after - need_now, 0.0),
                                                     0.0))
    freed = np.maximum(after_moves - employed, 0.0)
    to_fill = np.maximum(employed - after_moves, 0.0)
    table = pd.DataFrame({"teachers_now": teachers_now, "posts_needed_now": need_now,
                          "surplus_now": np.where(is_new, 0.0, teachers_now - need_now),
                          "teachers_after_moves": after_moves, "posts_needed": need_after,
                          "teachers_employed": employed, "posts_freed": freed, "posts_to_fill": to_fill,
                          "staffing_cost": employed * salary}, index=t.index)
    table.index.name = "school_id"
    attr = float(st["attrition_share_per_year"])
    total_now = float(teachers_now.sum())
    freed_total = float(freed.sum())
    notes = []
    if unknown.any():
        notes.append(Note("note.teachers_unknown", n=int(unknown.sum())))
    totals = {c: float(table[c].sum()) for c in STAFFING_COLUMNS}
    totals.update(salary_per_post=salary, attrition_share_per_year=attr,
                  years_to_free=(freed_total / (attr * total_now)) if attr > 0 and total_now > 0 else None,
                  notes=notes)
    return table, totals
