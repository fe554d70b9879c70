"""Any GIS layer (:meth:`Evaluation.layer`, a County's frames) on an offline map, like ``GeoDataFrame.explore()``.

``gdf.explore()`` itself works on every layer, in Jupyter with the internet: it loads Leaflet from a CDN, draws
OpenStreetMap tiles, shows cell text in tooltips as HTML, and its legends load jQuery UI or d3 from the web.
:func:`explore_layer` draws the same map for a planner without a network: no basemap unless asked, text from the
data escaped, colours and the legend drawn by this package, so :func:`layout.maps.save_map` writes one
self-contained file.

Example
-------
>>> import pathlib, tempfile
>>> from layout.datasets import make_county
>>> from layout.evaluate import evaluate
>>> from layout.maps import save_map
>>> ev = evaluate(make_county(n_villages=30, n_townships=3, seed=2))
>>> m = explore_layer(ev.layer("villages"), "g1_3_minutes")
>>> path = save_map(m, pathlib.Path(tempfile.mkdtemp()) / "villages.html")
>>> from layout.maps import external_urls
>>> external_urls(path.read_text(encoding="utf-8"))
[]
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layout.maps.layers import TRIP_COLOURS
from layout.maps.legend import Legend, swatch_circle

__all__ = ["explore_layer", "CATEGORY_COLOURS"]

CATEGORY_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
                    "#1f78b4", "#b2df8a")
_MISSING = "#bdbdbd"


def _escaped(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    geom = out.geometry.name
    for c in out.columns:
        if c != geom and (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            out[c] = out[c].map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v))
                                else html.escape(str(v))).astype(object)
    out.columns = [html.escape(str(c)) if c != geom else c for c in out.columns]
    return out


def _colours(values: pd.Series, bins: int) -> tuple[pd.Series, list[tuple[str, str]]]:
    """A colour per row and the legend rows: categories in order of frequency, numbers in ``bins`` classes."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        x = values.astype(float)
        finite = x[np.isfinite(x)]
        if finite.empty:
            return pd.Series(_MISSING, index=values.index), [(_MISSING, "—")]
        edges = np.unique(np.nanquantile(finite, np.linspace(0, 1, bins + 1)))
        palette = TRIP_COLOURS if len(edges) - 1 <= len(TRIP_COLOURS) else CATEGORY_COLOURS
        k = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, max(len(edges) - 2, 0))
        colours = pd.Series([palette[int(i) % len(palette)] if np.isfinite(v) else _MISSING
                             for i, v in zip(k, x, strict=True)], index=values.index)
        rows = [(palette[i % len(palette)], f"{edges[i]:,.4g} – {edges[i + 1]:,.4g}")
                for i in range(max(len(edges) - 1, 1)) if i + 1 < len(edges)] or [(palette[0], f"{edges[0]:,.4g}")]
        if (~np.isfinite(x)).any():
            rows.append((_MISSING, "—"))
        return colours, rows
    cats = values.astype(str).value_counts().index.tolist()
    lookup = {c: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, c in enumerate(cats)}
    return values.astype(str).map(lookup), [(lookup[c], c) for c in cats]


def explore_layer(gdf: gpd.GeoDataFrame, column: str | None = None, *, bins: int = 5, title: str | None = None,
                  **kwargs) -> folium.Map:
    """A GIS layer on an interactive map that works offline (see the module docstring).

    Parameters
    ----------
    gdf : GeoDataFrame
        Points, lines or polygons in any CRS.
    column : str, optional
        Colour the features by this column: categories (text, yes/no) or numbers in ``bins`` classes of equal
        counts; a legend shows the colours.
    bins : int
        Classes for a numeric column.
    title : str, optional
        The legend heading (default the column name).
    **kwargs
        Passed to :meth:`GeoDataFrame.explore` (``tooltip``, ``popup``, ``m`` …); ``tiles`` defaults to None
        (no basemap fetched).

    Returns
    -------
    folium.Map
    """
    if column is not None and column not in gdf.columns:
        raise KeyError(f"no column {column!r}; the layer has {', '.join(map(str, gdf.columns[:12]))}")
    data = _escaped(gdf)
    kwargs.setdefault("tiles", None)
    kwargs["legend"] = False
    rows: list[tuple[str, str]] = []
    if column is not None:
        colours, rows = _colours(gdf[column], bins)
        data["_colour"] = colours.to_numpy()
        kwargs["color"] = "_colour"
        kwargs.setdefault("tooltip", [html.escape(str(c)) for c in gdf.columns if c != gdf.geometry.name][:8])
        kwargs.setdefault("style_kwds", {"weight": 3})
    m = data.explore(**kwargs)
    if rows:
        heading = title or str(column)
        Legend(heading, [(heading, [(swatch_circle(c), label) for c, label in rows])]).add_to(m)
    return m
