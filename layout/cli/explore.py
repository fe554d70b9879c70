"""``layout explore COUNTY_DIR``: the what-if map served as a small local app (Voilà on 127.0.0.1).

A planner who does not use Jupyter opens the printed address in a browser: click a school, see what changes,
save the proposal. The page needs no internet (the widget's code comes from the local server; no tiles unless
``--tiles osm``). The server listens on the loopback address only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from layout.i18n import LANGS

__all__ = ["explore_cmd", "notebook_json", "voila_command", "TEMPLATES"]

#: Jupyter data folder holding the ``layout-offline`` Voilà template (lab, without its CDN stylesheets).
TEMPLATES = Path(__file__).resolve().parents[1] / "explore" / "share"

_CELL = """import json, os
from layout.explore import explore
_args = json.loads(os.environ["LAYOUT_EXPLORE_ARGS"])
explore(_args.pop("county"), **_args)
"""


def notebook_json() -> str:
    """The one-cell notebook Voilà runs: it reads its arguments from ``LAYOUT_EXPLORE_ARGS`` (JSON), so no path or
    option is ever pasted into code."""
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": "whatif", "metadata": {}, "outputs": [],
                     "source": _CELL}],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, ensure_ascii=False, indent=1)


def voila_command(notebook: Path, port: int, *, browser: bool = False) -> list[str]:
    """The Voilà command line: loopback only, sources hidden, no browser unless asked."""
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={int(port)}", "--Voila.ip=127.0.0.1",
           "--strip_sources=True", "--show_tracebacks=False", "--Voila.port_retries=0", "--template=layout-offline"]
    if not browser:
        cmd.append("--no-browser")
    return cmd


@click.command("explore")
@click.argument("county_dir", type=click.Path(exists=True, file_okay=False, path_type=str))
@click.option("--start", default=None, metavar="PROPOSAL.yaml|recommend",
              help="Start from a proposal file, or from a recommendation ('recommend'); default: today's layout.")
@click.option("--goal", default=None, help="Goal of the recommendation with --start recommend.")
@click.option("--year", default=0, show_default=True, type=click.IntRange(min=0, max=100), help="Years ahead.")
@click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True, help="Language of labels.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=str),
              help="Folder where 'save proposal' writes proposal.yaml (default: the current folder).")
@click.option("--port", default=8866, show_default=True, type=click.IntRange(min=1024, max=65535),
              help="Port on 127.0.0.1.")
@click.option("--browser/--no-browser", default=False, show_default=True, help="Open a browser window.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Travel cache folder.")
def explore_cmd(county_dir, start, goal, year, lang, out_dir, port, browser, cache_dir):
    """Serve the what-if map of COUNTY_DIR on http://127.0.0.1:PORT/ (Ctrl-C stops it)."""
    from layout.errors import LayoutInputError, Problem

    if importlib_missing("voila") or importlib_missing("anywidget"):
        raise LayoutInputError([Problem("command line", "the what-if app needs voila and anywidget", column="explore",
                                        fix="pip install 'layout[explore]'")])
    if start not in (None, "recommend") and not Path(start).is_file():
        raise LayoutInputError([Problem("command line", "no such proposal file", column="--start", value=start,
                                        fix="give a proposal .yaml file, or --start recommend")])
    args = {"county": str(Path(county_dir).resolve()), "start": start if start in (None, "recommend") else
            str(Path(start).resolve()), "year": int(year), "lang": lang,
            "out": str(Path(out_dir or ".").resolve()), "cache_dir": cache_dir, "goal": goal}
    with tempfile.TemporaryDirectory(prefix="layout-explore-") as tmp:
        nb = Path(tmp) / "what_if.ipynb"
        nb.write_text(notebook_json(), encoding="utf-8")
        env = dict(os.environ, LAYOUT_EXPLORE_ARGS=json.dumps(args, ensure_ascii=False),
                   JUPYTER_PATH=os.pathsep.join(p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p))
        click.echo(f"layout explore: http://127.0.0.1:{port}/  (Ctrl-C to stop)", err=True)
        code = _serve(voila_command(nb, port, browser=browser), env=env, cwd=tmp)
        if code not in (0, -2, -15, 130):
            raise click.ClickException(f"voila stopped with status {code}")


def _serve(cmd: list[str], *, env: dict, cwd: str) -> int:
    """Run the Voilà server until it stops, Ctrl-C or a terminate signal; the server (and so its kernels) stops
    with this command, never left running on the port."""
    import signal

    proc = subprocess.Popen(cmd, env=env, cwd=cwd)

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:          # not the main thread: the caller handles signals
        previous = None
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return -2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def importlib_missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None
