"""Make a folium map self-contained: Leaflet's script and stylesheet inlined from the ``xstatic-leaflet`` wheel,
every CDN asset folium would pull (jQuery, Bootstrap, Font Awesome, awesome-markers) dropped, and the result
saved atomically.

The maps in :mod:`layout.maps` draw with plain SVG (circle markers, polylines, polygons, CSS legends), so
nothing else is needed: the saved file opens in a browser on an intranet with the network switched off. The
only external requests a saved map may make are basemap tiles, and only when a basemap was asked for.

Example
-------
>>> import folium
>>> m = folium.Map(location=[30, 105], tiles=None)
>>> html = render_offline(m)
>>> external_urls(html)
[]
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium
from branca.element import Element

__all__ = ["render_offline", "save_map", "external_urls", "leaflet_assets", "LEAFLET_VERSION"]

_ASSET_MARK = "data-layout-inlined"
_URL_ATTR = re.compile(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?((?:https?:)?//[^"')\s]+)""", re.I)
_IMPORT = re.compile(r"""@import\s+["']?((?:https?:)?//[^"';\s]+)""", re.I)
_TILE_URL = re.compile(r"""L\.tileLayer(?:\.wms)?\(\s*["']((?:https?:)?//[^"']+)""", re.I)
_INLINED_BLOCK = re.compile(rf"<(script|style)\s+{_ASSET_MARK}[^>]*>.*?</\1>", re.S | re.I)


def _leaflet_dir() -> Path:
    import xstatic.pkg.leaflet as xl

    return Path(xl.BASE_DIR)


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's minified JavaScript and its CSS (with the control images as data URIs), from ``xstatic-leaflet``.

    Returns
    -------
    (js, css) : tuple of str
    """
    d = _leaflet_dir()
    js = (d / "leaflet.js").read_text(encoding="utf-8")
    css = (d / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        path = d / match.group(1)
        if not path.is_file():
            return match.group(0)
        return "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") + ")"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)
    # An inlined script must not close its own <script> element early.
    return js.replace("</script", "<\\/script"), css.replace("</style", "<\\/style")


def _leaflet_version() -> str:
    import xstatic.pkg.leaflet as xl

    return str(xl.VERSION)


LEAFLET_VERSION = _leaflet_version()


def _strip_cdn_assets(element) -> None:
    """Remove the CDN scripts and stylesheets folium elements declare (recursively)."""
    if hasattr(element, "default_js"):
        element.default_js = []
    if hasattr(element, "default_css"):
        element.default_css = []
    for child in getattr(element, "_children", {}).values():
        _strip_cdn_assets(child)


def _inline(m: folium.Map) -> None:
    js, css = leaflet_assets()
    header = m.get_root().header
    if "layout_leaflet_css" in header._children:
        return
    header.add_child(
        Element(f'<style {_ASSET_MARK}="leaflet {LEAFLET_VERSION}">{css}</style>'),
        name="layout_leaflet_css",
        index=0,
    )
    header.add_child(
        Element(f'<script {_ASSET_MARK}="leaflet {LEAFLET_VERSION}">{js}</script>'),
        name="layout_leaflet_js",
        index=1,
    )


def render_offline(m: folium.Map) -> str:
    """The map as one self-contained HTML document (Leaflet inlined, no CDN).

    Parameters
    ----------
    m : folium.Map

    Returns
    -------
    str
        The HTML text.
    """
    _strip_cdn_assets(m)
    _strip_cdn_assets(m.get_root())
    _inline(m)
    html = m.get_root().render()
    leftover = external_urls(html, include_tiles=False)
    if leftover:
        raise RuntimeError("the map still references external resources: " + ", ".join(sorted(set(leftover))))
    return html


def external_urls(html: str, include_tiles: bool = True) -> list[str]:
    """Every external address the HTML would load: ``src``/``href`` attributes, CSS ``url()`` and ``@import``
    outside the inlined Leaflet library, and basemap tile templates (``L.tileLayer``).

    Parameters
    ----------
    html : str
    include_tiles : bool
        Also list tile-layer URL templates (basemaps).

    Returns
    -------
    list of str
    """
    body = _INLINED_BLOCK.sub("", html)
    urls = _URL_ATTR.findall(body) + _CSS_URL.findall(body) + _IMPORT.findall(body)
    tiles = _TILE_URL.findall(body)
    if include_tiles:
        return urls + tiles
    return [u for u in urls if not _is_attribution_link(body, u)]


def _is_attribution_link(body: str, url: str) -> bool:
    """Links in a tile layer's attribution text (shown only with a basemap, fetched only when clicked)."""
    return bool(re.search(r'"attribution":\s*"[^"]*' + re.escape(url), body))


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as a self-contained offline HTML file, atomically (temporary file, then rename).

    Parameters
    ----------
    m : folium.Map
    path : str or Path

    Returns
    -------
    Path

    Example
    -------
    >>> import folium, tempfile, pathlib
    >>> out = save_map(folium.Map(location=[30, 105], tiles=None), pathlib.Path(tempfile.mkdtemp()) / "m.html")
    >>> "leaflet" in out.read_text(encoding="utf-8")
    True
    """
    from layout.io.write import atomic_write_text

    return atomic_write_text(path, render_offline(m))
