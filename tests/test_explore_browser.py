"""``layout explore`` in a real browser, offline: headless Chromium (Debian's, driven by Playwright) opens the served
app with every request beyond 127.0.0.1 refused and recorded, clicks a school and its "close" action, and the
panel's numbers become those of the matching ``Scenario.delta()``; a closure that would strand grades 1–3 is
refused in the panel with its rule and the numbers stay. Screenshots are kept in ``out/test-artifacts/`` (or
``$LAYOUT_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
ARTIFACTS = Path(os.environ.get("LAYOUT_TEST_ARTIFACTS", REPO / "out" / "test-artifacts"))
#: numbers the panel shows that the test reads back (a subset of Delta.numbers())
CHECKED = ("moved.total", "moved.g1_3", "moved.g4_6", "moved.g7_9", "moved.walk", "moved.bus", "moved.board",
           "moved.unserved", "violations.new_hard", "violations.new_soft", "costs.annual.total.after",
           "costs.annual.staffing.after", "costs.annual.bus.after", "trips.g1_3.max_after",
           "balance.primary.mean_cv_after", "buses.vehicles_after")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc, seconds: float = 120) -> None:
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"layout explore stopped with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError("layout explore did not start listening")


@pytest.fixture(scope="module")
def choices():
    """A school whose closure is allowed and one whose closure strands grades 1-3, and the expected delta."""
    from layout import read_county
    from layout.plan import Close
    from layout.scenario import Scenario

    county = read_county(SAMPLE)
    sc = Scenario(county)
    order = list(sc.evaluation.schools.sort_values("enrolment").index)
    allowed = next(s for s in order if sc.check(Close(s)) is None)
    stranded = next(s for s in order if (r := sc.check(Close(s))) is not None and r.rule == "g1_3_stranded")
    expected = sc.close(allowed).delta().numbers()
    return allowed, stranded, expected


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("voila")
    pytest.importorskip("anywidget")
    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium); .ci/run installs it")
    port = _free_port()
    out = tmp_path_factory.mktemp("explore-out")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    log = open(out / "explore.log", "w")   # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-c", "from layout.cli import run; run()", "explore", str(SAMPLE),
                             "--port", str(port),
                             "--out", str(out)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=out)
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/", out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _numbers(page) -> dict:
    return {e.get_attribute("data-key"): json.loads(e.get_attribute("data-value"))
            for e in page.locator("[data-key]").all()}


def test_close_in_the_browser_shows_the_scenario_delta(server, choices):
    sync_api = pytest.importorskip("playwright.sync_api")
    url, out = server
    allowed, stranded, expected = choices
    external: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})

            def route(r):
                u = r.request.url
                if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                    r.continue_()
                else:                      # offline: nothing beyond this machine
                    external.append(u)
                    r.abort()

            page.route("**/*", route)
            page.goto(url, timeout=180_000)
            try:
                page.wait_for_selector(f'[data-school="{allowed}"]', state="visible", timeout=300_000)
            except sync_api.TimeoutError:   # keep what the page showed, and the map's size, for the report
                page.screenshot(path=str(ARTIFACTS / "explore_not_drawn.png"))
                box = page.evaluate("() => { const m = document.querySelector('.lw-map'); "
                                    "return m ? [m.clientWidth, m.clientHeight] : null; }")
                raise AssertionError(f"school {allowed} never drawn; map size {box}") from None
            before = _numbers(page)
            assert before["moved.total"] == 0
            page.locator(f'[data-school="{allowed}"]').click()
            page.wait_for_selector(".lw-act-close", timeout=120_000)
            page.locator(".lw-act-close").click()
            page.wait_for_selector('.lw-msg[data-kind="done"]', timeout=180_000)
            page.screenshot(path=str(ARTIFACTS / "explore_close.png"))
            after = _numbers(page)
            for key in CHECKED:
                assert after[key] == pytest.approx(expected[key], abs=1e-9), key
            assert after["moved.total"] > 0

            # a closure that strands grades 1-3: refused in the panel with its rule, nothing changes
            page.locator(f'[data-school="{stranded}"]').click()
            page.wait_for_selector(".lw-act-close", timeout=120_000)
            page.locator(".lw-act-close").click()
            page.wait_for_selector('.lw-msg[data-kind="refused"][data-rule="g1_3_stranded"]', timeout=180_000)
            text = page.locator(".lw-msg-text").inner_text()
            assert "1-3年级" in text and "30分钟" in text
            page.screenshot(path=str(ARTIFACTS / "explore_refused.png"))
            assert _numbers(page) == after
        finally:
            browser.close()
    assert external == [], f"the page reached beyond 127.0.0.1: {external[:5]}"
