"""Interactive offline maps of a county under a plan (folium + Leaflet inlined; no CDN, no basemap needed).

* :func:`county_map` — villages, schools by action, assignment lines, catchments, roads, townships, hotspots.
* :func:`compare_maps` — two plans side by side, synchronised.
* :func:`save_map` / :func:`render_offline` — one self-contained HTML file, written atomically.
* :func:`external_urls` — what a saved file would fetch (empty unless tiles were asked for).
* :func:`explore_layer` — any GIS layer (``Evaluation.layer``) like ``GeoDataFrame.explore()``, but offline.
"""

from __future__ import annotations

from layout.maps.actions import ACTIONS, school_actions
from layout.maps.basemaps import TILES
from layout.maps.compare import compare_html, compare_maps, save_compare
from layout.maps.countymap import county_map, village_trips
from layout.maps.explore import explore_layer
from layout.maps.offline import external_urls, render_offline, save_map
from layout.maps.safe import esc

__all__ = [
    "county_map",
    "compare_maps",
    "compare_html",
    "save_compare",
    "save_map",
    "render_offline",
    "external_urls",
    "explore_layer",
    "school_actions",
    "village_trips",
    "ACTIONS",
    "TILES",
    "esc",
]
