"""The shortcuts a what-if edit takes give what the full computation gives: the split table built in plain Python
equals the pandas group-by it replaced (on random placements), and an allocation's per-school counts for some
schools equal the rows of the full table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.allocate import _splits, allocate
from layout.datasets import make_county
from layout.evaluate import travel_for_plan
from layout.i18n import t
from layout.plan import Close, Plan


def _splits_by_groupby(assignments: pd.DataFrame, unserved: pd.DataFrame) -> pd.DataFrame:
    """The split table as pandas group-bys built it before (the reference)."""
    parts = pd.concat([assignments[["village_id", "band", "school_id", "mode", "children"]],
                       unserved.assign(school_id="unserved", mode="-")[["village_id", "band", "school_id", "mode",
                                                                         "children"]]], ignore_index=True)
    parts = parts.groupby(["village_id", "band", "school_id", "mode"], as_index=False)["children"].sum()
    size = parts.groupby(["village_id", "band"])["children"].transform("size")
    parts = parts[size > 1]
    if parts.empty:
        return None
    label = (parts["school_id"].astype(str) + ":" + parts["children"].astype(str)
             + np.where(parts["mode"] == "-", "", "(" + parts["mode"].astype(str) + ")"))
    words = {lang: [(t("summary.unserved", lang) if sid == "unserved" else sid) + ":" + str(n)
                    + ("" if m == "-" else "(" + t(f"mode.{m}", lang) + ")")
                    for sid, n, m in zip(parts["school_id"].astype(str), parts["children"], parts["mode"], strict=True)]
             for lang in ("en", "zh")}
    g = parts.assign(label=label, label_en=words["en"], label_zh=words["zh"]).groupby(["village_id", "band"], sort=True)
    out = g.agg(children=("children", "sum"), parts=("children", "size"), detail=("label", ", ".join),
                detail_en=("label_en", ", ".join), detail_zh=("label_zh", "、".join)).reset_index()
    out["children"] = out["children"].astype(np.int64)
    out["parts"] = out["parts"].astype(np.int64)
    return out.astype({"village_id": object, "band": object, "detail": object, "detail_en": object,
                       "detail_zh": object})


_row = st.tuples(st.sampled_from(["V1", "V2", "V10", "V3"]), st.sampled_from(["g1_3", "g4_6", "g7_9"]),
                 st.sampled_from(["S1", "S2", "S10", "T9"]), st.sampled_from(["walk", "bus", "board"]),
                 st.integers(1, 40))
_lost = st.tuples(st.sampled_from(["V1", "V2", "V10", "V3"]), st.sampled_from(["g1_3", "g4_6", "g7_9"]),
                  st.integers(1, 40))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(_row, max_size=14), lost=st.lists(_lost, max_size=4))
def test_split_table_equals_the_group_by(rows, lost):
    a = pd.DataFrame(rows, columns=["village_id", "band", "school_id", "mode", "children"]).astype(
        {"village_id": object, "band": object, "school_id": object, "mode": object, "children": np.int64})
    u = pd.DataFrame(lost, columns=["village_id", "band", "children"]).astype(
        {"village_id": object, "band": object, "children": np.int64})
    got, want = _splits(a, u), _splits_by_groupby(a, u)
    if want is None:
        assert got.empty and list(got.columns) == ["village_id", "band", "children", "parts", "detail",
                                                   "detail_en", "detail_zh"]
    else:
        pd.testing.assert_frame_equal(got, want)


def test_counts_of_some_schools_are_rows_of_the_full_table():
    county = make_county(n_villages=40, n_townships=3, seed=4)
    plan = Plan.status_quo(county)
    plan = plan.apply(Close(county.schools["enrolment"].idxmin()))
    alloc = allocate(county, plan, travel_for_plan(county, plan))
    full = alloc.by_school()
    ids = pd.Index(list(full.index[::3][::-1]))
    pd.testing.assert_frame_equal(alloc.by_school(ids=ids), full.loc[ids])
