"""Map layers drawn from the county's own data: roads by class, township boundaries, villages, schools by action,
assignment lines, catchments and long-trip hotspots. Every label from input data is escaped."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layout.geo import wgs84_to_gcj02
from layout.i18n import DEFAULT_LANG
from layout.maps.safe import Popup, Tooltip, esc, html_table

__all__ = [
    "to_map_coords",
    "ROAD_STYLE",
    "ACTION_STYLE",
    "MODE_DASH",
    "BAND_COLOURS",
    "trip_colour",
    "add_roads",
    "add_townships",
    "school_icon",
    "add_catchments",
]

ROAD_STYLE = {  # canonical road class -> (colour, weight)
    "expressway": ("#e66101", 4.5),
    "motorway": ("#e66101", 4.5),
    "national": ("#f1a340", 4),
    "provincial": ("#fdb863", 3.5),
    "county": ("#b08d57", 3),
    "township": ("#9a9a9a", 2.5),
    "village": ("#b5b5b5", 2),
    "footpath": ("#c8c8c8", 1.2),
}
ACTION_STYLE = {  # action -> (colour, shape)
    "keep": ("#2b6cb0", "circle"),
    "close": ("#d7301f", "cross"),
    "merge": ("#f08c00", "arrow"),
    "downgrade": ("#8e44ad", "down"),
    "boarding": ("#1a9850", "house"),
    "new": ("#111111", "star"),
}
MODE_DASH = {"walk": None, "bus": "8 6", "board": "2 6"}
BAND_COLOURS = {"g1_3": "#1b9e77", "g4_6": "#7570b3", "g7_9": "#d95f02"}
TRIP_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
UNSERVED_COLOUR = "#67001f"
NO_TRIP_COLOUR = "#bdbdbd"


def to_map_coords(gdf: gpd.GeoDataFrame | None, gcj02: bool = False) -> gpd.GeoDataFrame | None:
    """A copy in WGS84 lon/lat (EPSG:4326), shifted to GCJ-02 when drawing on AMap tiles."""
    if gdf is None or len(gdf) == 0:
        return gdf if gdf is None else gdf.to_crs(4326) if gdf.crs is not None else gdf
    out = gdf.to_crs(4326)
    if gcj02:

        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
            return np.column_stack([lon, lat])

        out = out.set_geometry(shapely.transform(out.geometry.to_numpy(), shift))
    return out


def trip_colour(minutes: float, bins: list[float], unserved: bool = False) -> str:
    """Colour class of a trip: ``bins`` (e.g. 15, 30, 45 minutes) split green → red; unserved dark red."""
    if unserved:
        return UNSERVED_COLOUR
    if minutes is None or not np.isfinite(minutes):
        return NO_TRIP_COLOUR
    i = int(np.searchsorted(np.asarray(bins, float), minutes, side="left"))
    return TRIP_COLOURS[min(i, len(TRIP_COLOURS) - 1)]


def add_roads(group: folium.FeatureGroup, roads: gpd.GeoDataFrame | None, lang: str = DEFAULT_LANG) -> None:
    """Roads drawn by class (wider and warmer for higher classes); only geometry and class are embedded."""
    if roads is None or len(roads) == 0:
        return
    cls = (
        roads["road_class"].astype(str) if "road_class" in roads else pd.Series("village", index=roads.index)
    )
    order = list(ROAD_STYLE)
    for rc in sorted(cls.unique(), key=lambda c: -order.index(c) if c in order else 1):
        part = roads[(cls == rc).to_numpy()]
        colour, weight = ROAD_STYLE.get(rc, ("#aaaaaa", 1.5))
        data = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)}
                for g in part.geometry
                if g is not None and not g.is_empty
            ],
        }
        layer = folium.GeoJson(
            data, style_function=lambda _f, c=colour, w=weight: {"color": c, "weight": w, "opacity": 0.9}
        )
        from layout.maps.labels import t

        layer.add_child(Tooltip(t(f"road_{rc}", lang) if rc in ROAD_STYLE else rc))
        group.add_child(layer)


def add_townships(group: folium.FeatureGroup, townships: gpd.GeoDataFrame | None, lang: str) -> None:
    """Township boundaries as dashed outlines with the name on hover."""
    if townships is None or len(townships) == 0:
        return
    style = {"color": "#555555", "weight": 1.6, "dashArray": "6 4", "fill": True, "fillOpacity": 0.02}
    for _, row in townships.iterrows():
        _add_polygon(group, row.geometry, style, row.get("township", ""))


def _add_polygon(group: folium.FeatureGroup, geom, style: dict, tooltip: str) -> None:
    """One polygon as a GeoJson layer with a hover label (the label is escaped by ``Tooltip``)."""
    if geom is None or geom.is_empty:
        return
    data = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geom)}
    layer = folium.GeoJson(data, style_function=lambda _f: style)
    layer.add_child(Tooltip(tooltip))
    group.add_child(layer)


def school_icon(action: str, size: int = 22) -> folium.DivIcon:
    """An inline-SVG marker whose shape and colour say the action (no icon font, no image file)."""
    s = size
    return folium.DivIcon(
        html=school_svg(action, s), icon_size=(s, s), icon_anchor=(s // 2, s // 2), class_name="layout-school"
    )


def school_svg(action: str, size: int = 22) -> str:
    """The SVG drawing of a school marker for ``action``."""
    colour, shape = ACTION_STYLE.get(action, ACTION_STYLE["keep"])
    s = size
    body = {
        "circle": f"<circle cx='11' cy='11' r='8' fill='{colour}' stroke='#fff' stroke-width='2'/>",
        "cross": (
            f"<rect x='3' y='3' width='16' height='16' rx='3' fill='#fff' stroke='{colour}' stroke-width='2'/>"
            f"<path d='M7 7L15 15M15 7L7 15' stroke='{colour}' stroke-width='3'/>"
        ),
        "arrow": (
            f"<circle cx='11' cy='11' r='9' fill='#fff' stroke='{colour}' stroke-width='2'/>"
            f"<path d='M5 11H15M11 6L16 11L11 16' fill='none' stroke='{colour}' stroke-width='3'/>"
        ),
        "down": f"<path d='M2 4H20L11 19Z' fill='{colour}' stroke='#fff' stroke-width='1.5'/>",
        "house": f"<path d='M11 2L20 10V20H2V10Z' fill='{colour}' stroke='#fff' stroke-width='1.5'/>",
        "star": (
            f"<path d='M11 1L13.6 8H21L15 12.5L17.3 20L11 15.5L4.7 20L7 12.5L1 8H8.4Z' fill='#ffd54f' "
            f"stroke='{colour}' stroke-width='1.6'/>"
        ),
    }[shape]
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{s}' height='{s}' viewBox='0 0 22 22'>{body}</svg>"
    )


def swatch_svg(action: str) -> str:
    """The marker drawn small, for the legend."""
    return school_svg(action, 16)


def add_catchments(group: folium.FeatureGroup, iso: gpd.GeoDataFrame, names: pd.Series, lang: str) -> None:
    """Catchment polygons (isochrones), one per school, with the school name on hover."""
    style = {"color": "#3182bd", "weight": 0.8, "fillColor": "#6baed6", "fillOpacity": 0.18}
    for sid, row in iso.iterrows():
        minutes = row.get("minutes", None)
        label = f"{names.get(sid, sid)} · {esc(minutes, 0) if minutes is not None else ''}"
        _add_polygon(group, row.geometry, style, label.rstrip(" ·"))


def popup(rows: list[tuple[str, object]], title: str, extra_html: str = "") -> Popup:
    """A popup with a two-column table (escaped) plus trusted extra HTML."""
    return Popup(html_table(rows, title) + extra_html)
