"""Report: one self-contained HTML page and an Excel workbook with the same tables; escaping; CLI."""

from __future__ import annotations

import re

import openpyxl
import pytest

from layout.errors import LayoutInputError
from layout.maps import external_urls
from layout.report import evaluation_html, plan_html, report_sheets, write_report
from layout.report import tables as T
from tests._maps_helpers import county_and_plan


@pytest.fixture(scope="module")
def data():
    return county_and_plan()


@pytest.fixture(scope="module")
def report(data, tmp_path_factory):
    county, plan, ev, base, _e = data
    out = tmp_path_factory.mktemp("report")
    return write_report(county, ev, baseline=base, out_dir=out, lang="zh"), out


def test_report_files_are_written_atomically(report):
    paths, out = report
    assert paths["html"] == out / "report.html" and paths["xlsx"] == out / "report.xlsx"
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.xlsx"]


def test_report_html_is_self_contained_and_complete(report, data):
    county, plan, ev, base, expected = data
    html = report[0]["html"].read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "<link" not in html and "<script src" not in html
    for heading in (
        "概要",
        "方案前后对比",
        "学生出行",
        "问题与待确认事项",
        "待确认事项",
        "各校调整措施及理由",
        "优质均衡指标",
        "成本",
        "地图",
    ):
        assert heading in html, heading
    assert html.count("<svg") >= 2  # trip chart + enrolment chart, inline
    assert "srcdoc=" in html and "@media print" in html
    # every changed school appears with its action
    for sid in expected:
        assert f"<td>{sid}</td>" in html
    # the numbers are those of the evaluation
    assert f"{ev.students_total:,}" in html and f"{ev.students_unserved:,}" in html


def test_report_escapes_names(report):
    html = report[0]["html"].read_text(encoding="utf-8")
    outer = re.sub(r'srcdoc="[^"]*"', "", html)  # the embedded map is checked in test_maps
    assert "<script" not in outer.lower()  # no script at all in the report page itself
    assert "<img" not in outer.lower()
    assert "方案&lt;script&gt;alert(1)&lt;/script&gt;" in outer
    assert "&#96;${document.title=&#x27;XSS2&#x27;}&#96;&lt;/script&gt;&lt;script&gt;" in outer  # school name
    assert html.count("<script") == 0 or "srcdoc" in html  # scripts only inside the escaped map document


def test_workbook_has_the_same_tables_with_chinese_headers(report, data):
    county, plan, ev, base, expected = data
    wb = openpyxl.load_workbook(report[0]["xlsx"])
    assert wb.sheetnames == ["摘要", "学生出行", "学校调整", "问题清单", "待确认事项", "优质均衡", "成本", "教师编制", "校车线路"]
    summary = wb["摘要"]
    assert [c.value for c in summary[1]] == ["指标", "现状", "方案", "变化"]
    rows = {r[0]: r[1:] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows["未安置学生"][0] == base.students_unserved and rows["未安置学生"][1] == ev.students_unserved
    assert rows["适龄学生总数"][2] == 0  # children are conserved
    schools = wb["学校调整"]
    header = [c.value for c in schools[1]]
    assert header[:2] == ["学校代码", "调整措施"]
    acts = {r[0]: r[1] for r in schools.iter_rows(min_row=2, values_only=True)}
    assert len(acts) == len(plan.schools)
    assert acts[next(k for k, v in expected.items() if v == "close")] == "撤并(关闭)"
    assert acts["NEW1"] == "新建"
    n_issues = sum(1 for v in ev.violations if v.severity != "confirm")
    assert wb["问题清单"].max_row - 1 == n_issues


def test_workbook_never_stores_data_as_formulas(tmp_path):
    import pandas as pd

    from layout.report import write_workbook

    path = write_workbook(
        {"x": pd.DataFrame({"name": ['=HYPERLINK("http://e","x")', "+1", "ok"]})}, tmp_path / "w.xlsx"
    )
    ws = openpyxl.load_workbook(path)["x"]
    assert [c.data_type for c in ws["A"][1:]] == ["s", "s", "s"]
    assert ws["A2"].value.startswith("=HYPERLINK")


def test_english_report(data, tmp_path):
    county, plan, ev, base, _e = data
    paths = write_report(county, ev, out_dir=tmp_path, lang="en", with_map=False)
    html = paths["html"].read_text(encoding="utf-8")
    assert "Before and after" in html and "srcdoc" not in html
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames[0] == "summary" and wb["summary"]["A1"].value == "metric"


def test_metrics_table_change_column(data):
    county, plan, ev, base, _e = data
    f = T.metrics_table(ev, base, "en")
    row = f.set_index("metric").loc["schools closed"]
    assert row["status quo"] == 0 and row["proposal"] == 2 and row["change"] == 2
    assert "change" not in T.metrics_table(ev, None, "en").columns


def test_notebook_html(data):
    county, plan, ev, base, _e = data
    p = plan_html(plan)
    assert "&lt;script&gt;" in p and "<script>" not in p and "NEW1" in p
    e = evaluation_html(ev, "en")
    assert "children placed" in e and "<script" not in e


def test_report_sheets_match_html_tables(data):
    county, plan, ev, base, _e = data
    sheets = report_sheets(county, ev, baseline=base, lang="zh")
    assert len(sheets["学校调整"]) == len(ev.schools)
    assert len(sheets["问题清单"]) + len(sheets["待确认事项"]) == len(ev.violations)


@pytest.mark.slow
def test_cli_map_and_report(tmp_path):
    from click.testing import CliRunner

    from layout.cli import cli
    from tests.conftest import SAMPLE

    if not SAMPLE.is_dir():
        pytest.skip("data/sample_county not present")
    prop = tmp_path / "p.yaml"
    import pandas as pd

    sid = pd.read_csv(SAMPLE / "schools.csv").sort_values("enrolment")["school_id"].iloc[0]
    prop.write_text(f"name: 测试方案\nactions:\n  - close: {sid}\n", encoding="utf-8")
    r = CliRunner().invoke(
        cli,
        ["map", str(SAMPLE), str(prop), "--out", str(tmp_path / "m.html"), "--lang", "en", "--no-catchments"],
    )
    assert r.exit_code == 0, r.output
    assert external_urls((tmp_path / "m.html").read_text(encoding="utf-8")) == []
    r = CliRunner().invoke(cli, ["report", str(SAMPLE), str(prop), "--out", str(tmp_path / "rep")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "rep" / "report.html").is_file() and (tmp_path / "rep" / "report.xlsx").is_file()
    r = CliRunner().invoke(
        cli, ["map", str(SAMPLE), "--out", str(tmp_path / "t.html"), "--tiles", "tianditu"]
    )
    assert isinstance(r.exception, LayoutInputError) and "--tianditu-key" in str(r.exception)
    assert not (tmp_path / "t.html").exists()


def test_plan_and_evaluation_display_in_notebooks():
    from layout.datasets import make_county
    from layout.evaluate import evaluate
    from layout.plan import Plan

    county = make_county(n_villages=20, n_townships=8, seed=4)
    plan = Plan.status_quo(county)
    ev = evaluate(county, plan)
    assert "<table" in plan._repr_html_() or "<div" in plan._repr_html_()
    assert "<table" in ev._repr_html_()


def test_a_closed_schools_procedural_checks_are_one_row_in_the_report(report, data):
    """A committee reads one row per closed school with every procedural check (论证, 公示, 听证 …) on it, not
    six rows per school; the workbook keeps one row per check (a checklist to tick)."""
    county, plan, ev, base, _e = data
    page = report[0]["html"].read_text(encoding="utf-8")
    html = page.split("<h3>待确认事项</h3>")[1].split("<h2>")[0]   # the section of items to confirm
    checks = [v for v in ev.violations if v.code.startswith("confirm_") and v.school_id in plan.closed_schools]
    rows = T.confirm_table(ev, "zh")
    closed = list(plan.closed_schools)
    assert len(checks) == 6 * len(closed) and len(rows[rows["学校代码"].isin(closed)]) == len(closed)
    for v in checks:   # every question is on its school's row, and in the page
        row = rows.loc[rows["学校代码"] == v.school_id, "说明"].iloc[0]
        question = v.message_zh.split("待确认:")[1]
        assert question in row and question in html
    with_steps = {v.school_id for v in ev.violations if v.code.startswith("confirm_") and v.school_id}   # + grades
    assert html.count(checks[0].message_zh.split("待确认:")[1]) == len(with_steps) >= len(closed)
    sheets = report_sheets(county, ev, baseline=base, lang="zh")
    assert len(sheets["待确认事项"]) == len(T.violations_table(ev, "zh", "confirm"))
