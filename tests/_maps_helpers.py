"""Shared builders for the map/report/browser tests: a small generated county with hostile names, and a plan
that uses every kind of action."""

from __future__ import annotations

import dataclasses
from functools import cache

XSS = "<img src=x onerror=\"document.title='XSS'\">"
XSS_SCHOOL = "`${document.title='XSS2'}`</script><script>document.title='XSS3'</script>"


@cache
def county_and_plan():
    """(county, plan, evaluation, baseline) on a 24-village generated county; village 0 and school 0 carry
    script payloads in their names."""
    from layout.datasets import make_county
    from layout.evaluate import evaluate
    from layout.plan import AddBoarding, Close, Downgrade, Merge, Open, Plan

    county = make_county(n_villages=24, seed=5)
    villages = county.villages.copy()
    villages.iloc[0, villages.columns.get_loc("name")] = XSS
    schools = county.schools.copy()
    schools.iloc[0, schools.columns.get_loc("name")] = XSS_SCHOOL
    county = county.with_changes(villages=villages, schools=schools)
    s = county.schools
    by_size = s.sort_values("enrolment").index
    primaries = s.index[(s["grade_lo"] == 1) & (s["grade_hi"] == 6)]
    boarding_ok = s.index[(s["grade_hi"] >= 6) & (s["beds"] == 0)]
    closed, merged = by_size[0], by_size[1]
    lo, hi = int(s.at[merged, "grade_lo"]), int(s.at[merged, "grade_hi"])
    teaches = s[(s["grade_lo"] <= lo) & (s["grade_hi"] >= hi)].drop(index=[closed, merged], errors="ignore")
    big = teaches["enrolment"].idxmax()
    down = next(i for i in primaries if i not in (closed, merged, big))
    board = next(i for i in boarding_ok if i not in (closed, merged, big, down))
    lonlat = county.schools.to_crs(4326).geometry.loc[big]
    plan = (
        Plan.status_quo(county)
        .apply(Close(closed))
        .apply(Merge(merged, big))
        .apply(Downgrade(down, "1-3"))
        .apply(AddBoarding(board, 60))
        .apply(
            Open(
                id="NEW1",
                name="新城<b>小学</b>",
                kind="primary",
                lon=float(lonlat.x) + 0.01,
                lat=float(lonlat.y) + 0.01,
                seats=300,
            )
        )
    )
    plan = dataclasses.replace(plan, name="方案<script>alert(1)</script>")
    ev = evaluate(county, plan)
    base = evaluate(county, Plan.status_quo(county))
    expected = {closed: "close", merged: "merge", down: "downgrade", board: "boarding", "NEW1": "new"}
    return county, plan, ev, base, expected
