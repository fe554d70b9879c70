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
    assert {"closures", "schools_open", "mean_minutes", "worst_minutes", "annual_cost"} <= set(front.columns)
    actions = pd.read_csv(out / "actions.csv")
    assert actions["reasons_zh"].notna().all() and actions["reasons_en"].notna().all()


def test_plan_command_rejects_a_missing_county(tmp_path, capsys):
    code = main(["plan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert code != 0


@pytest.mark.slow
def test_sample_county_recommendation_keeps_the_rules_and_beats_the_status_quo():
    if not (SAMPLE / "villages.csv").is_file():
        pytest.skip("data/sample_county not generated yet")
    from layout.recommend import recommend
    from layout.recommend.verify import new_hard_violations

    county = read_county(SAMPLE)
    for goal, better in (("fewest_schools", lambda b, e: e["schools_open"] < b["schools_open"]),
                         ("least_cost", lambda b, e: e["annual_cost"] < b["annual_cost"])):
        rec = recommend(county, goal=goal, horizon=10)
        new, unserved = new_hard_violations(rec.evaluation, rec.baseline)
        assert new == [] and unserved.empty
        ev = rec.evaluation
        assert ev.students_assigned + ev.students_unserved == ev.students_total == rec.baseline.students_total
        assert better(rec.baseline.summary_metrics(), ev.summary_metrics())
