"""Open saved maps and reports in headless Chromium with the network refused, and check what is drawn.

Chromium runs with a proxy that refuses every connection and a resolver that resolves nothing, a new empty
profile, and a network log; every request the page makes is in that log. Skipped (with the reason) when no
Chromium is installed; ``.ci/run`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

from layout.maps import compare_maps, county_map, save_map
from layout.report import write_report
from tests._maps_helpers import XSS, county_and_plan

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (
        p
        for p in (
            shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
        )
        if p
    ),
    None,
)
# Hosts Chromium itself contacts (updates, accounts) even with background networking off; never the page's.
_BROWSER_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com", "~notfound")


def _need_chromium():
    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed (apt-get install chromium); .ci/run installs it")


def _run(page: Path, tmp: Path, *args: str, budget_ms: int = 6000) -> tuple[str, set[str]]:
    """Run Chromium on ``page`` offline; return (stdout, hosts the page tried to reach)."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    netlog = profile / "netlog.json"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--log-net-log={netlog}",
        "--window-size=1280,900",
        "--enable-logging=stderr",
        "--v=0",
        f"--virtual-time-budget={budget_ms}",
        *args,
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    urls = (
        set(re.findall(r'"(https?://[^"\s\\]+)', netlog.read_text(encoding="utf-8", errors="replace")))
        if netlog.exists()
        else set()
    )
    hosts = {urlparse(u).hostname or "" for u in urls}
    errors = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line and "Uncaught" in line]
    assert not errors, f"the page raised script errors (later layers and controls are then missing): {errors[:3]}"
    return proc.stdout, {h for h in hosts if h and not h.endswith(_BROWSER_HOSTS)}


def _ink(png: Path) -> tuple[float, int]:
    """Share of pixels differing from the background, and the number of distinct colours."""
    import numpy as np
    from PIL import Image

    px = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16).reshape(-1, 3)
    colours, counts = np.unique(px, axis=0, return_counts=True)
    bg = colours[counts.argmax()]
    differ = (np.abs(px - bg).max(axis=1) > 30).mean()
    return float(differ), len(colours)


@pytest.fixture(scope="module")
def data():
    return county_and_plan()


@pytest.fixture(scope="module")
def map_dom(saved_map, tmp_path_factory):
    _need_chromium()
    return _run(saved_map, tmp_path_factory.mktemp("chromium"), "--dump-dom")


@pytest.fixture(scope="module")
def saved_map(data, tmp_path_factory):
    county, plan, ev, _b, _e = data
    out = tmp_path_factory.mktemp("map")
    return save_map(
        county_map(county.with_changes(name=XSS), plan=plan, evaluation=ev, lang="zh"), out / "map.html"
    )


def test_map_draws_markers_lines_and_legend_offline(map_dom, data):
    county, plan, ev, _b, _e = data
    dom, hosts = map_dom
    assert hosts == set(), f"the map tried to reach {hosts}"
    markers = re.findall(r'<div[^>]*class="[^"]*leaflet-marker-icon', dom)
    assert len(markers) == len(plan.schools)  # one marker per school
    paths = dom.count('class="leaflet-interactive"')
    assert paths >= len(county.villages) + len(
        ev.allocation.assignments[ev.allocation.assignments.band == "g1_3"]
    )
    # rendered elements, not the names in the page's CSS
    assert re.search(r'<div[^>]*class="[^"]*layout-legend', dom) and "图例" in dom
    assert re.search(r'<div[^>]*class="[^"]*leaflet-control-scale', dom)
    assert re.search(r'<div[^>]*class="[^"]*leaflet-control-layers', dom)


def test_map_pixels_are_not_blank(saved_map, tmp_path):
    _need_chromium()
    png = tmp_path / "shot.png"
    _out, hosts = _run(saved_map, tmp_path, f"--screenshot={png}")
    assert hosts == set()
    share, colours = _ink(png)
    assert share > 0.03, f"only {share:.1%} of the screenshot differs from the background"
    assert colours > 50


def test_xss_payload_shows_as_text_and_never_runs(map_dom):
    dom, _ = map_dom
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is None or "XSS" not in title.group(1)  # the payload would set the title
    assert '<img src="x"' not in dom and "<img src=x" not in dom  # no element was created from it
    assert "&lt;img src=x onerror=" in dom  # the county name, shown as text


@pytest.mark.slow
def test_tiles_are_the_only_request_and_are_detected(data, tmp_path):
    """Positive control: with a basemap the page does reach for tiles, and the network log sees it."""
    _need_chromium()
    page = save_map(county_map(data[0], tiles="osm"), tmp_path / "osm.html")
    _dom, hosts = _run(page, tmp_path, "--dump-dom")
    assert hosts == {"tile.openstreetmap.org"}


def test_report_opens_offline_with_tables_charts_and_map(data, tmp_path):
    _need_chromium()
    county, plan, ev, base, expected = data
    paths = write_report(county, ev, baseline=base, out_dir=tmp_path / "rep", lang="zh")
    dom, hosts = _run(paths["html"], tmp_path, "--dump-dom")
    assert hosts == set()
    assert dom.count('<table class="data"') >= 6 and dom.count("<svg") >= 2
    assert "<iframe" in dom
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert "XSS" not in title
    assert "&lt;/script&gt;&lt;script&gt;document.title" in dom  # school name shown as text


@pytest.mark.slow
def test_compare_maps_are_synchronised(data, tmp_path):
    _need_chromium()
    county, plan, ev, base, _e = data
    page = compare_maps(
        county_map(county, evaluation=base),
        county_map(county, plan=plan, evaluation=ev),
        left_title="现状",
        right_title="方案",
    ).save(tmp_path / "cmp.html")
    dom, hosts = _run(page, tmp_path, "--dump-dom")
    assert hosts == set()
    assert 'data-layout-synced="1"' in dom  # both Leaflet maps found and linked
