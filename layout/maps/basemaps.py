"""Optional basemaps. None is needed: roads and township boundaries are drawn from the county's own data.

* ``none`` — no tiles, no external request (default);
* ``osm`` — OpenStreetMap tiles (WGS84 / Web Mercator);
* ``tianditu`` — 天地图 vector map + Chinese annotation, Web Mercator (``_w``) layers; needs the user's key
  (``tk``). CGCS2000 differs from WGS84 by centimetres, so data are drawn unshifted;
* ``amap`` — AMap/Gaode (高德) road map. Its tiles are in GCJ-02, so the map data are shifted to GCJ-02
  (:func:`layout.geo.wgs84_to_gcj02`) before drawing, and points sit on the right streets.
"""

from __future__ import annotations

import folium

from layout.errors import LayoutInputError, Problem
from layout.i18n import DEFAULT_LANG, t

__all__ = ["TILES", "add_basemap", "uses_gcj02"]

TILES = ("none", "osm", "tianditu", "amap")

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)


def uses_gcj02(tiles: str) -> bool:
    """Whether data must be shifted to GCJ-02 to sit on this basemap."""
    return tiles == "amap"


def add_basemap(
    m: folium.Map, tiles: str = "none", *, tianditu_key: str | None = None, lang: str = DEFAULT_LANG
) -> None:
    """Add the chosen basemap as a base layer of ``m``.

    Parameters
    ----------
    m : folium.Map
    tiles : {"none", "osm", "tianditu", "amap"}
    tianditu_key : str, optional
        Required for ``tianditu`` (register at https://console.tianditu.gov.cn).
    lang : str

    Raises
    ------
    LayoutInputError
        Unknown basemap, or Tianditu without a key.
    """
    if tiles not in TILES:
        raise LayoutInputError(
            [
                Problem(
                    file="command line",
                    column="--tiles",
                    value=tiles,
                    message="unknown basemap",
                    fix="use one of: " + ", ".join(TILES),
                )
            ]
        )
    if tiles == "none":
        return
    if tiles == "osm":
        folium.TileLayer(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            name="OpenStreetMap",
            max_zoom=19,
            attr="&copy; OpenStreetMap contributors",
        ).add_to(m)
    elif tiles == "tianditu":
        key = (tianditu_key or "").strip()
        if not key or not key.isalnum():
            raise LayoutInputError(
                [
                    Problem(
                        file="command line",
                        column="--tianditu-key",
                        value=tianditu_key,
                        message="Tianditu tiles need the user's key (tk), letters and digits",
                        fix="pass --tianditu-key KEY (from console.tianditu.gov.cn)",
                    )
                ]
            )
        name = t("map.tianditu", lang)
        folium.TileLayer(
            _TIANDITU.format(s="{s}", layer="vec", key=key),
            name=name,
            subdomains="01234567",
            max_zoom=18,
            attr="&copy; 天地图 Tianditu",
        ).add_to(m)
        folium.TileLayer(
            _TIANDITU.format(s="{s}", layer="cva", key=key),
            name=name + " (注记)",
            subdomains="01234567",
            max_zoom=18,
            overlay=True,
            control=False,
            attr="&copy; 天地图 Tianditu",
        ).add_to(m)
    elif tiles == "amap":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            name=t("map.amap", lang),
            subdomains="1234",
            max_zoom=18,
            attr="&copy; 高德地图 AMap (GCJ-02)",
        ).add_to(m)
