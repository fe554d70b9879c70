"""Every notebook in notebooks/ runs top to bottom on a fresh checkout, and is committed without outputs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        assert "id" in cell, f"{path.name}: every cell needs an id (nbformat 4.5)"
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, \
                f"{path.name}: commit notebooks without outputs"


def _stderr_outputs(nb) -> list[str]:
    """Every piece of stderr a cell printed (warnings, progress bars on text, tracebacks), with its cell number."""
    found = []
    for number, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append(f"cell {number}: {out.get('text', '')[:300]!r}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_ends_with_an_interpretation(path):
    """Each notebook closes with a paragraph for the planner saying what its results mean."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    last = nb["cells"][-1]
    words = "".join(last["source"]).split()
    assert last["cell_type"] == "markdown" and len(words) >= 40, f"{path.name}: end with a paragraph interpreting the results"


def test_notebooks_use_the_packaged_sample():
    """No notebook hunts for the repository: the sample county and its proposals come from layout.datasets."""
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        assert "find_repo" not in text and "LAYOUT_REPO" not in text, path.name
        assert 'matplotlib.use(' not in text, f"{path.name}: keep the inline backend so charts show"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, record_property):
    """Runs top to bottom in an empty folder with no warning and nothing on stderr; charts show inline."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    started = time.perf_counter()
    client.execute()
    record_property("seconds", round(time.perf_counter() - started, 1))
    assert _stderr_outputs(nb) == [], f"{path.name} printed warnings or other stderr output"
    assert (tmp_path / "out").is_dir()
    assert not any((REPO / "data").rglob("*.tmp"))
    if "plt." in path.read_text(encoding="utf-8"):
        shown = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                 if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})]
        assert shown, f"{path.name}: its chart is not shown inline"


def test_the_stderr_check_sees_a_warning():
    """The check above can fail: a cell's warning is stderr output."""
    nbformat = pytest.importorskip("nbformat")
    cell = nbformat.v4.new_code_cell("import warnings; warnings.warn('x')")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="<cell>:1: UserWarning: x\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert _stderr_outputs(nb) == ["cell 0: '<cell>:1: UserWarning: x\\n'"]
