"""The standards schema (derived from national.yaml + the rule table), county.yaml's schema and targets, the strict
YAML reader, the output-set manager and the safe text/table helpers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from layout.errors import LayoutInputError
from layout.io.manifest import read_manifest
from layout.io.output_set import output_folder
from layout.io.yaml_strict import parse_yaml
from layout.standards import StandardsOverride, load_standards, national_data
from layout.standards.rules import RULES, rule_for
from layout.standards.validation import _strip_private, check_override, numeric_paths, standards_schema


def test_every_number_of_national_yaml_has_an_explicit_rule():
    missing = [p for p in numeric_paths(national_data()) if rule_for(p) is None]
    assert not missing, f"add a line to layout/standards/rules.py RULES for: {missing}"


def test_national_yaml_passes_its_own_schema_and_the_schema_is_valid():
    Draft202012Validator.check_schema(_strip_private(standards_schema(national_data())))
    assert check_override(national_data(), "national.yaml") == []
    load_standards()   # the cross checks too


def test_every_rule_pattern_matches_a_key_of_national_yaml():
    from layout.standards.rules import _match

    def paths(d, prefix=""):
        if isinstance(d, dict):
            for k, v in d.items():
                p = f"{prefix}.{k}" if prefix else str(k)
                yield p
                yield from paths(v, p)
        elif isinstance(d, list):
            for v in d:
                yield f"{prefix}.*"
                yield from paths(v, f"{prefix}.*")

    from layout.standards.rules import OPEN_MAPPINGS

    known = set(paths(national_data())) | {f"{m}.*" for m in OPEN_MAPPINGS}
    stale = [r for r in RULES if not any(_match(r, k) for k in known)]
    assert not stale, f"rules for keys national.yaml no longer has: {stale}"


def test_keys_added_to_national_are_known_without_code(monkeypatch):
    data = national_data()
    data["staffing"]["new_ratio"] = 1.5
    assert check_override({"staffing": {"new_ratio": 2.0}}, "p.yaml", national=data) == []
    assert check_override({"staffing": {"new_ratio": -2.0}}, "p.yaml", national=data)   # default rule: ≥ 0
    assert check_override({"staffing": {"new_ratio": 2.0}}, "p.yaml")[0].message.startswith("unknown key")


def test_override_problems_name_line_key_value_and_suggestion(tmp_path):
    p = tmp_path / "gz.yaml"
    p.write_text("travel:\n  walk_limit_minute: {g1_3: 20}\nmodes:\n  walk:\n    speed_kmh: -4\n"
                 "costs:\n  poor_boarder_share: 1.5\n", encoding="utf-8")
    with pytest.raises(LayoutInputError) as info:
        load_standards(p)
    by_col = {x.column: x for x in info.value.problems}
    assert by_col["travel.walk_limit_minute"].row == 2 and "did you mean 'walk_limit_minutes'" in by_col[
        "travel.walk_limit_minute"].fix
    assert (by_col["modes.walk.speed_kmh"].row, by_col["modes.walk.speed_kmh"].value) == (5, -4)
    assert by_col["costs.poor_boarder_share"].row == 7
    assert len(info.value.problems) == 3   # all at once


def test_valid_overrides_still_merge():
    s = load_standards({"travel": {"walk_limit_minutes": {"g1_3": 25}, "report_bins_minutes": [10, 20, 30, 60]},
                        "demand": {"trend": {"by_township": {"河口乡": -0.06}}}})
    assert s.walk_limit("g1_3") == 25 and s.get("travel.report_bins_minutes") == (10, 20, 30, 60)
    with pytest.raises(TypeError, match="YAML file path or a mapping"):
        load_standards(5)


def test_inline_standards_in_county_yaml(tmp_path):
    (tmp_path / "county.yaml").write_text("name: 甲县\nstandards: {travel: {may_bus: {g1_3: false}}}\n",
                                          encoding="utf-8")
    m = read_manifest(tmp_path)
    assert isinstance(m.standards, StandardsOverride) and m.standards.source == "county.yaml"
    assert load_standards(m.standards).may_bus("g1_3") is False
    (tmp_path / "county.yaml").write_text("standards:\n  travel:\n    report_bins_minutes: [20, 40]\n",
                                          encoding="utf-8")
    with pytest.raises(LayoutInputError) as info:
        load_standards(read_manifest(tmp_path).standards)
    p = info.value.problems[0]
    assert (p.file, p.row, p.column) == ("county.yaml", 3, "travel.report_bins_minutes")


def test_targets_are_validated_and_carried_as_a_plain_dict(tmp_path):
    (tmp_path / "county.yaml").write_text(textwrap.dedent("""\
        targets:
          close_under: 50
          max_schools: {primary: 20}
          boarding_per_township: [1, 2]
          budget: 6.0e7
          keep: [S001, 7]
          must_close: [S017]
          protected: []
        """), encoding="utf-8")
    t = read_manifest(tmp_path).targets
    assert t == {"close_under": 50, "max_schools": {"primary": 20}, "boarding_per_township": [1, 2],
                 "budget": 6.0e7, "keep": ["S001", "7"], "must_close": ["S017"], "protected": []}
    assert type(t) is dict
    (tmp_path / "county.yaml").write_text("targets: {boarding_per_township: 2}\n", encoding="utf-8")
    assert read_manifest(tmp_path).targets == {"boarding_per_township": 2}
    assert read_manifest(tmp_path / "nowhere").targets == {}


def test_summary_label_follows_the_report_bins():
    from layout.evaluate.summary_text import _headline_bin

    assert _headline_bin({"within_15": 0.1, "within_30": 0.5, "within_45": 0.9, "walk_limit_minutes": 30.0}) == 30
    assert _headline_bin({"within_20": 0.1, "within_25": 0.5, "within_30": 0.9, "walk_limit_minutes": 25.0}) == 25
    assert _headline_bin({"within_10": 0.1, "within_30": 0.5, "within_60": 0.9, "walk_limit_minutes": 25.0}) == 30


def test_summary_prints_the_bin_it_shows(county_folder):
    from layout import read_county
    from layout.evaluate import evaluate

    folder = county_folder(files={"county.yaml": "standards: {travel: {walk_limit_minutes: {g1_3: 20}, "
                                                  "report_bins_minutes: [10, 20, 30]}}\n"})
    text = evaluate(read_county(folder)).format_summary("zh")
    assert "≤20分钟" in text and "≤30分钟" not in text


# ---- strict YAML --------------------------------------------------------------------------------------------
def test_duplicate_keys_name_both_lines_and_are_all_reported():
    with pytest.raises(LayoutInputError) as info:
        parse_yaml("actions:\n  - close: S1\nname: A\nactions:\n  - merge: {from: A, from: B, into: C}\n", "p.yaml")
    msgs = [(p.row, p.column, p.message) for p in info.value.problems]
    assert (4, "actions", "duplicate key 'actions' (first at line 1, again at line 4): YAML would keep only the "
            "second") in msgs
    assert any(c == "from" and r == 5 for r, c, _ in msgs)


def test_billion_laughs_is_refused_at_once():
    laughs = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    t = time.perf_counter()
    with pytest.raises(LayoutInputError, match="anchors and aliases"):
        parse_yaml(laughs, "county.yaml")
    assert time.perf_counter() - t < 1.0


def test_exponents_without_sign_are_numbers():
    assert parse_yaml("budget: 6e7\nb: 6.0e7\nc: 1E-3\nd: '6e7'\n", "c.yaml").data == {
        "budget": 6e7, "b": 6e7, "c": 1e-3, "d": "6e7"}


def test_yaml_strings_lose_escape_sequences():
    assert parse_yaml('name: "\\e[31m甲\\u202e县"\n', "c.yaml").data == {"name": "甲县"}


# ---- outputs as a set -----------------------------------------------------------------------------------------
def test_output_folder_keeps_foreign_files_and_drops_own_stale_ones(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "report.html").write_text("stale")
    (out / "sub").mkdir()
    (out / "sub" / "x.txt").write_text("deep")
    with output_folder(out, owns=("report.*",)) as tmp:
        (tmp / "plan.yaml").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "plan.yaml", "sub"]
    assert (out / "sub" / "x.txt").read_text() == "deep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_output_folder_failure_leaves_everything_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    with pytest.raises(ZeroDivisionError), output_folder(out) as tmp:
        (tmp / "a.txt").write_text("half")
        raise ZeroDivisionError("failed half-way")
    assert (out / "a.txt").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_output_folder_refuses_bad_targets_before_computing(tmp_path):
    (tmp_path / "f").write_text("x")
    for bad, says in ((tmp_path / "f", "a file, not a folder"), (tmp_path / "f" / "out", "a parent of --out is a file")):
        with pytest.raises(LayoutInputError, match=says), output_folder(bad):
            raise AssertionError("the block must not run")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        with pytest.raises(LayoutInputError, match="current folder"), output_folder("."):
            raise AssertionError("the block must not run")
    finally:
        os.chdir(cwd)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(LayoutInputError, match="read-only"), output_folder(out):
            raise AssertionError("the block must not run")
    finally:
        out.chmod(0o755)


def test_sigterm_inside_the_block_cleans_up(tmp_path):
    code = textwrap.dedent(f"""
        import os, signal, time
        from layout.io.output_set import output_folder
        with output_folder({str(tmp_path / 'out')!r}) as tmp:
            (tmp / "a.txt").write_text("half")
            print("ready", flush=True)
            time.sleep(60)
        """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_stale_temporary_folders_of_killed_runs_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.tmp-{dead.stdout.strip()}-abcd"
    stale.mkdir()
    with output_folder(tmp_path / "out") as tmp:
        (tmp / "a").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
