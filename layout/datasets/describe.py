"""The figures of a generated county, as a table: what is in it and what a planner should find in it.

:func:`describe` counts what the files hold (schools by kind, middle schools, small schools, 大班额, boarders,
buses, teachers, out-of-county pupils); :func:`findings` adds what takes travel times to see (grade 1–3 pupils
walking beyond the limit today; schools under the closure-pool size whose pupils could or could not reach another
school within the travel rule). :func:`describe_markdown` renders both; the folder README and
``docs/sample_county.md`` carry that table, and a test keeps the docs equal to it.

These are descriptions of the data, computed the plain way (nearest other school by walking or bus minutes);
they are not a plan and no algorithm reads them.

Example
-------
>>> from layout.datasets import make_county
>>> d = describe(make_county(n_villages=40, n_townships=4, seed=1))
>>> d["villages"], d["townships"]
(40, 4)
"""

from __future__ import annotations

import pandas as pd

from layout.county import NO_HOME, County

__all__ = ["describe", "findings", "describe_markdown", "town_schools"]

_KIND_ZH = {"primary": "小学", "teaching_point": "教学点", "middle": "初中", "nine_year": "九年一贯制"}


def town_schools(county: County) -> pd.Series:
    """Whether each school is a county-town school (城关…, in the county town's township)."""
    s = county.schools
    return s["name"].astype(str).str.startswith("城关") & (s["township"] == county.townships["township"].iloc[0])


def describe(county: County) -> dict:
    """Counts a planner checks first, from the county's tables alone.

    Returns
    -------
    dict
        ``villages``, ``townships``, ``population``, ``children`` (by band), ``births`` (first and last year and
        totals), ``schools`` and ``kinds``, ``middle_schools`` (middle + nine-year: town, rural and the rural
        ones' grade 7-9 pupils), ``under_small`` / ``under_pool`` (schools under ``school_size.small_school`` and
        ``closure_pool_under`` pupils), ``oversized_schools`` (average class in a 大班额 band or above),
        ``town_pupils_per_seat``, ``boarders``, ``beds``, ``boarding_schools``, ``short_of_beds``, ``bus_riders``,
        ``bus_schools``, ``teachers``, pupils per teacher in town / small / other schools, ``out_of_county``,
        ``attendance_rows``, ``candidates``, ``roads`` and ``roads_km``.
    """
    v, s, std = county.villages, county.schools, county.standards
    town = town_schools(county)
    mid = s[s["grade_hi"] >= 7]
    rural_mid = mid[~town.loc[mid.index]]
    mid79 = rural_mid[["enrol_7", "enrol_8", "enrol_9"]].sum(axis=1)
    births = sorted(c for c in v.columns if c.startswith("births_"))
    mean_class = s["enrolment"] / s["classes"].where(s["classes"] > 0)
    oversized = mean_class.dropna().map(std.class_band).isin(["oversized", "super_oversized"])
    small = s["enrolment"] < std.small_school
    att = county.attendance
    ts = s[town]
    return {
        "villages": len(v), "townships": len(county.townships), "population": int(v["population"].sum()),
        "children": {b: int(v[b].sum()) for b in std.bands},
        "births": ((births[0][7:], int(v[births[0]].sum())), (births[-1][7:], int(v[births[-1]].sum())))
        if births else None,
        "schools": len(s), "kinds": {k: int(n) for k, n in s["kind"].value_counts().sort_index().items()},
        "town_schools": int(town.sum()),
        "middle_schools": {"all": len(mid), "town": int(town.loc[mid.index].sum()), "rural": len(rural_mid),
                           "rural_g7_9": (int(mid79.min()), int(mid79.max())) if len(rural_mid) else None,
                           "rural_under_300": int((mid79 < 300).sum())},
        "under_small": int(small.sum()), "under_pool": int((s["enrolment"] < std.closure_pool_under).sum()),
        "oversized_schools": int(oversized.sum()),
        "town_pupils_per_seat": round(float(ts["enrolment"].sum() / ts["seats"].sum()), 2) if len(ts) else None,
        "boarders": int(s["boarders"].sum()), "beds": int(s["beds"].sum()),
        "boarding_schools": int((s["boarders"] > 0).sum()), "short_of_beds": int((s["boarders"] > s["beds"]).sum()),
        "bus_riders": int(s["bus_riders"].sum()) if "bus_riders" in s else 0,
        "bus_schools": int((s["bus_riders"] > 0).sum()) if "bus_riders" in s else 0,
        "teachers": int(s["teachers"].sum()),
        "pupils_per_teacher": {
            "town": round(float(ts["enrolment"].sum() / ts["teachers"].sum()), 1) if len(ts) else None,
            "small": round(float(s.loc[small, "enrolment"].sum() / s.loc[small, "teachers"].sum()), 1)
            if small.any() else None,
            "other": round(float(s.loc[~small & ~town, "enrolment"].sum() / s.loc[~small & ~town, "teachers"].sum()),
                           1) if (~small & ~town).any() else None},
        "out_of_county": int(att.loc[att["village_id"] == NO_HOME, "children"].sum()) if att is not None else 0,
        "attendance_rows": 0 if att is None else len(att),
        "candidates": 0 if county.candidates is None else len(county.candidates),
        "roads": 0 if county.roads is None else len(county.roads),
        "roads_km": 0.0 if county.roads is None else round(float(county.roads.length.sum()) / 1000.0, 1),
    }


def findings(county: County) -> dict:
    """What travel times show in today's attendance.

    Returns
    -------
    dict
        ``long_walk_g1_3``: (children, villages) of grades 1–3 walking beyond the walking limit today;
        ``pool``: schools under ``closure_pool_under`` pupils; ``pool_reachable``: of those, the schools every one
        of whose grade 1–3 pupils has another school teaching grades 1–3 within the band's walking or bus limit
        (older pupils may ride longer or board); ``pool_unreachable`` the others (ids), and how many of each the
        bureau marked ``remote``.
    """
    from layout.network import travel

    s, std, att = county.schools, county.standards, county.attendance
    walk = travel(county, "walk").minutes
    bus = travel(county, "bus").minutes
    rule = std.travel_rule("g1_3")
    homes = att[att["village_id"] != NO_HOME]
    w = walk.to_numpy()[walk.index.get_indexer(homes["village_id"]), walk.columns.get_indexer(homes["school_id"])]
    long = homes[(homes["mode"] == "walk") & (homes["band"] == "g1_3") & (w > rule.walk_limit)]
    lo, hi = std.bands["g1_3"]
    serving = s.index[(s["grade_lo"] <= lo) & (s["grade_hi"] >= hi)]
    pool = s.index[s["enrolment"] < std.closure_pool_under]
    reachable, unreachable = [], []
    g13 = homes[homes["band"] == "g1_3"]
    for sid in pool:
        villages = pd.unique(g13.loc[g13["school_id"] == sid, "village_id"])
        others = serving.drop(sid, errors="ignore")
        ok = all(bool((walk.loc[vid, others] <= rule.walk_limit).any()
                      or (rule.may_bus and (bus.loc[vid, others] <= rule.bus_limit).any())) for vid in villages)
        (reachable if ok else unreachable).append(sid)
    remote = s["remote"].astype(bool)
    return {"long_walk_g1_3": (int(long["children"].sum()), int(long["village_id"].nunique())),
            "pool": len(pool), "pool_reachable": len(reachable), "pool_unreachable": unreachable,
            "pool_reachable_remote": int(remote.loc[reachable].sum()),
            "pool_unreachable_remote": int(remote.loc[unreachable].sum())}


def describe_markdown(county: County, with_findings: bool = True) -> str:
    """The figures of :func:`describe` (and :func:`findings`) as a two-column Markdown table."""
    d = describe(county)
    std = county.standards
    kinds = ", ".join(f"{_KIND_ZH.get(k, k)} {n}" for k, n in d["kinds"].items())
    m = d["middle_schools"]
    ppt = d["pupils_per_teacher"]
    rows = [
        ("villages / townships", f"{d['villages']} / {d['townships']}"),
        ("registered population", f"{d['population']:,}"),
        ("children of grades 1–3 / 4–6 / 7–9", " / ".join(f"{n:,}" for n in d["children"].values())),
    ]
    if d["births"]:
        (y0, b0), (y1, b1) = d["births"]
        rows.append((f"births {y0} → {y1} (county)", f"{b0:,} → {b1:,}"))
    rows += [
        ("schools", f"{d['schools']} ({kinds}); {d['town_schools']} in the county town"),
        ("middle schools (初中 + 九年一贯制)",
         f"{m['all']}: {m['town']} in the county town, {m['rural']} rural"
         + (f" with {m['rural_g7_9'][0]}–{m['rural_g7_9'][1]} pupils of grades 7–9 ({m['rural_under_300']} under 300)"
            if m["rural_g7_9"] else "")),
        (f"schools under {std.small_school} / under {std.closure_pool_under} pupils",
         f"{d['under_small']} / {d['under_pool']}"),
        ("schools with 大班额 (average class ≥ 56)", f"{d['oversized_schools']}"
         + (f"; county-town pupils per seat {d['town_pupils_per_seat']:.2f}" if d["town_pupils_per_seat"] else "")),
        ("boarders / beds", f"{d['boarders']:,} / {d['beds']:,} in {d['boarding_schools']} schools; "
                            f"{d['short_of_beds']} with fewer beds than boarders"),
        ("school-bus riders", f"{d['bus_riders']:,} at {d['bus_schools']} schools"),
        ("teachers", f"{d['teachers']:,}; pupils per teacher: county town {ppt['town']}, "
                     f"schools under {std.small_school} {ppt['small']}, others {ppt['other']}"),
        ("out-of-county pupils (no home village, on town rolls)", f"{d['out_of_county']}"),
        ("attendance rows / candidate sites", f"{d['attendance_rows']:,} / {d['candidates']}"),
        ("road lines", f"{d['roads']} ({d['roads_km']} km)"),
    ]
    if with_findings:
        f = findings(county)
        n, nv = f["long_walk_g1_3"]
        rows += [
            ("grades 1–3 walking beyond the limit today", f"{n} children of {nv} villages"),
            (f"schools under {std.closure_pool_under} whose grade 1–3 pupils could reach another school within the "
             "rule / could not", f"{f['pool_reachable']} / {len(f['pool_unreachable'])} (marked remote: "
                                  f"{f['pool_reachable_remote']} / {f['pool_unreachable_remote']})"),
        ]
    out = ["| | |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(out)

