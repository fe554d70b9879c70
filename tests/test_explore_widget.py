"""The what-if widget's state as the page receives it: its stylesheet (Leaflet's and ours) and module are synced
traits — anywidget syncs ``_css`` only when the class declares it, and without it the map is drawn 81 pixels high
with empty markers — and the module carries no network address."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def widget():
    pytest.importorskip("anywidget")
    from layout.datasets import make_county
    from layout.explore.widget import WhatIfWidget
    from layout.scenario import Scenario

    return WhatIfWidget(Scenario(make_county(n_villages=30, n_townships=3, seed=2), buses="estimate"))


def test_stylesheet_and_module_reach_the_page(widget):
    state = widget.get_state()
    assert ".leaflet-container" in state["_css"] and ".lw-map" in state["_css"]
    assert "height: 640px" in state["_css"]
    assert "export default" in state["_esm"] and "L.map(" in state["_esm"]
    assert state["_anywidget_id"].endswith("WhatIfWidget")


def test_module_needs_no_network(widget):
    esm = widget.get_state()["_esm"]
    for needle in ("https://unpkg", "cdn.jsdelivr", "cdnjs", "import(\"http", "from \"http"):
        assert needle not in esm
