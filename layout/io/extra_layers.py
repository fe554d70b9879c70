"""The optional table layers of a county folder: ``attendance.*`` (who goes where today) and ``candidates.*``
(sites offered for new schools).

Both are checked cell by cell like the other layers: every problem names the file, the row as a planner sees
it, the column, the value and a fix, and all of them are reported together.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.county import ATTENDANCE_COLUMNS, NO_HOME, TRAVEL_MODES
from layout.errors import ProblemCollector
from layout.io.bounds import count_max
from layout.io.tables import RawTable
from layout.io.validate import canonical_columns, to_amount, to_count, to_kind, to_text
from layout.schema import BANDS, SCHEMA
from layout.standards import Standards

__all__ = ["read_attendance", "read_candidates", "MODE_ALIASES", "BAND_ALIASES"]

MODE_ALIASES = {
    "walk": "walk", "walking": "walk", "foot": "walk", "on foot": "walk", "步行": "walk", "走读": "walk",
    "bus": "bus", "school bus": "bus", "校车": "bus", "乘校车": "bus", "乘车": "bus",
    "board": "board", "boarding": "board", "boarder": "board", "寄宿": "board", "住校": "board", "住宿": "board",
}
BAND_ALIASES = {
    "g1_3": "g1_3", "1-3": "g1_3", "1-3年级": "g1_3", "一至三年级": "g1_3", "低年级": "g1_3",
    "g4_6": "g4_6", "4-6": "g4_6", "4-6年级": "g4_6", "四至六年级": "g4_6", "高年级": "g4_6",
    "g7_9": "g7_9", "7-9": "g7_9", "7-9年级": "g7_9", "七至九年级": "g7_9", "初中": "g7_9",
}
_NO_HOME_WORDS = {"", "外县", "县外", "outside", "none", "无", "随迁"}
_SPLIT = re.compile(r"[|、,，;；/\s]+")


def _layer(raw: RawTable, layer: str, mapping: dict[str, str] | None, problems: ProblemCollector) -> pd.DataFrame:
    frame = raw.frame.drop(columns="geometry", errors="ignore") if raw.is_vector else raw.frame
    frame = canonical_columns(pd.DataFrame(frame), layer, raw.path.name, problems, mapping)
    for f in SCHEMA[layer].values():
        if f.required and f.name not in frame.columns:
            problems.add(raw.path.name, f"missing required column {f.name!r}", column=f.name,
                         fix=f"add a column {f.name!r} (also accepted: {', '.join(f.aliases[:6])})")
    return frame


def read_attendance(raw: RawTable, villages: pd.Index, schools: pd.DataFrame, std: Standards,
                    mapping: dict[str, str] | None, problems: ProblemCollector) -> pd.DataFrame:
    """Read and check ``attendance.*``: one row per home village, school, grade (or band) and mode.

    Parameters
    ----------
    raw : RawTable
        The loaded file.
    villages : Index
        Village ids of the county (home villages must be among them, or blank for pupils from outside).
    schools : DataFrame
        The schools layer (ids, ``grade_lo``/``grade_hi``): a row's grade must be one its school teaches.
    std : Standards
        Grade bands and the travel rule of each band (a mode it does not allow is an error).
    mapping : dict, optional
        ``columns: {attendance: ...}`` of county.yaml.
    problems : ProblemCollector

    Returns
    -------
    DataFrame
        Columns :data:`layout.county.ATTENDANCE_COLUMNS`, rows with the same village, school, grade, band and
        mode summed; ``mode`` is ``""`` where the file leaves it blank (inferred later).
    """
    file, rows = raw.path.name, raw.rows
    frame = _layer(raw, "attendance", mapping, problems)
    n = len(frame)
    if "children" not in frame or "school_id" not in frame:
        return pd.DataFrame(columns=list(ATTENDANCE_COLUMNS))
    vid = (to_text(frame["village_id"], "village_id", rows, file, problems, required=False) if "village_id" in frame
           else pd.Series([NO_HOME] * n, index=frame.index, dtype=object))
    sid = to_text(frame["school_id"], "school_id", rows, file, problems, required=True)
    kids = to_count(frame["children"], "children", rows, file, problems, default=None)
    grade = (to_count(frame["grade"], "grade", rows, file, problems, default=0) if "grade" in frame
             else pd.Series(0.0, index=frame.index))
    band_raw = frame["band"] if "band" in frame else pd.Series([""] * n, index=frame.index)
    mode_raw = frame["mode"] if "mode" in frame else pd.Series([""] * n, index=frame.index)
    if "grade" not in frame and "band" not in frame:
        problems.add(file, "neither grade nor band is given", column="grade",
                     fix="add a column grade (年级, 1-9) or band (学段: g1_3, g4_6, g7_9)")
    known_v = set(villages.astype(str))
    lo = schools["grade_lo"].astype(int)
    hi = schools["grade_hi"].astype(int)
    out_v, out_b, out_m = [], [], []
    for row, v, s, g, b, m in zip(rows, vid, sid, grade, band_raw, mode_raw, strict=True):
        v = "" if str(v).strip().lower() in _NO_HOME_WORDS else str(v).strip()
        if v and v not in known_v:
            near = [k for k in sorted(known_v) if v.lower() in k.lower()][:3]
            problems.add(file, "unknown village", row=row, column="village_id", value=v,
                         fix="use a village_id of the villages file, or leave it blank for pupils from outside "
                             "the county" + (f" (similar: {', '.join(near)})" if near else ""))
        if s and s not in schools.index:
            problems.add(file, "unknown school", row=row, column="school_id", value=s,
                         fix="use a school_id of the schools file")
        band = None
        g = int(g) if np.isfinite(g) else 0
        if g:
            if not 1 <= g <= 9:
                problems.add(file, "grade must be 1-9", row=row, column="grade", value=g, fix="give the grade 1-9")
            else:
                band = std.band_of_grade(g)
                if s in schools.index and not (lo[s] <= g <= hi[s]):
                    problems.add(file, f"school {s} does not teach grade {g} (it teaches {lo[s]}-{hi[s]})", row=row,
                                 column="grade", value=g, fix="correct the grade or the school")
        text_b = str(b).strip()
        if text_b and text_b.lower() not in ("nan", "none"):
            given = BAND_ALIASES.get(text_b.lower().replace(" ", ""))
            if given is None:
                problems.add(file, "unknown band", row=row, column="band", value=text_b,
                             fix="use g1_3, g4_6 or g7_9 (1-3年级, 4-6年级, 7-9年级)")
            elif band is not None and given != band:
                problems.add(file, f"grade {g} is not in band {given}", row=row, column="band", value=text_b,
                             fix="correct the grade or the band, or give only one of them")
            band = band or given
        if band is None and g == 0 and (text_b == "" or text_b.lower() in ("nan", "none")) and "grade" in frame:
            problems.add(file, "grade is missing", row=row, column="grade", fix="give the grade 1-9 (or its band)")
        if band is not None and s in schools.index:
            blo, bhi = std.bands[band]
            if not g and not (lo[s] <= blo and hi[s] >= bhi):
                problems.add(file, f"school {s} does not teach {band} (it teaches {lo[s]}-{hi[s]})", row=row,
                             column="band", value=band, fix="correct the band or the school")
        text_m = str(m).strip().lower()
        mode = "" if text_m in ("", "nan", "none") else MODE_ALIASES.get(text_m)
        if mode is None:
            problems.add(file, "unknown mode", row=row, column="mode", value=str(m),
                         fix="use walk, bus or board (步行, 校车, 寄宿), or leave it blank")
            mode = ""
        if band is not None and mode in ("bus", "board"):
            rule = std.travel_rule(band)
            if mode == "bus" and not rule.may_bus:
                problems.add(file, f"{band} may not ride a school bus under the standards", row=row, column="mode",
                             value=mode, fix="correct the mode, or allow buses in the standards (travel.may_bus)")
            if mode == "board" and not rule.may_board:
                problems.add(file, f"{band} may not board under the standards (grades 1-3 are day pupils)",
                             row=row, column="mode", value=mode, fix="correct the mode or the grade")
        out_v.append(v)
        out_b.append(band or "")
        out_m.append(mode)
    table = pd.DataFrame({"village_id": pd.Series(out_v, dtype=object), "school_id": sid.astype(object).to_numpy(),
                          "grade": grade.fillna(0).astype(int).to_numpy(), "band": pd.Series(out_b, dtype=object),
                          "mode": pd.Series(out_m, dtype=object),
                          "children": kids.fillna(0).astype(np.int64).to_numpy()})
    table = table[table["children"] > 0]
    return (table.groupby(["village_id", "school_id", "grade", "band", "mode"], as_index=False, sort=True)["children"]
            .sum()[list(ATTENDANCE_COLUMNS)])


def _seat_options(value: object) -> tuple[int, ...] | None:
    text = "|".join(map(str, value)) if isinstance(value, list | tuple) else str(value)   # a County's seat_options
    parts = [p for p in _SPLIT.split(text.strip()) if p]
    try:
        opts = tuple(sorted({int(float(p)) for p in parts}))
    except (ValueError, OverflowError):
        return None
    return (opts if opts and all(0 < o <= count_max("seats") for o in opts) and all(float(p).is_integer() for p in parts)
            else None)


def read_candidates(raw: RawTable, geometry: gpd.GeoSeries, mapping: dict[str, str] | None,
                    problems: ProblemCollector) -> gpd.GeoDataFrame:
    """Read and check ``candidates.*``: sites a planner offers for new schools.

    Returns
    -------
    GeoDataFrame
        Indexed by ``candidate_id``: ``name``, ``township``, ``kind``, ``seat_options`` (tuple of int, ascending),
        ``beds`` (int), ``capital_yuan`` (float, NaN: the standards' default), ``note``; geometry as given.
    """
    file, rows = raw.path.name, raw.rows
    frame = _layer(raw, "candidates", mapping, problems)
    n = len(frame)

    def text(col: str, required: bool = False) -> pd.Series:
        return (to_text(frame[col], col, rows, file, problems, required=required) if col in frame
                else pd.Series([""] * n, index=frame.index, dtype=object))

    ids = text("candidate_id", True)
    seen: dict[str, int] = {}
    for row, v in zip(rows, ids, strict=True):
        if v in seen:
            problems.add(file, f"duplicate candidate_id (first at row {seen[v]})", row=row, column="candidate_id",
                         value=v, fix="give every site its own id")
        seen.setdefault(v, row)
    kind = (to_kind(frame["kind"], "kind", rows, file, problems) if "kind" in frame
            else pd.Series(["middle"] * n, index=frame.index, dtype=object))
    options = []
    for row, v in zip(rows, frame["seats"] if "seats" in frame else [""] * n, strict=True):
        opts = _seat_options(v)
        if opts is None:
            problems.add(file, f"seats must be one or more whole numbers from 1 to {count_max('seats'):,}", row=row,
                         column="seats", value=v,
                         fix="e.g. 900, or several options as 900|1200|1500")
            opts = ()
        options.append(opts)
    beds = (to_count(frame["beds"], "beds", rows, file, problems) if "beds" in frame
            else pd.Series(0.0, index=frame.index))
    capital = (to_amount(frame["capital_yuan"], "capital_yuan", rows, file, problems) if "capital_yuan" in frame
               else pd.Series(np.nan, index=frame.index))
    out = pd.DataFrame({"name": text("name", True).to_numpy(), "township": text("township").to_numpy(),
                        "kind": kind.to_numpy(), "seat_options": pd.Series(options, dtype=object).to_numpy(),
                        "beds": beds.fillna(0).astype(int).to_numpy(), "capital_yuan": capital.to_numpy(),
                        "note": text("note").to_numpy()},
                       index=pd.Index(ids.to_numpy(), name="candidate_id"))
    return gpd.GeoDataFrame(out, geometry=geometry.to_numpy(), crs=geometry.crs)


def check_attendance_totals(table: pd.DataFrame, villages: pd.DataFrame, schools: pd.DataFrame, std: Standards,
                            file: str, schools_file: str, problems: ProblemCollector) -> None:
    """Totals an attendance roll must agree with: each school's pupils by grade (``enrol_*``), its boarders and
    bus riders when the schools file gives them, and no more pupils from a village than it has children.

    Problems name the school or village, the grade and both numbers.
    """
    if table.empty:
        return
    by_grade = table[table["grade"] > 0].groupby(["school_id", "grade"])["children"].sum()
    graded = set(table.loc[table["grade"] > 0, "school_id"])
    for sid in sorted(graded & set(schools.index)):
        for g in range(1, 10):
            want = int(schools.at[sid, f"enrol_{g}"]) if f"enrol_{g}" in schools else 0
            got = int(by_grade.get((sid, g), 0))
            if got != want:
                problems.add(file, f"school {sid}: {got} pupils of grade {g} in the attendance, {want} on its roll "
                             f"({schools_file} enrol_{g})", column="children", value=got,
                             fix="the attendance must list every pupil on the school's roll once: correct one of them")
    by_band = table.groupby(["school_id", "band"])["children"].sum()
    for sid in sorted(set(table["school_id"]) - graded & set(schools.index)):
        for b, (lo, hi) in std.bands.items():
            want = int(sum(int(schools.at[sid, f"enrol_{g}"]) for g in range(lo, hi + 1)))
            got = int(by_band.get((sid, b), 0))
            if got != want:
                problems.add(file, f"school {sid}: {got} pupils of {b} in the attendance, {want} on its roll",
                             column="children", value=got, fix="correct the attendance or the school's enrolment")
    missing = sorted(set(schools.index) - set(table["school_id"]))
    for sid in missing:
        if int(schools.at[sid, "enrolment"]) > 0:
            problems.add(file, f"school {sid} has {int(schools.at[sid, 'enrolment'])} pupils but no attendance rows",
                         column="school_id", value=sid, fix="add its pupils' home villages to the attendance")
    moded = table[table["mode"] != ""]
    for col, mode in (("boarders", "board"), ("bus_riders", "bus")):
        if col not in schools or moded.empty:
            continue
        got = moded[moded["mode"] == mode].groupby("school_id")["children"].sum()
        for sid in sorted(set(moded["school_id"]) & set(schools.index)):
            want = schools.at[sid, col]
            if pd.notna(want) and int(got.get(sid, 0)) != int(want):
                problems.add(file, f"school {sid}: {int(got.get(sid, 0))} pupils with mode {mode} in the attendance, "
                             f"{int(want)} {col} in {schools_file}", column="mode", value=mode,
                             fix=f"correct the modes or the school's {col}")
    homes = table[table["village_id"] != NO_HOME]
    for (vid, band), n in homes.groupby(["village_id", "band"])["children"].sum().items():
        if vid in villages.index and band in villages and int(n) > int(villages.at[vid, band]):
            problems.add(file, f"village {vid}: {int(n)} pupils of {band} in the attendance but the villages file "
                         f"has {int(villages.at[vid, band])} children of {band}", column="children", value=int(n),
                         fix="correct the village's children or the attendance")


assert set(BANDS) == set(BAND_ALIASES.values())
assert set(TRAVEL_MODES) == set(MODE_ALIASES.values())
