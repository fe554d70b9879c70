"""``layout evaluate`` end to end: county folder (+ proposal) → evaluation.json and a summary."""

from __future__ import annotations

import json

import pytest

from layout.cli import main
from tests.conftest import REPO

PROPOSAL = """\
name: 撤并河口教学点
description: close the Hekou teaching point; board at the county middle school
actions:
  - close: S2
  - add_boarding: {school: S1, beds: 20}
"""


def test_status_quo_and_proposal(county_folder, tmp_path, capsys):
    folder = county_folder()
    out = tmp_path / "out"
    assert main(["evaluate", str(folder), "--out", str(out), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "status quo" in text and "estimate" in text
    d = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    roll = pytest.importorskip("pandas").read_csv(folder / "schools.csv")["enrolment"].sum()
    assert d["students_total"] == roll                       # today's pupils are those on the schools' rolls
    assert d["students_total"] == d["students_assigned"] + d["students_unserved"] and d["students_unserved"] == 0
    assert (out / "summary.txt").read_text(encoding="utf-8").startswith("Evaluation of status quo")

    prop = tmp_path / "p.yaml"
    prop.write_text(PROPOSAL, encoding="utf-8")
    out2 = tmp_path / "out2"
    assert main(["evaluate", str(folder), str(prop), "--out", str(out2), "--year", "2"]) == 0
    text = capsys.readouterr().out
    assert "撤并河口教学点" in text and "直线" in text
    d2 = json.loads((out2 / "evaluation.json").read_text(encoding="utf-8"))
    assert d2["meta"]["plan"] == "撤并河口教学点" and d2["meta"]["year"] == 2
    assert [a["line"] for a in d2["meta"]["actions"]] == [4, 5]
    s2 = next(s for s in d2["schools"] if s["school_id"] == "S2")
    assert s2["status"] == "closed" and s2["enrolment"] == 0
    assert any(v["code"] == "confirm_hearing" and v["school_id"] == "S2" for v in d2["violations"])


def test_bad_proposal_exits_2_with_lines(county_folder, tmp_path, capsys):
    folder = county_folder()
    prop = tmp_path / "bad.yaml"
    prop.write_text("name: bad\nactions:\n  - close: S9\n  - expand: {school: S1, seats: -3}\n", encoding="utf-8")
    assert main(["evaluate", str(folder), str(prop), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "row 3" in err and "unknown school id" in err and "row 4" in err and "negative seats" in err
    assert not (tmp_path / "o" / "evaluation.json").exists()


def test_proposal_summary_compares_with_today(county_folder, tmp_path, capsys):
    folder = county_folder()
    prop = tmp_path / "p.yaml"
    prop.write_text(PROPOSAL, encoding="utf-8")
    assert main(["evaluate", str(folder), str(prop), "--out", str(tmp_path / "o"), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "vs today" in text
    d = json.loads((tmp_path / "o" / "evaluation.json").read_text(encoding="utf-8"))
    assert d["compared_with_status_quo"]["schools_closed"] == 1
    assert all(v["code"] != "travel_estimated" for v in d["new_violations"])   # also true today


SAMPLE = REPO / "data" / "sample_county"


@pytest.mark.skipif(not (SAMPLE / "proposals").is_dir(), reason="the sample county's proposals are not there")
def test_sample_county_proposals_are_valid_and_evaluate():
    from layout import read_county
    from layout.evaluate import evaluate, travel_for_plan
    from layout.plan import Plan, read_proposal

    county = read_county(SAMPLE)
    files = sorted((SAMPLE / "proposals").glob("*.yaml"))
    assert len(files) >= 3
    plans = [read_proposal(f, county) for f in files]
    assert all(p.actions and p.description for p in plans)
    travel = travel_for_plan(county, plans[0])
    today = evaluate(county, Plan.status_quo(county), travel=travel)
    ev = evaluate(county, plans[0], travel=travel)
    assert ev.allocation.check_conserved()
    assert ev.students_total == today.students_total
