"""Today as it is: the status quo reproduces the rolls exactly (enrolment, boarders, bus riders, classes) — from a
given attendance file and from an inferred one — and bad attendance rows are refused with the file, row and
column."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from layout.attendance import attendance_today, infer_attendance
from layout.cli import main
from layout.datasets import make_county
from layout.evaluate import evaluate
from layout.io.read import read_county
from layout.plan import Close, Plan
from tests.conftest import SAMPLE


def _equals_the_rolls(county, ev) -> None:
    t = ev.schools.reindex(county.schools.index)
    s = county.schools
    assert ev.students_unserved == 0
    assert (t["enrolment"] == s["enrolment"]).all()
    assert (t["boarders"] == s["boarders"]).all()
    riders = s["bus_riders"].fillna(0) if "bus_riders" in s else 0
    assert (t["bus"] == riders).all()
    assert (t["classes"] == s["classes"]).all()
    for b, (lo, hi) in county.standards.bands.items():
        want = sum(s[f"enrol_{g}"] for g in range(lo, hi + 1))
        assert (t[b] == want).all(), b
    assert ev.new_hard_violations == 0 and all(v.status == "existing" for v in ev.violations)


@pytest.mark.skipif(not (SAMPLE / "attendance.csv").is_file(), reason="data/sample_county not generated")
def test_the_sample_status_quo_is_the_rolls_exactly():
    county = read_county(SAMPLE)
    ev = evaluate(county)
    _equals_the_rolls(county, ev)
    assert ev.allocation.attendance_inferred is False
    # class sizes are the data's: pupils / classes of the band
    s = county.schools
    g13 = s[["enrol_1", "enrol_2", "enrol_3"]].sum(axis=1) / s[["classes_1", "classes_2", "classes_3"]].sum(axis=1)
    got = ev.schools["class_size_g1_3"].reindex(s.index)
    assert np.allclose(got[g13.notna() & np.isfinite(g13)], g13[g13.notna() & np.isfinite(g13)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_counties_status_quo_given_and_inferred(seed):
    county = make_county(n_villages=60, n_townships=5, seed=seed)
    _equals_the_rolls(county, evaluate(county))
    inferred = county.with_changes(attendance=None)
    ev = evaluate(inferred)
    _equals_the_rolls(inferred, ev)
    assert ev.allocation.attendance_inferred


def test_inferred_attendance_carries_the_differences_it_cannot_match():
    county = make_county(n_villages=40, n_townships=4, seed=5).with_changes(attendance=None)

    def gap(att):   # children no roll holds minus roll places no village fills
        return int(att.not_on_roll["children"].sum()) - int(att.roll_without_home["children"].sum())

    base = gap(infer_attendance(county))
    v = county.villages.copy()
    vid = v.index[0]
    v.loc[vid, "grade_2"] += 9                       # nine children more than the rolls hold
    v.loc[vid, "g1_3"] += 9
    att = infer_attendance(county.with_changes(villages=v))
    assert gap(att) == base + 9
    assert any("villages have" in en for en, _ in att.messages)
    s = county.schools.copy()
    sid = s["enrolment"].idxmax()
    s.loc[sid, "enrol_8"] += 4                       # four pupils more than the villages have
    s.loc[sid, "enrolment"] += 4
    att = infer_attendance(county.with_changes(schools=s))
    assert gap(att) == base - 4
    rolls = att.table.groupby(["school_id", "grade"])["children"].sum()
    assert int(rolls[(sid, 8)]) == int(s.at[sid, "enrol_8"])     # the roll is reproduced, the rest carried


def test_a_closure_moves_only_its_own_pupils_and_its_new_breaches_are_its_own():
    county = make_county(n_villages=60, n_townships=5, seed=1)
    today = evaluate(county)
    small = today.schools[today.schools["kind"] == "teaching_point"]["enrolment"].idxmin()
    ev = evaluate(county, Plan.status_quo(county).apply(Close(small)))
    mv = ev.allocation.moves
    assert set(mv["from_school"]) == {small}
    assert int(mv["children"].sum()) == int(today.schools.at[small, "enrolment"])
    kept = ev.allocation.assignments[~ev.allocation.assignments["moved"]]
    before = today.allocation.assignments
    before = before[before["school_id"] != small]
    cols = ["village_id", "band", "school_id", "mode", "children"]
    assert kept[cols].sort_values(cols).values.tolist() == before[cols].sort_values(cols).values.tolist()
    villages = set(mv["village_id"])
    for v in ev.violations:
        if v.status == "new" and v.severity == "hard":
            assert v.school_id == small or v.village_id in villages or v.school_id in set(mv["to_school"])


def _folder(tmp_path):
    folder = tmp_path / "county"
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("proposals"))
    return folder


BAD_ROWS = [
    ("V9999,S001,1,g1_3,walk,3", "unknown village", "village_id"),
    ("V0001,S999,1,g1_3,walk,3", "unknown school", "school_id"),
    ("V0001,S001,1,g1_3,walk,-3", None, "children"),
    ("V0001,S001,1,g1_3,walk,2.5", None, "children"),
    ("V0001,S001,2,g1_3,board,3", "may not board", "mode"),
    ("V0001,S001,1,g1_3,flying,3", "unknown mode", "mode"),
    ("V0001,S001,7,g7_9,walk,3", "does not teach grade 7", "grade"),
]


@pytest.mark.skipif(not (SAMPLE / "attendance.csv").is_file(), reason="data/sample_county not generated")
@pytest.mark.parametrize("row, says, column", BAD_ROWS)
def test_bad_attendance_rows_are_refused_with_file_row_and_column(tmp_path, capsys, row, says, column):
    folder = _folder(tmp_path)
    path = folder / "attendance.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, row]) + "\n", encoding="utf-8")
    out = tmp_path / "att.csv"
    assert main(["check", str(folder), "--lang", "en", "--write-attendance", str(out)]) == 2
    text = capsys.readouterr()
    msg = text.out + text.err
    assert "attendance.csv" in msg and f"row {len(lines) + 1}" in msg and column in msg
    if says:
        assert says in msg
    assert "Traceback" not in msg and not out.exists()


@pytest.mark.skipif(not (SAMPLE / "attendance.csv").is_file(), reason="data/sample_county not generated")
def test_attendance_totals_that_cannot_match_the_rolls_are_refused(tmp_path, capsys):
    folder = _folder(tmp_path)
    path = folder / "attendance.csv"
    att = pd.read_csv(path)
    att.loc[0, "children"] += 5
    att.to_csv(path, index=False)
    assert main(["check", str(folder), "--lang", "en"]) == 2
    msg = capsys.readouterr()
    text = msg.out + msg.err
    sid, grade = att.loc[0, "school_id"], int(att.loc[0, "grade"])
    assert f"school {sid}" in text and f"grade {grade}" in text and "on its roll" in text


def test_check_writes_the_inferred_attendance_a_planner_can_read_back(tmp_path, capsys):
    county = make_county(n_villages=40, n_townships=4, seed=2)
    folder = county.with_changes(attendance=None).to_folder(tmp_path / "county")
    assert not (folder / "attendance.csv").exists()
    out = tmp_path / "attendance.csv"
    assert main(["check", str(folder), "--write-attendance", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "推算" in printed
    shutil.copy(out, folder / "attendance.csv")
    back = read_county(folder)
    assert back.attendance is not None and attendance_today(back).inferred is False
    _equals_the_rolls(back, evaluate(back))


def test_a_county_switching_buses_off_for_grades_1_3_gets_the_rule(tmp_path):
    from layout.plan import read_proposal

    county = make_county(n_villages=60, n_townships=5, seed=3, bus_share=0.0)   # no bus riders today
    folder = county.to_folder(tmp_path / "county")
    tps = county.schools.index[county.schools["kind"] == "teaching_point"]
    (tmp_path / "p.yaml").write_text("name: close\nactions:\n" + "".join(f"  - close: {sid}\n" for sid in tps),
                                     encoding="utf-8")
    on = read_county(folder)
    manifest = folder / "county.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "standards: {travel: {may_bus: {g1_3: false}}}\n",
                        encoding="utf-8")
    off = read_county(folder)
    assert on.standards.may_bus("g1_3") and not off.standards.may_bus("g1_3")
    ev_on = evaluate(on, read_proposal(tmp_path / "p.yaml", on))
    ev_off = evaluate(off, read_proposal(tmp_path / "p.yaml", off))

    def young(ev, mode):
        a = ev.allocation.assignments
        return int(a[(a["band"] == "g1_3") & (a["mode"] == mode) & a["moved"]]["children"].sum())

    assert young(ev_on, "bus") > 0 and young(ev_off, "bus") == 0
    lost = lambda ev: int(ev.allocation.unserved.query("band == 'g1_3'")["children"].sum())  # noqa: E731
    assert lost(ev_off) + young(ev_off, "walk") == lost(ev_on) + young(ev_on, "walk") + young(ev_on, "bus")
    assert lost(ev_off) > lost(ev_on)
