"""`layout plan` end to end on a small county, and the recommendation on the bundled sample county."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from layout.cli import main
from layout.evaluate import evaluate
from layout.io.read import read_county
from layout.plan import read_proposal
from tests.conftest import SAMPLE
from tests.test_recommend import _big_and_two_tiny


def test_plan_command_writes_files_that_read_back(tmp_path, capsys):
    folder = _big_and_two_tiny(remote_school=True).to_folder(tmp_path / "county")
    out = tmp_path / "out"
    code = main(["plan", str(folder), "--out", str(out), "--lang", "en", "--horizon", "2", "--no-report"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "plan.yaml" in printed and "merge" in printed
    for name in ("plan.yaml", "evaluation.json", "evaluation_status_quo.json", "frontier.csv", "frontier.png",
                 "actions.csv", "robustness.csv", "recommendation.json"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*tmp*"))           # atomic writes leave no temporary files
    county = read_county(folder)
    plan = read_proposal(out / "plan.yaml", county)
    ev = evaluate(county, plan)
    written = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert written["students_unserved"] == ev.students_unserved
    assert written["summary"]["schools_open"] == ev.summary_metrics()["schools_open"]
    sq = json.loads((out / "evaluation_status_quo.json").read_text(encoding="utf-8"))
    assert sq["meta"]["plan"] == "status quo"
    assert sq["students_total"] == written["students_total"]
    front = pd.read_csv(out / "frontier.csv")
    assert {"schools_open", "schools_closed", "mean_minutes", "worst_minutes", "annual_cost"} <= set(front.columns)
    actions = pd.read_csv(out / "actions.csv")
    assert actions["reasons_zh"].notna().all() and actions["reasons_en"].notna().all()


def test_plan_command_time_limit_and_no_frontier(tmp_path, capsys):
    """--no-frontier writes the plan without a frontier (and drops an earlier run's frontier pictures);
    --time-limit reaches the solver (the note quotes a solve within it)."""
    folder = _big_and_two_tiny().to_folder(tmp_path / "county")
    out = tmp_path / "out"
    out.mkdir()
    (out / "frontier.png").write_bytes(b"stale")
    code = main(["plan", str(folder), "--out", str(out), "--lang", "en", "--horizon", "0", "--no-report",
                 "--no-frontier", "--time-limit", "5"])
    assert code == 0
    assert (out / "plan.yaml").is_file() and not (out / "frontier.png").exists()
    rec = json.loads((out / "recommendation.json").read_text(encoding="utf-8"))
    assert rec["frontier"] == [] and rec["model"]["seconds"] <= 5 * 7 + 1   # 5 s, then 10 and 20 s extensions at most
    assert main(["plan", str(folder), "--out", str(out), "--time-limit", "0"]) == 2   # out of range: refused
    assert "time-limit" in capsys.readouterr().err


def test_plan_command_rejects_a_missing_county(tmp_path, capsys):
    code = main(["plan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code != 0


@pytest.mark.slow
def test_sample_county_recommendation_keeps_the_rules_and_beats_the_status_quo():
    if not (SAMPLE / "villages.csv").is_file():
        pytest.skip("data/sample_county not generated yet")
    from layout.recommend import recommend

    county = read_county(SAMPLE)
    for goal in ("fewest_schools", "least_cost"):
        rec = recommend(county, goal=goal, horizon=10)
        ev, base = rec.evaluation, rec.baseline
        assert ev.new_hard_violations == 0 and ev.students_unserved == 0
        assert ev.students_total == base.students_total
        b, e = base.summary_metrics(), ev.summary_metrics()
        assert e["schools_open"] < b["schools_open"] and e["annual_cost"] < b["annual_cost"]
        assert e["annual_staffing"] < b["annual_staffing"]
        # most schools under 50 pupils that can be reached within the rules close
        st = rec.stages
        assert st["closed_under_50"] >= 0.8 * st["pool_under_50"], st
