"""Batch evaluation: one row per proposal, broken proposals recorded, cache, Pareto front, ranking, tables, CLI."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.batch import (
    COLUMN_LABELS,
    evaluate_many,
    pareto_mask,
    random_proposals,
    rank,
    write_random_proposals,
    write_table,
)
from layout.batch.rows import METRIC_COLUMNS
from layout.plan import Close, Plan, read_proposal
from tests.test_evaluate_fixtures import random_county

BROKEN = """name: 坏方案
actions:
  - close: S0
  - merge: {from: NOPE, into: S1}
"""


@pytest.fixture(scope="module")
def county():
    return random_county(11, n_villages=16, n_schools=6)


@pytest.fixture(scope="module")
def proposals_dir(county, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proposals")
    write_random_proposals(county, folder, 4, seed=2)
    (folder / "zz_broken.yaml").write_text(BROKEN, encoding="utf-8")
    return folder


# ---- Pareto and ranking: known answers and properties ----------------------------------------------------------
def test_pareto_known_answer():
    t = pd.DataFrame({"cost": [1.0, 2.0, 3.0, 1.0, np.nan], "minutes": [9.0, 5.0, 9.0, 9.0, 1.0]})
    # row 2 is dominated by 0; rows 0 and 3 tie (both kept); NaN counts as worst, yet row 4 is best on minutes
    assert pareto_mask(t, ["cost", "minutes"]).tolist() == [True, True, False, True, True]
    # maximising: the largest share wins
    s = pd.DataFrame({"share": [0.2, 0.9, 0.5]})
    assert pareto_mask(s, ["-share"]).tolist() == [False, True, False]
    # ineligible rows neither win nor dominate
    assert pareto_mask(t, ["cost", "minutes"], eligible=pd.Series([False, True, True, True, True])).tolist() == \
        [False, True, False, True, True]
    with pytest.raises(KeyError, match="no_such"):
        pareto_mask(t, ["no_such"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=12))
def test_pareto_is_the_nondominated_set(points):
    t = pd.DataFrame(points, columns=["a", "b", "c"])
    mask = pareto_mask(t, ["a", "b", "c"])

    def dominates(p, q):
        return all(x <= y for x, y in zip(p, q, strict=True)) and any(x < y for x, y in zip(p, q, strict=True))

    for i, p in enumerate(points):
        dominated = any(dominates(q, p) for q in points)
        assert mask.iloc[i] == (not dominated)
    assert mask.any()   # a finite non-empty set always has a non-dominated point


def test_rank_puts_admissible_first_and_skips_errors():
    t = pd.DataFrame({"proposal": ["A", "B", "C", "D"], "annual_cost": [1.0, 2.0, 0.5, 0.1],
                      "capital_cost": [0, 0, 0, 0], "mean_minutes": [10, 10, 10, 10],
                      "violations_hard": [0, 0, 3, 0], "students_unserved": [0, 0, 0, 0]})
    ok = pd.Series([True, True, True, False])
    r = rank(t, "cost", ok=ok)
    # C is cheapest but breaks hard rules: after A and B; D failed: no rank
    assert r.tolist()[:3] == [1, 2, 3] and pd.isna(r.iloc[3])
    assert rank(t, ["-annual_cost"], ok=ok).tolist()[:3] == [2, 1, 3]
    with pytest.raises(ValueError, match="unknown goal"):
        rank(t, "cheapest")


# ---- random proposals ----------------------------------------------------------------------------------------
def test_random_proposals_are_valid_and_reproducible(county, tmp_path):
    plans = random_proposals(county, 5, seed=3)
    again = random_proposals(county, 5, seed=3)
    assert [p.actions for p in plans] == [p.actions for p in again]
    assert all(len(p.actions) >= 1 for p in plans)
    paths = write_random_proposals(county, tmp_path, 5, seed=3)
    for plan, path in zip(plans, paths, strict=True):
        back = read_proposal(path, county)
        assert back.actions == plan.actions
        assert list(back.closed_schools) == list(plan.closed_schools)


# ---- evaluate_many with the real evaluation -------------------------------------------------------------------
def test_batch_records_broken_proposal_and_goes_on(county, proposals_dir):
    res = evaluate_many(county, proposals_dir, n_jobs=1, progress=False)
    t = res.table
    assert len(t) == 5
    assert list(t["file"].map(lambda p: p.rsplit("/", 1)[-1])) == sorted(p.name for p in proposals_dir.iterdir())
    bad = t[t["status"] != "ok"]
    assert len(bad) == 1 and bad.iloc[0]["status"] == "invalid"
    assert "NOPE" in bad.iloc[0]["error"] and "zz_broken.yaml" in bad.iloc[0]["error"]
    assert not bad.iloc[0]["pareto"] and pd.isna(bad.iloc[0]["rank"])
    good = t[t["status"] == "ok"]
    assert good["students_conserved"].all()
    assert (good["students_assigned"] + good["students_unserved"] == good["students_total"]).all()
    assert good["pareto"].any()
    assert sorted(good["rank"].tolist()) == [1, 2, 3, 4]
    assert set(METRIC_COLUMNS) <= set(t.columns)


def test_one_job_by_default_as_in_scikit_learn(county, proposals_dir, caplog):
    import logging

    from layout.batch.local_backend import default_processes, resolve_jobs

    plans = random_proposals(county, 2, seed=4)
    with caplog.at_level(logging.DEBUG, logger="layout.batch"):
        res = evaluate_many(county, plans, progress=False)
    assert res.backend == "inline"                           # no worker processes unless asked
    assert "2 proposals, 0 from the cache, 2 to evaluate (inline)" in caplog.text
    assert sum("proposal " in r.getMessage() and " ok in " in r.getMessage() for r in caplog.records) == 2
    # the former name still works, and wins when both are given
    assert evaluate_many(county, plans, n_jobs=2, processes=1, progress=False).backend == "inline"
    assert resolve_jobs(None) == resolve_jobs(1) == 1 and resolve_jobs(4) == 4
    assert resolve_jobs(-1) == default_processes() and resolve_jobs(-2) == max(1, default_processes() - 1)
    with pytest.raises(ValueError, match="n_jobs=0"):
        evaluate_many(county, plans, n_jobs=0, progress=False)


def test_progress_false_prints_nothing(county, capsys):
    evaluate_many(county, random_proposals(county, 2, seed=5), progress=False)
    assert capsys.readouterr().err == ""
    evaluate_many(county, random_proposals(county, 2, seed=5))
    assert "2/2" in capsys.readouterr().err


def test_batch_row_matches_a_single_evaluation(county):
    from layout.evaluate import evaluate

    plan = Plan.status_quo(county).apply(Close("S0")).renamed("close S0")
    res = evaluate_many(county, [plan], n_jobs=1, progress=False)
    ev = evaluate(county, plan)
    row = res.table.iloc[0]
    m = ev.summary_metrics()
    for col in ("schools_open", "students_unserved", "boarders", "annual_cost", "capital_cost", "violations_hard",
                "g1_3_p90_minutes", "g7_9_max_minutes", "g1_3_within_30min"):
        assert row[col] == pytest.approx(m[col], nan_ok=True), col
    assert row["mean_minutes"] == pytest.approx(ev.by_band["all"]["mean_minutes"])
    assert row["balance_pass"] == (m["balance_primary_pass"] and m["balance_middle_pass"])
    assert row["proposal"] == "close S0" and row["pareto"] and row["rank"] == 1


# ---- cache and failures, with an injected evaluation function ------------------------------------------------
class Counting:
    """Wraps the real evaluation, counting calls and failing on demand for named plans."""

    def __init__(self, fail: tuple[str, ...] = ()):
        self.calls: list[str] = []
        self.fail = fail

    def __call__(self, county, plan, travel=None, standards=None, year=0):
        from layout.evaluate import evaluate

        self.calls.append(plan.name)
        if plan.name in self.fail:
            raise RuntimeError(f"solver crashed on {plan.name}")
        return evaluate(county, plan, travel=travel, standards=standards, year=year)


def test_cache_skips_finished_proposals(county, proposals_dir, tmp_path):
    folder = tmp_path / "props"
    folder.mkdir()
    for p in proposals_dir.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    fn = Counting()
    first = evaluate_many(county, folder, n_jobs=1, progress=False, cache_dir=tmp_path / "c", evaluate_fn=fn)
    assert len(fn.calls) == 4 and first.cached == 0      # the broken file never reaches evaluation
    fn.calls.clear()
    second = evaluate_many(county, folder, n_jobs=1, progress=False, cache_dir=tmp_path / "c", evaluate_fn=fn)
    assert fn.calls == [] and second.cached == 5
    pd.testing.assert_frame_equal(first.table, second.table, check_dtype=False)
    # editing one proposal re-evaluates that one only
    target = sorted(folder.glob("random_*.yaml"))[0]
    target.write_text(target.read_text(encoding="utf-8").replace("random 01", "random 01 edited"), encoding="utf-8")
    third = evaluate_many(county, folder, n_jobs=1, progress=False, cache_dir=tmp_path / "c", evaluate_fn=fn)
    assert fn.calls == ["random 01 edited"] and third.cached == 4
    # another year is another result
    fn.calls.clear()
    evaluate_many(county, folder, n_jobs=1, progress=False, cache_dir=tmp_path / "c", evaluate_fn=fn, year=2)
    assert len(fn.calls) == 4


def test_failed_evaluation_is_recorded_and_not_cached(county, tmp_path):
    plans = random_proposals(county, 3, seed=5)
    fn = Counting(fail=("random 02",))
    res = evaluate_many(county, plans, n_jobs=1, progress=False, cache_dir=tmp_path, evaluate_fn=fn)
    t = res.table
    assert t["status"].tolist() == ["ok", "failed", "ok"]
    assert t.loc[1, "error"] == "RuntimeError: solver crashed on random 02"
    fn.calls.clear()
    evaluate_many(county, plans, n_jobs=1, progress=False, cache_dir=tmp_path, evaluate_fn=fn)
    assert fn.calls == ["random 02"]      # only the failure is tried again


def test_changed_county_is_not_served_from_cache(county, tmp_path):
    plans = random_proposals(county, 2, seed=1)
    fn = Counting()
    evaluate_many(county, plans, n_jobs=1, progress=False, cache_dir=tmp_path, evaluate_fn=fn)
    v = county.villages.copy()
    v.loc[v.index[0], "g1_3"] = int(v.loc[v.index[0], "g1_3"]) + 7
    fn.calls.clear()
    res = evaluate_many(county.with_changes(villages=v), plans, n_jobs=1, progress=False, cache_dir=tmp_path,
                        evaluate_fn=fn)
    assert len(fn.calls) == 2 and res.cached == 0
    assert res.table["students_conserved"].all()    # the 7 more children are on no roll: counted, not lost


# ---- tables ---------------------------------------------------------------------------------------------------
def test_tables_round_trip_with_chinese_headers(county, proposals_dir, tmp_path):
    res = evaluate_many(county, proposals_dir, n_jobs=1, progress=False)
    csv = write_table(res, tmp_path / "r.csv", lang="zh")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")           # BOM: Excel/WPS read Chinese
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(back.columns[:4]) == ["县", "方案", "方案文件", "状态"]
    assert back["帕累托最优"].tolist() == res.table["pareto"].tolist()
    xlsx = res.to_file(tmp_path / "r.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"proposals", "errors"}
    assert sheets["proposals"]["proposal"].tolist() == res.table["proposal"].tolist()
    assert "NOPE" in sheets["errors"]["error"].iloc[0]
    assert all(c in COLUMN_LABELS for c in res.table.columns)
    assert not list(tmp_path.glob(".*.tmp"))
    from layout.errors import LayoutInputError

    with pytest.raises(LayoutInputError, match=r"\.xlsx or \.csv"):
        write_table(res, tmp_path / "r.json")


def test_collect_proposals_errors(county, tmp_path):
    from layout.errors import LayoutInputError

    with pytest.raises(LayoutInputError, match="does not exist"):
        evaluate_many(county, tmp_path / "nothing", progress=False)
    with pytest.raises(LayoutInputError, match="no proposal files"):
        evaluate_many(county, tmp_path, progress=False)


def test_every_pair_of_pareto_rows_is_mutually_nondominated(county):
    res = evaluate_many(county, random_proposals(county, 6, seed=9), n_jobs=1, progress=False)
    front = res.pareto
    objs = [c for c in res.objectives]
    for (_, a), (_, b) in itertools.permutations(front.iterrows(), 2):
        va, vb = a[objs].to_numpy(float), b[objs].to_numpy(float)
        assert not ((va <= vb).all() and (va < vb).any())


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_random_proposals_valid_on_random_counties(county_seed, seed):
    from layout.plan import proposal_from_dict, proposal_to_dict

    c = random_county(county_seed, n_villages=8, n_schools=int(3 + county_seed % 5))
    for plan in random_proposals(c, 3, seed=seed):
        again = proposal_from_dict(proposal_to_dict(plan), c)     # raises if any action does not fit the county
        assert again.actions == plan.actions
        closed = set(plan.closed_schools)
        assert closed <= set(c.schools.index) and len(plan.open_schools) >= 1


def test_ranking_puts_proposals_that_add_breaches_last_even_when_none_is_clean():
    import pandas as pd

    from layout.batch.ranking import rank

    t = pd.DataFrame({"proposal": ["adds_breaches", "keeps_rules", "cheap_but_strands"],
                      "students_unserved": [607, 405, 500], "violations_hard": [68, 43, 43],
                      "annual_cost": [1.0, 3.0, 0.5], "capital_cost": [0, 0, 0], "mean_minutes": [10, 12, 9],
                      "balance_pass": [False, False, False]})
    assert rank(t, "cost").tolist() == [3, 1, 2]
