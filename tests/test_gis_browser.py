"""``explore`` maps of the GIS layers opened in headless Chromium with the network refused (the runner of
``tests/test_browser.py``: no request leaves the page, no script error): every feature drawn, the legend shown,
hostile names shown as text. Skipped when Chromium is absent."""

from __future__ import annotations

import re

import pytest

from layout.maps import explore_layer, save_map
from tests._maps_helpers import county_and_plan
from tests.test_browser import _need_chromium, _run

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ev():
    return county_and_plan()[2]


def _drawn(dom: str) -> int:
    return len(re.findall(r'<path[^>]*class="leaflet-interactive"', dom))


@pytest.mark.parametrize("layer, column", [("schools", "action"), ("villages", "g1_3_minutes"),
                                           ("assignments", "mode"), ("bus_routes", "children")])
def test_explore_layer_renders_offline(ev, layer, column, tmp_path):
    _need_chromium()
    gdf = ev.layer(layer)
    page = save_map(explore_layer(gdf, column, title=f"{layer}: {column}"), tmp_path / f"{layer}.html")
    dom, hosts = _run(page, tmp_path, "--dump-dom")
    assert hosts == set(), f"the map tried to reach {hosts}"
    assert _drawn(dom) == len(gdf), f"{_drawn(dom)} features drawn of {len(gdf)}"
    assert re.search(r'<div[^>]*class="[^"]*layout-legend', dom) and f"{layer}: {column}" in dom
    assert '<img src="x"' not in dom  # a village named with markup is never turned into an element
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is None or "XSS" not in title.group(1)


def test_plain_geodataframe_explore_renders_offline_once_saved(ev, tmp_path):
    """``gdf.explore()`` itself (no column, no basemap), made self-contained by :func:`save_map`."""
    _need_chromium()
    gdf = ev.layer("villages")
    page = save_map(gdf.explore(tiles=None), tmp_path / "plain.html")
    dom, hosts = _run(page, tmp_path, "--dump-dom")
    assert hosts == set()
    assert _drawn(dom) == len(gdf)
