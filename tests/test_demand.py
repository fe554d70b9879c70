"""Demand projection: current counts, township trend, cohort progression with births, custom methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layout.demand import project_demand
from layout.errors import LayoutInputError
from layout.standards import load_standards
from tests.test_evaluate_fixtures import hand_county

SCHOOLS = [{"id": "S1", "kind": "nine_year", "x": 0, "y": 0}]


def test_year_zero_is_the_villages_own_counts():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 7, "g4_6": 8, "g7_9": 9},
                     {"id": "V2", "x": 1, "y": 0, "g1_3": 1, "g4_6": 0, "g7_9": 2}], SCHOOLS)
    d = project_demand(c, 0)
    assert d.loc["V1"].tolist() == [7, 8, 9] and d.loc["V2"].tolist() == [1, 0, 2]
    assert d.dtypes.eq(np.int64).all() and d.attrs["method"] == "current"


def test_trend_per_township_from_the_standards():
    std = load_standards({"demand": {"trend": {"default_annual_change": -0.10, "by_township": {"T2": 0.0}}}})
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 100, "g4_6": 200, "g7_9": 0, "township": "T1"},
                     {"id": "V2", "x": 1, "y": 0, "g1_3": 100, "g4_6": 50, "g7_9": 10, "township": "T2"}],
                    SCHOOLS, standards=std)
    d = project_demand(c, 2)
    assert d.attrs["method"] == "trend"
    assert d.loc["V1"].tolist() == [81, 162, 0]       # × 0.9²
    assert d.loc["V2"].tolist() == [100, 50, 10]      # T2 flat


def test_trend_rounding_keeps_band_totals():
    villages = [{"id": f"V{i}", "x": i, "y": 0, "g1_3": 3, "g4_6": 3, "g7_9": 3} for i in range(10)]
    d = project_demand(hand_county(villages, SCHOOLS), 1)      # 10 × 3 × 0.97 = 29.1 → 29
    assert d["g1_3"].sum() == 29 and set(d["g1_3"]) <= {2, 3}


def test_cohort_progression_with_births():
    grades = {f"grade_{g}": 10 * g for g in range(1, 10)}          # grade g has 10 g children
    village = {"id": "V1", "x": 0, "y": 0, "g1_3": 60, "g4_6": 150, "g7_9": 240, **grades,
               "births_2023": 7, "births_2024": 5, "births_2025": 3}
    c = hand_county([village], SCHOOLS)
    d = project_demand(c, 2)
    assert d.attrs["method"] == "cohort"
    # base school year 2026 (births up to last year); in 2 years grade 1 = born 2022 (missing: trend from
    # grade_1 = 10 × 0.97² ≈ 9.41), grade 2 = born 2021 (missing: 10 × 0.97 = 9.7), grade 3 = today's grade 1 = 10.
    # g4_6 = grades 2, 3, 4 today = 20 + 30 + 40; g7_9 = grades 5, 6, 7 = 50 + 60 + 70.
    assert d.loc["V1", "g4_6"] == 90 and d.loc["V1", "g7_9"] == 180
    assert d.loc["V1", "g1_3"] == round(10 * 0.97 ** 2 + 10 * 0.97 + 10)


def test_births_enter_as_grade_one():
    std = load_standards({"demand": {"entry_age": 2}})
    grades = {f"grade_{g}": 10 for g in range(1, 10)}
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 30, "g4_6": 30, "g7_9": 30, **grades,
                      "births_2024": 4, "births_2025": 6}], SCHOOLS, standards=std)
    # base 2026, entry age 2: grade 1 in 2027 (year +1) are born 2025 → 6 children; in 2028 born 2026 (not
    # recorded) → today's grade 1 × 0.97², and the 2027 entrants are in grade 2.
    assert project_demand(c, 1).loc["V1", "g1_3"] == 6 + 10 + 10
    assert project_demand(c, 2).loc["V1", "g1_3"] == round(10 * 0.97 ** 2 + 6 + 10)


def test_custom_method_replaces_the_projection():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 7, "g4_6": 8, "g7_9": 9}], SCHOOLS)

    def double(county, years):
        return county.villages[["g1_3", "g4_6", "g7_9"]] * 2

    d = project_demand(c, 3, method=double)
    assert d.loc["V1"].tolist() == [14, 16, 18] and d.attrs["method"] == "double"


@pytest.mark.parametrize("bad", [
    lambda county, years: pd.DataFrame({"g1_3": [1.5], "g4_6": [1], "g7_9": [1]}, index=["V1"]),
    lambda county, years: pd.DataFrame({"g1_3": [-1], "g4_6": [1], "g7_9": [1]}, index=["V1"]),
    lambda county, years: pd.DataFrame({"g1_3": [1], "g4_6": [1], "g7_9": [1]}, index=["OTHER"]),
    lambda county, years: pd.DataFrame({"g1_3": [1]}, index=["V1"]),
])
def test_custom_method_output_is_checked(bad):
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 7, "g4_6": 8, "g7_9": 9}], SCHOOLS)
    with pytest.raises(LayoutInputError):
        project_demand(c, 1, method=bad)


def test_negative_years_and_unknown_method_are_refused():
    c = hand_county([{"id": "V1", "x": 0, "y": 0, "g1_3": 7, "g4_6": 8, "g7_9": 9}], SCHOOLS)
    with pytest.raises(LayoutInputError, match="0 or more"):
        project_demand(c, -1)
    with pytest.raises(LayoutInputError, match="unknown projection"):
        project_demand(c, 1, method="magic")
    with pytest.raises(LayoutInputError, match="single grades"):
        project_demand(c, 1, method="cohort")
