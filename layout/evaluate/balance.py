"""Balance indicators: 优质均衡 (seven indicators, the 6-of-7 rule, student-weighted CVs) and 基本均衡 (composite CV).

The coefficient of variation is the official student-weighted one (教督〔2017〕6号 calculation note)::

    P  = Σ P_i                    X̄ = Σ B_i / Σ P_i
    S  = sqrt( Σ (P_i / P) · (x_i − X̄)² ),   x_i = B_i / P_i   (× 100 for "per 100 students")
    CV = S / X̄

Students P_i are the pupils the allocation places at each school under the plan; resources B_i are the
school's, after closed schools' resources moved as ``resources_on_closure`` says (teachers and equipment move to
the receiving school by default, buildings stay), and — with ``quality_balance.teachers_follow_posts`` (project
default) — its teachers as the staffing table employs them (:func:`teachers_as_employed`): the balance and the
staffing cost count the same teachers. Primary and middle are evaluated separately; a nine-year
school's resources are split between its parts by weighted students (``nine_year_weights``, 1 : 1.1).
Teaching points under ``exclude_teaching_points_under`` students are left out of the CVs; so are schools
without data for an indicator (listed in ``notes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.county import RESOURCE_COLUMNS
from layout.i18n import Note

__all__ = ["weighted_cv", "unweighted_cv", "resources_after_closures", "teachers_as_employed", "balance_parts",
           "quality_balance", "quality_school_row", "basic_balance",
           "INDICATOR_COLUMNS"]

# Which resource column each indicator divides by students (and whether per 100 students).
INDICATOR_COLUMNS: dict[str, tuple[str, bool]] = {
    "teachers_degree_per100": ("teachers_degree", True),
    "teachers_key_per100": ("teachers_key", True),
    "teachers_pe_art_per100": ("teachers_pe_art", True),
    "floor_teaching_per_student": ("floor_teaching", False),
    "floor_sports_per_student": ("floor_sports", False),
    "equipment_per_student": ("equipment_value", False),
    "multimedia_per100": ("multimedia_rooms", True),
    "computers_per100": ("computers", True),
    "books_per_student": ("books", False),
    "teachers_per_student": ("teachers", False),
    "teachers_degree_per_student": ("teachers_degree", False),
    "teachers_senior_per_student": ("teachers_senior", False),
}
# Which resources move with each switch of ``resources_on_closure``.
MOVES = {
    "teachers_move": ("teachers", "teachers_degree", "teachers_key", "teachers_pe_art", "teachers_senior"),
    "equipment_moves": ("equipment_value", "computers"),
    "books_move": ("books",),
    "buildings_move": ("floor_teaching", "floor_sports", "floor_dorm", "multimedia_rooms"),
}


def weighted_cv(students, resources) -> float:
    """Student-weighted coefficient of variation of resources per student (the official formula).

    Parameters
    ----------
    students : array-like
        P_i, students per school (> 0).
    resources : array-like
        B_i, the resource total per school (already × 100 for "per 100 students" indicators, or not: the CV
        does not depend on the scale).

    Returns
    -------
    float
        NaN when there is no school or no resource at all.

    Example
    -------
    >>> round(weighted_cv([45, 37, 89, 76, 55], [279, 137, 935, 160, 402]), 4)
    0.5153
    """
    p = np.asarray(students, dtype=float)
    b = np.asarray(resources, dtype=float)
    if p.size == 0 or p.sum() <= 0 or b.sum() <= 0:
        return float("nan")
    x = b / p
    mean = b.sum() / p.sum()
    s = np.sqrt(np.sum(p / p.sum() * (x - mean) ** 2))
    return float(s / mean)


def unweighted_cv(students, resources) -> float:
    """Plain CV of the per-student values (population standard deviation over the mean) — for comparison only.

    Example
    -------
    >>> round(unweighted_cv([45, 37, 89, 76, 55], [279, 137, 935, 160, 402]), 4)
    0.4888
    """
    p = np.asarray(students, dtype=float)
    b = np.asarray(resources, dtype=float)
    if p.size == 0:
        return float("nan")
    x = b / p
    return float(x.std() / x.mean()) if x.mean() > 0 else float("nan")


def _receiver(plan, sid: str, schools: dict) -> str | None:
    """Where a closed school's resources go: ``resources_to``, else the nearest open school sharing grades."""
    status, to = schools["status"], schools["resources_to"]
    seen = {sid}
    target = to[sid]
    while isinstance(target, str) and target in status and status[target] != "open" and target not in seen:
        seen.add(target)
        nxt = to[target]
        target = nxt if isinstance(nxt, str) else None
    if isinstance(target, str) and target in status and status[target] == "open":
        return target
    i = schools["pos"][sid]
    lo, hi, x, y, ids, is_open = (schools[k] for k in ("lo", "hi", "x", "y", "ids", "open"))
    ok = is_open & (lo <= hi[i]) & (hi >= lo[i])
    if not ok.any():
        return None
    d = np.where(ok, np.hypot(x - x[i], y - y[i]), np.inf)
    return str(ids[int(np.argmin(d))])


def resources_after_closures(plan, standards) -> tuple[pd.DataFrame, list[dict]]:
    """Resources of open schools after closed schools' resources moved (``resources_on_closure``).

    Returns
    -------
    (DataFrame, list of dict)
        Resource columns for every school of the plan (closed schools keep only what does not move), and one
        record per move: ``from``, ``to``, ``moved`` (columns).
    """
    s = plan.schools
    cols_all = list(RESOURCE_COLUMNS)
    arr = s[cols_all].to_numpy(dtype=float).copy()
    rules = standards.get("resources_on_closure", {})
    cols = [c for key, cs in MOVES.items() if rules.get(key, False) for c in cs]
    ci = np.array([cols_all.index(c) for c in cols], dtype=int)
    closed = s.index[s["status"] == "closed"]
    moves = []
    if cols and len(closed):
        ids = s.index.to_numpy()
        info = {"status": dict(zip(ids, s["status"], strict=True)),
                "resources_to": dict(zip(ids, s["resources_to"], strict=True)),
                "pos": {k: i for i, k in enumerate(ids)}, "ids": ids,
                "lo": s["grade_lo"].to_numpy(int), "hi": s["grade_hi"].to_numpy(int),
                "x": s.geometry.x.to_numpy(), "y": s.geometry.y.to_numpy(),
                "open": (s["status"] == "open").to_numpy()}
        for sid in closed:
            to = _receiver(plan, sid, info)
            if to is None:
                moves.append({"from": sid, "to": None, "moved": []})
                continue
            i, j = info["pos"][sid], info["pos"][to]
            amounts = arr[i, ci]
            known = ~np.isnan(amounts)
            arr[j, ci[known]] = np.nan_to_num(arr[j, ci[known]]) + amounts[known]
            arr[i, ci[known]] = 0.0
            moves.append({"from": sid, "to": to, "moved": [c for c, k in zip(cols, known, strict=True) if k]})
    return pd.DataFrame(arr, index=s.index, columns=cols_all), moves


def teachers_as_employed(resources: pd.DataFrame, staffing: pd.DataFrame, standards) -> pd.DataFrame:
    """The teacher columns of each school as the staffing table employs them
    (``quality_balance.teachers_follow_posts``; unchanged when it is off).

    A school whose pupils a plan moves in or out employs more or fewer teachers
    (:func:`layout.evaluate.staffing.staffing_table`: ``teachers_employed`` against ``teachers_after_moves``). The
    posts it frees leave in its own mix of qualifications (degree, key, PE and art, senior: each scaled by
    employed / after moves); the posts it fills arrive in the county's mix (each qualification per teacher over the
    schools that report it). A qualification a school does not report stays unknown.

    Parameters
    ----------
    resources : DataFrame
        From :func:`resources_after_closures`.
    staffing : DataFrame
        From :func:`layout.evaluate.staffing.staffing_table` (index ``school_id``).
    standards : Standards

    Returns
    -------
    DataFrame
        ``resources`` with its teacher columns replaced.

    Example
    -------
    >>> res, _ = resources_after_closures(plan, county.standards)
    >>> after = teachers_as_employed(res, plan_evaluation.staffing, county.standards)
    >>> receiver = plan_evaluation.staffing["posts_to_fill"].idxmax()
    >>> bool(after.at[receiver, "teachers"] == plan_evaluation.staffing.at[receiver, "teachers_employed"])
    True
    """
    if not standards.get("quality_balance.teachers_follow_posts", False):
        return resources
    out = resources.copy()
    cols = [c for c in MOVES["teachers_move"] if c != "teachers" and c in out.columns]
    after = staffing["teachers_after_moves"].reindex(out.index).to_numpy(float)
    employed = staffing["teachers_employed"].reindex(out.index).to_numpy(float)
    have = np.isfinite(after) & np.isfinite(employed)
    teachers = out["teachers"].to_numpy(float)
    keep = np.where(after > 0, np.minimum(employed, after) / np.where(after > 0, after, 1.0), 0.0)   # share staying
    arrive = np.maximum(employed - after, 0.0)                                                      # posts filled
    for c in cols:
        v = out[c].to_numpy(float)
        known = np.isfinite(v) & np.isfinite(teachers) & (teachers > 0)
        mix = v[known].sum() / teachers[known].sum() if known.any() else 0.0
        new = np.where(have, v * keep + arrive * mix, v)
        out[c] = np.where(np.isfinite(v), new, v)
    out["teachers"] = np.where(have & np.isfinite(teachers), employed, teachers)
    return out


def _stage_parts(plan, schools_table: pd.DataFrame, resources: pd.DataFrame, standards) -> pd.DataFrame:
    """One row per open school and stage with students and the stage's share of resources."""
    s = plan.schools
    w = standards.get("quality_balance.nine_year_weights", {"primary": 1.0, "middle": 1.0})
    ids = s.index[s["status"] == "open"]
    prim = (schools_table.loc[ids, "g1_3"] + schools_table.loc[ids, "g4_6"]).to_numpy(float)
    mid = schools_table.loc[ids, "g7_9"].to_numpy(float)
    wp, wm = prim * float(w["primary"]), mid * float(w["middle"])
    tot = np.where(wp + wm > 0, wp + wm, 1.0)
    res = resources.loc[ids, list(RESOURCE_COLUMNS)].to_numpy(float)
    frames = []
    for stage, n, share in (("primary", prim, wp / tot), ("middle", mid, wm / tot)):
        keep = n > 0
        part = pd.DataFrame(res[keep] * share[keep, None], columns=list(RESOURCE_COLUMNS))
        part.insert(0, "students_school", (prim + mid)[keep].astype(np.int64))
        part.insert(0, "students", n[keep].astype(np.int64))
        part.insert(0, "kind", s.loc[ids, "kind"].to_numpy()[keep])
        part.insert(0, "stage", stage)
        part.insert(0, "school_id", ids.to_numpy()[keep])
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    return out.astype({"school_id": object, "stage": object, "kind": object})


def _included(parts: pd.DataFrame, standards) -> pd.Series:
    cut = standards.get("quality_balance.exclude_teaching_points_under", 0) or 0
    return ~((parts["kind"] == "teaching_point") & (parts["students_school"] < cut))


def _indicator_cv(parts: pd.DataFrame, indicator: str) -> dict:
    col, per100 = INDICATOR_COLUMNS[indicator]
    values = parts[col].to_numpy(float)
    have = ~np.isnan(values)
    b = values[have] * (100.0 if per100 else 1.0)
    p = parts["students"].to_numpy(float)[have]
    cv = weighted_cv(p, b)
    u = unweighted_cv(p, b)
    return {"cv": None if np.isnan(cv) else cv, "cv_unweighted": None if np.isnan(u) else u,
            "county_value": float(b.sum() / p.sum()) if p.sum() > 0 else None,
            "schools": int(have.sum()),
            "schools_without_data": sorted(map(str, parts["school_id"].to_numpy()[~have]))}


def balance_parts(plan, schools_table: pd.DataFrame, standards, staffing: pd.DataFrame | None = None,
                  resources: tuple[pd.DataFrame, list[dict]] | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Per open school and stage: students and resources after closures (shared by both balance evaluations),
    teachers as ``staffing`` employs them when given (:func:`teachers_as_employed`); ``resources`` is
    :func:`resources_after_closures` of the plan, already computed."""
    res, moves = resources if resources is not None else resources_after_closures(plan, standards)
    if staffing is not None:
        res = teachers_as_employed(res, staffing, standards)
    return _stage_parts(plan, schools_table, res, standards), moves


def quality_school_row(r, standards) -> dict:
    """The 6-of-7 rule for one school and stage: the value of every indicator, how many meet the standard and
    whether the school passes (None when an indicator is unknown).

    Parameters
    ----------
    r : namedtuple
        One row of the balance parts (``parts.itertuples(index=False)``, see :func:`balance_parts`).
    standards : Standards

    Returns
    -------
    dict
        ``school_id, stage, students``, one value per indicator, ``indicators_met``, ``passes``.
    """
    qb = standards.get("quality_balance")
    min_met = int(qb["school_pass_min_met"])
    floor = float(qb["school_pass_floor_share"])
    row = {"school_id": r.school_id, "stage": r.stage, "students": r.students}
    met, known, worst_share = 0, 0, np.inf
    for name, spec in qb["indicators"].items():
        col, per100 = INDICATOR_COLUMNS[name]
        v = getattr(r, col)
        value = None if pd.isna(v) else float(v) / r.students * (100.0 if per100 else 1.0)
        row[name] = value
        if value is None:
            continue
        known += 1
        standard = float(spec[r.stage])
        if value >= standard:
            met += 1
        else:
            worst_share = min(worst_share, value / standard if standard else np.inf)
    n_ind = len(qb["indicators"])
    row["indicators_met"] = met
    if known < n_ind:
        row["passes"] = None
    else:
        row["passes"] = bool(met >= min_met and (met == n_ind or worst_share >= floor))
    return row


def quality_balance(plan, schools_table: pd.DataFrame, standards, parts=None, *,
                    school_rows: list[dict] | None = None) -> dict:
    """优质均衡: per-school 6-of-7 rule and per-indicator student-weighted CVs, for primary and middle.

    Parameters
    ----------
    plan : Plan
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table` (pupils per band under the plan).
    standards : Standards
    parts : tuple, optional
        :func:`balance_parts` already computed.
    school_rows : list of dict, optional
        :func:`quality_school_row` of every parts row, in order, already computed.

    Returns
    -------
    dict
        ``{"primary": {...}, "middle": {...}, "schools": DataFrame, "moves": [...], "notes": [...]}``; each stage
        has ``indicators`` (per indicator ``zh``, ``standard``, ``cv``, ``cv_unweighted``, ``limit``, ``pass``,
        ``county_value``, ``schools``), ``mean_cv``, ``pass`` (every indicator's CV within the limit),
        ``schools_evaluated`` and ``schools_passing`` (6-of-7 rule).
    """
    qb = standards.get("quality_balance")
    parts, moves = parts if parts is not None else balance_parts(plan, schools_table, standards)
    inc = _included(parts, standards)
    notes = []
    if (~inc).any():
        notes.append(Note("note.teaching_points_left_out", n=int((~inc).sum()),
                          under=qb["exclude_teaching_points_under"]))
    if school_rows is None:
        school_rows = [quality_school_row(r, standards) for r in parts.itertuples(index=False)]
    schools = pd.DataFrame(school_rows)
    out: dict = {"schools": schools, "moves": moves, "notes": notes}
    for stage in ("primary", "middle"):
        sp = parts[inc & (parts["stage"] == stage)]
        inds = {}
        for name, spec in qb["indicators"].items():
            d = _indicator_cv(sp, name)
            limit = float(qb["cv_limit"][stage])
            d.update(zh=spec["zh"], standard=float(spec[stage]), limit=limit,
                     **{"pass": None if d["cv"] is None else bool(d["cv"] <= limit)})
            inds[name] = d
        cvs = [d["cv"] for d in inds.values() if d["cv"] is not None]
        st = schools[schools["stage"] == stage] if len(schools) else schools
        out[stage] = {
            "indicators": inds,
            "mean_cv": float(np.mean(cvs)) if cvs else None,
            # Pass/fail only when every indicator could be computed: a partial pass would mislead.
            "pass": None if len(cvs) < len(inds) else bool(all(d["pass"] for d in inds.values())),
            "indicators_with_data": len(cvs),
            "schools_evaluated": int(len(st)),
            "schools_passing": int((st["passes"] == True).sum()) if len(st) else 0,  # noqa: E712
            "schools_unknown": int(st["passes"].isna().sum()) if len(st) else 0,
        }
    return out


def basic_balance(plan, schools_table: pd.DataFrame, standards, parts=None) -> dict:
    """基本均衡: the eight CVs and their plain mean (composite) against the limit, for primary and middle.

    Returns
    -------
    dict
        ``{"primary": {"indicators": {name: {"zh", "cv"}}, "composite_cv", "limit", "pass"}, "middle": ...}``.
    """
    bb = standards.get("basic_balance")
    parts, _ = parts if parts is not None else balance_parts(plan, schools_table, standards)
    parts = parts[_included(parts, standards)]
    out = {}
    for stage in ("primary", "middle"):
        sp = parts[parts["stage"] == stage]
        inds = {name: {"zh": spec["zh"], "cv": _indicator_cv(sp, name)["cv"]} for name, spec in bb["indicators"].items()}
        cvs = [d["cv"] for d in inds.values() if d["cv"] is not None]
        limit = float(bb["composite_cv_limit"][stage])
        composite = float(np.mean(cvs)) if len(cvs) == len(inds) else None
        out[stage] = {"indicators": inds, "composite_cv": composite, "limit": limit,
                      "pass": None if composite is None else bool(composite <= limit),
                      "indicators_with_data": len(cvs)}
    return out
