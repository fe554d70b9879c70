"""One catalogue of labels (``layout/labels.yaml``): its rules, Chinese as the default of every command, to-confirm
items asked as questions, and the acceptance scan of issue 18: the Chinese outputs of `layout plan` (what it
prints, report.html, map.html, report.xlsx) hold no untranslated code, the English ones no Chinese outside names,
and no solver banner reaches stdout."""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest

from layout.i18n import DEFAULT_LANG, LANGS, catalogue, t
from tests.i18n_scan import CJK, chinese_outside_names, code_words, codes_found, visible_text, xlsx_text

ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_entry_has_both_languages_asking_for_the_same_fields():
    for key, entry in catalogue().items():
        assert set(entry) == set(LANGS), key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key


def test_english_entries_hold_no_chinese():
    bad = {k: e["en"] for k, e in catalogue().items() if CJK.search(e["en"].replace("→", ""))}
    assert bad == {}


def test_unknown_key_is_an_error_not_a_raw_code():
    with pytest.raises(KeyError):
        t("status.no_such_status")


def test_scan_finds_what_it_should():
    """The scan is not blind: a raw code in a Chinese sentence is found, an id or a name is not."""
    found = codes_found("方案评估 recommended,状态 closed,班额 oversized [hard] S012 per_student_funds")
    assert {"recommended", "closed", "oversized", "[hard]", "per_student_funds"} <= set(found)
    assert "S012" not in found
    assert chinese_outside_names("Closing 河口小学: 2 pupils 无学位", ["河口小学"]) == {"无学位": 1}
    assert {"open", "closed", "normal", "large", "oversized", "fewest_schools", "per_student_funds"} <= code_words()


def test_to_confirm_items_are_questions():
    """A to-confirm item asks (是否 …) instead of reading as done (已完成论证)."""
    from layout.standards import load_standards

    for check in load_standards().get("manual_checks"):
        zh, en = t(f"violation.confirm_{check['id']}", "zh"), t(f"violation.confirm_{check['id']}", "en")
        assert zh.startswith("待确认:") and "是否" in zh, zh
        assert en.startswith("to confirm:") and en.endswith("?"), en
    assert t("violation.confirm_study", "zh") == "待确认:是否已完成论证"


def _commands():
    from layout.cli import COMMANDS, cli

    ctx = click.Context(cli)
    return {name: cli.get_command(ctx, name) for name in COMMANDS}


@pytest.mark.parametrize("name", ["check", "travel", "evaluate", "plan", "map", "report", "batch"])
def test_every_command_defaults_to_chinese_with_lang_en(name):
    cmd = _commands()[name]
    lang = next((p for p in cmd.params if p.name == "lang"), None)
    assert lang is not None, f"layout {name} has no --lang"
    assert lang.default == DEFAULT_LANG == "zh"
    assert set(lang.type.choices) == set(LANGS)


def test_library_functions_default_to_chinese():
    """Every ``lang`` parameter of the package defaults to the one default language."""
    import ast

    bad = []
    for path in (ROOT / "layout").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            positional = node.args.posonlyargs + node.args.args
            args = positional + node.args.kwonlyargs
            defaults = [None] * (len(positional) - len(node.args.defaults)) + node.args.defaults
            defaults += node.args.kw_defaults
            for arg, default in zip(args, defaults, strict=True):
                if arg.arg == "lang" and isinstance(default, ast.Constant) and default.value != DEFAULT_LANG:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert bad == []


# --- the acceptance scan on `layout plan` ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_county(tmp_path_factory):
    from layout.datasets import make_county
    from layout.io import write_county

    county = make_county(n_villages=30, n_townships=3, seed=2)
    folder = write_county(county, tmp_path_factory.mktemp("county") / "c")
    return county, Path(folder)


def _names(county, out: Path | None = None) -> set[str]:
    """The names of the county's places and schools, and those the plan in ``out`` gives (a new school's name
    is a name, whatever language the report is in)."""
    import yaml

    names = {county.name}
    if out is not None:
        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "name" and isinstance(v, str):
                        names.add(v)
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(yaml.safe_load((out / "plan.yaml").read_text(encoding="utf-8")))
    for frame in (county.villages, county.schools, county.townships, getattr(county, "candidates", None)):
        if frame is None:
            continue
        for col in ("name", "township"):
            if col in frame:
                names |= set(frame[col].dropna().astype(str))
    return names


def _plan(folder: Path, out: Path, lang: str) -> str:
    """Run `layout plan` in a fresh process (so a C library's banner on file descriptor 1 is seen) and return
    what it printed on stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", "from layout.cli import run; run()", "plan", str(folder),
                           "--out", str(out), "--lang", lang],
                          capture_output=True, text=True, env=env, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def outputs(small_county, tmp_path_factory):
    """{lang: {output: text}} of `layout plan` in both languages."""
    _, folder = small_county
    result = {}
    for lang in LANGS:
        out = tmp_path_factory.mktemp(f"plan_{lang}")
        stdout = _plan(folder, out, lang)
        texts = {"stdout": stdout}
        for name in ("report.html", "map.html"):
            if (out / name).exists():
                texts[name] = visible_text((out / name).read_text(encoding="utf-8"))
        if (out / "report.xlsx").exists():
            texts["report.xlsx"] = xlsx_text(out / "report.xlsx")
        texts["folder"] = out
        result[lang] = texts
    return result


@pytest.mark.slow
def test_plan_writes_every_output_scanned(outputs):
    for lang in LANGS:
        assert {"stdout", "report.html", "map.html", "report.xlsx"} <= set(outputs[lang]), lang


def _stdout_paths_removed(text: str) -> str:
    """Printed file paths are the user's own (a temporary folder here), not words of the program."""
    return re.sub(r"\S*/\S+", " ", text)


@pytest.mark.slow
@pytest.mark.parametrize("output", ["stdout", "report.html", "map.html", "report.xlsx"])
def test_chinese_outputs_hold_no_untranslated_code(outputs, output):
    text = outputs["zh"][output]
    if output == "stdout":
        text = _stdout_paths_removed(text)
    assert codes_found(text) == {}


@pytest.mark.slow
@pytest.mark.parametrize("output", ["stdout", "report.html", "map.html", "report.xlsx"])
def test_english_outputs_hold_no_chinese_outside_names(outputs, small_county, output):
    county, _ = small_county
    text = outputs["en"][output]
    if output == "stdout":
        text = _stdout_paths_removed(text)
    assert chinese_outside_names(text, _names(county, outputs["en"]["folder"])) == {}


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_solver_banner_on_stdout(outputs, lang):
    stdout = outputs[lang]["stdout"]
    assert "HiGHS" not in stdout and "Running" not in stdout and "Coefficient ranges" not in stdout


@pytest.fixture(scope="module")
def other_commands(small_county, tmp_path_factory):
    """{lang: {command: what it printed}} of `layout check`, `travel`, `evaluate` (with its summary.txt) and `map`
    on the small county."""
    from click.testing import CliRunner

    from layout.cli import cli

    _, folder = small_county
    result = {}
    for lang in LANGS:
        out = tmp_path_factory.mktemp(f"cmds_{lang}")
        texts = {}
        for name, args in (("check", ["check", str(folder)]),
                           ("travel", ["travel", str(folder), "--mode", "walk", "--out", str(out / "walk.csv"), "-q"]),
                           ("evaluate", ["evaluate", str(folder), "--out", str(out / "ev")]),
                           ("map", ["map", str(folder), "--out", str(out / "map.html")])):
            done = CliRunner().invoke(cli, [*args, "--lang", lang])
            assert done.exit_code == 0, (name, done.output)
            texts[name] = done.output
        texts["summary.txt"] = (out / "ev" / "summary.txt").read_text(encoding="utf-8")
        texts["status quo map.html"] = visible_text((out / "map.html").read_text(encoding="utf-8"))
        result[lang] = texts
    return result


_OTHER = ["check", "travel", "evaluate", "summary.txt", "map", "status quo map.html"]


@pytest.mark.slow
@pytest.mark.parametrize("output", _OTHER)
def test_other_commands_in_chinese_hold_no_untranslated_code(other_commands, output):
    assert codes_found(_stdout_paths_removed(other_commands["zh"][output])) == {}


@pytest.mark.slow
@pytest.mark.parametrize("output", _OTHER)
def test_other_commands_in_english_hold_no_chinese_outside_names(other_commands, small_county, output):
    county, _ = small_county
    assert chinese_outside_names(_stdout_paths_removed(other_commands["en"][output]), _names(county)) == {}
