"""Layers one-way: the core (plan, evaluate, recommend) knows no screen, yet its objects still display in Jupyter.

The HTML of a Plan, an Evaluation or a Recommendation comes from a renderer the façade registers in
``layout.display`` by dotted path; importing the core must not import the presentation (``layout.report``,
``layout.maps``, folium, matplotlib).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRESENTATION = ("layout.report", "layout.maps", "layout.cli", "layout.explore", "folium", "branca", "matplotlib")


def _modules_after_import(*modules: str) -> list[str]:
    """Presentation modules loaded by importing ``modules`` in a fresh interpreter."""
    code = (f"import sys, json\nfor m in {list(modules)!r}:\n    __import__(m)\n"
            f"print(json.dumps(sorted(k for k in sys.modules if k.split('.')[0] in ('folium', 'branca', 'matplotlib')"
            f" or k.startswith({PRESENTATION!r}))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["layout.plan", "layout.evaluate", "layout.recommend", "layout"])
def test_core_imports_no_presentation(module):
    assert _modules_after_import(module) == []


def test_core_together_imports_no_presentation():
    assert _modules_after_import("layout.plan", "layout.evaluate", "layout.recommend", "layout.allocate") == []


def test_the_check_sees_a_presentation_import():
    """The check above can fail: importing the report is seen."""
    assert "layout.report" in _modules_after_import("layout.plan", "layout.report")


def test_core_sources_do_not_import_the_presentation():
    """No import of report, maps or folium anywhere in plan/evaluate/recommend, lazy imports inside functions
    included (a docstring may still point a reader to the presentation side)."""
    import re

    pattern = re.compile(r"^\s*(from\s+layout\.(report|maps)\b|import\s+layout\.(report|maps)\b|"
                         r"from\s+layout\s+import\s+.*\b(report|maps)\b|import\s+folium\b|from\s+folium\b)")
    offenders = []
    for folder in ("plan", "evaluate", "recommend"):
        for path in sorted((REPO / "layout" / folder).glob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.match(line):
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []


@pytest.fixture(scope="module")
def small():
    from layout.datasets import make_county
    from layout.evaluate import evaluate
    from layout.plan import Close, Plan

    county = make_county(n_villages=20, n_townships=2, seed=4)
    point = county.schools.index[county.schools["kind"] == "teaching_point"][0]
    plan = Plan.status_quo(county).apply(Close(point)).renamed("<script>alert('x')</script> & co")
    return county, plan, evaluate(county, plan)


def test_repr_html_renders_escaped(small):
    _, plan, ev = small
    for obj in (plan, ev):
        html = obj._repr_html_()
        assert isinstance(html, str) and ("<table" in html or "<div" in html)
        assert "<script>" not in html
        assert "&lt;script&gt;" in html and "&amp; co" in html


def test_each_core_kind_has_a_presentation_renderer():
    import layout  # noqa: F401  (the façade registers the renderers)
    from layout.display import _RENDERERS
    from layout.evaluate import Evaluation
    from layout.plan import Plan
    from layout.recommend import Recommendation

    for cls in (Plan, Evaluation, Recommendation):
        assert cls.display_kind in _RENDERERS, cls
        spec = _RENDERERS[cls.display_kind]
        name = spec if isinstance(spec, str) else f"{spec.__module__}:{spec.__name__}"
        assert name.startswith("layout.report.notebook:"), name


def test_without_a_renderer_jupyter_falls_back_to_repr(small, monkeypatch):
    from layout import display

    _, plan, _ = small
    monkeypatch.delitem(display._RENDERERS, "plan")
    assert plan._repr_html_() is None
    monkeypatch.setitem(display._RENDERERS, "plan", lambda p: f"<i>{len(p.actions)}</i>")
    assert plan._repr_html_() == "<i>1</i>"
