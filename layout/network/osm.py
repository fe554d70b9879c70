"""Read road lines from an OpenStreetMap file offline with pyosmium (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``).

``highway=*`` values map to the canonical road classes through ``road_classes.osm_highway`` in the standards;
values not listed there (``construction``, ``proposed``, ``platform`` …) are not roads and are skipped. The OSM
value itself is kept in the ``highway`` column, and ``oneway`` follows the OSM rules (``oneway=yes/-1``,
implied on motorways and roundabouts).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from layout.errors import LayoutInputError, Problem
from layout.geo import utm_crs_for
from layout.standards import Standards, load_standards

__all__ = ["read_osm_roads"]

_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml", ".osm.xml")


def read_osm_roads(path: str | Path, crs=None, standards: Standards | None = None, *,
                   bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Road lines of an OSM file as a GeoDataFrame ready for :meth:`RoadNetwork.from_roads`.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.
    crs : CRS-like, optional
        Metric CRS to project to; default the UTM zone of the roads' centre.
    standards : Standards, optional
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Keep only ways with at least one node inside the box.

    Returns
    -------
    GeoDataFrame
        Columns ``osm_id``, ``highway``, ``road_class``, ``oneway`` (1, -1 or 0), ``name``, ``speed_kmh`` (``nan``:
        OSM ``maxspeed`` is a legal limit, not a school-bus speed, so class speeds apply).
    """
    import osmium

    path = Path(path)
    std = standards or load_standards()
    mapping = {str(k): str(v) for k, v in dict(std.get("road_classes.osm_highway")).items()}
    if not path.is_file():
        raise LayoutInputError([Problem(str(path), "OpenStreetMap file not found", fix="check the --osm path")])
    if not any(path.name.lower().endswith(s) for s in _SUFFIXES):
        raise LayoutInputError([Problem(str(path), "not an OpenStreetMap file name",
                                        fix="use a .osm.pbf, .osm, .osm.gz or .osm.bz2 file")])
    coords: list[np.ndarray] = []
    rows: dict[str, list] = {"osm_id": [], "highway": [], "road_class": [], "oneway": [], "name": []}

    class _Ways(osmium.SimpleHandler):
        def way(self, w):  # noqa: N802 (pyosmium callback name)
            hw = w.tags.get("highway")
            if hw is None or hw not in mapping or w.tags.get("area") == "yes":
                return
            try:
                xy = np.array([(n.lon, n.lat) for n in w.nodes], dtype=float)
            except osmium.InvalidLocationError:   # nodes cut off at the extract's edge
                xy = np.array([(n.lon, n.lat) for n in w.nodes if n.location.valid()], dtype=float)
            if len(xy) < 2:
                return
            if bbox is not None:
                inside = ((xy[:, 0] >= bbox[0]) & (xy[:, 0] <= bbox[2]) & (xy[:, 1] >= bbox[1]) & (xy[:, 1] <= bbox[3]))
                if not inside.any():
                    return
            coords.append(xy)
            rows["osm_id"].append(int(w.id))
            rows["highway"].append(hw)
            rows["road_class"].append(mapping[hw])
            rows["oneway"].append(_oneway(hw, w.tags.get("oneway"), w.tags.get("junction")))
            rows["name"].append(w.tags.get("name", ""))

    try:
        _Ways().apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise LayoutInputError([Problem(str(path), f"cannot read the OpenStreetMap file ({exc})",
                                        fix="download the extract again (.osm.pbf from Geofabrik)")]) from None
    if not coords:
        raise LayoutInputError([Problem(str(path), "no roads (highway=*) in the OpenStreetMap file",
                                        fix="use an extract that covers the county")])
    lengths = np.array([len(c) for c in coords])
    lines = shapely.linestrings(np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), lengths))
    gdf = gpd.GeoDataFrame({**rows, "speed_kmh": np.full(len(coords), np.nan)}, geometry=lines, crs=4326)
    if crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        crs = utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)
    return gdf.to_crs(CRS.from_user_input(crs))


def _oneway(highway: str, oneway: str | None, junction: str | None) -> int:
    """OSM one-way rules: 1 = along the way, -1 = against it, 0 = both ways."""
    if oneway in ("yes", "true", "1"):
        return 1
    if oneway in ("-1", "reverse"):
        return -1
    if oneway in ("no", "false", "0", "reversible", "alternating"):
        return 0
    if highway in ("motorway", "motorway_link") or junction in ("roundabout", "circular"):
        return 1
    return 0
